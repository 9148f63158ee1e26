"""Writes of the raw manifest, the quarantine and the staging layer. Each call is one transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Table, delete, insert, select, tuple_
from sqlalchemy.engine import Connection, Engine

from extractors.cordis.records import SOURCE
from transforms.dump_members import (
    JSON_PROJECT_COLUMNS,
    MEMBER_COLUMNS,
    KnownJsonProjects,
    empty_json_projects,
    member_label,
    stale_json_projects,
    stale_project_ids,
)
from warehouse.bulk import LONG_TEXT_CHUNK, chunks, column_values, insert_frame
from warehouse.schema import (
    etl_run,
    quarantine,
    raw_manifest,
    stg_cordis__dump_members,
    stg_cordis__json_projects,
    stg_cordis__participations,
    stg_cordis__projects,
    stg_vlaio__organisations,
    stg_vlaio__pages,
    stg_vlaio__projects,
)

# Parameter lists are chunked so the IN (...) lists stay under every driver's limit.
CHUNK = 500


def _records(frame: pd.DataFrame, run_id: str) -> list[dict[str, Any]]:
    cleaned = frame.astype(object).where(frame.notna(), None)
    return [{**row, "run_id": run_id} for row in cleaned.to_dict("records")]


def _replace_by_key(conn: Connection, table: Table, key: Sequence[str], rows: list[dict[str, Any]]) -> None:
    """Delete the rows whose key is among ``rows``' keys, then insert ``rows``: an upsert that works the
    same on SQLite and PostgreSQL."""
    columns = [table.c[name] for name in key]
    keys = sorted({tuple(row[name] for name in key) for row in rows})
    for chunk in chunks(keys, CHUNK):
        conn.execute(delete(table).where(tuple_(*columns).in_(chunk)))
    for chunk in chunks(rows, 5000):
        conn.execute(insert(table), list(chunk))


def record_manifest(engine: Engine, run_id: str, landed: Iterable[Mapping[str, Any]]) -> int:
    rows = [{**row, "run_id": run_id} for row in landed]
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(raw_manifest), rows)
    return len(rows)


def record_quarantine(engine: Engine, run_id: str, frame: pd.DataFrame) -> int:
    if frame.empty:
        return 0
    with engine.begin() as conn:
        conn.execute(insert(quarantine), _records(frame, run_id))
    return len(frame)


def _changed_records(incoming: set[tuple], stored: set[tuple]) -> int:
    """Records added, removed or changed between two versions of a project's rows, each row a tuple of
    its key fields followed by its content (hash): a row whose key is kept but whose content changed is one
    changed record, not one removed plus one added."""
    new = {row[:-1]: row[-1] for row in incoming}
    old = {row[:-1]: row[-1] for row in stored}
    return len(new.keys() ^ old.keys()) + sum(new[key] != old[key] for key in new.keys() & old.keys())


def merge_cordis(
    engine: Engine,
    run_id: str,
    projects: pd.DataFrame,
    participations: pd.DataFrame,
    members: pd.DataFrame | None = None,
    json_projects: pd.DataFrame | None = None,
) -> int:
    """Upsert the staged CORDIS projects whose content hash changed, and replace the participations of the
    projects whose set of participations changed; one transaction. Returns the source records added,
    changed or removed (a participation is known by organisation, role and order; an unchanged dump: 0).

    ``members``: the manifest of the XML dumps this run read (``transforms.dump_members``), which replaces
    theirs in the same transaction, so it never describes rows staging does not hold; ``json_projects`` the
    same for the JSON dumps' projects (``transforms.dump_members.json_project_manifest``)."""
    projects_table, parts_table = stg_cordis__projects, stg_cordis__participations
    stamp = {"run_id": run_id}
    project_ids = _values(projects, "source_id")
    with engine.begin() as conn:
        stored = dict(conn.execute(select(projects_table.c.source_id, projects_table.c.record_hash)).all())
        changed = [
            index
            for index, (source_id, record_hash) in enumerate(
                zip(project_ids, _values(projects, "record_hash"), strict=True)
            )
            if stored.get(source_id) != record_hash
        ]
        # only a stored project has rows to delete (a first load has none)
        stored_changed = [index for index in changed if project_ids[index] in stored]
        _delete_keys(conn, projects_table, ("source", "source_id"), projects.iloc[stored_changed])
        insert_frame(conn, projects_table, projects, stamp, positions=changed, chunk=LONG_TEXT_CHUNK)

        to_delete, rows, replaced = _participations_to_replace(conn, projects, participations)
        written = len(changed) + replaced
        for chunk in chunks(to_delete, CHUNK):
            conn.execute(delete(parts_table).where(parts_table.c.project_source_id.in_(chunk)))
        insert_frame(conn, parts_table, participations, stamp, positions=rows)
        _replace_dump_members(conn, run_id, projects, participations, members)
        _replace_json_projects(conn, run_id, projects, participations, json_projects)
    return written


