"""Engines for the embedded SQLite warehouse and PostgreSQL."""

from __future__ import annotations

import warnings
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SAWarning

# SQLite has no decimal type: SQLAlchemy stores REAL and returns Decimal rounded to the column's scale,
# which is exact for euro amounts with cents. The warning about it is expected, not a problem.
warnings.filterwarnings(
    "ignore", message=r".*does \*not\* support Decimal objects natively", category=SAWarning
)


def make_engine(db_url: str) -> Engine:
    """An engine for ``db_url``; for SQLite the folder is created and WAL + a busy timeout are set."""
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "checkin")
    def _default_page_cache(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        if dbapi_connection is not None:  # a connection the pool invalidated has none
            dbapi_connection.execute(f"PRAGMA cache_size={DEFAULT_CACHE_SIZE}")
            dbapi_connection.execute("PRAGMA shrink_memory")

    return engine


# SQLite's own default page cache (-2000: 2,000 KiB); a pooled connection goes back to it when returned
DEFAULT_CACHE_SIZE = -2000
PUBLISH_CACHE_SIZE = -16384


def large_page_cache(conn: Connection) -> None:
    """A 16 MiB page cache for this SQLite connection, until it goes back to the pool (elsewhere nothing).

    The publish: the indexes of 400k-row tables stay in memory while it rewrites them. Publishing the 60k
    core and marts whole into a copy of the warehouse (scratch measurement, session 7): 2 MiB (SQLite's
    default) 19.0 s and +171 MB of RSS; 16 MiB 13.8-15.8 s, +180 MB; 64 MiB 15.3-16.4 s, +202 MB. Not for
    every connection: the merge's grew by 36 MB of cache at 60k projects for no time gained."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size={PUBLISH_CACHE_SIZE}")
