"""Reading the staging layer, and the publish: core history merge plus every mart, in ONE transaction, so a
reader sees the previous inventory or the new one, never a mix.

A project's rows in the per-project tables (its themes, yearly funding, inventory row, participations, …)
are a function of its core project row and its core participation rows alone. When the published rows were
built by the same code (``publish_state.build_fingerprint``), the publish rewrites only the rows of the
projects whose core rows the history merge found new, changed or removed (and of those whose last staging
run changed, which the record hash leaves out); the tables built across projects are rewritten whole."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Select, Table, delete, func, insert, select
from sqlalchemy.engine import Connection, CursorResult, Engine

from inventory.interning import share_amount_columns, shared_text
from transforms.core import STAGED_PARTICIPATION_KEY, Scope
from transforms.frames import in_key_order, object_frame
from warehouse.bulk import LONG_TEXT_CHUNK, READ_CHUNK, chunks, insert_frame, streamed
from warehouse.engine import large_page_cache
from warehouse.history import merge_history
from warehouse.schema import (
    HISTORY_KEYS,
    MARTS,
    core_organisations,
    core_participations,
    core_project_themes,
    core_projects,
    core_yearly_funding,
    etl_run,
    mart_funding_by_year,
    mart_inventory,
    mart_nl_cooperation,
    mart_organisations,
    mart_participations,
    mart_theme_gaps,
    metadata,
    org_near_matches,
    org_resolution,
    org_resolution_inputs,
    publish_state,
    stg_cordis__participations,
    stg_cordis__projects,
    stg_vlaio__organisations,
    stg_vlaio__projects,
)
from warehouse.snapshot import connected

STAGED_TABLES = (
    stg_cordis__projects,
    stg_cordis__participations,
    stg_vlaio__projects,
    stg_vlaio__organisations,
)


@dataclass(frozen=True)
class Staged:
    cordis_projects: pd.DataFrame
    cordis_participations: pd.DataFrame
    vlaio_projects: pd.DataFrame
    vlaio_organisations: pd.DataFrame  # with ``order`` (the staging column is ``order_no``)


# Rows keyed by project_key that depend on that project's core rows only; and the tables built across
# projects (organisations, resolution decisions, theme × year × sector cells), always rewritten whole.
PER_PROJECT_TABLES = (
    core_project_themes,
    core_yearly_funding,
    mart_inventory,
    mart_funding_by_year,
    mart_participations,
    mart_nl_cooperation,
)
WHOLE_TABLES = (org_resolution, org_near_matches, org_resolution_inputs, mart_organisations, mart_theme_gaps)
# a scoped core may keep the published resolution of organisations (``Core.keeps_resolution``): these stay
RESOLUTION_TABLES = frozenset({"org_resolution", "org_near_matches", "org_resolution_inputs"})
STATE = "inventory"
# past this share of the projects, deleting and inserting by project costs more than rewriting the table
MAX_REWRITTEN_SHARE = 0.2
KEY_CHUNK = 500


class ScopeError(ValueError):
    """A core built for some projects only (``Core.scope``) cannot be published over these rows."""


@dataclass(frozen=True)
class PublishResult:
    history_rows: dict[str, int]
    mart_rows: dict[str, int]
    published: bool = True
    # rows deleted + inserted in the derived core tables and the marts; None when not published
    rows_rewritten: dict[str, int] | None = None
    # projects whose per-project rows were rewritten; None: every table was rewritten whole
    projects_rewritten: int | None = None
    # projects whose core rows were compared with the published ones (``Core.scope``); None: every project's
    projects_scoped: int | None = None


def _columns(table: Table, columns: Sequence[str] | None) -> list[str]:
    return [column.name for column in table.columns] if columns is None else list(columns)


def _read(
    conn: Connection,
    table: Table,
    columns: Sequence[str] | None = None,
    *,
    amounts: bool = False,
    key: Sequence[str] | None = None,
) -> pd.DataFrame:
    """``table``'s rows, all its columns or only ``columns``; in natural order of the ``key`` columns when
    given (``transforms.frames.in_key_order``), else in the order the database gives them."""
    query = select(*(table.c[name] for name in _columns(table, columns)))
    return _frame(streamed(conn, query), amounts=amounts, key=key)


def iter_staged_cordis_projects(
    bind: Engine | Connection,
    columns: Sequence[str] | None = None,
    chunk: int = LONG_TEXT_CHUNK,
    source_ids: Sequence[str] | None = None,
) -> Iterator[pd.DataFrame]:
    """The staged CORDIS projects (all columns or only ``columns``) as frames of at most ``chunk`` rows, in
    the order ``read_staged`` gives them, equal strings one object across chunks; the rows stream from the
    database (a server-side cursor on PostgreSQL), so no more than a chunk of them is held at once. For a
    build that keeps nothing of the longest texts (the objectives: 209 MB at 60k projects, read whole).
    ``source_ids``: only those projects (read ``KEY_CHUNK`` ids at a time, in no particular order)."""
    query = select(*(stg_cordis__projects.c[name] for name in _columns(stg_cordis__projects, columns)))
    queries = (
        [query]
        if source_ids is None
        else [query.where(stg_cordis__projects.c.source_id.in_(ids)) for ids in chunks(source_ids, KEY_CHUNK)]
    )
    with connected(bind) as conn:
        for names, columns in _shared_parts(streamed(conn, selected, chunk) for selected in queries):
            yield object_frame(names, columns)


def staged_cordis_runs(bind: Engine | Connection) -> list[tuple[str, str]]:
    """(source id, run id) of every staged CORDIS project, in the order ``read_staged`` gives them."""
    with connected(bind) as conn:
        query = select(stg_cordis__projects.c.source_id, stg_cordis__projects.c.run_id)
        return [(source_id, run_id) for source_id, run_id in streamed(conn, query)]


def published_cordis_projects(
    conn: Connection,
    fingerprint: str,
    columns: Sequence[str],
    source_ids: Sequence[str] | None = None,
) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    """The current core rows of the CORDIS projects (``columns`` of ``core_projects``, by source id) and
    their theme rows (by project key), as the last publish wrote them; both empty unless that publish's
    code had ``fingerprint`` (then a row whose ``last_run_id`` is still its staged record's run is the row
    this code builds from that record: see ``transforms.core.Published``). ``source_ids``: of those
    projects only."""
    if _published_fingerprint(conn) != fingerprint:
        return {}, {}
    current = select(*(core_projects.c[name] for name in columns)).where(
        core_projects.c.is_current, core_projects.c.source == "cordis"
    )
    theme_rows = select(core_project_themes)
    if source_ids is None:
        queries, theme_queries = [current], [theme_rows]
    else:
        batches = list(chunks(sorted(source_ids), KEY_CHUNK))
        queries = [current.where(core_projects.c.source_id.in_(ids)) for ids in batches]
        theme_queries = [
            theme_rows.where(core_project_themes.c.project_key.in_([f"cordis:{i}" for i in ids]))
            for ids in batches
        ]
    projects = {row["source_id"]: row for query in queries for row in _shared_rows(conn, query)}
    found: dict[str, list[dict]] = {}
    for query in theme_queries:
        for row in _shared_rows(conn, query):
            found.setdefault(row["project_key"], []).append(row)
    return projects, found


def published_cordis_runs(conn: Connection, fingerprint: str) -> dict[str, str]:
    """The run that last staged each current published CORDIS project (by source id); empty unless the last
    publish's code had ``fingerprint`` (see ``published_cordis_projects``)."""
    if _published_fingerprint(conn) != fingerprint:
        return {}
    current = select(core_projects.c.source_id, core_projects.c.last_run_id).where(
        core_projects.c.is_current, core_projects.c.source == "cordis"
    )
    return {source_id: run for source_id, run in streamed(conn, current)}


