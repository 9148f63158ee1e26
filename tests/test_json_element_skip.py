"""A nightly run decodes only the JSON elements of the projects whose elements changed since they were staged
(``extractors.cordis.json_elements``): the elements are found and digested without decoding them, each
project's digest compared with the one recorded when its records were staged (``stg_cordis__json_projects``,
written with the staging in one transaction). The flow-level check, a night ending with the staging a full
read gives, is in tests/test_xml_member_skip.py (its night reads both dumps). Here: the pieces, on the
recorded real H2020 JSON dump, and CONSTRUCTED dumps where a layout or an element must make the reader give
up (then the dump is read whole)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

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
from tests.loading import RECORDED_DUMPS
from transforms.cordis import stage_participations, stage_projects
from transforms.dump_members import (
    JSON_PROJECT_COLUMNS,
    json_project_manifest,
    stale_json_projects,
    unchanged_json_projects,
)
from warehouse.loads import json_projects, merge_cordis

RECORDED_JSON = RECORDED_DUMPS[0]


def _by_project(records: CordisRecords) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for record in [*records.projects, *records.participations]:
        pid = record.get("id") if "id" in record else record.get("projectID")
        grouped.setdefault(pid, []).append(repr(sorted(record.items())))
    return {pid: sorted(rows) for pid, rows in grouped.items()}


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
    whole = _by_project(_records(iter_json_dump(RECORDED_JSON)))
    chosen = set(sorted(scan.digests.sums)[::3])
    selected = _records(iter_json_dump(RECORDED_JSON, projects=chosen, scan=scan))
    assert _by_project(selected) == {pid: rows for pid, rows in whole.items() if pid in chosen}
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
    ours, real = (_by_project(_records(iter_json_dump(p))) for p in (minified, RECORDED_JSON))
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
