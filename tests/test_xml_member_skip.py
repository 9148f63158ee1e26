"""A nightly run opens only the project documents of the XML dump that changed (by the CRC-32 and size in the
zip's central directory) and ends with the staging and marts a full read gives; the manifest of the staged
members is written with the staging, and anything that stages a project from elsewhere drops its entry.

The dumps are CONSTRUCTED by the benchmark generator (``benchmarks.generate``: the real formats, generated
values) at small scale, and served on loopback; the merges below use the recorded real dumps."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from benchmarks.generate import DUMP_NAMES, HOST, generate
from extractors.cordis import read_dump
from extractors.cordis.dumps import iter_dump, member_signatures
from extractors.cordis.records import CordisRecords
from inventory.mirror import serve_mirror
from tests.flow_runs import refresh_here, runs
from tests.loading import RECORDED_DUMPS, records_by_project
from tests.mart_rows import assert_same_marts, table_rows
from transforms.cordis import stage_participations, stage_projects
from transforms.dump_members import (
    MEMBER_COLUMNS,
    member_manifest,
    skipped_counts,
    stale_project_ids,
    unchanged_members,
)
from warehouse.engine import make_engine
from warehouse.loads import dump_members, merge_cordis, staged_cordis_hashes
from warehouse.schema import stg_cordis__dump_members, stg_cordis__participations, stg_cordis__projects

XML = DUMP_NAMES["HORIZON", "xml"]
JSON = DUMP_NAMES["H2020", "json"]
PROJECTS = 160


def _env(data_dir: Path, bases: dict[str, str]) -> dict[str, str]:
    return {
        "INVENTORY_DATA_DIR": str(data_dir),
        "INVENTORY_DB_URL": f"sqlite:///{data_dir / 'warehouse.sqlite'}",
        "INVENTORY_SOURCES": "cordis",
        "CORDIS_PROGRAMMES": "HORIZON,H2020",
        "INVENTORY_HTTP_RETRIES": "1",
        "INVENTORY_EXTRACT_TASK_RETRIES": "0",
        "CORDIS_BASE_URL": bases[HOST],
    }


def _staging(db_url: str) -> dict[str, list[str]]:
    """Both CORDIS staging tables, rows as reprs without the run that wrote them, sorted."""
    return table_rows(db_url, (stg_cordis__projects, stg_cordis__participations), ("run_id",))


def _manifest(db_url: str) -> pd.DataFrame:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(stg_cordis__dump_members)).mappings().all()
        return pd.DataFrame([dict(r) for r in rows])
    finally:
        engine.dispose()


def _records(batches) -> int:
    total = CordisRecords()
    for batch in batches:
        total.extend(batch)
    return len(total.projects) + len(total.participations)


def _changed_project_records(base: CordisRecords, changed: CordisRecords) -> int:
    """The records (project and participations) in ``changed`` of the projects whose records differ from
    ``base``'s, compared independently of the readers' skipping: every record of both read whole."""

    before, after = records_by_project(base), records_by_project(changed)
    return sum(len(rows) for pid, rows in after.items() if before.get(pid) != rows)


def _repack(path: Path) -> None:
    """The same members (same bytes, so the same CRC-32 and size) in another archive: a new SHA-256."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in reversed(members):
            target.writestr(info.filename, content)
        target.comment = b"repacked"