def published_organisation_keys(conn: Connection) -> dict[tuple[str, str], str]:
    """The published organisation key of every (source, source reference) (``org_resolution``), as
    ``transforms.organisations.Resolution.key_of`` holds them."""
    decisions = org_resolution.c
    query = select(decisions.source, decisions.source_ref, decisions.organisation_key)
    return {(source, ref): key for source, ref, key in streamed(conn, query)}


def changed_since_publish(conn: Connection, restaged: Iterable[str], removed: Iterable[str]) -> Scope:
    """The projects whose staged records may have changed since the last publish: the CORDIS
    projects ``restaged`` (their staged record is not the one their published row was built from) or
    ``removed`` (published, no longer staged), those with a participation staged by a run that has not
    succeeded (``needs_publish``'s rule: staging replaces a project's participations together), those whose
    published participations are no longer staged at all, and every other source's project published."""
    parts = stg_cordis__participations.c
    keys = {f"cordis:{source_id}" for source_id in (*restaged, *removed)}
    pending = select(parts.project_source_id).where(parts.run_id.not_in(_succeeded_runs())).distinct()
    keys.update(f"cordis:{source_id}" for source_id in streamed(conn, pending).scalars())
    staged = {
        f"cordis:{source_id}"
        for source_id in streamed(conn, select(parts.project_source_id).distinct()).scalars()
    }
    current = core_participations.c
    published = select(current.project_key).where(current.is_current).distinct()
    keys.update(key for key in streamed(conn, published).scalars() if key not in staged)
    others = select(core_projects.c.project_key).where(
        core_projects.c.is_current, core_projects.c.source != "cordis"
    )
    keys.update(streamed(conn, others).scalars())
    over, _ = _published_state(conn)
    return Scope(frozenset(keys), over)


