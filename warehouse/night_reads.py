"""What a scoped build (``transforms.scoped_core``) reads in place of every staged participation: the first
staged participation of the organisations whose first one may have changed, and what the published
resolution read of them (when one did change, every organisation's: all that the resolution of
organisations reads), the staged participations of the projects and organisations it rebuilds, and the
published rows of all the others.

At 60k projects, the benchmark's night that staged 1 % of them again (retitled projects, respelt cities)
compares the first participations of the organisations of those projects with the published resolution's
inputs (``org_resolution_inputs``), keeps that resolution, and reads 7,068 staged participations (the
scope's, and the 49 rebuilt organisations' others), not the 409k."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import pandas as pd
from sqlalchemy import BigInteger, Select, Table, cast, func, select
from sqlalchemy.engine import Connection

from transforms.core import in_participation_order
from transforms.organisations import CORDIS_INPUT_COLUMNS, NAMED_INPUT_COLUMNS
from warehouse.bulk import chunks, streamed
from warehouse.publish import read_query
from warehouse.schema import (
    core_organisations,
    core_participations,
    core_yearly_funding,
    mart_inventory,
    org_resolution,
    org_resolution_inputs,
    stg_cordis__participations,
)

# values an IN list is given at a time (SQLite takes 32,766 parameters a statement, PostgreSQL 65,535)
IN_CHUNK = 10_000


def sql_natural_order(conn: Connection) -> bool:
    """True when SQL can order the staged participations of one organisation as ``transforms.frames.
    natural_key`` does: every project id digit text of at most 18 digits (its number, then its text), and
    no role digit text (code-point order)."""
    parts = stg_cordis__participations.c
    if conn.dialect.name == "sqlite":
        project_ok = parts.project_source_id.op("GLOB", is_comparison=True)(
            "[0-9]*"
        ) & ~parts.project_source_id.op("GLOB", is_comparison=True)("*[^0-9]*")
        project_ok &= func.length(parts.project_source_id) <= 18
        role_digits = (parts.role != "") & ~parts.role.op("GLOB", is_comparison=True)("*[^0-9]*")
    else:
        project_ok = parts.project_source_id.regexp_match("^[0-9]{1,18}$")
        role_digits = parts.role.regexp_match("^[0-9]+$")
    bad = select(func.count()).select_from(stg_cordis__participations).where(~project_ok | role_digits)
    return not conn.execute(bad).scalar_one()


def first_participations(
    conn: Connection, columns: Sequence[str], organisations: Collection[str] | None = None
) -> pd.DataFrame:
    """Each CORDIS organisation's first staged participation (``columns``, which hold the key) in natural
    order of ``transforms.core.STAGED_PARTICIPATION_KEY``, the rows in that order: what
    ``transforms.organisations.resolve_organisations`` reads of all of them; of ``organisations`` (ids) only,
    when given. Only where ``sql_natural_order``."""
    if organisations is None:
        return combined([read_query(conn, _one_per_organisation(conn, columns, last=False))], columns)
    parts = stg_cordis__participations.c
    frames = [
        read_query(
            conn, _one_per_organisation(conn, columns, last=False, where=parts.organisation_id.in_(chunk))
        )
        for chunk in chunks(sorted(organisations), IN_CHUNK)
    ]
    return combined(frames, columns)


def last_participations(
    conn: Connection, columns: Sequence[str], organisations: Collection[str]
) -> pd.DataFrame:
    """The last staged participation (``columns``, which hold the key; money as Decimal), in natural key
    order, of each of ``organisations`` (ids): the record that gives an organisation's attributes. Only where
    ``sql_natural_order``."""
    parts = stg_cordis__participations.c
    frames = [
        read_query(conn, _one_per_organisation(conn, columns, last=True, where=parts.organisation_id.in_(chunk)),
                   amounts=True)
        for chunk in chunks(sorted(organisations), IN_CHUNK)
    ]  # fmt: skip
    return combined(frames, columns)


def _one_per_organisation(conn: Connection, columns: Sequence[str], last: bool, where=None) -> Select:
    """The first (or ``last``) staged participation of each organisation in natural key order."""
    parts = stg_cordis__participations.c
    text = (
        (lambda column: column.collate("C")) if conn.dialect.name == "postgresql" else (lambda column: column)
    )
    order = [cast(parts.project_source_id, BigInteger), text(parts.project_source_id), text(parts.role),
             parts.order_no]  # fmt: skip
    order = [column.desc() if last else column.asc() for column in order]
    number = func.row_number().over(partition_by=parts.organisation_id, order_by=order).label("place")
    inner = select(*(parts[name] for name in columns), number)
    if where is not None:
        inner = inner.where(where)
    ranked = inner.subquery()
    return select(*(ranked.c[name] for name in columns)).where(ranked.c["place"] == 1)


def staged_participations(
    conn: Connection,
    columns: Sequence[str],
    projects: Collection[str] = (),
    organisations: Collection[str] = (),
    outside: Collection[str] = (),
) -> pd.DataFrame:
    """The staged CORDIS participations (``columns``, which hold the key; money as Decimal) of ``projects``
    (source ids), and of ``organisations`` (organisation ids) in the projects not among ``outside``, each
    once, in natural key order (``combined``)."""
    parts = stg_cordis__participations
    selected = select(*(parts.c[name] for name in columns))
    frames = [
        read_query(conn, selected.where(parts.c.project_source_id.in_(chunk)), amounts=True)
        for chunk in chunks(sorted(projects), IN_CHUNK)
    ]
    skip = set(outside) | set(projects)
    for chunk in chunks(sorted(organisations), IN_CHUNK):
        frame = read_query(conn, selected.where(parts.c.organisation_id.in_(chunk)), amounts=True)
        frames.append(frame[~frame["project_source_id"].isin(skip)] if skip else frame)
    return combined(frames, columns)


def padded(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``frame`` with ``columns`` in that order, those it does not hold all None."""
    missing = {name: None for name in columns if name not in frame.columns}
    return frame.assign(**missing)[list(columns)].astype(object) if missing else frame[list(columns)]