def _participations_to_replace(
    conn: Connection, projects: pd.DataFrame, participations: pd.DataFrame
) -> tuple[list[str], list[int], int]:
    """Of the projects whose set of participations differs from the stored one: those with stored rows to
    delete (sorted), the positions of their incoming participations (by project, in staged order), and the
    records added, changed or removed.

    Each participation is (organisation_id, role, order_no, record_hash). The projects are compared
    ``CHUNK`` at a time in the order of their ids, each chunk's stored participations read for it alone:
    a night that stages 600 projects reads theirs, not the 409k of a 60k warehouse (a dict of all of them
    was 130 MB of the 1 % night's merge), and a backfill that stages every project holds one chunk's."""
    pids = _values(participations, "project_source_id")
    columns = [_values(participations, c) for c in ("organisation_id", "role", "order_no", "record_hash")]
    order = sorted(range(len(pids)), key=pids.__getitem__)
    sources = sorted(set(_values(projects, "source")) | set(_values(participations, "source")))
    to_delete: list[str] = []
    rows: list[int] = []
    replaced = 0
    cursor = 0
    # a project staged now without participations loses the stored ones: it is compared too
    for chunk in chunks(sorted(set(_values(projects, "source_id")) | set(pids)), CHUNK):
        stored = _stored_participations(conn, sources, chunk)
        for pid in chunk:
            positions = []
            while cursor < len(order) and pids[order[cursor]] == pid:
                positions.append(order[cursor])
                cursor += 1
            incoming = {tuple(column[i] for column in columns) for i in positions}
            before = stored.get(pid, set())
            if incoming != before:
                if before:
                    to_delete.append(pid)
                rows += positions
                replaced += _changed_records(incoming, before)
    return to_delete, rows, replaced


def _stored_participations(
    conn: Connection, sources: Sequence[str], project_ids: Sequence[str]
) -> dict[str, set[tuple]]:
    """project id -> its stored participations, each (organisation_id, role, order_no, record_hash)."""
    table = stg_cordis__participations
    query = select(
        table.c.project_source_id,
        table.c.organisation_id,
        table.c.role,
        table.c.order_no,
        table.c.record_hash,
    ).where(table.c.source.in_(sources), table.c.project_source_id.in_(project_ids))
    stored: dict[str, set[tuple]] = defaultdict(set)
    for row in conn.execute(query):
        stored[row[0]].add(tuple(row[1:]))
    return stored


def _replace_dump_members(
    conn: Connection,
    run_id: str,
    projects: pd.DataFrame,
    participations: pd.DataFrame,
    members: pd.DataFrame | None,
) -> None:
    table = stg_cordis__dump_members
    members = members if members is not None else pd.DataFrame(columns=[*MEMBER_COLUMNS, "run_id"])
    dumps = sorted(set(members["dump"]))
    for chunk in chunks(dumps, CHUNK):
        conn.execute(delete(table).where(table.c.dump.in_(chunk)))
    # a project this merge stages from anything but a member in ``members`` (also when a listing's detail
    # document brings it in the same run as its member) has no manifest entry afterwards
    candidates = set(conn.execute(select(table.c.project_source_id)).scalars()) | set(
        members["project_source_id"]
    )
    labels = {member_label(d, m) for d, m in zip(members["dump"], members["member"], strict=True)}
    stale = stale_project_ids(candidates, labels, projects, participations) if candidates else set()
    for chunk in chunks(sorted(stale), CHUNK):
        conn.execute(delete(table).where(table.c.project_source_id.in_(chunk)))
    members = members[~members["project_source_id"].isin(stale)]
    # a member read by this run is stamped with it; one not opened keeps the run that read it
    runs = [r if isinstance(r, str) else run_id for r in members.get("run_id", [None] * len(members))]
    insert_frame(conn, table, members[MEMBER_COLUMNS].assign(run_id=runs))