def _shared_rows(conn: Connection, query: Select, chunk: int = LONG_TEXT_CHUNK) -> Iterator[dict]:
    """The rows of ``query`` as dicts, fetched ``chunk`` at a time, equal text one object across them."""
    for names, columns in _shared_parts([streamed(conn, query, chunk)]):
        for values in zip(*columns, strict=True):
            yield dict(zip(names, values, strict=True))


def _shared_parts(
    results: Iterable[CursorResult], amounts: bool = False, size: int | None = None
) -> Iterator[tuple[list[str], list[Sequence]]]:
    """The column names and the columns of each part of ``results`` (results of queries of the same
    columns, read one after the other; parts of ``size`` rows, else of the result's ``yield_per``), equal
    strings one object across all of them (``_shared_columns``)."""
    seen: list[dict | None] | None = None
    first = True
    for result in results:
        names = list(result.keys())
        if seen is None:
            seen = [{} for _ in names]
        for part in result.partitions(size):
            yield names, _shared_columns(part, seen, first=first, amounts=amounts)
            first = False


def _shared_columns(
    part: Sequence[Sequence], seen: list[dict | None], first: bool, amounts: bool = False
) -> list[Sequence]:
    """The columns of the rows ``part``, equal strings one object (``inventory.interning``) through
    the column's ``seen`` dict; after the first part, a column that was nearly all distinct text (hashes,
    titles) is no longer shared (its ``seen`` set to None): that would only grow the dict. ``amounts``: a
    row's amounts equal to the digit are one ``Decimal`` too (a participation's net contribution is most
    often its contribution: 370k fewer objects, 41 MB, in the 60k staging the core build reads)."""
    columns: list = []
    for index, column in enumerate(zip(*part, strict=True)):
        cache = seen[index]
        if cache is not None:
            column = shared_text(column, cache)
        columns.append(list(column) if amounts and type(column) is tuple else column)
        if first and cache is not None and len(cache) > len(part) * 0.9:
            seen[index] = None
    if amounts:
        share_amount_columns(columns)
    return columns


def _frame(result: CursorResult, amounts: bool = False, key: Sequence[str] | None = None) -> pd.DataFrame:
    """The rows of ``result`` as a frame of object columns (money as Decimal, dates as date).

    Read ``READ_CHUNK`` rows at a time, equal strings made one object: the driver
    makes a new string per cell, and holding every row of the 60k staging at once cost 1.2 GB of RSS."""
    names = list(result.keys())
    values: list[list] = [[] for _ in names]
    for _, columns in _shared_parts([result], amounts=amounts, size=READ_CHUNK):
        for index, column in enumerate(columns):
            values[index].extend(column)
    if key is not None:
        in_key_order(names, values, key)
    return object_frame(names, values)


