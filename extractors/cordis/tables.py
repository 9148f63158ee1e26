"""Rows of the JSON and CSV dump tables (``project``, ``organization`` and the companions) turned into
raw records, the same for both formats: every record field taken as text, unknown columns reported once per
member as a schema warning while the data still loads, unreadable rows quarantined with their position."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from extractors.cordis import settings
from extractors.cordis.json_elements import PROJECT_KEYS, ProjectDigests, element_digest
from extractors.cordis.records import (
    COMPANION_FIELDS,
    KNOWN_UNUSED_COLUMNS,
    PARTICIPATION_FIELDS,
    PROJECT_FIELDS,
    CordisRecords,
    Record,
    as_text,
    quarantine_entry,
)
from extractors.cordis.spool import BatchSpool
from extractors.cordis.zips import find_member, open_member, open_zip
from inventory.errors import BadSourceFileError

# (record key such as "element 12" or "row 12 (line 14)", the row or None, why it could not be read, and
# the row's raw text when the reader digests it: a JSON element's, from its ``{`` to its ``}``)
Row = tuple[str, Mapping[str, object] | None, str | None, str | None]
RowReader = Callable[[IO[bytes], str], Iterator[Row]]

# entity -> the record fields a row of that table gives
TABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "project": tuple(name for name in PROJECT_FIELDS if name != "results"),
    "participation": PARTICIPATION_FIELDS,
    **COMPANION_FIELDS,
}

# entity -> field holding the project id (to group a row with its project)
PROJECT_KEY: dict[str, str] = {
    "project": "id",
    "participation": "projectID",
    **dict.fromkeys(COMPANION_FIELDS, "projectID"),
}


# entity -> the columns that make a row's key; a member whose first row lacks one is reported (a renamed
# key column would otherwise load as None everywhere and merge rows that are distinct).
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "project": ("id",),
    "participation": ("projectID", "organisationID", "role", "order"),
    **dict.fromkeys(COMPANION_FIELDS, ("projectID",)),
}


@dataclass
class TableReader:
    """Maps the rows of one member (``label``) of one table (``entity``) to records, reporting each
    unknown column once (entity ``schema``, reason ``unknown column X``; the data still loads) and each key
    column missing from the first row (reason ``missing key column X``)."""

    entity: str
    label: str
    unknown: set[str] = field(default_factory=set)
    warnings: list[dict[str, str | None]] = field(default_factory=list)
    _rows: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._known = frozenset(TABLE_FIELDS[self.entity]) | KNOWN_UNUSED_COLUMNS.get(
            self.entity, frozenset()
        )

    def check_columns(self, columns: Iterable[str]) -> None:
        """Report every column neither read nor known to be unused (once per member)."""
        for column in columns:
            if column not in self._known and column not in self.unknown:
                self.unknown.add(column)
                self.warnings.append(
                    quarantine_entry("schema", self.label, column, f"unknown column {column}")
                )

    def record(self, row: Mapping[str, object]) -> Record:
        """The raw record of one row (fields absent from the row are None)."""
        self.check_columns(row.keys())
        if self._rows == 0:
            for column in KEY_COLUMNS[self.entity]:
                if column not in row:
                    self.warnings.append(
                        quarantine_entry("schema", self.label, column, f"missing key column {column}")
                    )
        self._rows += 1
        record: Record = {name: as_text(row.get(name)) for name in TABLE_FIELDS[self.entity]}
        if self.entity == "project":
            record["results"] = None  # the JSON/CSV project tables carry no results
        record["source_file"] = self.label
        return record

    def project_id(self, record: Record) -> str | None:
        return record.get(PROJECT_KEY[self.entity])


# (entity, member base name without extension, required); the project table must come first (it decides
# the batches).
_TABLES: tuple[tuple[str, str, bool], ...] = (
    ("project", settings.PROJECT_TABLE, True),
    ("participation", settings.PARTICIPATION_TABLE, True),
    *((name, name, False) for name in settings.COMPANION_TABLES),
)


def iter_table_dump(
    path: Path,
    extension: str,
    read_rows: RowReader,
    batch_size: int,
    spool_dir: Path | None = None,
    entity_rows: Mapping[str, RowReader] | None = None,
) -> Iterator[CordisRecords]:
    """Yield project-coherent batches of at most ``batch_size`` projects from a JSON or CSV dump zip.

    Each batch holds its projects with all their participations and companion rows (rows of projects
    missing from the project table come last, in a batch of their own). The quarantined rows and schema
    warnings of the whole dump come with the first batch. Rows are spooled to a temporary folder under
    ``spool_dir`` (default: the system's temporary folder, ``TMPDIR``), removed at the end, so memory stays
    bounded by one batch; the spool takes about the dump's uncompressed size on disk.

    The first batch also carries the digests of the projects' raw rows (``element_digests``, for the rows
    the reader gives their raw text: a JSON dump's; ``extractors.cordis.json_elements``). ``entity_rows``:
    the reader of an entity's member when it is not ``read_rows``."""
    with open_zip(path) as archive:
        members = [
            (entity, find_member(archive, path, f"{table}.{extension}", required))
            for entity, table, required in _TABLES
        ]
        quarantined: list[dict[str, str | None]] = []
        digests = ProjectDigests() if extension == "json" else None
        spool = BatchSpool(batch_size, spool_dir)
        try:
            for entity, member in members:
                if member is None:
                    continue
                label = f"{path.name}!{member}"
                reader = TableReader(entity, label)
                rows = (entity_rows or {}).get(entity, read_rows)
                with open_member(archive, member, label) as handle:
                    for key, row, problem, raw in rows(handle, label):
                        if row is None:
                            quarantined.append(quarantine_entry(entity, label, key, problem or "unreadable"))
                            if len(quarantined) > settings.MAX_QUARANTINED_ROWS:
                                raise BadSourceFileError(
                                    label,
                                    f"more than {settings.MAX_QUARANTINED_ROWS} unreadable rows "
                                    f"(first: {quarantined[0]['record_key']}: {quarantined[0]['reason']})",
                                )
                            continue
                        record = reader.record(row)
                        if digests is not None and raw is not None and entity in PROJECT_KEYS:
                            digests.add(
                                entity, reader.project_id(record), element_digest(entity, raw.encode())
                            )
                        if entity == "project":
                            spool.add_project(record)
                        else:
                            spool.add(entity, reader.project_id(record), record)
                quarantined.extend(reader.warnings)
            first = True
            for batch in spool.batches():
                if first:
                    batch.quarantined.extend(quarantined)
                    batch.element_digests = digests
                    first = False
                yield batch
            if first:
                yield CordisRecords(quarantined=quarantined, element_digests=digests)
        finally:
            spool.close()