def combined(frames: Sequence[pd.DataFrame], columns: Sequence[str]) -> pd.DataFrame:
    """The rows of ``frames`` (staged participations with ``columns``) as one frame, in natural order of
    the staged participation key (``transforms.core.in_participation_order``)."""
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return pd.DataFrame(columns=list(columns), dtype=object)
    return in_participation_order(pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0])


def projects_of_organisations(conn: Connection, organisations: Collection[str]) -> set[str]:
    """The source ids of the projects with a staged participation of one of ``organisations``."""
    parts = stg_cordis__participations.c
    return _scalars_in(conn, select(parts.project_source_id).distinct(), parts.organisation_id, organisations)


def organisations_in_projects(conn: Connection, source_ids: Collection[str]) -> set[str]:
    """The ids of the CORDIS organisations with a staged participation in one of the projects
    ``source_ids``."""
    parts = stg_cordis__participations.c
    return _scalars_in(conn, select(parts.organisation_id).distinct(), parts.project_source_id, source_ids)


def first_published_in_projects(conn: Connection, source_ids: Collection[str]) -> set[str]:
    """The ids of the CORDIS organisations whose first staged participation, as the published resolution
    read it (``org_resolution_inputs``), was in one of the projects ``source_ids``."""
    inputs = org_resolution_inputs.c
    query = select(inputs.source_ref).where(inputs.source == "cordis")
    return _scalars_in(conn, query, inputs.project_source_id, source_ids)


def _scalars_in(conn: Connection, query: Select, column, values: Collection[str]) -> set:
    """The values ``query`` (of one column) gives for its rows whose ``column`` is one of ``values``, asked
    ``IN_CHUNK`` values at a time."""
    found: set = set()
    for chunk in chunks(sorted(values), IN_CHUNK):
        found.update(streamed(conn, query.where(column.in_(chunk))).scalars())
    return found


