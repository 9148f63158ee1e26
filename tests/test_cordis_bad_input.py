"""Bad dumps give a typed error naming the file and the reason, or a quarantined row with its position
and reason; nothing is dropped silently. All inputs here are constructed from the real samples."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from extractors.cordis import read_dump, settings
from inventory.errors import BadSourceFileError
from transforms.cordis import stage_projects

MIRROR_DATA = Path(__file__).resolve().parents[1] / "recorded" / "mirror" / "cordis.europa.eu" / "data"
JSON_ZIP = MIRROR_DATA / "cordis-h2020projects-json.zip"
CSV_ZIP = MIRROR_DATA / "cordis-h2020projects-csv.zip"
XML_ZIP = MIRROR_DATA / "cordis-HORIZONprojects-xml.zip"


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(path: Path, members: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def _rewrite_csv(text: str, transform) -> str:
    """Parse a CSV member, let ``transform`` change its rows (header first), write it back as it was
    written (BOM, ';', every field quoted)."""
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";"))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(transform(rows))
    return "\ufeff" + buffer.getvalue()


def _csv_with_project_csv(tmp_path: Path, transform) -> Path:
    members = _members(CSV_ZIP)
    members["csv/project.csv"] = transform(members["csv/project.csv"].decode("utf-8")).encode("utf-8")
    return _zip(tmp_path / "cordis-h2020projects-csv.zip", members)


@pytest.mark.parametrize("source", [JSON_ZIP, CSV_ZIP, XML_ZIP], ids=lambda p: p.name)
def test_a_truncated_zip_is_named(tmp_path: Path, source: Path) -> None:
    truncated = tmp_path / source.name
    truncated.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    with pytest.raises(BadSourceFileError, match=rf"{source.name}.*not a readable zip") as caught:
        read_dump(truncated)
    assert caught.value.file == str(truncated)


def test_a_corrupt_member_is_named(tmp_path: Path) -> None:
    path = tmp_path / "cordis-HORIZONprojects-xml.zip"
    _zip(path, {"1.xml": "<project><id>1</id></project>"}, zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    offset = data.index(b"<id>1</id>")
    data[offset + 4] = ord("2")  # the stored bytes no longer match the member's CRC
    path.write_bytes(bytes(data))
    with pytest.raises(BadSourceFileError, match=r"1\.xml.*corrupt or truncated zip member"):
        read_dump(path)


def test_a_json_member_that_is_xml_is_named(tmp_path: Path) -> None:
    path = _zip(
        tmp_path / "cordis-h2020projects-json.zip", {"project.json": "<project/>", "organization.json": "[]"}
    )
    with pytest.raises(BadSourceFileError, match=r"project\.json.*expected a JSON array.*'<'"):
        read_dump(path)


def test_an_xml_member_that_is_json_is_named(tmp_path: Path) -> None:
    path = _zip(tmp_path / "cordis-HORIZONprojects-xml.zip", {"p.xml": json.dumps([{"id": 1}])})
    with pytest.raises(BadSourceFileError, match=r"p\.xml.*not well-formed XML"):
        read_dump(path)


def test_a_csv_member_that_is_binary_is_named(tmp_path: Path) -> None:
    members = _members(CSV_ZIP)
    members["csv/organization.csv"] = JSON_ZIP.read_bytes()  # a zip is not UTF-8 text
    with pytest.raises(BadSourceFileError, match=r"organization\.csv.*not UTF-8"):
        read_dump(_zip(tmp_path / "cordis-h2020projects-csv.zip", members))


def test_a_json_member_cut_in_the_middle_is_named(tmp_path: Path) -> None:
    members = _members(JSON_ZIP)
    members["organization.json"] = members["organization.json"][:50_000]
    with pytest.raises(BadSourceFileError, match=r"organization\.json.*not valid JSON in element"):
        read_dump(_zip(tmp_path / "cordis-h2020projects-json.zip", members))


def test_a_json_element_that_is_not_an_object_is_quarantined(tmp_path: Path) -> None:
    projects = json.loads(_members(JSON_ZIP)["project.json"])
    projects.insert(3, ["not", "an", "object"])
    members = _members(JSON_ZIP) | {"project.json": json.dumps(projects).encode()}
    records = read_dump(_zip(tmp_path / "cordis-h2020projects-json.zip", members))
    assert len(records.projects) == 26
    assert records.quarantined == [
        {
            "source": "cordis",
            "entity": "project",
            "source_file": "cordis-h2020projects-json.zip!project.json",
            "record_key": "element 3",
            "reason": "element 3 is a JSON list, not an object",
        }
    ]


def test_a_csv_row_with_a_broken_quote_is_quarantined_with_its_row_number(tmp_path: Path) -> None:
    def break_row(text: str) -> str:
        lines = text.split("\n")
        target = next(i for i, line in enumerate(lines) if line.startswith('"GrapheneCore2"'))
        lines[target] = lines[target].replace('"GrapheneCore2";', '"Graphene"Core2";', 1)
        return "\n".join(lines)

    records = read_dump(_csv_with_project_csv(tmp_path, break_row))
    assert len(records.projects) == 25  # every other row still loads
    assert "785219" not in {p["id"] for p in records.projects}
    first, *rest = records.quarantined
    assert first["entity"] == "project"
    assert first["source_file"] == "cordis-h2020projects-csv.zip!csv/project.csv"
    assert first["record_key"] == "row 2 (line 6)"
    assert first["reason"] == "broken CSV quoting: ';' expected after '\"'"
    # the rest of that row's multi-line objective is quarantined too, as its continuation
    assert rest and all(entry["record_key"].startswith("row 2, continued (line ") for entry in rest)


def test_a_csv_row_with_a_wrong_field_count_is_quarantined(tmp_path: Path) -> None:
    def add_field(text: str) -> str:
        return text.replace('"3Ccar";', '"3Ccar";"extra";', 1)

    records = read_dump(_csv_with_project_csv(tmp_path, add_field))
    assert len(records.projects) == 25
    [entry] = records.quarantined
    assert entry["record_key"] == "row 1 (line 2)"
    assert entry["reason"] == "20 fields where the header has 19"


def test_a_non_numeric_amount_stays_text_and_transforms_quarantine_it(tmp_path: Path) -> None:
    records = read_dump(_csv_with_project_csv(tmp_path, lambda t: t.replace('"5.240167584E7"', '"xxxxx"', 1)))
    assert records.quarantined == []
    project = next(p for p in records.projects if p["id"] == "662192")
    assert project["totalCost"] == "xxxxx"
    staged, quarantined = stage_projects(records.projects)
    assert len(staged) == 25 and len(quarantined) == 1
    assert quarantined.iloc[0]["record_key"] == "662192" and "xxxxx" in quarantined.iloc[0]["reason"]


def test_a_decimal_comma_stays_text_and_stages_exactly(tmp_path: Path) -> None:
    records = read_dump(
        _csv_with_project_csv(tmp_path, lambda t: t.replace('"5.240167584E7"', '"52401675,84"', 1))
    )
    staged, quarantined = stage_projects(records.projects)
    assert quarantined.empty
    assert str(staged.set_index("source_id").loc["662192", "total_cost_eur"]) == "52401675.84"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_an_unknown_column_is_reported_once_and_the_data_still_loads(tmp_path: Path, fmt: str) -> None:
    if fmt == "json":
        projects = json.loads(_members(JSON_ZIP)["project.json"])
        for project in projects:
            project["newColumn"] = "x"
        path = _zip(
            tmp_path / "cordis-h2020projects-json.zip",
            _members(JSON_ZIP) | {"project.json": json.dumps(projects)},
        )
        member = "project.json"
    else:
        path = _csv_with_project_csv(
            tmp_path,
            lambda t: _rewrite_csv(
                t, lambda rows: [[*row, "newColumn" if i == 0 else "x"] for i, row in enumerate(rows)]
            ),
        )
        member = "csv/project.csv"
    records = read_dump(path)
    assert len(records.projects) == 26
    assert records.quarantined == [
        {
            "source": "cordis",
            "entity": "schema",
            "source_file": f"{path.name}!{member}",
            "record_key": "newColumn",
            "reason": "unknown column newColumn",
        }
    ]


def test_zip_slip_member_names_are_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "cordis-HORIZONprojects-xml.zip", {"../../etc/p.xml": "<project/>"})
    with pytest.raises(BadSourceFileError, match=r"\.\./\.\./etc/p\.xml.*unsafe member name"):
        read_dump(path)
    absolute = _zip(tmp_path / "abs-xml.zip", {"/etc/p.xml": "<project/>"})
    with pytest.raises(BadSourceFileError, match="unsafe member name"):
        read_dump(absolute)


def test_a_zip_bomb_is_refused_by_its_compression_ratio(tmp_path: Path) -> None:
    path = tmp_path / "cordis-HORIZONprojects-xml.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("bomb.xml", b"<project>" + b" " * (8 << 20) + b"</project>")
    path.write_bytes(buffer.getvalue())
    with pytest.raises(BadSourceFileError, match=r"bomb\.xml.*compression ratio \d+ exceeds"):
        read_dump(path)


def test_a_member_over_the_size_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "MAX_MEMBER_BYTES", 100_000)
    with pytest.raises(BadSourceFileError, match=r"organization\.json.*exceeds the limit of 100000 bytes"):
        read_dump(JSON_ZIP)


def test_too_many_unreadable_rows_fail_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "MAX_QUARANTINED_ROWS", 3)
    projects = [[index] for index in range(10)]
    path = _zip(
        tmp_path / "cordis-h2020projects-json.zip",
        {"project.json": json.dumps(projects), "organization.json": "[]"},
    )
    with pytest.raises(BadSourceFileError, match=r"project\.json.*more than 3 unreadable rows.*element 0"):
        read_dump(path)


def test_an_oversized_json_element_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "MAX_JSON_ELEMENT_CHARS", 10)
    monkeypatch.setattr("extractors.cordis.json_dump._CHUNK_CHARS", 8)
    path = _zip(
        tmp_path / "cordis-h2020projects-json.zip",
        {"project.json": json.dumps([{"id": "1", "title": "x" * 100}]), "organization.json": "[]"},
    )
    with pytest.raises(BadSourceFileError, match=r"element 0 is not valid JSON or longer than 10 characters"):
        read_dump(path)


def test_small_chunks_still_read_the_whole_json_member(monkeypatch: pytest.MonkeyPatch) -> None:
    """Elements, strings and numbers cut at every chunk boundary decode the same."""
    expected = read_dump(JSON_ZIP)
    monkeypatch.setattr("extractors.cordis.json_dump._CHUNK_CHARS", 7)
    assert read_dump(JSON_ZIP) == expected


def test_an_empty_csv_member_and_an_unknown_dump_name_are_named(tmp_path: Path) -> None:
    members = _members(CSV_ZIP) | {"csv/organization.csv": b""}
    with pytest.raises(BadSourceFileError, match=r"organization\.csv.*empty CSV member"):
        read_dump(_zip(tmp_path / "cordis-h2020projects-csv.zip", members))
    with pytest.raises(ValueError, match="unsupported CORDIS dump format 'xlsx'"):
        read_dump(tmp_path / "cordis-h2020projects-xlsx.zip")


def test_a_renamed_key_column_is_reported(tmp_path: Path) -> None:
    """Third-party code names the organisation order column ``participantOrder``; if CORDIS renamed it,
    every ``order`` would load as None, so the file says so."""
    members = _members(CSV_ZIP)
    organisations = members["csv/organization.csv"].decode("utf-8")
    members["csv/organization.csv"] = organisations.replace('"order"', '"participantOrder"', 1).encode(
        "utf-8"
    )
    records = read_dump(_zip(tmp_path / "cordis-h2020projects-csv.zip", members))
    assert len(records.participations) == 1076
    assert [(q["entity"], q["record_key"], q["reason"]) for q in records.quarantined] == [
        ("schema", "participantOrder", "unknown column participantOrder"),
        ("schema", "order", "missing key column order"),
    ]