def _replace_json_projects(
    conn: Connection,
    run_id: str,
    projects: pd.DataFrame,
    participations: pd.DataFrame,
    manifest: pd.DataFrame | None,
) -> None:
    """The manifest of each JSON dump this merge staged from replaced by ``manifest``'s rows; then the rows of
    every dump whose project this merge staged from another file dropped (``stale_json_projects``)."""
    table = stg_cordis__json_projects
    manifest = manifest if manifest is not None else empty_json_projects()
    for chunk in chunks(sorted(set(manifest["dump"])), CHUNK):
        conn.execute(delete(table).where(table.c.dump.in_(chunk)))
    runs = [r if isinstance(r, str) else run_id for r in manifest["run_id"]]
    insert_frame(conn, table, manifest[JSON_PROJECT_COLUMNS].assign(run_id=runs))
    staged = [
        pair
        for frame, id_column in ((projects, "source_id"), (participations, "project_source_id"))
        if not frame.empty
        for pair in frame[[id_column, "source_file"]].drop_duplicates().itertuples(index=False, name=None)
    ]
    if not staged:
        return
    ids = {project_id for project_id, _ in staged}
    rows = [
        (dump, project_id)
        for dump, project_id in conn.execute(select(table.c.dump, table.c.project_source_id))
        if project_id in ids
    ]
    for chunk in chunks(sorted(stale_json_projects(rows, staged)), CHUNK):
        conn.execute(delete(table).where(tuple_(table.c.dump, table.c.project_source_id).in_(chunk)))


def json_projects(engine: Engine, dump: str) -> KnownJsonProjects:
    """The manifest of one JSON dump (by file name): project id -> (digest, participations, run_id)."""
    table = stg_cordis__json_projects
    query = select(table.c.project_source_id, table.c.digest, table.c.participations, table.c.run_id).where(
        table.c.dump == dump
    )
    with engine.connect() as conn:
        return {pid: (int(digest), int(n), run_id) for pid, digest, n, run_id in conn.execute(query)}


def staged_cordis_hashes(
    engine: Engine, project_ids: Sequence[str] | None = None
) -> dict[str, tuple[str, frozenset[str]]]:
    """Every staged CORDIS project (or only those of ``project_ids``, read ``CHUNK`` at a time): its record
    hash and the record hashes of its participations."""
    parts_table, projects_table = stg_cordis__participations, stg_cordis__projects
    parts: dict[str, set[str]] = defaultdict(set)
    part_query = select(parts_table.c.project_source_id, parts_table.c.record_hash)
    project_query = select(projects_table.c.source_id, projects_table.c.record_hash)
    if project_ids is None:
        part_queries, project_queries = [part_query], [project_query]
    else:  # by the primary keys' leading columns
        ids = sorted({pid for pid in project_ids if isinstance(pid, str)})
        part_queries = [
            part_query.where(parts_table.c.source == SOURCE, parts_table.c.project_source_id.in_(chunk))
            for chunk in chunks(ids, CHUNK)
        ]
        project_queries = [
            project_query.where(projects_table.c.source == SOURCE, projects_table.c.source_id.in_(chunk))
            for chunk in chunks(ids, CHUNK)
        ]
    projects = []
    with engine.connect() as conn:
        for query in part_queries:
            for project_id, record_hash in conn.execute(query):
                parts[project_id].add(record_hash)
        for query in project_queries:
            projects += conn.execute(query).all()
    return {pid: (record_hash, frozenset(parts.get(pid, ()))) for pid, record_hash in projects}


def dump_members(engine: Engine, dump: str) -> pd.DataFrame:
    """The manifest of one dump (by file name): the members whose project staging holds as they are, with
    the run that read each."""
    table = stg_cordis__dump_members
    names = [*MEMBER_COLUMNS, "run_id"]
    with engine.connect() as conn:
        rows = conn.execute(select(*[table.c[n] for n in names]).where(table.c.dump == dump)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=names, dtype=object)


def _values(frame: pd.DataFrame, column: str) -> list[Any]:
    return column_values(frame, column) if len(frame) else []


