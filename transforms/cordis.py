"""Staging of CORDIS records: rename, cast, hash. A record that cannot be cast is quarantined with its
reason, never dropped silently."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from inventory.interning import share_equal_amounts
from transforms.regions import belgian_region
from transforms.values import (
    ValueParseError,
    content_hash,
    parse_bool,
    parse_date,
    parse_int,
    parse_money,
)

SOURCE = "cordis"
VOLATILE_FIELDS = frozenset({"contentUpdateDate", "lastUpdateDate", "source_file"})

QUARANTINE_COLUMNS = ["source", "entity", "source_file", "record_key", "reason"]

Record = Mapping[str, str | None]

# The staged projects' long text, held from staging to the merge as UTF-8 in an Arrow array (a value read from
# it is a ``str`` again). As Python strings the 60k objectives are 220 MB: nearly all are two bytes a
# character, because one character of each (a curly quote, a dash) is outside Latin-1; as UTF-8 about half.
LONG_TEXT_COLUMNS = ("objective",)
LONG_TEXT = pd.StringDtype("pyarrow")

# staged column -> (raw field, caster); casters take text and return a typed value or raise.
PROJECT_COLUMNS: dict[str, tuple[str, Callable[[str | None], Any]]] = {
    "source_id": ("id", lambda v: v),
    "rcn": ("rcn", lambda v: v),
    "acronym": ("acronym", lambda v: v),
    "title": ("title", lambda v: v),
    "programme": ("frameworkProgramme", lambda v: v.strip().upper() if v else v),
    "funding_scheme": ("fundingScheme", lambda v: v),
    "status": ("status", lambda v: v.strip().upper() if v else v),
    "start_date": ("startDate", parse_date),
    "end_date": ("endDate", parse_date),
    "total_cost_eur": ("totalCost", parse_money),
    "ec_max_contribution_eur": ("ecMaxContribution", parse_money),
    "topics": ("topics", lambda v: v),
    "master_call": ("masterCall", lambda v: v),
    "sub_call": ("subCall", lambda v: v),
    "objective": ("objective", lambda v: v),
    "content_update_date": ("contentUpdateDate", lambda v: v),
    "keywords": ("keywords", lambda v: v),
    "result_ids": ("results", lambda v: v),
}

PARTICIPATION_COLUMNS: dict[str, tuple[str, Callable[[str | None], Any]]] = {
    "project_source_id": ("projectID", lambda v: v),
    "organisation_id": ("organisationID", lambda v: v),
    "role": ("role", lambda v: v.strip() if v else v),
    "order_no": ("order", parse_int),
    "name": ("name", lambda v: v),
    "short_name": ("shortName", lambda v: v),
    "vat_number": ("vatNumber", lambda v: v),
    "country": ("country", lambda v: v.strip().upper() if v else v),
    "city": ("city", lambda v: v),
    "post_code": ("postCode", lambda v: v),
    "street": ("street", lambda v: v),
    "nuts_code": ("nutsCode", lambda v: v),
    "activity_type": ("activityType", lambda v: v),
    "sme": ("SME", parse_bool),
    "ec_contribution_eur": ("ecContribution", parse_money),
    "net_ec_contribution_eur": ("netEcContribution", parse_money),
    "total_cost_eur": ("totalCost", parse_money),
    "end_of_participation": ("endOfParticipation", parse_bool),
}

PARTICIPATION_AMOUNTS = ("ec_contribution_eur", "net_ec_contribution_eur", "total_cost_eur")
PROJECT_FRAME_COLUMNS = ["source", *PROJECT_COLUMNS, "source_file", "record_hash"]
PARTICIPATION_FRAME_COLUMNS = ["source", *PARTICIPATION_COLUMNS, "region", "source_file", "record_hash"]


# The widths of the staging columns (warehouse/schema.py; tests/test_staging_widths.py keeps the two equal):
# a longer value is quarantined here instead of failing the whole load on PostgreSQL.
MAX_LENGTHS: dict[str, int] = {
    "source_id": 40, "rcn": 40, "programme": 20, "funding_scheme": 100, "status": 20, "master_call": 200,
    "sub_call": 200, "content_update_date": 40, "project_source_id": 40, "organisation_id": 40, "role": 40,
    "vat_number": 60, "country": 20, "post_code": 40, "nuts_code": 10, "activity_type": 10,
}  # fmt: skip


def _text_problems(row: Mapping[str, Any]) -> list[str]:
    """Text no database column can hold: a NUL character (PostgreSQL refuses it), a value over its width."""
    problems = []
    for column, value in row.items():
        if not isinstance(value, str):
            continue
        if "\x00" in value:
            problems.append(f"{column}: contains a NUL character")
        limit = MAX_LENGTHS.get(column)
        if limit is not None and len(value) > limit:
            problems.append(f"{column}: {len(value)} characters, more than the {limit} the column holds")
    return problems


def _cast(
    record: Record, columns: Mapping[str, tuple[str, Callable[[str | None], Any]]], seen: dict[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """The typed row; equal text in ``seen`` is one object (inventory.interning: a batch of 30k
    participations otherwise holds a copy of "participant", of a country, of a name per row)."""
    row: dict[str, Any] = {}
    problems: list[str] = []
    for column, (field, caster) in columns.items():
        try:
            value = caster(record.get(field))
            row[column] = seen.setdefault(value, value) if type(value) is str else value
        except ValueParseError as exc:
            problems.append(f"{field}: {exc}")
    return row, problems


def _stage(
    records: Iterable[Record],
    columns: Mapping[str, tuple[str, Callable[[str | None], Any]]],
    entity: str,
    key_fields: tuple[str, ...],
    required: tuple[str, ...],
    seen: dict[str, str] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []
    quarantined: list[dict[str, Any]] = []
    seen = {} if seen is None else seen
    for record in records:
        row, problems = _cast(record, columns, seen)
        problems += [f"{field}: missing" for field in required if not record.get(field)]
        problems += _text_problems(row)
        key = "/".join(str(record.get(field)) for field in key_fields)
        if problems:
            quarantined.append(
                {
                    "source": SOURCE,
                    "entity": entity,
                    "source_file": record.get("source_file"),
                    "record_key": key,
                    "reason": "; ".join(problems),
                }
            )
            continue
        row["source"] = SOURCE
        source_file = record.get("source_file")  # one object per file (each record brings its own copy)
        row["source_file"] = (
            seen.setdefault(source_file, source_file) if type(source_file) is str else source_file
        )
        row["record_hash"] = content_hash(record, exclude=VOLATILE_FIELDS)
        rows.append(row)
    return rows, quarantined


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    # object dtype keeps Decimal money and date values exact; strings stay Python str.
    return pd.DataFrame(rows, columns=columns, dtype=object)


def stage_projects(records: Iterable[Record]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(stg_cordis__projects rows, quarantined rows). The objectives are held as UTF-8 (``LONG_TEXT``)."""
    rows, quarantined = _stage(records, PROJECT_COLUMNS, "project", ("id",), required=("id",))
    # taken out of the rows before the frame is made: converting a column of the made frame leaves the
    # strings alive in the frame's first two-dimensional block, beside their UTF-8 copy
    long_text = {
        name: pd.array([row.pop(name) for row in rows], dtype=LONG_TEXT) for name in LONG_TEXT_COLUMNS
    }
    frame = _frame(rows, [name for name in PROJECT_FRAME_COLUMNS if name not in long_text])
    for name, values in long_text.items():
        frame.insert(PROJECT_FRAME_COLUMNS.index(name), name, values)
    return frame, pd.DataFrame(quarantined, columns=QUARANTINE_COLUMNS)


