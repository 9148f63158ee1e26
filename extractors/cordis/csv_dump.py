"""Reader of the CORDIS CSV dump (``cordis-<programme>projects-csv.zip``): the same tables as the JSON
dump as CSV members (``project.csv``, ``organization.csv``, companions), at the top or under ``csv/``.

Read row by row, with the quirks seen or reported: UTF-8 with or without BOM; fields all quoted or not;
quoted fields spanning lines (``objective``); ';' as delimiter, or tab (reported for old programmes' organisation
files), told from the header line. Quoting is read strictly: a row whose quotes are broken, or whose field
count differs from the header's, is quarantined with its row and line number and the rest still loads. The
csv module's field-size limit (128 KiB, left at its process-wide default) also bounds one runaway quoted
field. Values stay text; a decimal comma or 'xxxxx' in a money column is for ``transforms`` to judge."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from extractors.cordis import settings
from extractors.cordis.records import CordisRecords
from extractors.cordis.tables import Row, iter_table_dump
from inventory.errors import BadSourceFileError


def _delimiter(header_line: str, label: str) -> str:
    counts = {candidate: header_line.count(candidate) for candidate in settings.CSV_DELIMITERS}
    best = max(counts, key=lambda candidate: counts[candidate])
    if counts[best] == 0:
        raise BadSourceFileError(label, f"cannot tell the CSV delimiter from the header {header_line[:80]!r}")
    return best


def _csv_rows(handle: IO[bytes], label: str) -> Iterator[Row]:
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    try:
        header_line = text.readline()
        if not header_line.strip():
            raise BadSourceFileError(label, "empty CSV member (no header line)")
        delimiter = _delimiter(header_line, label)
        try:
            header = [
                name.strip() for name in next(csv.reader([header_line], delimiter=delimiter, strict=True))
            ]
        except csv.Error as exc:
            raise BadSourceFileError(label, f"unreadable CSV header: {exc}") from exc
        duplicates = sorted({name for name in header if header.count(name) > 1})
        if duplicates or "" in header:
            raise BadSourceFileError(label, f"CSV header has duplicate or empty column names {duplicates}")
        reader = csv.reader(text, delimiter=delimiter, strict=True)
        row_number = 0
        # After broken quoting the reader resumes on the next physical line, which may still belong to the
        # broken row (a quoted field spanning lines): records of the wrong size that follow are reported
        # as that row's continuation, not as rows of their own.
        broken_row: int | None = None
        while True:
            first_line = reader.line_num + 2  # 1-based, after the header line
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                row_number += 1
                broken_row = row_number
                last_line = reader.line_num + 1
                lines = f"line {first_line}" if last_line == first_line else f"lines {first_line}-{last_line}"
                yield f"row {row_number} ({lines})", None, f"broken CSV quoting: {exc}", None
                continue
            if not fields:
                continue  # a blank line
            if broken_row is not None and len(fields) != len(header):
                yield (
                    f"row {broken_row}, continued (line {first_line})",
                    None,
                    f"rest of a row with broken CSV quoting ({len(fields)} fields)",
                    None,
                )
                continue
            broken_row = None
            row_number += 1
            key = f"row {row_number} (line {first_line})"
            if len(fields) != len(header):
                yield key, None, f"{len(fields)} fields where the header has {len(header)}", None
                continue
            yield key, dict(zip(header, fields, strict=True)), None, None
    except UnicodeDecodeError as exc:
        raise BadSourceFileError(label, f"not UTF-8 text: {exc}") from exc


def iter_csv_dump(
    path: Path, batch_size: int = settings.BATCH_PROJECTS, spool_dir: Path | None = None
) -> Iterator[CordisRecords]:
    """Yield project-coherent batches of records from a CSV dump zip (see ``tables.iter_table_dump``)."""
    return iter_table_dump(path, "csv", _csv_rows, batch_size, spool_dir)


def read_csv_dump(path: Path) -> CordisRecords:
    """Every record of a CSV dump zip in one ``CordisRecords`` (for small dumps)."""
    records = CordisRecords()
    for batch in iter_csv_dump(path):
        records.extend(batch)
    return records
