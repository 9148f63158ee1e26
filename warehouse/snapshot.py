"""Reading several tables as of one moment. A publish is one transaction, but a reader that opens a new
connection per table can still read one mart before a publish and the next one after it: one report would
then mix two runs. ``snapshot`` gives every read of a block the same committed state."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from sqlalchemy.engine import Connection, Engine


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only connection whose reads all see the state committed when its first read ran.

    PostgreSQL: a REPEATABLE READ transaction. SQLite (WAL): an explicit read transaction; the driver would
    otherwise run each SELECT in a transaction of its own."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            yield conn
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            conn.rollback()


def connected(bind: Engine | Connection) -> AbstractContextManager[Connection]:
    """``bind`` itself when it is a connection (a snapshot's, say), else a new connection of the engine."""
    return nullcontext(bind) if isinstance(bind, Connection) else bind.connect()
