"""A nightly run decodes only the JSON elements of the projects whose elements changed since they were staged
(``extractors.cordis.json_elements``): the elements are found and digested without decoding them, each
project's digest compared with the one recorded when its records were staged (``stg_cordis__json_projects``,
written with the staging in one transaction). The pieces on the recorded real H2020 JSON dump and on
CONSTRUCTED edits of it (a layout or an element that must make the reader give up: then the dump is read
whole), and nights in the flow on dumps CONSTRUCTED by the benchmark generator (``benchmarks.generate``:
the real formats, generated values), served on loopback; tests/test_xml_member_skip.py's night reads both
dumps."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.generate import DUMP_NAMES, HOST, generate
from extractors.cordis import read_dump
from extractors.cordis.json_dump import iter_json_dump, scan_json_dump
from extractors.cordis.json_elements import (
    ElementMismatch,
    NotSplittable,
    ProjectDigests,
    element_digest,
    iter_elements,
    signed,
)
from extractors.cordis.records import CordisRecords
from inventory.mirror import serve_mirror
from tests.flow_runs import refresh_here, runs
from tests.loading import RECORDED_DUMPS, records_by_project
from tests.mart_rows import assert_same_marts, table_rows
from transforms.cordis import stage_participations, stage_projects
from transforms.dump_members import (
    JSON_PROJECT_COLUMNS,
    json_project_manifest,
    stale_json_projects,
    unchanged_json_projects,
)
from warehouse.engine import make_engine
from warehouse.loads import json_projects, merge_cordis
from warehouse.schema import stg_cordis__participations, stg_cordis__projects

RECORDED_JSON = RECORDED_DUMPS[0]
JSON = DUMP_NAMES["H2020", "json"]


def _records(batches) -> CordisRecords:
    total = CordisRecords()
    for batch in batches:
        total.extend(batch)
    return total


def _rewrite(source: Path, target: Path, transform) -> Path:
    """A copy of the dump zip with each member's text passed through ``transform(name, text)``."""
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in archive.infolist():
            out.writestr(info.filename, transform(info.filename, archive.read(info).decode("utf-8")))
    return target


def test_the_scan_digests_every_project_as_the_full_read_does_on_the_real_dump() -> None:
    scan = scan_json_dump(RECORDED_JSON)
    whole = _records(iter_json_dump(RECORDED_JSON))
    # the digests of a full read (from each decoded element's raw text) are the scan's, project by project
    assert whole.element_digests is not None and whole.element_digests.sums == scan.digests.sums
    assert None not in scan.digests.sums and len(scan.digests.sums) == len(whole.projects)
    # each project: one project element and as many participation elements as it has records
    participations = pd.Series([r["projectID"] for r in whole.participations]).value_counts()
    for pid in scan.digests.sums:
        _, project_elements, participation_elements = scan.digests.of(pid)
        assert (project_elements, participation_elements) == (1, participations.get(pid, 0))
    # the elements the scan attributed are those of the members, in order
    assert len(scan.element_projects["participation"]) == len(whole.participations)


def test_a_selected_read_gives_the_full_reads_records_of_those_projects() -> None:
    scan = scan_json_dump(RECORDED_JSON)
    whole = records_by_project(_records(iter_json_dump(RECORDED_JSON)))
    chosen = set(sorted(scan.digests.sums)[::3])
    selected = _records(iter_json_dump(RECORDED_JSON, projects=chosen, scan=scan))
    assert records_by_project(selected) == {pid: rows for pid, rows in whole.items() if pid in chosen}
    # the quarantine keys stay the full read's: "element N" counts every element, decoded or not
    assert _records(iter_json_dump(RECORDED_JSON, projects=set(), scan=scan)).projects == []


def test_a_changed_element_changes_its_projects_digest_only(tmp_path: Path) -> None:
    before = scan_json_dump(RECORDED_JSON).digests
    project = sorted(before.sums)[0]
    # constructed: one participation's city of that project edited in the real text
    records = read_dump(RECORDED_JSON)
    city = next(r["city"] for r in records.participations if r["projectID"] == project and r["city"])

    def edit(name: str, text: str) -> str:
        if not name.endswith("organization.json"):
            return text
        at = text.index(f'"projectID": {project}')
        start = text.rindex('"city": ', 0, at)
        return (
            text[:start]
            + text[start:at].replace(json.dumps(city), json.dumps(city + " (edited)"), 1)
            + text[at:]
        )

    after = scan_json_dump(_rewrite(RECORDED_JSON, tmp_path / "edited.zip", edit)).digests
    changed = {pid for pid in before.sums if before.of(pid) != after.of(pid)}
    assert changed == {project}


