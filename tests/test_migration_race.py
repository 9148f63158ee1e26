"""Two processes that both find the warehouse unmigrated (two first runs, or a new release) migrate one after
the other instead of racing on CREATE TABLE, on SQLite and on PostgreSQL."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import inspect

from warehouse.engine import make_engine


def _migrate(url: str, barrier) -> str:
    from warehouse.migrate import upgrade

    engine = make_engine(url)
    barrier.wait(timeout=60)
    try:
        upgrade(engine)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        engine.dispose()
    return "ok"


def _race(url: str) -> list[str]:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(2)
        with context.Pool(2) as pool:
            return pool.starmap(_migrate, [(url, barrier), (url, barrier)], chunksize=1)


def test_two_first_runs_migrate_one_after_the_other_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    assert _race(url) == ["ok", "ok"]
    assert "etl_run" in inspect(make_engine(url)).get_table_names()


@pytest.mark.postgres
def test_two_first_runs_migrate_one_after_the_other_on_postgres(postgres_url: str) -> None:
    assert _race(postgres_url) == ["ok", "ok"]
    assert "etl_run" in inspect(make_engine(postgres_url)).get_table_names()
