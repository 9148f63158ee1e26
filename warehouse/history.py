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
READ_CHUNK = 10_000


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
    """Bring ``table``'s current rows to ``frame`` (the complete current state, one row per key).

    The current rows' keys and hashes stream from the database and are compared with the frame's as they
    come: none of them is kept but the removed ones (a dict of the 409k current participations of a 60k
    warehouse, their keys' strings read anew, was 190 MB of the publish's peak)."""
    key_columns = [table.c[name] for name in key]
    # the last row of each key, in the order keys first appear (as a dict of the records would keep them)
    position: dict[tuple, int] = {}
    if len(frame):
        keys = zip(*(column_values(frame, name) for name in key), strict=True)
        for index, incoming_key in enumerate(keys):
            position[incoming_key] = index
    hashes = column_values(frame, "record_hash") if len(frame) else []
    found = bytearray(len(frame))  # found[position of a key] = 1 once its current row is read
    differing: set[tuple] = set()
    removed: list[tuple] = []
    query = select(*key_columns, table.c.record_hash).where(table.c.is_current)
    width = len(key)
    for part in conn.execute(query, execution_options={"yield_per": READ_CHUNK}).partitions():
        for row in part:
            current_key = tuple(row[:width])
            index = position.get(current_key)
            if index is None:
                removed.append(current_key)
            else:
                found[index] = 1
                if hashes[index] != row[width]:
                    differing.add(current_key)
    changed = [k for k in position if k in differing]  # in the frame's order, as inserted before
    new = [k for k, i in position.items() if not found[i]]

    to_close = changed + removed
    for chunk in chunks(to_close, CHUNK):
        conn.execute(
            update(table)
            .where(and_(table.c.is_current, tuple_(*key_columns).in_(chunk)))
            .values(valid_to=now, is_current=False)
        )
    constants = {"valid_from": now, "valid_to": None, "is_current": True, "run_id": run_id}
    # by position, a chunk at a time: a first publish inserts every row, no copy of the frame beside it
    inserted = insert_frame(conn, table, frame, constants, positions=[position[k] for k in changed + new])
    return HistoryChange(inserted=inserted, closed=len(to_close), touched=(*changed, *new, *removed))