def read_staged(
    bind: Engine | Connection,
    project_columns: Sequence[str] | None = None,
    participation_columns: Sequence[str] | None = None,
    *,
    cordis_projects: bool = True,
    cordis_participations: bool = True,
) -> Staged:
    """Every staged record (money as Decimal, dates as date), from one consistent snapshot; of the CORDIS
    tables only the given columns when given. The CORDIS participations come in natural order of their
    key (``STAGED_PARTICIPATION_KEY``, which ``participation_columns`` must hold), whatever order the
    database stores them in: a night re-stages the projects that changed, a rebuild stages every project in
    the dumps' order, and which record of an organisation comes first or last decides its attributes.
    ``cordis_projects=False``: no CORDIS project is read (an empty frame with the columns), for a build
    that reads them chunk by chunk (``iter_staged_cordis_projects``); ``cordis_participations=False``: nor
    any CORDIS participation (a scoped build reads some of them: ``warehouse.night_reads``).
    ``bind``: an engine, or a connection (``warehouse.snapshot``, for that chunked read and this one)."""
    with connected(bind) as conn:
        return Staged(
            _read(conn, stg_cordis__projects, project_columns)
            if cordis_projects
            else pd.DataFrame(columns=_columns(stg_cordis__projects, project_columns), dtype=object),
            _read(
                conn,
                stg_cordis__participations,
                participation_columns,
                amounts=True,
                key=STAGED_PARTICIPATION_KEY,
            )
            if cordis_participations
            else pd.DataFrame(
                columns=_columns(stg_cordis__participations, participation_columns), dtype=object
            ),
            _read(conn, stg_vlaio__projects),
            _read(conn, stg_vlaio__organisations)
            .rename(columns={"order_no": "order"})
            .sort_values(["project_source_id", "order"], ignore_index=True),
        )


