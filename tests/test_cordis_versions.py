"""Change detection on two real snapshots of the same projects (x3ro, 2025-11-16 and 2025-12-06): the
readers put every real change into the records and nothing volatile, so the content hashes computed in
``transforms`` change exactly where the content changed."""

from __future__ import annotations

from pathlib import Path

from extractors.cordis.records import Record
from extractors.cordis.xml_dump import parse_project_document
from tests.independent import SOURCES
from transforms.cordis import VOLATILE_FIELDS, stage_participations, stage_projects

VERSIONS = SOURCES / "horizon_project_xml_versions"


def _read(rcn: str, snapshot: str):
    path: Path = VERSIONS / f"{rcn}__{snapshot}.xml"
    return parse_project_document(path.read_bytes(), path.name)


def _changed_fields(old: Record, new: Record) -> set[str]:
    return {name for name in old.keys() | new.keys() if old.get(name) != new.get(name)}


def _participations_by_key(records) -> dict[tuple, Record]:
    return {(r["projectID"], r["organisationID"], r["role"], r["order"]): r for r in records.participations}


def _changed_participations(old, new) -> dict[tuple, set[str]]:
    before, after = _participations_by_key(old), _participations_by_key(new)
    assert before.keys() == after.keys()
    changes = {key: _changed_fields(before[key], after[key]) - {"source_file"} for key in before}
    return {key: fields for key, fields in changes.items() if fields}


def test_soldac_project_record_differs_only_in_its_results() -> None:
    old, new = _read("237915", "2025-11-16"), _read("237915", "2025-12-06")
    assert _changed_fields(old.projects[0], new.projects[0]) - {"source_file"} == {"results"}
    assert len(old.projects[0]["results"].split(";")) == 13
    assert len(new.projects[0]["results"].split(";")) == 19
    # contentUpdateDate did not move although six results were added: only the content hash sees it.
    assert old.projects[0]["contentUpdateDate"] == new.projects[0]["contentUpdateDate"]
    old_staged, _ = stage_projects(old.projects)
    new_staged, _ = stage_projects(new.projects)
    assert old_staged.loc[0, "record_hash"] != new_staged.loc[0, "record_hash"]
    # the one partner whose short name and street were re-spelled, and nothing else
    assert _changed_participations(old, new) == {
        ("101069359", "912743326", "participant", "2"): {"shortName", "street"}
    }


def test_smarthandle_project_is_unchanged_but_four_participations_changed() -> None:
    old, new = _read("243221", "2025-11-16"), _read("243221", "2025-12-06")
    changed = _changed_fields(old.projects[0], new.projects[0]) - {"source_file"}
    assert changed == {"contentUpdateDate"} and changed <= set(VOLATILE_FIELDS)
    old_staged, _ = stage_projects(old.projects)
    new_staged, _ = stage_projects(new.projects)
    assert old_staged.loc[0, "record_hash"] == new_staged.loc[0, "record_hash"]

    expected = {
        ("101091792", "928134510", "participant", "8"): {"city"},  # Munchen -> MUNCHEN
        ("101091792", "919715007", "participant", "12"): {"postCode"},  # 61 100 -> 611 00
        ("101091792", "887046086", "participant", "13"): {"city"},  # Emmen -> EMMEN
        ("101091792", "887029596", "participant", "9"): {"city"},  # Tolbert -> TOLBERT
    }
    assert _changed_participations(old, new) == expected
    hashes = []
    for records in (old, new):
        staged, quarantined = stage_participations(records.participations)
        assert quarantined.empty
        hashes.append(
            dict(
                zip(
                    map(tuple, staged[["organisation_id", "role", "order_no"]].values),
                    staged["record_hash"],
                    strict=True,
                )
            )
        )
    differing = {key for key in hashes[0] if hashes[0][key] != hashes[1][key]}
    assert differing == {(org, role, int(order)) for (_, org, role, order) in expected}


def test_companion_rows_of_both_versions_are_identical() -> None:
    for rcn in ("237915", "243221"):
        old, new = _read(rcn, "2025-11-16"), _read(rcn, "2025-12-06")
        for name in ("topics", "legalBasis", "euroSciVoc"):
            strip = [{k: v for k, v in r.items() if k != "source_file"} for r in old.companions[name]]
            assert strip == [{k: v for k, v in r.items() if k != "source_file"} for r in new.companions[name]]