def resolution_inputs_kept(conn: Connection) -> bool:
    """True when ``org_resolution_inputs`` holds what the published resolution read: a row for each of its
    decisions, by source (a warehouse published before the table existed holds none)."""
    counts = [
        dict(conn.execute(select(table.c.source, func.count()).group_by(table.c.source)).all())
        for table in (org_resolution, org_resolution_inputs)
    ]
    return bool(counts[0]) and counts[0] == counts[1]


def published_resolution_inputs(
    conn: Connection, organisations: Collection[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the published resolution read (``org_resolution_inputs``) of the CORDIS ``organisations`` (ids),
    and of every organisation known by name, in input order."""
    inputs = org_resolution_inputs.c
    columns = [inputs[name] for name in CORDIS_INPUT_COLUMNS]
    cordis = [
        read_query(conn, select(*columns).where(inputs.source == "cordis", inputs.source_ref.in_(chunk)))
        for chunk in chunks(sorted(organisations), IN_CHUNK)
    ]
    named = select(*(inputs[name] for name in NAMED_INPUT_COLUMNS)).where(inputs.source != "cordis")
    return (
        pd.concat(cordis, ignore_index=True) if cordis else pd.DataFrame(columns=CORDIS_INPUT_COLUMNS),
        read_query(conn, named.order_by(inputs.input_order)),
    )


def published_participations(
    conn: Connection, project_keys: Collection[str], columns: Sequence[str]
) -> pd.DataFrame:
    """The current published participations (``columns`` of ``core_participations``) of ``project_keys``."""
    return _current_rows(conn, core_participations, columns, "project_key", project_keys)


def _without(frame: pd.DataFrame, column: str, keys: Collection[str]) -> pd.DataFrame:
    return frame[~frame[column].isin(set(keys))].reset_index(drop=True)


def published_organisations(conn: Connection, columns: Sequence[str], keys: Collection[str]) -> pd.DataFrame:
    """The current published organisations (``columns`` of ``core_organisations``) of ``keys``."""
    return _current_rows(conn, core_organisations, columns, "organisation_key", keys)


def _current_rows(
    conn: Connection, table: Table, columns: Sequence[str], column: str, values: Collection[str]
) -> pd.DataFrame:
    """The current rows (``columns``) of a history ``table`` whose ``column`` is one of ``values``."""
    selected = select(*(table.c[name] for name in columns)).where(table.c.is_current)
    frames = [
        read_query(conn, selected.where(table.c[column].in_(chunk)))
        for chunk in chunks(sorted(values), IN_CHUNK)
    ]
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return pd.DataFrame(columns=list(columns), dtype=object)
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def current_organisation_keys(conn: Connection) -> set[str]:
    """The keys of the current published organisations."""
    current = core_organisations.c
    return set(streamed(conn, select(current.organisation_key).where(current.is_current)).scalars())


def published_flemish_industry40(
    conn: Connection, scope: Collection[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The published ``mart_inventory`` rows of the Flemish Industry 4.0 projects outside ``scope`` (project
    keys), and their ``core_yearly_funding`` rows: what the theme gaps mart adds up with the scope's."""
    inventory = mart_inventory.c
    query: Select = select(mart_inventory).where(inventory.is_flemish, inventory.is_industry40)
    projects = _without(read_query(conn, query), "project_key", scope)
    keys = projects["project_key"].tolist()
    yearly = [
        read_query(conn, select(core_yearly_funding).where(core_yearly_funding.c.project_key.in_(chunk)))
        for chunk in chunks(sorted(keys), IN_CHUNK)
    ]
    if not yearly:
        return projects, pd.DataFrame(
            columns=[column.name for column in core_yearly_funding.columns], dtype=object
        )
    return projects, pd.concat(yearly, ignore_index=True) if len(yearly) > 1 else yearly[0]


def published_industry40(conn: Connection) -> frozenset[str]:
    """The keys of the published Industry 4.0 projects."""
    inventory = mart_inventory.c
    query = select(inventory.project_key).where(inventory.is_industry40)
    return frozenset(streamed(conn, query).scalars())