def _replace(conn: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Every row of ``table`` replaced by ``frame``'s; returns the rows deleted and inserted."""
    deleted = conn.execute(delete(table)).rowcount
    return max(deleted, 0) + insert_frame(conn, table, frame)


def _rewrite_projects(
    conn: Connection, table: Table, frame: pd.DataFrame, projects: set[str], whole: bool = True
) -> int:
    """``table``'s rows of ``projects`` replaced by ``frame``'s rows of them. ``whole``: ``frame`` holds
    every row the table should (not only the scope's, ``Core.in_scope``): the whole table is replaced when
    it does not then hold exactly as many rows as ``frame`` (rows no publish accounts for)."""
    deleted = _delete_in(conn, table.c.project_key, projects)
    inserted = insert_frame(conn, table, frame[frame["project_key"].isin(projects)])
    if whole and conn.execute(select(func.count()).select_from(table)).scalar_one() != len(frame):
        return deleted + inserted + _replace(conn, table, frame)
    return deleted + inserted


def _rewrite_keys(conn: Connection, table: Table, frame: pd.DataFrame, keys: Collection[str]) -> int:
    """``table``'s rows of the organisation ``keys`` replaced by ``frame``'s (which holds theirs only)."""
    return _delete_in(conn, table.c.organisation_key, keys) + insert_frame(conn, table, frame)


def _delete_in(conn: Connection, column, values: Collection[str]) -> int:
    """Delete the rows of ``column``'s table whose ``column`` is one of ``values``, ``KEY_CHUNK`` at a time;
    returns the rows deleted."""
    deleted = 0
    for chunk in chunks(sorted(values), KEY_CHUNK):
        deleted += max(conn.execute(delete(column.table).where(column.in_(chunk))).rowcount, 0)
    return deleted


def _check_organisations(frames: dict[str, pd.DataFrame], keys: Collection[str]) -> None:
    """A :class:`ScopeError` when a frame holds an organisation row outside ``keys``
    (``Scope.organisations``): the publish would write it over a published row it does not compare."""
    for name in ("core_organisations", "mart_organisations"):
        outside = set(frames[name]["organisation_key"].tolist()) - set(keys)
        if outside:
            raise ScopeError(f"{name} holds organisations outside the scope, e.g. {sorted(outside)[:3]}")


def _projects_to_rewrite(
    conn: Connection,
    frames: dict[str, pd.DataFrame],
    touched: set[str],
    fingerprint: str | None,
    scope: Scope | None = None,
) -> set[str] | None:
    """The projects whose per-project rows may differ from the published ones; None when the published rows
    were built by other code (or by code that gave no fingerprint), or when most projects changed.

    ``scope``: the per-project frames hold the rows of its projects only (``Core.in_scope``); the projects
    are then among them, however many changed (a :class:`ScopeError` if not: the frames cannot hold their
    rows)."""
    if fingerprint is None:
        return None
    if _published_fingerprint(conn) != fingerprint:
        return None
    projects = frames["core_projects"]
    known = set(projects["project_key"].tolist())
    rewrite = set(touched)
    # rows keyed by no core project (the VLAIO batch totals in the yearly funding): always rewritten
    unknown: set[str] = set()
    for table in PER_PROJECT_TABLES:
        unknown.update(key for key in set(frames[table.name]["project_key"].tolist()) if key not in known)
    rewrite |= unknown
    # mart_inventory carries the run that last staged the project, which the record hash leaves out
    runs = select(mart_inventory.c.project_key, mart_inventory.c.last_run_id)
    if scope is None:
        published_run = dict(conn.execute(runs).all())
    else:  # the frame holds the scope's projects only
        published_run = {}
        for chunk in chunks(sorted(known), KEY_CHUNK):
            published_run.update(conn.execute(runs.where(mart_inventory.c.project_key.in_(chunk))).all())
    missing = object()
    for key, run in zip(projects["project_key"].tolist(), projects["last_run_id"].tolist(), strict=True):
        if published_run.get(key, missing) != run:
            rewrite.add(key)
    if scope is not None:
        outside = rewrite - scope.projects - unknown
        if outside:
            raise ScopeError(
                f"{len(outside)} projects outside the scope changed since the publish of run {scope.over}, "
                f"e.g. {sorted(outside)[:3]}: a core scoped to the others holds no rows for them"
            )
        return rewrite
    if len(rewrite) > MAX_REWRITTEN_SHARE * max(len(known), 1):
        return None
    return rewrite


def _published_state(conn: Connection) -> tuple[str, str] | None:
    """The run of the last publish and the fingerprint of the code that built it (None: no fingerprint was
    given)."""
    state = conn.execute(
        select(publish_state.c.run_id, publish_state.c.build_fingerprint).where(publish_state.c.name == STATE)
    ).one_or_none()
    return None if state is None else tuple(state)


def _published_fingerprint(conn: Connection) -> str | None:
    """The fingerprint of the code that built the published rows (None: none was given)."""
    state = _published_state(conn)
    return None if state is None else state[1]


def _check_scope(conn: Connection, scope: Scope, fingerprint: str | None) -> None:
    """A :class:`ScopeError` unless the published rows are those of the publish ``scope`` was built over,
    by the code building now."""
    state = _published_state(conn)
    if fingerprint is None or state != (scope.over, fingerprint):
        raise ScopeError(
            f"a core built for the projects changed since the publish of run {scope.over} cannot be published "
            f"over other rows (published: {state})"
        )


def _record_state(conn: Connection, fingerprint: str | None, run_id: str, now: datetime) -> None:
    conn.execute(delete(publish_state).where(publish_state.c.name == STATE))
    if fingerprint is not None:
        conn.execute(
            insert(publish_state).values(
                name=STATE, build_fingerprint=fingerprint, run_id=run_id, published_at=now
            )
        )


def publish(
    engine: Engine,
    run_id: str,
    core: dict[str, pd.DataFrame],
    marts: dict[str, pd.DataFrame],
    fingerprint: str | None = None,
    scope: Scope | None = None,
) -> PublishResult:
    """Merge the core entities with history, bring the derived core tables and every mart to the new frames,
    atomically.

    ``core`` maps core table names to frames (core_projects, core_organisations, core_participations,
    core_project_themes, core_yearly_funding, org_resolution, org_near_matches, org_resolution_inputs; a
    scoped core may leave the last three out, keeping the published ones: ``RESOLUTION_TABLES``).
    ``fingerprint``: of the code that built the frames (``transforms.build_version``); without one every
    derived table is rewritten.
    ``scope``: the projects whose core project and participation rows may differ from the published ones
    (``transforms.core.Core.scope``); only theirs are compared and written, and the frames of the
    per-project tables (``PER_PROJECT_TABLES``) hold their rows only (``Core.tables``); with
    ``scope.organisations``, the organisations' core and mart rows likewise, of those keys only. It holds
    only over the publish it was built against: a :class:`ScopeError` when the published rows are another
    publish's or other code's."""
    now = datetime.now(UTC)
    frames = {**core, **marts}
    history: dict[str, int] = {}
    rewritten: dict[str, int] = {}
    with engine.begin() as conn:
        large_page_cache(conn)
        if scope is not None:
            _check_scope(conn, scope, fingerprint)
        touched: set[str] = set()
        organisations = None if scope is None else scope.organisations
        if organisations is not None:
            _check_organisations(frames, organisations)
        for table in (core_projects, core_organisations, core_participations):
            if scope is None:
                scoped = None
            else:
                scoped = organisations if table is core_organisations else scope.projects
            change = merge_history(
                conn, table, HISTORY_KEYS[table.name], core[table.name], run_id, now, scope=scoped
            )
            history[table.name] = change.rows_written
            if table is not core_organisations:
                touched.update(change.touched)
        projects = _projects_to_rewrite(conn, frames, touched, fingerprint, scope)
        for table in PER_PROJECT_TABLES:
            frame = frames[table.name]
            rewritten[table.name] = (
                _replace(conn, table, frame)
                if projects is None
                else _rewrite_projects(conn, table, frame, projects, whole=scope is None)
            )
        for table in WHOLE_TABLES:
            if table is mart_organisations and organisations is not None:
                rewritten[table.name] = _rewrite_keys(conn, table, frames[table.name], organisations)
            elif table.name in frames:
                rewritten[table.name] = _replace(conn, table, frames[table.name])
            elif scope is None or table.name not in RESOLUTION_TABLES:
                raise ValueError(f"no rows to publish for {table.name}")
        _record_state(conn, fingerprint, run_id, now)
    return PublishResult(
        history_rows=history,
        mart_rows={table.name: len(marts[table.name]) for table in MARTS},
        rows_rewritten=rewritten,
        projects_rewritten=None if projects is None else len(projects),
        projects_scoped=None if scope is None else len(scope.projects),
    )


def _succeeded_runs() -> Select:
    """The runs that succeeded: each published everything staged before it ended."""
    return select(etl_run.c.run_id).where(etl_run.c.status == "succeeded")


def needs_publish(engine: Engine) -> bool:
    """True when staging holds rows that no successful run has published yet (written by this run or left by
    a run that failed after staging), or a mart is empty while staging is not."""
    with engine.connect() as conn:
        for table in STAGED_TABLES:
            pending = select(func.count()).select_from(table).where(table.c.run_id.not_in(_succeeded_runs()))
            if conn.execute(pending).scalar_one():
                return True
        staged = sum(
            conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (stg_cordis__projects, stg_vlaio__projects)
        )
        empty_marts = any(not conn.execute(select(func.count()).select_from(t)).scalar_one() for t in MARTS)
    return bool(staged) and empty_marts


def mart_row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one() for table in MARTS
        }


def read_table(bind: Engine | Connection, name: str) -> pd.DataFrame:
    """A whole table as a frame (for exports, the report and tests); ``bind`` may be a snapshot's
    connection (``warehouse.snapshot``)."""
    with connected(bind) as conn:
        return _read(conn, metadata.tables[name])


def read_query(bind: Engine | Connection, query: Select, *, amounts: bool = False) -> pd.DataFrame:
    """The rows of ``query`` as a frame built like ``read_table``'s: selecting a table's columns gives the
    same columns and values as ``read_table`` gives for that table. ``amounts``: a row's equal amounts one
    ``Decimal`` (``read_staged``'s participations)."""
    with connected(bind) as conn:
        return _frame(streamed(conn, query), amounts=amounts)
