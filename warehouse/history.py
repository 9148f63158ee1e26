"""Slowly-changing dimensions, type 2: a changed entity gets its current row closed (valid_to, is_current
false) and a new current row; an unchanged one (same record_hash) writes nothing; one that disappeared from
the sources is closed. "What changed since last night" is then one query on valid_from / valid_to.

The comparison runs in the database: the incoming keys and record hashes go to a temporary table, a chunk at a
time, and the rows to close and to insert are what two joins against it find. Python never holds an index of
every incoming key (at 60k projects, a dict of the 409k participations' keys and the lists beside it were
≈110 MB at the publish's peak)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import count

import numpy as np
import pandas as pd
from sqlalchemy import Column, Index, Integer, MetaData, String, Table, and_, exists, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from warehouse.bulk import CHUNK, insert_frame, streamed

_names = count()


class DuplicateKeyError(ValueError):
    """The frame holds more than one row for a key: it is not one state of the entities."""


@dataclass(frozen=True)
class HistoryChange:
    inserted: int
    closed: int
    # the first key column's values (a participation's project) of the rows opened or closed: new, changed or
    # removed entities
    touched: frozenset = frozenset()

    @property
    def rows_written(self) -> int:
        return self.inserted + self.closed


def merge_history(
    conn: Connection,
    table: Table,
    key: Sequence[str],
    frame: pd.DataFrame,
    run_id: str,
    now: datetime,
    scope: Collection[str] | None = None,
) -> HistoryChange:
    """Bring ``table``'s current rows to ``frame`` (the complete current state, one row per key: a
    :class:`DuplicateKeyError` otherwise, and nothing written). New and changed rows are inserted in the
    frame's order.

    ``scope``: values of the first key column (a project key); only the rows with one of them are compared,
    closed and inserted, the frame's and the table's, and only they are checked for a duplicate key. For a
    caller that knows every other current row of the table is the one a whole frame would give
    (``transforms.core.Core.scope``): the frame may hold the scope's rows only, and the record hash of any
    other row is not read and may be missing."""
    first = key[0]
    positions = None if scope is None else np.flatnonzero(frame[first].isin(scope).to_numpy())
    incoming = _incoming_table(conn, table, key, frame, positions)
    match = and_(*(table.c[name] == incoming.c[name] for name in key))
    same = exists().where(match, incoming.c.record_hash == table.c.record_hash)
    stale = and_(table.c.is_current, ~same)  # changed or removed
    scoped = None
    if scope is not None:
        scoped = _scope_table(conn, table.c[first], scope)
        stale = and_(stale, table.c[first].in_(select(scoped.c[first])))
    touched = set(streamed(conn, select(table.c[first]).where(stale).distinct()).scalars())
    closed = conn.execute(update(table).where(stale).values(valid_to=now, is_current=False)).rowcount
    # what has no current row now: the new keys and the changed ones just closed
    opened = select(incoming.c.pos, incoming.c[first]).where(~exists().where(match, table.c.is_current))
    positions = []
    for part in streamed(conn, opened.order_by(incoming.c.pos)).partitions():
        positions.append(np.fromiter((row[0] for row in part), dtype=np.int64, count=len(part)))
        touched.update(row[1] for row in part)
    rows = np.concatenate(positions) if positions else np.empty(0, dtype=np.int64)
    constants = {"valid_from": now, "valid_to": None, "is_current": True, "run_id": run_id}
    inserted = insert_frame(conn, table, frame, constants, positions=rows)
    incoming.drop(conn)
    if scoped is not None:
        scoped.drop(conn)
    return HistoryChange(inserted=inserted, closed=max(closed, 0), touched=frozenset(touched))


def _scope_table(conn: Connection, column: Column, scope: Collection[str]) -> Table:
    """A temporary table of the ``scope`` values of ``column``; dropped by the caller."""
    scoped = Table(
        f"scope_{column.table.name}_{next(_names)}",
        MetaData(),
        Column(column.name, column.type, primary_key=True),
        prefixes=["TEMPORARY"],
    )
    scoped.create(conn)
    insert_frame(conn, scoped, pd.DataFrame({column.name: sorted(set(scope))}, dtype=object))
    return scoped


def _incoming_table(
    conn: Connection, table: Table, key: Sequence[str], frame: pd.DataFrame, positions: np.ndarray | None
) -> Table:
    """A temporary table of ``frame``'s position, key and record hash (unique by key), of every row or of
    the rows at ``positions``, filled chunk by chunk; dropped by the caller once merged. On an error the
    caller's transaction is rolled back (the publish is one transaction), and the table with it: no
    statement is run on a failed transaction."""
    incoming = Table(
        f"incoming_{table.name}_{next(_names)}",
        MetaData(),
        Column("pos", Integer, nullable=False),
        *(Column(name, table.c[name].type, nullable=False) for name in key),
        Column("record_hash", String(64), nullable=False),
        prefixes=["TEMPORARY"],
    )
    incoming.create(conn)
    total = len(frame) if positions is None else len(positions)
    for start in range(0, total, CHUNK):
        if positions is None:
            at = np.arange(start, min(start + CHUNK, total))
            part = frame.iloc[start : start + CHUNK]
        else:
            at = positions[start : start + CHUNK]
            part = frame.iloc[at]
        rows = pd.DataFrame({"pos": at, **{n: part[n].to_numpy() for n in (*key, "record_hash")}})
        insert_frame(conn, incoming, rows)
    try:
        Index(f"ux_{incoming.name}", *(incoming.c[name] for name in key), unique=True).create(conn)
    except IntegrityError as exc:
        raise DuplicateKeyError(f"{table.name}: more than one row for a key {tuple(key)}") from exc
    return incoming
