"""One writer at a time: a nightly run and a backfill never write the warehouse together.

PostgreSQL: a session-level advisory lock on a connection held for the whole run (the server releases it
when that connection ends, also when the process is killed). SQLite: a row in ``warehouse_lock`` with the
holder's host and pid; a row left by a process that no longer exists on this host is stale and is taken
over. A second writer waits up to ``wait_s`` seconds, then fails with ``WarehouseLockedError`` naming the
holder."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from inventory.errors import InventoryError
from warehouse.schema import warehouse_lock

LOCK_NAME = "writer"
ADVISORY_KEY = 0x1D40_2018  # any constant shared by every writer of this warehouse
POLL_S = 0.5


class WarehouseLockedError(InventoryError):
    """Another run holds the warehouse writer lock."""

    def __init__(self, holder: str, waited_s: float) -> None:
        super().__init__(
            f"the warehouse is being written by {holder}; gave up after waiting {waited_s:.0f} s"
        )
        self.holder = holder


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _postgres_lock(engine: Engine, holder: str, wait_s: float) -> Iterator[None]:
    started = time.monotonic()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SELECT set_config('application_name', :name, false)"), {"name": holder[:60]})
        while not conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}).scalar_one():
            waited = time.monotonic() - started
            if waited >= wait_s:
                other = conn.execute(
                    text(
                        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                        "WHERE l.locktype = 'advisory' AND l.objid = :key AND l.granted AND l.classid = 0 "
                        "AND l.objsubid = 1 AND l.database = "
                        "(SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1"
                    ),
                    {"key": ADVISORY_KEY},
                ).scalar_one_or_none()
                raise WarehouseLockedError(other or "another session", waited)
            time.sleep(POLL_S)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})


def _try_sqlite(engine: Engine, holder: str) -> str | None:
    """Take the lock row; None on success, else the current holder's description."""
    me = {"name": LOCK_NAME, "holder": holder, "host": socket.gethostname(), "pid": os.getpid()}
    with engine.begin() as conn:
        row = (
            conn.execute(select(warehouse_lock).where(warehouse_lock.c.name == LOCK_NAME)).mappings().first()
        )
        if row is not None:
            stale = row["host"] == me["host"] and not _pid_alive(row["pid"])
            if not stale:
                return f"{row['holder']} (pid {row['pid']} on {row['host']}, since {row['acquired_at']})"
            conn.execute(delete(warehouse_lock).where(warehouse_lock.c.name == LOCK_NAME))
        try:
            conn.execute(insert(warehouse_lock).values(**me, acquired_at=datetime.now(UTC)))
        except IntegrityError:
            return "another writer"
    return None


@contextmanager
def _sqlite_lock(engine: Engine, holder: str, wait_s: float) -> Iterator[None]:
    started = time.monotonic()
    while (other := _try_sqlite(engine, holder)) is not None:
        waited = time.monotonic() - started
        if waited >= wait_s:
            raise WarehouseLockedError(other, waited)
        time.sleep(POLL_S)
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(
                delete(warehouse_lock).where(
                    warehouse_lock.c.name == LOCK_NAME, warehouse_lock.c.holder == holder
                )
            )


@contextmanager
def writer_lock(engine: Engine, holder: str, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the warehouse writer lock for the block (the schema must exist: migrate first)."""
    lock = _postgres_lock if engine.dialect.name == "postgresql" else _sqlite_lock
    with lock(engine, holder, wait_s):
        yield
