"""``export_marts``: every mart as a file for people who work in spreadsheets, BI tools or notebooks, with
the data dictionary next to it. Types follow the schema, not pandas' guesses:

* money (NUMERIC(18,2)): CSV plain text '1234.50'; Parquet decimal128(18, 2); Excel a number shown with two
  decimals — exact to the cent in all three;
* dates: CSV ISO 'YYYY-MM-DD'; Parquet date32; Excel a date cell;
* booleans: CSV 'true' / 'false'; Parquet bool; Excel TRUE / FALSE; a missing value is an empty cell.

CSV is UTF-8, comma-separated, with a header row. Parquet fields carry the column's meaning as metadata."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy import Boolean, Column, Date, DateTime, Integer, Numeric, Table
from sqlalchemy.engine import Engine

from warehouse.dictionary import dictionary_rows
from warehouse.publish import read_table
from warehouse.schema import MARTS

Format = Literal["csv", "parquet", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "parquet", "xlsx")
DICTIONARY = "data_dictionary"
DICTIONARY_COLUMNS = ("table", "column", "type", "nullable", "key", "meaning")
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT


def _money(value: Any, column: Column) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-column.type.scale))


def _text(value: Any, column: Column) -> str:
    """The CSV form of a value of ``column``."""
    if _is_missing(value):
        return ""
    kind = column.type
    if isinstance(kind, Numeric):
        return format(_money(value, column), "f")
    if isinstance(kind, Boolean):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def dictionary_frame(tables: tuple[Table, ...] = MARTS) -> pd.DataFrame:
    """The data dictionary of ``tables`` (table, column, type, nullable, key, meaning)."""
    rows = [(r.table, r.column, r.type, r.nullable, r.is_key, r.meaning) for r in dictionary_rows(tables)]
    return pd.DataFrame(rows, columns=list(DICTIONARY_COLUMNS), dtype=object)


def _replace_atomically(target: Path, write: Callable[[Path], None]) -> Path:
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        write(partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _write_rows(path: Path, header: list[str], rows: Iterable[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _write_csv(frame: pd.DataFrame, table: Table, path: Path) -> None:
    columns = list(table.columns)
    rows = (
        [_text(value, c) for value, c in zip(row, columns, strict=True)]
        for row in frame.itertuples(index=False, name=None)
    )
    _write_rows(path, [c.name for c in columns], rows)


def _write_dictionary_csv(path: Path) -> None:
    rows = (
        ["true" if v is True else "false" if v is False else str(v) for v in row]
        for row in dictionary_frame().itertuples(index=False, name=None)
    )
    _write_rows(path, list(DICTIONARY_COLUMNS), rows)


def _arrow_type(column: Column) -> pa.DataType:
    kind = column.type
    if isinstance(kind, Boolean):
        return pa.bool_()
    if isinstance(kind, Integer):
        return pa.int64()
    if isinstance(kind, Numeric):
        return pa.decimal128(kind.precision, kind.scale)
    if isinstance(kind, DateTime):
        return pa.timestamp("us", tz="UTC") if kind.timezone else pa.timestamp("us")
    if isinstance(kind, Date):
        return pa.date32()
    return pa.string()


def _arrow_value(value: Any, column: Column) -> Any:
    if _is_missing(value):
        return None
    if isinstance(column.type, Numeric):
        return _money(value, column)
    return value


def _write_parquet(frame: pd.DataFrame, table: Table, path: Path) -> None:
    columns = list(table.columns)
    fields = [
        pa.field(c.name, _arrow_type(c), nullable=bool(c.nullable), metadata={"comment": c.comment or ""})
        for c in columns
    ]
    arrays = [
        pa.array([_arrow_value(v, c) for v in frame[c.name]], type=field.type)
        for c, field in zip(columns, fields, strict=True)
    ]
    pq.write_table(pa.Table.from_arrays(arrays, schema=pa.schema(fields)), path)


def _cell(sheet: Any, value: Any, column: Column | None) -> Any:
    if _is_missing(value):
        return None
    kind = column.type if column is not None else None
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(kind, Numeric):
        cell.value = _money(value, column)
        cell.number_format = MONEY_FORMAT
    elif isinstance(kind, DateTime):
        # Excel has no time zones: the warehouse's UTC time, without the zone
        cell.value = value.replace(tzinfo=None)
        cell.number_format = DATETIME_FORMAT
    elif isinstance(kind, Date):
        cell.number_format = DATE_FORMAT
    return cell


def _append_sheet(
    book: Workbook, title: str, header: list[str], rows: list[list[Any]], columns: list
) -> None:
    sheet = book.create_sheet(title=title)
    sheet.freeze_panes = "A2"
    bold = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        bold.append(cell)
    sheet.append(bold)
    for row in rows:
        sheet.append([_cell(sheet, value, column) for value, column in zip(row, columns, strict=True)])


def _write_xlsx(frame: pd.DataFrame, table: Table, path: Path) -> None:
    columns = list(table.columns)
    book = Workbook(write_only=True)
    _append_sheet(
        book,
        table.name,
        [c.name for c in columns],
        [list(row) for row in frame.itertuples(index=False, name=None)],
        columns,
    )
    dictionary = dictionary_frame((table,))
    _append_sheet(
        book,
        DICTIONARY,
        list(DICTIONARY_COLUMNS),
        [list(row) for row in dictionary.itertuples(index=False, name=None)],
        [None] * len(DICTIONARY_COLUMNS),
    )
    book.save(path)


def _mart_frame(engine: Engine, table: Table) -> pd.DataFrame:
    """The mart's rows in key order (the same file from SQLite and PostgreSQL), its columns in schema order
    (the order in which the writers pair values with columns)."""
    frame = read_table(engine, table.name)[[c.name for c in table.columns]]
    return frame.sort_values([c.name for c in table.primary_key.columns], ignore_index=True)


WRITERS: dict[str, Callable[[pd.DataFrame, Table, Path], None]] = {
    "csv": _write_csv,
    "parquet": _write_parquet,
    "xlsx": _write_xlsx,
}


def export_marts(engine: Engine, out_dir: Path, fmt: Format) -> list[Path]:
    """Write every mart into ``out_dir`` as ``<mart>.<fmt>`` and the data dictionary (``data_dictionary.csv``
    for csv and parquet; a ``data_dictionary`` sheet in each workbook for xlsx). Returns the files written,
    marts first, in the order of ``warehouse.schema.MARTS``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write = WRITERS[fmt]
    written = [
        _replace_atomically(
            out_dir / f"{table.name}.{fmt}", partial(write, _mart_frame(engine, table), table)
        )
        for table in MARTS
    ]
    if fmt != "xlsx":
        written.append(_replace_atomically(out_dir / f"{DICTIONARY}.csv", _write_dictionary_csv))
    return written
