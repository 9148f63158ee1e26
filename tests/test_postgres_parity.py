"""PostgreSQL parity: the same migrations and loads give the same mart rows as SQLite, value for value; and
the BI role reads the marts and nothing else."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from tests.loading import load
from warehouse.engine import make_engine
from warehouse.schema import MARTS


def _mart_rows(db_url: str) -> dict[str, list[tuple]]:
    with make_engine(db_url).connect() as conn:
        return {
            table.name: [
                tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in MARTS
        }


def test_marts_are_the_same_rows_on_sqlite_and_postgres(tmp_path: Path, postgres_url: str) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    load(sqlite_url, "run-1")
    load(postgres_url, "run-1")
    on_sqlite, on_postgres = _mart_rows(sqlite_url), _mart_rows(postgres_url)
    for name in on_sqlite:
        assert len(on_sqlite[name]) > 0, name
        assert [repr(row) for row in on_sqlite[name]] == [repr(row) for row in on_postgres[name]], name


def test_bi_reader_role_selects_marts_and_nothing_else(postgres_url: str) -> None:
    load(postgres_url, "run-1")
    login = f"bi_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {login} LOGIN IN ROLE inventory_reader"))
    reader = create_engine(
        make_url(postgres_url).set(username=login, password=None), isolation_level="AUTOCOMMIT"
    )
    try:
        with reader.connect() as conn:
            for mart in MARTS:
                conn.execute(select(mart).limit(1)).all()
            refused = [
                "INSERT INTO mart_inventory (project_key) VALUES ('x')",
                "UPDATE mart_inventory SET title = 'x'",
                "DELETE FROM mart_organisations",
                "DROP TABLE mart_inventory",
                "SELECT * FROM stg_cordis__projects",
                "SELECT * FROM etl_run",
                "SELECT * FROM core_projects",
                "CREATE TABLE sneaky (x int)",
            ]
            for statement in refused:
                with pytest.raises(ProgrammingError, match=r"permission denied|must be owner"):
                    conn.execute(text(statement))
    finally:
        reader.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP OWNED BY {login}"))
            conn.execute(text(f"DROP ROLE {login}"))
        admin.dispose()


def test_marts_have_planner_statistics_after_a_publish(postgres_url: str, tmp_path: Path) -> None:
    from warehouse.maintenance import analyze_marts

    load(postgres_url, "run-analyze")
    engine = make_engine(postgres_url)
    assert analyze_marts(engine) == [table.name for table in MARTS]
    with engine.connect() as conn:
        analysed = conn.execute(
            text("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")
        ).scalars()
        assert {table.name for table in MARTS} <= set(analysed)
    assert analyze_marts(make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")) == []