def test_a_dump_not_laid_out_as_cordis_prints_it_is_not_split(tmp_path: Path) -> None:
    # constructed: the real members re-serialised without the line breaks (valid JSON, another layout)
    def compact(name: str, text: str) -> str:
        return json.dumps(json.loads(text), separators=(",", ":"))

    minified = _rewrite(RECORDED_JSON, tmp_path / "minified.zip", compact)
    with pytest.raises(NotSplittable):
        scan_json_dump(minified)
    # the usual reader still reads it whole (its numbers re-printed by json, so only the keys compared)
    ours, real = (records_by_project(_records(iter_json_dump(p))) for p in (minified, RECORDED_JSON))
    assert {pid: len(rows) for pid, rows in ours.items()} == {pid: len(rows) for pid, rows in real.items()}
    for text, reason in ((b"{}", "not a JSON array"), (b'[1, 2]', "not an array of objects"),
                         (b'[{\n"a": 1\n},{\n"b": 2\n}', "the array does not end"),
                         (b'[{"a": 1},{"b": 2}]', "does not end as CORDIS")):  # fmt: skip
        with pytest.raises(NotSplittable, match=reason):
            list(iter_elements(io.BytesIO(text)))
    assert list(iter_elements(io.BytesIO(b"\xef\xbb\xbf [ ]"))) == []
    assert list(iter_elements(io.BytesIO(b'[{\n"a": 1\n},{\n"b": "},{"\n}]\n'))) == [
        b'{\n"a": 1\n}',
        b'{\n"b": "},{"\n}',
    ]


def test_an_element_that_is_not_what_its_bytes_were_taken_for_stops_the_selected_read(tmp_path: Path) -> None:
    # constructed: a participation element naming its project twice; the decoder keeps the last key, the
    # scan took the first: decoding it must not file it under the wrong project
    project = sorted(scan_json_dump(RECORDED_JSON).digests.sums)[0]

    def twice(name: str, text: str) -> str:
        if not name.endswith("organization.json"):
            return text
        at = text.index(f'"projectID": {project},')
        end = text.index("\n}", at)
        return text[:end] + ',\n    "projectID": 1' + text[end:]

    path = _rewrite(RECORDED_JSON, tmp_path / "twice.zip", twice)
    scan = scan_json_dump(path)
    with pytest.raises(ElementMismatch, match="not the element of project"):
        next(iter(iter_json_dump(path, projects={project}, scan=scan)))


# --- the manifest --------------------------------------------------------------------------------------


def _digests(rows: dict[str, tuple[int, int, int]]) -> ProjectDigests:
    digests = ProjectDigests()
    for pid, (digest, projects, participations) in rows.items():
        digests.sums[pid] = [digest % (1 << 64), projects, participations]
    return digests


def test_a_project_is_unchanged_only_with_its_digest_one_project_element_and_its_participations() -> None:
    scanned = _digests({"A": (5, 1, 2), "B": (6, 1, 2), "C": (7, 2, 2), "D": (8, 1, 3), "E": (-9, 1, 0)})
    known = {"A": (5, 2, "r1"), "B": (60, 2, "r1"), "C": (7, 2, "r1"), "D": (8, 2, "r1"), "E": (-9, 0, "r2"),
             "F": (1, 0, "r1")}  # fmt: skip
    assert unchanged_json_projects(scanned, known) == {"A": (5, 2, "r1"), "E": (-9, 0, "r2")}
    assert signed((1 << 64) - 9) == -9 and signed(5) == 5
    assert element_digest("project", b"{}") != element_digest("participation", b"{}")


def test_the_manifest_keeps_skipped_projects_and_leaves_out_incomplete_ones() -> None:
    scanned = _digests({"A": (5, 1, 2), "B": (6, 1, 2), "C": (7, 1, 1), "D": (8, 2, 0), "E": (9, 1, 0)})
    manifest = json_project_manifest(
        "d.zip",
        scanned,
        skipped={"S": (3, 4, "r0")},
        project_ids=["A", "B", "C", "D", "E", "E"],
        # B lost a participation to the quarantine; C's one participation is there
        participation_project_ids=["A", "A", "B", "C"],
    )
    rows = sorted(map(tuple, manifest[[*JSON_PROJECT_COLUMNS, "run_id"]].itertuples(index=False)))
    assert rows == [("d.zip", "A", 5, 2, None), ("d.zip", "C", 7, 1, None), ("d.zip", "S", 3, 4, "r0")]


