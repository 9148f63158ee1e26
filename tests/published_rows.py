"""What a publish left in the warehouse, against the frames a build gave (tests of the publish)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from warehouse.publish import PER_PROJECT_TABLES, WHOLE_TABLES, read_table
from warehouse.schema import HISTORY_KEYS

HISTORY_ONLY = ("valid_from", "valid_to", "is_current", "run_id", "last_run_id")


def _value(value: object) -> object:
    """A float (the near-match similarity, which the warehouse stores as NUMERIC) as the Decimal it stores."""
    if isinstance(value, float):
        return None if pd.isna(value) else Decimal(repr(value))
    return value


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    values = [[_value(v) for v in frame[c].tolist()] for c in columns]
    return sorted(zip(*values, strict=True), key=repr)


def assert_published(engine, core: dict, marts: dict) -> None:
    """Every derived table holds exactly the built frame's rows; every history table's current rows too."""
    frames = {**core, **marts}
    for table in (*PER_PROJECT_TABLES, *WHOLE_TABLES):
        frame = frames[table.name]
        assert _rows(read_table(engine, table.name), list(frame.columns)) == _rows(
            frame, list(frame.columns)
        ), table.name
    for name in HISTORY_KEYS:
        stored = read_table(engine, name)
        columns = [c for c in core[name].columns if c not in HISTORY_ONLY]
        assert _rows(stored[stored["is_current"].astype(bool)], columns) == _rows(core[name], columns), name