def test_a_night_opens_only_the_changed_xml_documents_and_stages_what_a_full_read_does(
    tmp_path: Path, prefect_api_url: str
) -> None:
    base_root, changed_root = tmp_path / "base", tmp_path / "changed"
    generate(base_root, PROJECTS, seed=5, jobs=1)
    changes = generate(changed_root, PROJECTS, seed=5, change=0.1, jobs=1)
    base_xml, changed_xml = (root / HOST / "data" / XML for root in (base_root, changed_root))
    before, after = member_signatures(base_xml), member_signatures(changed_xml)
    edited = {name for name, signature in after.items() if before.get(name) != signature}
    assert 0 < len(edited) < len(after) and set(before) == set(after)

    nightly, full = tmp_path / "nightly", tmp_path / "full"
    nightly_url, full_url = (f"sqlite:///{d / 'warehouse.sqlite'}" for d in (nightly, full))
    with serve_mirror(base_root) as bases:
        assert refresh_here(_env(nightly, bases)).is_completed()
    first = _manifest(nightly_url)
    assert set(first["member"]) == set(after) and len(first) == len(after)

    with serve_mirror(changed_root) as bases:
        night_state = refresh_here(_env(nightly, bases))
        full_state = refresh_here(_env(full, bases))
    assert night_state.is_completed() and full_state.is_completed()
    night, rebuilt = runs(nightly_url)[-1], runs(full_url)[-1]

    # the night opened exactly the edited documents: theirs are the only manifest rows it wrote, and of the
    # JSON dump it decoded the elements of the projects whose records changed (tests/test_json_element_skip.py)
    manifest = _manifest(nightly_url)
    assert len(manifest) == len(after)
    assert set(manifest.loc[manifest["run_id"] == night["run_id"], "member"]) == edited
    base_json, changed_json = (read_dump(root / HOST / "data" / JSON) for root in (base_root, changed_root))
    json_records = _records([changed_json])
    unopened = frozenset(set(after) - edited)
    changed_json_records = _changed_project_records(base_json, changed_json)
    assert 0 < changed_json_records < json_records / 4
    assert night["rows_read"] == changed_json_records + _records(
        iter_dump(changed_xml, skip_members=unopened)
    )
    assert night["rows_read"] < rebuilt["rows_read"]
    # it staged only the changed projects, each with all its participations
    changed_records = sum(changes["changed_records"].values())
    assert changed_records <= night_state.result()["cordis_staged"] <= night["rows_read"]
    assert full_state.result()["cordis_staged"] == rebuilt["rows_read"]
    # ... and ended with what a full read of the same dumps gives, counted the same for the drift check
    assert _staging(nightly_url) == _staging(full_url)
    assert_same_marts(full_url, nightly_url)
    assert night["rows_written"] == changed_records

    # a repacked archive (new SHA-256, every member as it was): no document opened; the JSON dump (served
    # from another port, so fetched as new) scanned and every project's elements found as staged: nothing
    # decoded, nothing staged, nothing written, the gate passed on the counts of what staging holds
    _repack(changed_xml)
    with serve_mirror(changed_root) as bases:
        repacked_state = refresh_here(_env(nightly, bases))
    assert repacked_state.is_completed() and repacked_state.result()["cordis_staged"] == 0
    repacked = runs(nightly_url)[-1]
    assert repacked["status"] == "succeeded"
    assert repacked["rows_read"] == 0 and repacked["rows_written"] == 0
    assert _staging(nightly_url) == _staging(full_url)


# --- the pieces -------------------------------------------------------------------------------------------


def _known(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=MEMBER_COLUMNS, dtype=object)


def test_a_member_is_skipped_only_with_the_same_crc_and_size() -> None:
    known = _known([("d.zip", "a.xml", 1, 10, "A", 2), ("d.zip", "b.xml", 2, 20, "B", 3),
                    ("d.zip", "c.xml", 3, 30, "C", 4), ("d.zip", "gone.xml", 4, 40, "G", 1)])  # fmt: skip
    signatures = {"a.xml": (1, 10), "b.xml": (9, 20), "c.xml": (3, 31), "new.xml": (5, 50)}
    skipped = unchanged_members(signatures, known)
    assert list(skipped["member"]) == ["a.xml"]
    assert skipped_counts(skipped) == (1, 2)
    assert unchanged_members({}, known).empty
    assert unchanged_members(signatures, known.iloc[0:0]).empty


def test_the_manifest_keeps_skipped_members_and_leaves_out_quarantined_and_unstaged_ones() -> None:
    dump = "d.zip"
    signatures = {"a.xml": (1, 10), "b.xml": (2, 20), "c.xml": (3, 30), "d.xml": (4, 40)}
    skipped = _known([(dump, "a.xml", 1, 10, "A", 2)])
    projects = pd.DataFrame({"source_id": ["B", "C"], "source_file": ["d.zip!b.xml", "d.zip!c.xml"]})
    participations = pd.DataFrame({"source_file": ["d.zip!b.xml"] * 3 + ["d.zip!c.xml"]})
    quarantined = pd.DataFrame({"source_file": ["d.zip!c.xml"]})  # one of C's records could not be staged
    manifest = member_manifest(dump, signatures, skipped, projects, participations, quarantined)
    # a: carried over; b: read and staged with 3 participations; c: quarantined; d: staged nothing
    assert [tuple(r) for r in manifest[MEMBER_COLUMNS].itertuples(index=False)] == [
        (dump, "a.xml", 1, 10, "A", 2),
        (dump, "b.xml", 2, 20, "B", 3),
    ]


def test_projects_staged_from_elsewhere_are_stale() -> None:
    projects = pd.DataFrame({"source_id": ["A", "B", "X"],
                             "source_file": ["d.zip!a.xml", "detail-B.xml", "other.json"]})  # fmt: skip
    participations = pd.DataFrame({"project_source_id": ["C"], "source_file": ["detail-C.xml"]})
    stale = stale_project_ids({"A", "B", "C"}, {"d.zip!a.xml"}, projects, participations)
    assert stale == {"B", "C"}  # X is not in the manifest, A comes from its own member


@pytest.fixture
def staged_recorded() -> tuple[pd.DataFrame, pd.DataFrame]:
    records = read_dump(RECORDED_DUMPS[0])
    return stage_projects(records.projects)[0], stage_participations(records.participations)[0]


