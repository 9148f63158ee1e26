"""The warehouse is built by Alembic migrations, and what they build equals the schema the code uses."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from warehouse.engine import make_engine
from warehouse.migrate import upgrade
from warehouse.schema import metadata


def _assert_matches_schema(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    upgrade(engine)  # idempotent
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
        tables = set(inspect(conn).get_table_names())
    assert diff == []
    assert {"etl_run", "mart_inventory", "raw_manifest", "alembic_version"} <= tables
    engine.dispose()


def test_sqlite_migrations_build_exactly_the_schema(tmp_path: Path) -> None:
    _assert_matches_schema(f"sqlite:///{tmp_path / 'w.sqlite'}")


def test_postgres_migrations_build_exactly_the_schema(postgres_url: str) -> None:
    _assert_matches_schema(postgres_url)
