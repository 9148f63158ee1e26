"""Bulk inserts of DataFrames: the rows go to the driver in one ``executemany`` per chunk (COPY on
PostgreSQL with psycopg 3), with the values bound exactly as SQLAlchemy Core would bind them (the column
types' bind processors), but without Core's per-row parameter handling, which dominated the publish. And
streamed reads (``streamed``), a chunk of rows at a time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import String, Table, insert
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.sql import Executable

from inventory.interning import encodable_copy

# rows bound and sent per executemany / COPY: a chunk's bound rows are held at once (50k was part of the
# merge's and the publish's peak at 60k projects: see benchmarks/README.md, session 8); a chunk costs one call
CHUNK = 20_000
# rows fetched at a time by a streamed read (``streamed``)
READ_CHUNK = 50_000
# rows a chunk where each holds long text (a staged project's objective): 5,000 objectives are ≈17 MB
LONG_TEXT_CHUNK = 5_000


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """``items`` in consecutive slices of at most ``size`` (parameter lists kept under a driver's limit)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def streamed(conn: Connection, query: Executable, rows: int = READ_CHUNK) -> CursorResult:
    """``query``'s result fetched ``rows`` at a time: on PostgreSQL through a server-side cursor (psycopg
    otherwise receives the whole result into the client's memory at once before a row is read: ≈60 MB more
    at the core build's peak for the 409k staged participations)."""
    return conn.execute(query, execution_options={"yield_per": rows})


def column_values(frame: pd.DataFrame, column: str) -> list[Any]:
    """A column as Python values, missing values (None, NaN, NaT, NA) as None."""
    series = frame[column]
    return series.astype(object).where(series.notna(), None).tolist()


def insert_frame(
    conn: Connection,
    table: Table,
    frame: pd.DataFrame,
    constants: Mapping[str, Any] | None = None,
    positions: Sequence[int] | None = None,
    chunk: int | None = None,
) -> int:
    """Insert every row of ``frame`` (its columns are columns of ``table``) plus ``constants`` (the same
    value in every row); returns the rows inserted. ``positions``: only the rows at these positions, in
    this order (``frame.iloc[positions]`` taken a chunk at a time, not as a copy of the rows beside them).
    ``chunk``: rows per chunk (default ``CHUNK``), smaller for long texts (a chunk's are copied, see below)."""
    rows_total = len(frame) if positions is None else len(positions)
    if frame.empty or not rows_total:
        return 0
    constants = dict(constants or {})
    names = [*[c for c in frame.columns if c not in constants], *constants]
    unknown = [name for name in names if name not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no columns {unknown}")
    dialect = conn.dialect
    processors = {name: table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names}
    compiled = insert(table).compile(dialect=dialect, column_keys=names)
    copy = dialect.name == "postgresql" and dialect.driver == "psycopg"
    order = [names.index(name) for name in compiled.positiontup or []] if compiled.positional else None
    reorder = order is not None and order != list(range(len(names)))
    # chunk by chunk: the bound values of a whole 400k-row frame (money and dates bound as new text objects
    # on SQLite) were the publish's peak memory
    size = chunk or CHUNK
    text = {name for name in names if isinstance(table.c[name].type, String)}
    for start in range(0, rows_total, size):
        part = _rows(frame, start, size, positions)
        values: list[list[Any]] = []
        for name in names:
            processor = processors[name]
            if name in constants:
                value = constants[name]
                values.append([processor(value) if processor else value] * len(part))
            else:
                column = column_values(part, name)
                if processor:
                    column = [processor(v) for v in column]
                if name in text:  # the driver encodes each str, caching its UTF-8 inside it: given a copy
                    # (called for non-ASCII text only: a call for each of the 60k publish's 11M texts cost more)
                    column = [encodable_copy(v) if type(v) is str and not v.isascii() else v for v in column]
                values.append(column)
        if copy:
            _copy(conn, table, names, zip(*values, strict=True))
        elif order is not None:
            # the columns put in the statement's order, not each row (no new tuple per row)
            ordered = [values[i] for i in order] if reorder else values
            conn.exec_driver_sql(str(compiled), list(zip(*ordered, strict=True)))
        else:
            rows = zip(*values, strict=True)
            conn.exec_driver_sql(str(compiled), [dict(zip(names, row, strict=True)) for row in rows])
    return rows_total


def _rows(frame: pd.DataFrame, start: int, size: int, positions: Sequence[int] | None) -> pd.DataFrame:
    """The chunk of ``frame`` a call inserts: the rows ``start`` to ``start + size``, or those at these
    ``positions``. Positions that are a run of consecutive rows (a full load's) are taken as a slice: taking
    rows of an Arrow column held in several chunks (``transforms.cordis.LONG_TEXT``) first concatenates
    every chunk, a copy of all 60k staged objectives for every chunk inserted (+45 MB at the merge's peak)."""
    if positions is None:
        return frame.iloc[start : start + size]
    chunk = np.asarray(positions[start : start + size])
    if len(chunk) and chunk[-1] - chunk[0] == len(chunk) - 1 and bool((np.diff(chunk) == 1).all()):
        return frame.iloc[int(chunk[0]) : int(chunk[-1]) + 1]
    return frame.iloc[chunk]


def _copy(conn: Connection, table: Table, names: list[str], rows: Iterable[tuple]) -> None:
    """COPY ... FROM STDIN through the connection's own psycopg cursor (same transaction)."""
    preparer = conn.dialect.identifier_preparer
    target = preparer.format_table(table)
    columns = ", ".join(preparer.quote(name) for name in names)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        with cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()
