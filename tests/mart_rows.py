"""Read every published mart row by row, to compare two warehouses built from the same input (two task
runners, a normal run and a rebuild from the landing zone, a run that recovers from a crash, a race or a
fault and a clean reference run)."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from sqlalchemy import Table, func, select

from warehouse.engine import make_engine
from warehouse.schema import MARTS

# Which run wrote a row differs between two warehouses by construction; nothing else may.
RUN_COLUMNS = ("last_run_id",)


def table_rows(db_url: str, tables: Iterable[Table], ignore: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """{table: its rows, each as the repr of its values but ``ignore``d columns, sorted}. The repr makes a
    SQLite and a PostgreSQL warehouse comparable (same values, same Python types)."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return {
                table.name: sorted(
                    repr(tuple(row))
                    for row in conn.execute(select(*[c for c in table.columns if c.name not in ignore]))
                )
                for table in tables
            }
    finally:
        engine.dispose()


def mart_rows(db_url: str, ignore: tuple[str, ...] = RUN_COLUMNS) -> dict[str, list[str]]:
    """{mart: its rows} as ``table_rows`` gives them, ``RUN_COLUMNS`` ignored unless told otherwise."""
    return table_rows(db_url, MARTS, ignore)


def assert_same_marts(expected_db_url: str, actual_db_url: str) -> dict[str, int]:
    """Every mart of the two warehouses holds the same rows (``RUN_COLUMNS`` aside), none empty; returns the
    row count per mart. A difference names the mart and its first differing row."""
    expected, actual = mart_rows(expected_db_url), mart_rows(actual_db_url)
    assert set(expected) == set(actual) == {t.name for t in MARTS}
    for name, rows in expected.items():
        assert rows, f"{name} is empty in {expected_db_url}: nothing to compare"
        other = actual[name]
        rows_set, other_set = set(rows), set(other)
        missing = [row for row in rows if row not in other_set]
        extra = [row for row in other if row not in rows_set]
        assert not missing and not extra and len(rows) == len(other), (
            f"{name}: {len(rows)} vs {len(other)} rows; first only in the first warehouse: "
            f"{missing[:1]}, first only in the second: {extra[:1]}"
        )
    return {name: len(rows) for name, rows in expected.items()}


def assert_marts_equal(
    expected: dict[str, list[str]], actual_db_url: str, ignore: tuple[str, ...] = RUN_COLUMNS
) -> None:
    """The marts of ``actual_db_url`` hold exactly the ``expected`` rows (read with the same ``ignore``); a
    difference names the mart, the row counts and the first row that differs."""
    actual = mart_rows(actual_db_url, ignore)
    for name, rows in expected.items():
        if rows != actual[name]:
            missing = sorted(set(rows) - set(actual[name]))
            extra = sorted(set(actual[name]) - set(rows))
            pytest.fail(
                f"{name}: {len(rows)} rows expected, {len(actual[name])} found; first missing: "
                f"{missing[:1]}, first unexpected: {extra[:1]}"
            )


def duplicate_keys(db_url: str, table, key: tuple[str, ...]) -> int:
    """How many values of ``key`` occur more than once in ``table``."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            columns = [table.c[name] for name in key]
            groups = select(*columns).group_by(*columns).having(func.count() > 1).subquery()
            return conn.execute(select(func.count()).select_from(groups)).scalar_one()
    finally:
        engine.dispose()