def test_projects_staged_from_another_file_are_stale() -> None:
    manifest = [("j.zip", "A"), ("j.zip", "B"), ("j.zip", "C")]
    staged = [("A", "j.zip!project.json"), ("B", "x.zip!B.xml"), ("C", "j.zip!project.json"),
              ("C", "https://cordis.europa.eu/project/id/C")]  # fmt: skip
    assert stale_json_projects(manifest, staged) == {("j.zip", "B"), ("j.zip", "C")}


def test_the_manifest_is_written_with_the_staging_and_dropped_for_projects_staged_from_elsewhere(
    migrated_engine,
) -> None:
    engine = migrated_engine  # SQLite and PostgreSQL
    records = read_dump(RECORDED_JSON)
    projects, participations = (
        stage_projects(records.projects)[0],
        stage_participations(records.participations)[0],
    )
    dump = RECORDED_JSON.name
    digests = scan_json_dump(RECORDED_JSON).digests
    manifest = json_project_manifest(
        dump, digests, {}, projects["source_id"].tolist(), participations["project_source_id"].tolist()
    )
    assert len(manifest) == len(projects)
    merge_cordis(engine, "run-1", projects, participations, json_projects=manifest)
    stored = json_projects(engine, dump)
    # signed 64-bit digests round-trip (some are negative)
    assert stored == {pid: (*digests.of(pid)[::2], "run-1") for pid in projects["source_id"]}
    assert any(digest < 0 for digest, _, _ in stored.values())

    # a later merge stages the first project from an XML document: its row goes, the others stay
    first = projects["source_id"].iloc[0]
    from_xml = projects.iloc[[0]].assign(source_file=f"other-xml.zip!{first}.xml", title="A newer title")
    merge_cordis(engine, "run-2", from_xml, participations.iloc[0:0])
    assert set(json_projects(engine, dump)) == set(projects["source_id"]) - {first}

    # a read of the same dump replaces its manifest whole; a skipped project keeps the run that read it
    kept = manifest[manifest["project_source_id"] != first].iloc[[0]].assign(run_id="run-1")
    merge_cordis(engine, "run-3", projects.iloc[0:0], participations.iloc[0:0], json_projects=kept)
    pid = kept["project_source_id"].iloc[0]
    assert json_projects(engine, dump) == {
        pid: (int(kept["digest"].iloc[0]), int(kept["participations"].iloc[0]), "run-1")
    }


# --- in the flow ----------------------------------------------------------------------------------------

FLOW_PROJECTS = 80


def _flow_env(data_dir: Path, base_url: str) -> dict[str, str]:
    return {
        "INVENTORY_DATA_DIR": str(data_dir),
        "INVENTORY_DB_URL": f"sqlite:///{data_dir / 'warehouse.sqlite'}",
        "INVENTORY_SOURCES": "cordis",
        "CORDIS_PROGRAMMES": "H2020",
        "INVENTORY_HTTP_RETRIES": "1",
        "INVENTORY_EXTRACT_TASK_RETRIES": "0",
        "CORDIS_BASE_URL": base_url,
    }


def _staged(db_url: str, leave_out: tuple[str, ...] = ("run_id",)) -> dict[str, list[str]]:
    """Both CORDIS staging tables, rows as reprs without the run that wrote them (``leave_out``), sorted."""
    return table_rows(db_url, (stg_cordis__projects, stg_cordis__participations), leave_out)


def _night(root: Path, data_dir: Path) -> dict:
    """One refresh of ``data_dir``'s warehouse from the dumps under ``root`` (served on loopback); its
    ``etl_run`` row."""
    with serve_mirror(root) as bases:
        assert refresh_here(_flow_env(data_dir, bases[HOST])).is_completed()
    return runs(f"sqlite:///{data_dir / 'warehouse.sqlite'}")[-1]


