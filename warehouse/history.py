"""Slowly-changing dimensions, type 2: a changed entity gets its current row closed (valid_to, is_current
false) and a new current row; an unchanged one (same record_hash) writes nothing; one that disappeared from
the sources is closed. "What changed since last night" is then one query on valid_from / valid_to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Table, and_, insert, select, tuple_, update
from sqlalchemy.engine import Connection

CHUNK = 500


@dataclass(frozen=True)
class HistoryChange:
    inserted: int
    closed: int

    @property
    def rows_written(self) -> int:
        return self.inserted + self.closed


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def merge_history(
    conn: Connection, table: Table, key: Sequence[str], frame: pd.DataFrame, run_id: str, now: datetime
) -> HistoryChange:
    """Bring ``table``'s current rows to ``frame`` (the complete current state, one row per key)."""
    key_columns = [table.c[name] for name in key]
    current = {
        tuple(row[:-1]): row[-1]
        for row in conn.execute(select(*key_columns, table.c.record_hash).where(table.c.is_current))
    }
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    incoming = {tuple(record[name] for name in key): record for record in records}
    changed = [k for k, record in incoming.items() if k in current and current[k] != record["record_hash"]]
    new = [k for k in incoming if k not in current]
    removed = [k for k in current if k not in incoming]

    to_close = changed + removed
    for chunk in _chunks(to_close, CHUNK):
        conn.execute(
            update(table)
            .where(and_(table.c.is_current, tuple_(*key_columns).in_(chunk)))
            .values(valid_to=now, is_current=False)
        )
    rows = [
        {**incoming[k], "valid_from": now, "valid_to": None, "is_current": True, "run_id": run_id}
        for k in changed + new
    ]
    for chunk in _chunks(rows, 5000):
        conn.execute(insert(table), list(chunk))
    return HistoryChange(inserted=len(rows), closed=len(to_close))
