"""The three dump readers produce the same records: the real samples read exactly, the constructed CSV
zip stages identically to the JSON zip it was built from, batches are project-coherent, and the format
quirks (BOM, quoting, delimiters, E-notation, leftover quotes, namespaces) read as the source wrote them."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from extractors.cordis import iter_dump, read_dump
from extractors.cordis.records import COMPANION_FIELDS, PARTICIPATION_FIELDS, PROJECT_FIELDS, CordisRecords
from tests.independent import SOURCES
from transforms.cordis import stage_participations, stage_projects

MIRROR_DATA = Path(__file__).resolve().parents[1] / "recorded" / "mirror" / "cordis.europa.eu" / "data"
JSON_ZIP = MIRROR_DATA / "cordis-h2020projects-json.zip"
CSV_ZIP = MIRROR_DATA / "cordis-h2020projects-csv.zip"
XML_ZIP = MIRROR_DATA / "cordis-HORIZONprojects-xml.zip"


def _without_source(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "source_file"} for row in rows]


def _staged(records: CordisRecords) -> tuple[pd.DataFrame, pd.DataFrame]:
    projects, bad_projects = stage_projects(records.projects)
    participations, bad_participations = stage_participations(records.participations)
    assert bad_projects.empty and bad_participations.empty
    return projects.drop(columns="source_file"), participations.drop(columns="source_file")


def _zip(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def test_real_samples_read_with_zero_quarantined_and_exact_amounts() -> None:
    json_records = read_dump(JSON_ZIP)
    assert json_records.quarantined == []
    raw_projects = json.loads((SOURCES / "h2020_json_export" / "project.json").read_bytes(), parse_float=str)
    by_id = {p["id"]: p for p in json_records.projects}
    for raw in raw_projects:
        record = by_id[str(raw["id"])]
        for name in ("totalCost", "ecMaxContribution"):
            assert Decimal(record[name]) == Decimal(str(raw[name])), (raw["id"], name)
    raw_orgs = json.loads((SOURCES / "h2020_json_export" / "organization.json").read_bytes(), parse_float=str)
    assert [p["ecContribution"] for p in json_records.participations] == [
        str(o["ecContribution"]) if o["ecContribution"] != "" else None for o in raw_orgs
    ]

    xml_records = read_dump(XML_ZIP)
    assert xml_records.quarantined == []
    assert len(xml_records.projects) == 5 and len(xml_records.participations) == 74
    for project in xml_records.projects:
        source = next(p for p in (SOURCES / "horizon_project_xml").glob("*.xml") if project["rcn"] in p.name)
        text = source.read_text(encoding="utf-8")
        assert f"<ecMaxContribution>{project['ecMaxContribution']}</ecMaxContribution>" in text
        assert f"<totalCost>{project['totalCost']}</totalCost>" in text


def test_records_have_the_declared_fields_in_every_format() -> None:
    for path in (JSON_ZIP, CSV_ZIP, XML_ZIP):
        records = read_dump(path)
        assert {tuple(r) for r in records.projects} == {(*PROJECT_FIELDS, "source_file")}
        assert {frozenset(r) for r in records.participations} == {
            frozenset((*PARTICIPATION_FIELDS, "source_file"))
        }
        for name, rows in records.companions.items():
            assert {frozenset(r) for r in rows} == {frozenset((*COMPANION_FIELDS[name], "source_file"))}


def test_csv_zip_stages_exactly_like_the_json_zip_it_was_built_from() -> None:
    json_records, csv_records = read_dump(JSON_ZIP), read_dump(CSV_ZIP)
    assert csv_records.quarantined == []
    assert _without_source(csv_records.projects) == _without_source(json_records.projects)
    assert _without_source(csv_records.participations) == _without_source(json_records.participations)
    json_projects, json_participations = _staged(json_records)
    csv_projects, csv_participations = _staged(csv_records)
    pd.testing.assert_frame_equal(csv_projects, json_projects)
    pd.testing.assert_frame_equal(csv_participations, json_participations)
    # the quirks survived the CSV round trip: E-notation text, embedded newlines, leftover quoting
    project = next(p for p in csv_records.projects if p["id"] == "662192")
    assert project["ecMaxContribution"] == "1.732084396E7"
    assert sum("\n" in (p["objective"] or "") for p in csv_records.projects) >= 21
    assert any(
        (p["objective"] or "").startswith('"') and '""' in p["objective"] for p in csv_records.projects
    )


@pytest.mark.parametrize("path", [JSON_ZIP, CSV_ZIP, XML_ZIP], ids=lambda p: p.name)
def test_batches_are_project_coherent_and_add_up_to_the_whole(path: Path) -> None:
    whole = read_dump(path)
    batches = list(iter_dump(path, batch_size=2))
    assert all(len(batch.projects) <= 2 for batch in batches)
    for batch in batches:
        ids = {p["id"] for p in batch.projects}
        assert {p["projectID"] for p in batch.participations} <= ids
        for rows in batch.companions.values():
            assert {r["projectID"] for r in rows} <= ids
    merged = CordisRecords()
    for batch in batches:
        merged.extend(batch)
    assert merged.projects == whole.projects
    key = lambda r: (r["projectID"], r["organisationID"], r["role"], r["order"])  # noqa: E731
    assert sorted(merged.participations, key=key) == sorted(whole.participations, key=key)


def test_xml_reader_adds_keywords_results_and_companions() -> None:
    records = read_dump(XML_ZIP)
    soldac = next(p for p in records.projects if p["acronym"] == "SolDAC")
    assert soldac["keywords"].startswith("zero-carbon, solar energy")
    results = soldac["results"].split(";")
    assert len(results) == 19 and results == sorted(results)
    assert "101069359_20_DELIVHORIZON" in results
    for project in records.projects:
        source = (SOURCES / "horizon_project_xml" / f"{project['rcn']}.xml").read_text(encoding="utf-8")
        assert (project["results"] is None) == ('<result type="relatedResult"' not in source)
    topics = {r["projectID"]: r for r in records.companions["topics"]}
    assert topics["101069359"]["topic"] == "HORIZON-CL5-2021-D2-01-11"
    assert topics["101069359"]["title"] == "Direct atmospheric carbon capture and conversion"
    legal = [r for r in records.companions["legalBasis"] if r["projectID"] == "101069359"]
    assert legal == [
        {
            "projectID": "101069359",
            "legalBasis": "HORIZON.2.5",
            "title": "Climate, Energy and Mobility",
            "uniqueProgrammePart": "true",
            "source_file": "cordis-HORIZONprojects-xml.zip!237915.xml",
        }
    ]
    voc = [r for r in records.companions["euroSciVoc"] if r["projectID"] == "101069359"]
    assert [r["euroSciVocCode"] for r in voc] == [
        "/23/53/373",
        "/25/67/425/1169/1685/85521413",
        "/23/53/363/1099",
        "/29/91/521/1303",
    ]
    assert voc[0]["euroSciVocPath"] == "/natural sciences/chemical sciences/electrochemistry"


def _companion_tables() -> dict[str, list[dict[str, str]]]:
    return {
        "topics": [{"projectID": "662192", "topic": "ECSEL-01-2014", "title": "ECSEL Key Applications"}],
        "legalBasis": [
            {
                "projectID": "662192",
                "legalBasis": "H2020-EU.2.1.1.7.",
                "title": "ECSEL",
                "uniqueProgrammePart": "true",
            }
        ],
        "euroSciVoc": [
            {
                "projectID": "662192",
                "euroSciVocCode": "/25/61/383",
                "euroSciVocPath": "/engineering and technology/electrical engineering/power engineering",
                "euroSciVocTitle": "power engineering",
                "euroSciVocDescription": "",
            }
        ],
    }


def _csv_text(
    rows: list[dict[str, str]], delimiter: str = ";", bom: bool = True, quote_all: bool = True
) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer,
        fieldnames=list(rows[0]),
        delimiter=delimiter,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        lineterminator="\n",
    )
    writer.writeheader()
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def test_companions_read_the_same_from_json_and_csv_members_in_folders(tmp_path: Path) -> None:
    """Constructed members (the real companion files are not in the samples), under json/ and csv/."""
    with zipfile.ZipFile(JSON_ZIP) as archive:
        projects, organisations = archive.read("project.json"), archive.read("organization.json")
    tables = _companion_tables()
    json_zip = _zip(
        tmp_path / "cordis-h2020projects-json.zip",
        {"json/project.json": projects, "json/organization.json": organisations}
        | {f"json/{name}.json": json.dumps(rows) for name, rows in tables.items()},
    )
    csv_zip = _zip(
        tmp_path / "cordis-h2020projects-csv.zip",
        {name: content for name, content in _members(CSV_ZIP).items()}
        | {f"csv/{name}.csv": _csv_text(rows) for name, rows in tables.items()},
    )
    from_json, from_csv = read_dump(json_zip), read_dump(csv_zip)
    assert from_json.quarantined == from_csv.quarantined == []
    for name in tables:
        assert _without_source(from_json.companions[name]) == _without_source(from_csv.companions[name])
        assert from_json.companions[name][0]["projectID"] == "662192"
    assert from_json.companions["euroSciVoc"][0]["euroSciVocDescription"] is None


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_unquoted_csv_without_bom_and_tab_separated_organisations_read_the_same(tmp_path: Path) -> None:
    json_records = read_dump(JSON_ZIP)
    raw_projects = json.loads(
        (SOURCES / "h2020_json_export" / "project.json").read_bytes(), parse_float=str, parse_int=str
    )
    raw_orgs = json.loads(
        (SOURCES / "h2020_json_export" / "organization.json").read_bytes(), parse_float=str, parse_int=str
    )

    def text(rows: list[dict]) -> list[dict[str, str]]:
        spell = {True: "true", False: "false"}
        return [
            {k: spell.get(v, str(v)) if isinstance(v, bool) else str(v) for k, v in r.items()} for r in rows
        ]

    path = _zip(
        tmp_path / "cordis-h2020projects-csv.zip",
        {
            "project.csv": _csv_text(text(raw_projects), bom=False, quote_all=False),
            "organization.csv": _csv_text(text(raw_orgs), delimiter="\t", bom=False, quote_all=False),
        },
    )
    records = read_dump(path)
    assert records.quarantined == []
    assert _without_source(records.projects) == _without_source(json_records.projects)
    assert _without_source(records.participations) == _without_source(json_records.participations)


def test_postcode_published_as_a_number_keeps_its_text() -> None:
    records = read_dump(JSON_ZIP)
    murata = next(p for p in records.participations if p["organisationID"] == "999943901")
    assert murata["postCode"] == "912"  # a Finnish 00912 as CORDIS published it; not padded here


def test_namespaced_xml_root_reads_the_same_in_a_dump(tmp_path: Path) -> None:
    content = (SOURCES / "horizon_project_xml" / "265615.xml").read_bytes()
    namespaced = content.replace(b"<project>", b'<project xmlns="http://cordis.europa.eu">', 1)
    plain = read_dump(_zip(tmp_path / "a-xml.zip", {"p.xml": content}))
    other = read_dump(_zip(tmp_path / "b-xml.zip", {"p.xml": namespaced}))
    assert _without_source(plain.projects) == _without_source(other.projects)
    assert _without_source(plain.participations) == _without_source(other.participations)
    for name in ("topics", "legalBasis", "euroSciVoc"):
        assert _without_source(plain.companions[name]) == _without_source(other.companions[name])
    assert plain.companions["legalBasis"]


def test_the_spool_folder_is_used_and_removed_even_when_reading_stops_early(tmp_path: Path) -> None:
    batches = iter_dump(JSON_ZIP, batch_size=5, spool_dir=tmp_path)
    first = next(batches)
    assert len(first.projects) == 5
    assert [p.name[:13] for p in tmp_path.iterdir()] == ["cordis-spool-"]
    batches.close()  # the consumer stops after one batch
    assert list(tmp_path.iterdir()) == []
    assert sum(len(b.projects) for b in iter_dump(CSV_ZIP, batch_size=5, spool_dir=tmp_path)) == 26
    assert list(tmp_path.iterdir()) == []


def test_the_spool_gives_back_every_record_exactly(tmp_path: Path) -> None:
    """orjson writes the spool; text it refuses (an unpaired surrogate) goes through json's escapes."""
    from extractors.cordis.spool import BatchSpool

    records = [
        {"id": "1", "title": "Industrie 4.0 — café \u2028 \x00 \ud83d\ude00", "objective": None},
        {"id": "2", "title": "broken \ud800 surrogate", "objective": "  spaced  "},
    ]
    spool = BatchSpool(batch_size=1, parent=tmp_path)
    try:
        for record in records:
            spool.add_project(record)
        spool.add("participation", "2", {"projectID": "2", "name": "naïve \udfff"})
        spool.add("participation", "missing", {"projectID": "missing", "name": "orphan"})
        batches = list(spool.batches())
    finally:
        spool.close()
    assert [b.projects for b in batches[:2]] == [[records[0]], [records[1]]]
    assert batches[1].participations == [{"projectID": "2", "name": "naïve \udfff"}]
    assert batches[2].participations == [{"projectID": "missing", "name": "orphan"}]  # orphans last
