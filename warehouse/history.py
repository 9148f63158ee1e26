"""Slowly-changing dimensions, type 2: a changed entity gets its current row closed (valid_to, is_current
false) and a new current row; an unchanged one (same record_hash) writes nothing; one that disappeared from
the sources is closed. "What changed since last night" is then one query on valid_from / valid_to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Table, and_, select, tuple_, update
from sqlalchemy.engine import Connection

from warehouse.bulk import chunks, column_values, insert_frame

CHUNK = 500


@dataclass(frozen=True)
class HistoryChange:
    inserted: int
    closed: int
    touched: tuple[tuple, ...] = ()  # the keys whose current row was opened or closed (new, changed, removed)

    @property
    def rows_written(self) -> int:
        return self.inserted + self.closed


def merge_history(
    conn: Connection, table: Table, key: Sequence[str], frame: pd.DataFrame, run_id: str, now: datetime
) -> HistoryChange:
    """Bring ``table``'s current rows to ``frame`` (the complete current state, one row per key)."""
    key_columns = [table.c[name] for name in key]
    current = {
        tuple(row[:-1]): row[-1]
        for row in conn.execute(select(*key_columns, table.c.record_hash).where(table.c.is_current))
    }
    # the last row of each key, in the order keys first appear (as a dict of the records would keep them)
    position: dict[tuple, int] = {}
    if len(frame):
        keys = zip(*(column_values(frame, name) for name in key), strict=True)
        for index, incoming_key in enumerate(keys):
            position[incoming_key] = index
    hashes = column_values(frame, "record_hash") if len(frame) else []
    changed = [k for k, i in position.items() if k in current and current[k] != hashes[i]]
    new = [k for k in position if k not in current]
    removed = [k for k in current if k not in position]

    to_close = changed + removed
    for chunk in chunks(to_close, CHUNK):
        conn.execute(
            update(table)
            .where(and_(table.c.is_current, tuple_(*key_columns).in_(chunk)))
            .values(valid_to=now, is_current=False)
        )
    rows = frame.iloc[[position[k] for k in changed + new]]
    constants = {"valid_from": now, "valid_to": None, "is_current": True, "run_id": run_id}
    inserted = insert_frame(conn, table, rows, constants)
    return HistoryChange(inserted=inserted, closed=len(to_close), touched=(*changed, *new, *removed))