def test_the_manifest_is_written_with_the_staging_and_dropped_for_projects_staged_from_elsewhere(
    migrated_engine, staged_recorded: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    engine = migrated_engine  # SQLite and PostgreSQL
    projects, participations = staged_recorded
    dump = "recorded.zip"
    # constructed: each recorded project as if it came from its own member of an XML dump
    labels = {pid: f"{dump}!{pid}.xml" for pid in projects["source_id"]}
    projects = projects.assign(source_file=projects["source_id"].map(labels))
    participations = participations.assign(source_file=participations["project_source_id"].map(labels))
    members = _known([(dump, f"{pid}.xml", i, 100 + i, pid, int((participations["project_source_id"] == pid).sum()))
                      for i, pid in enumerate(projects["source_id"])])  # fmt: skip
    merge_cordis(engine, "run-1", projects, participations, members)
    stored = dump_members(engine, dump)
    assert sorted(map(tuple, stored[MEMBER_COLUMNS].itertuples(index=False))) == sorted(
        map(tuple, members.itertuples(index=False))
    )
    assert set(stored["run_id"]) == {"run-1"}
    # what the next night compares its records with: every project's hash and its participations' hashes
    hashes = staged_cordis_hashes(engine)
    expected = {
        pid: (h, frozenset(participations.loc[participations["project_source_id"] == pid, "record_hash"]))
        for pid, h in zip(projects["source_id"], projects["record_hash"], strict=True)
    }
    assert hashes == expected and any(parts for _, parts in hashes.values())
    # ... or those of the projects a staging task reads (unknown ids and missing ones have none)
    some = sorted(expected)[:2]
    assert staged_cordis_hashes(engine, [*some, None, "no-such-project"]) == {
        pid: expected[pid] for pid in some
    }

    # a later merge stages the first project from a listing's detail document: its entry goes
    first = projects["source_id"].iloc[0]
    detail = projects.iloc[[0]].assign(source_file=f"detail-{first}.xml", title="A newer title")
    merge_cordis(engine, "run-2", detail, participations.iloc[0:0])
    assert set(dump_members(engine, dump)["project_source_id"]) == set(projects["source_id"]) - {first}

    # ... also when the detail document comes in the same run as the dump's member
    second = projects["source_id"].iloc[1]
    both = pd.concat([projects.iloc[[1]].assign(source_file=f"detail-{second}.xml")], ignore_index=True)
    merge_cordis(engine, "run-2b", both, participations.iloc[0:0],
                 pd.concat([dump_members(engine, dump), members.iloc[0:0]], ignore_index=True))  # fmt: skip
    assert second not in set(dump_members(engine, dump)["project_source_id"])

    # a read of the same dump replaces its manifest whole (a member no longer in the dump is gone)
    # (a member not opened keeps the run that read it)
    carried = dump_members(engine, dump).sort_values("member").iloc[[1]]
    merge_cordis(engine, "run-3", projects.iloc[2:3], participations.iloc[0:0],
                 pd.concat([carried, members.iloc[2:3]], ignore_index=True))  # fmt: skip
    after = dump_members(engine, dump).sort_values("member")
    assert list(zip(after["member"], after["run_id"], strict=True)) == sorted(
        [(carried["member"].iloc[0], "run-1"), (members["member"].iloc[2], "run-3")]
    )


def test_a_project_is_left_out_only_when_it_and_every_participation_hash_as_staged() -> None:
    from transforms.cordis import VOLATILE_FIELDS, split_unchanged
    from transforms.values import content_hash

    def project(pid: str, title: str = "T") -> dict:
        return {"id": pid, "title": title, "contentUpdateDate": "2025-01-01", "source_file": "f"}

    def part(pid: str, org: str, city: str = "Gent") -> dict:
        return {"projectID": pid, "organisationID": org, "role": "participant", "order": "1", "city": city,
                "source_file": "f"}  # fmt: skip

    def h(record: dict) -> str:
        return content_hash(record, exclude=VOLATILE_FIELDS)

    projects = [project("A"), project("B"), project("C"), project("D"), project("E"), project("E")]
    parts = [part("A", "1"), part("A", "2"), part("B", "1"), part("C", "1"), part("D", "1"), part("Z", "9")]
    staged = {
        "A": (h(project("A")), frozenset({h(part("A", "1")), h(part("A", "2"))})),  # the same
        "B": (h(project("B", "old title")), frozenset({h(part("B", "1"))})),  # project changed
        "C": (h(project("C")), frozenset({h(part("C", "1", "Paris"))})),  # a participation changed
        "D": (h(project("D")), frozenset({h(part("D", "1")), h(part("D", "2"))})),  # one removed
        "E": (h(project("E")), frozenset()),  # twice in the batch: kept
    }
    # a volatile field (the update date) changing alone does not make a project new
    moved = [{**p, "contentUpdateDate": "2026-01-01"} if p["id"] == "A" else p for p in projects]
    split = split_unchanged(moved, parts, staged)
    assert [p["id"] for p in split.same_projects] == ["A"]
    assert [p["projectID"] for p in split.same_participations] == ["A", "A"]
    assert [p["id"] for p in split.projects] == ["B", "C", "D", "E", "E"]
    assert [p["projectID"] for p in split.participations] == ["B", "C", "D", "Z"]  # Z: no project in batch
    nothing_known = split_unchanged(projects, parts, None)
    assert nothing_known.projects == projects and nothing_known.participations == parts