def _edit_element(dump: Path, member: str, key_line: str, edit) -> None:
    """Rewrite one element of a generated dump's member in place: the first holding ``key_line``."""

    def transform(name: str, text: str) -> str:
        if not name.endswith(member):
            return text
        pieces = text.split("\n},{")
        hits = [i for i, piece in enumerate(pieces) if key_line in piece]
        assert hits
        pieces[hits[0]] = edit(pieces[hits[0]])
        return "\n},{".join(pieces)

    rewritten = _rewrite(dump, dump.with_name("rewritten.zip"), transform)
    rewritten.replace(dump)


def test_nights_decode_only_the_changed_projects_and_stage_what_a_full_read_does(
    tmp_path: Path, prefect_api_url: str
) -> None:
    base_root, changed_root = tmp_path / "base", tmp_path / "changed"
    generate(base_root, FLOW_PROJECTS, seed=11, jobs=1)
    generate(changed_root, FLOW_PROJECTS, seed=11, change=0.1, jobs=1)
    dump = changed_root / HOST / "data" / JSON
    base_records, changed_records = (
        read_dump(root / HOST / "data" / JSON) for root in (base_root, changed_root)
    )
    nightly = tmp_path / "nightly"
    nightly_url = f"sqlite:///{nightly / 'warehouse.sqlite'}"
    engine = make_engine(nightly_url)

    first = _night(base_root, nightly)
    assert first["rows_read"] == len(base_records.projects) + len(base_records.participations)
    assert set(json_projects(engine, JSON)) == {r["id"] for r in base_records.projects}

    # the night decodes the elements of the projects whose records changed, and ends with a full read's staging
    night = _night(changed_root, nightly)
    before, after = records_by_project(base_records), records_by_project(changed_records)
    changed = {pid for pid, rows in after.items() if before.get(pid) != rows}
    assert 0 < len(changed) < len(after) / 4
    assert night["rows_read"] == sum(len(after[pid]) for pid in changed)
    manifest = json_projects(engine, JSON)
    assert {pid for pid, (_, _, run) in manifest.items() if run == night["run_id"]} == changed
    full = _night(changed_root, tmp_path / "full")
    assert _staged(nightly_url) == _staged(f"sqlite:///{tmp_path / 'full' / 'warehouse.sqlite'}")
    assert_same_marts(f"sqlite:///{tmp_path / 'full' / 'warehouse.sqlite'}", nightly_url)
    assert full["rows_read"] == len(changed_records.projects) + len(changed_records.participations)

    # constructed: one unchanged project's contentUpdateDate moved (a field the record hash leaves out): its
    # elements are decoded, found as staged, nothing written; its digest recorded, so the next night (the
    # same dump fetched again from another port) decodes nothing
    quiet = sorted(set(after) - changed)[0]
    _edit_element(dump, "project.json", f'"id": {quiet},',
                  lambda piece: re.sub(r'"contentUpdateDate": "[^"]*"', '"contentUpdateDate": "2031-01-01 00:00:00"',
                                       piece))  # fmt: skip
    touched = _night(changed_root, nightly)
    assert touched["rows_read"] == len(after[quiet]) and touched["rows_written"] == 0
    assert json_projects(engine, JSON)[quiet][2] == touched["run_id"]
    again = _night(changed_root, nightly)
    assert again["rows_read"] == 0 and again["rows_written"] == 0

    # constructed: an element naming its project with an escape ("63300\u0030" decodes to the same id): its
    # bytes name no project, so it is decoded, and it is another project's than it was taken for; the night
    # gives up on the split, reads the dump whole and stages what a full read of it does
    escaped = '"' + quiet[:-1] + f"\\u{ord(quiet[-1]):04x}" + '"'
    _edit_element(dump, "organization.json", f'"projectID": {quiet},',
                  lambda piece: piece.replace(f'"projectID": {quiet},', f'"projectID": {escaped},'))  # fmt: skip
    whole = _night(changed_root, nightly)
    assert whole["status"] == "succeeded"
    assert whole["rows_read"] == len(changed_records.projects) + len(changed_records.participations)
    reread = tmp_path / "reread"
    _night(changed_root, reread)
    # (the moved contentUpdateDate was never staged: the record hash leaves it out, as it always did)
    volatile = ("run_id", "content_update_date")
    assert _staged(nightly_url, volatile) == _staged(f"sqlite:///{reread / 'warehouse.sqlite'}", volatile)
    engine.dispose()