def _delete_keys(conn: Connection, table: Table, key: Sequence[str], frame: pd.DataFrame) -> None:
    """Delete the rows of ``table`` whose key is among ``frame``'s keys."""
    if not len(frame):
        return
    columns = [table.c[name] for name in key]
    keys = sorted(set(zip(*(column_values(frame, name) for name in key), strict=True)))
    for chunk in chunks(keys, CHUNK):
        conn.execute(delete(table).where(tuple_(*columns).in_(chunk)))


def merge_vlaio_pages(engine: Engine, run_id: str, pages: pd.DataFrame) -> int:
    """Upsert the pages whose visible text changed (``text_sha256``); returns the rows written."""
    rows = _records(pages, run_id)
    with engine.begin() as conn:
        stored = dict(conn.execute(select(stg_vlaio__pages.c.url, stg_vlaio__pages.c.text_sha256)).all())
        changed = [row for row in rows if stored.get(row["url"]) != row["text_sha256"]]
        if changed:
            _replace_by_key(conn, stg_vlaio__pages, ("url",), changed)
    return len(changed)


def merge_vlaio_projects(
    engine: Engine, run_id: str, projects: pd.DataFrame, organisations: pd.DataFrame
) -> int:
    """Upsert the proeftuinen whose ``record_hash`` changed and replace the organisations of those whose
    list of organisations changed; one transaction. Returns the records added, changed or removed (an
    organisation is known by its position on the page; 0 on an unchanged crawl)."""
    project_rows = _records(projects, run_id)
    organisation_rows = [
        {**{k: v for k, v in row.items() if k != "order"}, "order_no": row["order"]}
        for row in _records(organisations, run_id)
    ]
    projects_table, orgs_table = stg_vlaio__projects, stg_vlaio__organisations
    with engine.begin() as conn:
        stored = dict(conn.execute(select(projects_table.c.source_id, projects_table.c.record_hash)).all())
        changed = [row for row in project_rows if stored.get(row["source_id"]) != row["record_hash"]]
        if changed:
            _replace_by_key(conn, projects_table, ("source_id",), changed)

        def org_key(row: Mapping[str, Any]) -> tuple:
            # (position on the page, then its content): a renamed organisation is one changed record
            return (row["order_no"], (row["name"], row["role"]))

        stored_orgs: dict[str, set[tuple]] = defaultdict(set)
        query = select(
            orgs_table.c.project_source_id, orgs_table.c.order_no, orgs_table.c.name, orgs_table.c.role
        )
        for row in conn.execute(query):
            stored_orgs[row[0]].add((row[1], (row[2], row[3])))
        incoming: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in organisation_rows:
            incoming[row["project_source_id"]].append(row)
        to_replace = sorted(
            pid
            for pid in {row["source_id"] for row in project_rows} | set(incoming)
            if {org_key(row) for row in incoming.get(pid, [])} != stored_orgs.get(pid, set())
        )
        for chunk in chunks(to_replace, CHUNK):
            conn.execute(delete(orgs_table).where(orgs_table.c.project_source_id.in_(chunk)))
        rows = [row for pid in to_replace for row in incoming.get(pid, [])]
        if rows:
            conn.execute(insert(orgs_table), rows)
        written = len(changed) + sum(
            _changed_records({org_key(row) for row in incoming.get(pid, [])}, stored_orgs.get(pid, set()))
            for pid in to_replace
        )
    return written


def previous_fetches(engine: Engine, source: str) -> dict[str, dict[str, Any]]:
    """URL -> the ``raw_manifest`` row of its latest fetch by a successful run (the validators and the
    landed file a conditional GET compares with)."""
    succeeded = select(etl_run.c.run_id).where(etl_run.c.status == "succeeded")
    query = (
        select(raw_manifest)
        .where(raw_manifest.c.source == source, raw_manifest.c.run_id.in_(succeeded))
        .order_by(raw_manifest.c.fetched_at)
    )
    with engine.connect() as conn:
        return {row["url"]: dict(row) for row in conn.execute(query).mappings()}


def staged_source_ids(engine: Engine, table_name: str) -> list[str]:
    """The ``source_id`` of every row of a staged projects table (``stg_vlaio__projects``, ...)."""
    table = {"stg_vlaio__projects": stg_vlaio__projects, "stg_cordis__projects": stg_cordis__projects}[
        table_name
    ]
    with engine.connect() as conn:
        return list(conn.execute(select(table.c.source_id)).scalars())
