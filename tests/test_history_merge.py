"""The SCD2 merge (``warehouse.history.merge_history``) on a compound key, on SQLite and PostgreSQL: what is
new is opened, what changed is closed and opened again, what is gone is closed, what is the same writes
nothing; a frame with a key twice is refused with nothing written. The participations here are CONSTRUCTED
(four, with a made-up project and organisations); the merge on real records is in ``test_history.py``."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import inspect, select

from warehouse.history import DuplicateKeyError, merge_history
from warehouse.schema import HISTORY_KEYS, core_participations

KEY = HISTORY_KEYS["core_participations"]
FIRST = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
SECOND = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def _participation(project: str, ref: str, order: int, amount: str, digest: str) -> dict:
    return {
        "project_key": project,
        "source_organisation_ref": ref,
        "role": "participant",
        "order_no": order,
        "organisation_key": f"org:{ref}",
        "organisation_name": f"Organisation {ref}",
        "ec_contribution_eur": Decimal(amount),
        "record_hash": digest * 64,
    }


def _frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), dtype=object)


def _rows(engine) -> list[tuple]:
    columns = [*(core_participations.c[name] for name in KEY), core_participations.c.record_hash]
    query = select(*columns, core_participations.c.is_current, core_participations.c.run_id)
    with engine.connect() as conn:
        return sorted(tuple(row) for row in conn.execute(query))


def _merge(engine, frame: pd.DataFrame, run_id: str, now: datetime):
    with engine.begin() as conn:
        return merge_history(conn, core_participations, KEY, frame, run_id, now)


def test_new_changed_removed_and_unchanged_rows(migrated_engine) -> None:
    kept = _participation("cordis:1", "A", 1, "100.00", "a")
    changed = _participation("cordis:1", "B", 2, "200.00", "b")
    removed = _participation("cordis:2", "C", 1, "300.00", "c")
    first = _merge(migrated_engine, _frame(kept, changed, removed), "run-1", FIRST)
    assert (first.inserted, first.closed) == (3, 0)
    assert first.touched == {"cordis:1", "cordis:2"}

    new = _participation("cordis:3", "A", 1, "50.00", "d")
    second = _merge(
        migrated_engine,
        _frame(new, kept, {**changed, "ec_contribution_eur": Decimal("250.00"), "record_hash": "e" * 64}),
        "run-2",
        SECOND,
    )
    # changed: closed and opened; removed: closed; new: opened; kept: nothing
    assert (second.inserted, second.closed) == (2, 2)
    assert second.touched == {"cordis:1", "cordis:2", "cordis:3"}
    assert _rows(migrated_engine) == [
        ("cordis:1", "A", "participant", 1, "a" * 64, True, "run-1"),
        ("cordis:1", "B", "participant", 2, "b" * 64, False, "run-1"),
        ("cordis:1", "B", "participant", 2, "e" * 64, True, "run-2"),
        ("cordis:2", "C", "participant", 1, "c" * 64, False, "run-1"),
        ("cordis:3", "A", "participant", 1, "d" * 64, True, "run-2"),
    ]
    with migrated_engine.connect() as conn:
        amounts = conn.execute(
            select(core_participations.c.ec_contribution_eur).where(
                core_participations.c.is_current, core_participations.c.source_organisation_ref == "B"
            )
        ).scalars()
        assert list(amounts) == [Decimal("250.00")]

    again = _merge(migrated_engine, _frame(kept, new), "run-3", SECOND)
    assert (again.inserted, again.closed, again.touched) == (0, 1, {"cordis:1"})


def test_the_same_frame_twice_writes_nothing_and_leaves_no_temporary_table(migrated_engine) -> None:
    frame = _frame(*(_participation("cordis:9", f"R{i}", i, f"{i}.50", "f") for i in range(1, 6)))
    assert _merge(migrated_engine, frame, "run-1", FIRST).rows_written == 5
    repeat = _merge(migrated_engine, frame, "run-2", SECOND)
    assert (repeat.rows_written, repeat.touched) == (0, frozenset())
    with migrated_engine.connect() as conn:
        assert not [name for name in inspect(conn).get_temp_table_names() if name.startswith("incoming_")]


def test_a_key_twice_is_refused_and_nothing_is_written(migrated_engine) -> None:
    row = _participation("cordis:1", "A", 1, "100.00", "a")
    _merge(migrated_engine, _frame(row), "run-1", FIRST)
    before = _rows(migrated_engine)
    twice = _frame(_participation("cordis:1", "B", 2, "1.00", "b"), row, {**row, "record_hash": "c" * 64})
    with pytest.raises(DuplicateKeyError, match="core_participations"):
        _merge(migrated_engine, twice, "run-2", SECOND)
    assert _rows(migrated_engine) == before
