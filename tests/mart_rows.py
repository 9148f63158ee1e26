"""Read every published mart row by row, to compare two warehouses built from the same input (two task
runners, a normal run and a rebuild from the landing zone)."""

from __future__ import annotations

from sqlalchemy import func, select

from warehouse.engine import make_engine
from warehouse.schema import MARTS

# Which run wrote a row differs between two warehouses by construction; nothing else may.
RUN_COLUMNS = ("last_run_id",)


def mart_rows(db_url: str, ignore: tuple[str, ...] = RUN_COLUMNS) -> dict[str, list[tuple]]:
    """{mart: its rows as tuples (every column but ``ignore``), ordered by the whole row}."""
    engine = make_engine(db_url)
    marts: dict[str, list[tuple]] = {}
    try:
        with engine.connect() as conn:
            for table in MARTS:
                columns = [c for c in table.columns if c.name not in ignore]
                rows = conn.execute(select(*columns)).all()
                marts[table.name] = sorted((tuple(row) for row in rows), key=repr)
    finally:
        engine.dispose()
    return marts


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
