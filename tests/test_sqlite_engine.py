"""The SQLite warehouse engine's connection settings (warehouse/engine.py): WAL, a busy timeout, foreign
keys on every connection; the 64 MiB page cache only on the publish's connection, and a pooled connection
back to SQLite's default cache when it is returned (an idle connection keeps no cache)."""

from __future__ import annotations

from pathlib import Path

from warehouse.engine import DEFAULT_CACHE_SIZE, PUBLISH_CACHE_SIZE, large_page_cache, make_engine


def _pragma(conn, name: str):
    return conn.exec_driver_sql(f"PRAGMA {name}").scalar_one()


def test_every_connection_gets_wal_a_busy_timeout_foreign_keys_and_the_default_cache(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    try:
        with engine.connect() as conn:
            assert _pragma(conn, "journal_mode") == "wal"
            assert _pragma(conn, "busy_timeout") == 60000
            assert _pragma(conn, "foreign_keys") == 1
            assert _pragma(conn, "cache_size") == DEFAULT_CACHE_SIZE
    finally:
        engine.dispose()


def test_the_large_page_cache_lasts_until_the_connection_goes_back_to_the_pool(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    try:
        with engine.begin() as conn:
            large_page_cache(conn)
            assert _pragma(conn, "cache_size") == PUBLISH_CACHE_SIZE
            first = conn.connection.dbapi_connection
        with engine.connect() as conn:
            assert conn.connection.dbapi_connection is first  # the same pooled connection, reused
            assert _pragma(conn, "cache_size") == DEFAULT_CACHE_SIZE
    finally:
        engine.dispose()