def stage_participations(
    records: Iterable[Record], seen: dict[str, str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(stg_cordis__participations rows with each organisation's Belgian region, quarantined rows).

    ``seen``: shared by the batches of one dump, so that an organisation's identifier, name, VAT number and
    post code are one string however many batches name it (60k projects: the staged participations' text
    224 -> 171 MB), where one dict per batch shares only within it."""
    rows, quarantined = _stage(
        records,
        PARTICIPATION_COLUMNS,
        "participation",
        ("projectID", "organisationID", "role", "order"),
        required=("projectID", "organisationID", "role", "order"),
        seen=seen,
    )
    for row in rows:
        row["region"] = belgian_region(row["country"], row["nuts_code"], row["post_code"])
    # a participation's net contribution and total cost, when equal to its contribution, one object with it
    amounts = [[row[name] for row in rows] for name in PARTICIPATION_AMOUNTS]
    share_equal_amounts(*amounts)
    for name, values in zip(PARTICIPATION_AMOUNTS, amounts, strict=True):
        for row, value in zip(rows, values, strict=True):
            row[name] = value
    return _frame(rows, PARTICIPATION_FRAME_COLUMNS), pd.DataFrame(quarantined, columns=QUARANTINE_COLUMNS)


# project id -> (its record hash, the record hashes of its participations), as staging holds them
StagedHashes = Mapping[str, tuple[str, frozenset[str]]]


@dataclass
class BatchSplit:
    """A batch of raw records split into what must be staged and the projects staging already holds as
    they are (the project and every one of its participations with the same content hash)."""

    projects: list[Record]
    participations: list[Record]
    same_projects: list[Record]
    same_participations: list[Record]


def split_unchanged(
    projects: list[Record], participations: list[Record], staged: StagedHashes | None
) -> BatchSplit:
    """Leave out of a batch the projects whose record and set of participation records hash exactly as in
    ``staged``: casting and validating them again would change nothing, and the merge would write nothing.
    A project that appears twice in the batch, a participation whose project is not in the batch, and every
    record of a project with anything new, removed or changed are kept (so a quarantined record, never
    staged, is read and reported again)."""
    if not staged:
        return BatchSplit(list(projects), list(participations), [], [])
    parts_of: dict[str | None, list[Record]] = {}
    for record in participations:
        parts_of.setdefault(record.get("projectID"), []).append(record)
    ids = [record.get("id") for record in projects]
    repeated = {pid for pid, n in Counter(ids).items() if n > 1}
    same: set[str | None] = set()
    for pid, record in zip(ids, projects, strict=True):
        known = staged.get(pid) if pid not in repeated else None
        if known is None or known[0] != content_hash(record, exclude=VOLATILE_FIELDS):
            continue
        parts = parts_of.get(pid, [])
        if known[1] == {content_hash(p, exclude=VOLATILE_FIELDS) for p in parts}:
            same.add(pid)
    if not same:
        return BatchSplit(list(projects), list(participations), [], [])
    split = BatchSplit([], [], [], [])
    for record in projects:
        (split.same_projects if record.get("id") in same else split.projects).append(record)
    for record in participations:
        (split.same_participations if record.get("projectID") in same else split.participations).append(
            record
        )
    return split


def within_window(
    projects: pd.DataFrame, participations: pd.DataFrame, start: date | None, end: date | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The staged projects whose period [start_date, end_date] overlaps the window [start, end] (either bound
    may be open; a project without dates is kept only when the window is fully open), and the participations
    of those projects: a backfill's date window."""
    if start is None and end is None:
        return projects, participations
    keep = []
    for first, last in zip(projects["start_date"], projects["end_date"], strict=True):
        first = first if isinstance(first, date) else None
        last = last if isinstance(last, date) else first
        if first is None:
            keep.append(False)
            continue
        keep.append((end is None or first <= end) and (start is None or (last or first) >= start))
    chosen = projects[pd.Series(keep, index=projects.index, dtype=bool)].reset_index(drop=True)
    ids = set(chosen["source_id"])
    kept_parts = participations[participations["project_source_id"].isin(ids)].reset_index(drop=True)
    return chosen, kept_parts
