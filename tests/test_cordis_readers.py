"""The CORDIS readers on the real recorded dumps, and their errors on bad input."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from extractors.cordis import read_dump
from extractors.cordis.xml_dump import parse_project_document
from inventory.errors import BadSourceFileError
from tests.independent import SOURCES, expected_from_sources
from transforms.cordis import stage_participations, stage_projects
from transforms.values import parse_money

MIRROR_DATA = Path(__file__).resolve().parents[1] / "recorded" / "mirror" / "cordis.europa.eu" / "data"
JSON_ZIP = MIRROR_DATA / "cordis-h2020projects-json.zip"
XML_ZIP = MIRROR_DATA / "cordis-HORIZONprojects-xml.zip"


def test_real_dumps_stage_every_record_with_zero_quarantined() -> None:
    records = read_dump(JSON_ZIP)
    records.extend(read_dump(XML_ZIP))
    projects, bad_projects = stage_projects(records.projects)
    participations, bad_participations = stage_participations(records.participations)
    expected = expected_from_sources()
    assert bad_projects.empty and bad_participations.empty
    assert len(projects) == len(expected.projects) == 31
    assert len(participations) == expected.participations
    belgian = participations[participations["country"] == "BE"]
    assert len(belgian) == expected.belgian_participations
    assert sum(belgian["ec_contribution_eur"].dropna(), Decimal("0")) == expected.belgian_ec_contribution


def test_e_notation_money_is_read_exactly() -> None:
    projects, _ = stage_projects(read_dump(JSON_ZIP).projects)
    row = projects.set_index("source_id").loc["662192"]  # 3Ccar: "ecMaxContribution": 1.732084396E7
    assert row["ec_max_contribution_eur"] == Decimal("17320843.96")
    assert row["total_cost_eur"] == Decimal("52401675.84")


def test_a_participations_equal_amounts_are_staged_as_one_object() -> None:
    """In the real H2020 sample most participations' net EU contribution is their EU contribution; staged, the
    two are one Decimal (the memory of 365k amounts at 60k projects), and every amount is still its own."""
    records = read_dump(JSON_ZIP).participations
    participations, _ = stage_participations(records)
    ec, net = (
        participations["ec_contribution_eur"].tolist(),
        participations["net_ec_contribution_eur"].tolist(),
    )
    equal = [i for i, (a, b) in enumerate(zip(ec, net, strict=True)) if a is not None and a == b]
    assert equal and all(net[i] is ec[i] for i in equal)
    by_key = {(r["projectID"], r["organisationID"], r["role"], r["order"]): r for r in records}
    for row in participations.itertuples():
        record = by_key[(row.project_source_id, row.organisation_id, row.role, str(row.order_no))]
        for column, field in (
            ("net_ec_contribution_eur", "netEcContribution"),
            ("total_cost_eur", "totalCost"),
        ):
            assert repr(getattr(row, column)) == repr(parse_money(record[field]))


def test_same_organisation_twice_in_a_project_keeps_both_participations() -> None:
    participations, _ = stage_participations(read_dump(JSON_ZIP).participations)
    key = ["project_source_id", "organisation_id", "role", "order_no"]
    assert not participations.duplicated(key).any()
    assert participations.duplicated(["project_source_id", "organisation_id"]).any()


def test_xml_reader_takes_programme_topic_calls_and_nuts_from_the_document() -> None:
    content = (SOURCES / "horizon_project_xml" / "265433.xml").read_bytes()
    records = parse_project_document(content, "265433.xml")
    project = records.projects[0]
    assert project["acronym"] == "RAASCEMAN"
    assert project["frameworkProgramme"] == "HORIZON"
    assert project["topics"] == "HORIZON-CL4-2023-TWIN-TRANSITION-01-07"
    assert project["fundingScheme"] == "HORIZON-RIA"
    flanders_make = [p for p in records.participations if p["nutsCode"] == "BE225"]
    assert len(flanders_make) == 1 and flanders_make[0]["ecContribution"] == "713125"


def test_namespaced_root_reads_the_same() -> None:
    content = (SOURCES / "horizon_project_xml" / "265615.xml").read_bytes()
    namespaced = content.replace(b"<project>", b'<project xmlns="http://cordis.europa.eu">', 1)
    assert parse_project_document(namespaced, "ns.xml").projects == [
        {**parse_project_document(content, "ns.xml").projects[0]}
    ]


def test_dropping_blank_text_at_parse_changes_no_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader's parser drops the blank text between elements (faster); every record of the real
    documents is what a parser that keeps it reads, and so is a document with blanks written before its
    title and VAT number (constructed)."""
    from lxml import etree

    from extractors.cordis import xml_dump

    documents = [path.read_bytes() for path in sorted((SOURCES / "horizon_project_xml").glob("*.xml"))]
    blank = documents[0].replace(b"<title>", b"<title>  \n  ", 1).replace(b"<vatNumber>", b"<vatNumber> ", 1)
    documents.append(blank)
    fast = [vars(parse_project_document(content, "d.xml")) for content in documents]
    keeping = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    monkeypatch.setattr(xml_dump, "_PARSER", keeping)
    assert fast == [vars(parse_project_document(content, "d.xml")) for content in documents]
    assert len(documents) > 3 and any(r["participations"] for r in fast)


def test_a_file_that_is_not_a_zip_is_named_in_the_error(tmp_path: Path) -> None:
    fake = tmp_path / "cordis-h2020projects-json.zip"
    fake.write_text("<html>maintenance</html>")
    with pytest.raises(BadSourceFileError, match=r"cordis-h2020projects-json\.zip.*not a readable zip"):
        read_dump(fake)


def test_a_json_member_that_is_not_an_array_is_named_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "cordis-h2020projects-json.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.json", json.dumps({"id": 1}))
        archive.writestr("organization.json", "[]")
    with pytest.raises(BadSourceFileError, match=r"project\.json.*expected a JSON array"):
        read_dump(path)


def test_a_missing_member_is_named(tmp_path: Path) -> None:
    path = tmp_path / "cordis-h2020projects-json.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.json", "[]")
    with pytest.raises(BadSourceFileError, match=r"organization\.json"):
        read_dump(path)


def test_broken_xml_is_named(tmp_path: Path) -> None:
    path = tmp_path / "cordis-HORIZONprojects-xml.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("1.xml", "<project><id>1</id>")
    path.write_bytes(buffer.getvalue())
    with pytest.raises(BadSourceFileError, match=r"1\.xml.*not well-formed"):
        read_dump(path)


def test_external_entities_are_not_resolved() -> None:
    hostile = b"""<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<project><id>1</id><title>&x;</title></project>"""
    project = parse_project_document(hostile, "x.xml").projects[0]
    assert "root:" not in (project["title"] or "")


def test_a_bad_amount_is_quarantined_with_its_reason() -> None:
    records = read_dump(JSON_ZIP)
    records.projects[0]["totalCost"] = "xxxxx"
    projects, quarantined = stage_projects(records.projects)
    assert len(projects) == 25 and len(quarantined) == 1
    assert "totalCost" in quarantined.iloc[0]["reason"] and "xxxxx" in quarantined.iloc[0]["reason"]
