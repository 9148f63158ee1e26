"""History (SCD2) on the real CORDIS version pairs: exactly one closed and one current row for what changed,
nothing for what did not, and "what changed since last night" as one query."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from sqlalchemy import func, select, text

from tests.independent import SOURCES
from tests.loading import load, xml_dump
from warehouse.engine import make_engine
from warehouse.schema import core_organisations, core_participations, core_projects

VERSIONS = SOURCES / "horizon_project_xml_versions"
CHANGED_SINCE = """
SELECT 'project' AS entity, project_key AS entity_key FROM core_projects WHERE run_id = :run
UNION ALL SELECT 'organisation', organisation_key FROM core_organisations WHERE run_id = :run
UNION ALL SELECT 'participation', project_key || ' ' || source_organisation_ref FROM core_participations
WHERE run_id = :run
"""


def _changed_organisations() -> set[str]:
    """Organisation ids whose own data (names, VAT, address) differ between the snapshots of either pair,
    read with ElementTree independently of the pipeline's reader."""

    def organisations(path: Path) -> dict[str, str]:
        root = ET.parse(path).getroot()
        return {
            org.findtext("id"): "|".join(
                [org.findtext(tag) or "" for tag in ("legalName", "shortName", "vatNumber")]
                + [ET.tostring(org.find("address"), encoding="unicode")]
            )
            for org in root.iter("organization")
        }

    changed: set[str] = set()
    for project in ("237915", "243221"):
        old = organisations(VERSIONS / f"{project}__2025-11-16.xml")
        new = organisations(VERSIONS / f"{project}__2025-12-06.xml")
        changed |= {org_id for org_id in new if old.get(org_id) != new[org_id]}
    return changed


def _versions(db_url: str, table, key: str) -> dict[str, list[bool]]:
    with make_engine(db_url).connect() as conn:
        rows = conn.execute(select(table.c[key], table.c.is_current, table.c.valid_to)).all()
    versions: dict[str, list[bool]] = {}
    for row in rows:
        assert (row[1] is True) == (row[2] is None)  # current rows are open, closed rows have valid_to
        versions.setdefault(row[0], []).append(row[1])
    return versions


def test_version_pairs_leave_one_closed_and_one_current_row_for_what_changed(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    first = {
        "237915.xml": VERSIONS / "237915__2025-11-16.xml",
        "243221.xml": VERSIONS / "243221__2025-11-16.xml",
    }
    second = {
        "237915.xml": VERSIONS / "237915__2025-12-06.xml",
        "243221.xml": VERSIONS / "243221__2025-12-06.xml",
    }
    load(db_url, "run-1", (xml_dump(tmp_path / "v1-cordis-HORIZONprojects-xml.zip", first),))
    result = load(db_url, "run-2", (xml_dump(tmp_path / "v2-cordis-HORIZONprojects-xml.zip", second),))

    projects = _versions(db_url, core_projects, "project_key")
    assert sorted(projects["cordis:101069359"]) == [False, True]  # SolDAC: 6 results added
    assert projects["cordis:101091792"] == [True]  # SMARTHANDLE: project content unchanged

    changed_orgs = {f"org:{org_id}" for org_id in _changed_organisations()}
    assert changed_orgs  # the real pairs change partners' spellings
    organisations = _versions(db_url, core_organisations, "organisation_key")
    for key, flags in organisations.items():
        assert sorted(flags) == ([False, True] if key in changed_orgs else [True]), key
    assert all(
        flags == [True]
        for flags in _versions(db_url, core_participations, "project_key").values()
        if len(flags) == 1
    )
    with make_engine(db_url).connect() as conn:
        assert (
            conn.execute(
                select(func.count()).select_from(core_participations).where(~core_participations.c.is_current)
            ).scalar_one()
            == 0
        )
        changed = {tuple(row) for row in conn.execute(text(CHANGED_SINCE), {"run": "run-2"})}
    assert changed == {("project", "cordis:101069359")} | {("organisation", key) for key in changed_orgs}
    assert result.history_rows["core_projects"] == 2  # one closed, one inserted


def test_an_unchanged_reload_writes_no_history(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    load(db_url, "run-1")
    again = load(db_url, "run-2")
    assert again.history_rows == {"core_projects": 0, "core_organisations": 0, "core_participations": 0}
