"""Hostile input, end to end: SQL-injection and script payloads stored verbatim through staging, core and
marts (SQLite and PostgreSQL); XML external entities and entity expansion neither read files nor reach the
network nor blow up; zip slip and zip bombs refused in every dump format; links and redirects off the
allow-list never fetched, however the URL is disguised; credentials never printed or stored by the CLI.

Every hostile input is constructed here, from the real recorded samples where a shape is needed (the H2020
JSON dump, the HORIZON XML project document). "Nothing was fetched" is proved by a loopback server that counts
its requests (``tests.faults``)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import tracemalloc
import uuid
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select

from extractors.cordis import read_dump
from extractors.cordis.records import CordisRecords
from extractors.cordis.xml_dump import parse_project_document, read_project_files
from extractors.http import make_session
from extractors.vlaio import crawl
from extractors.vlaio.pages import parse_page
from extractors.vlaio.projects import parse_project
from inventory.errors import BadSourceFileError, InventoryError
from inventory.mirror import RECORDED_MIRROR
from tests.faults import FaultServer, fault_server
from tests.loading import load
from warehouse.schema import (
    core_projects,
    mart_inventory,
    mart_participations,
    stg_cordis__participations,
    stg_cordis__projects,
)

CORDIS_DATA = RECORDED_MIRROR / "cordis.europa.eu" / "data"
JSON_ZIP = CORDIS_DATA / "cordis-h2020projects-json.zip"
XML_DOCUMENT = (RECORDED_MIRROR / "cordis.europa.eu" / "project" / "id" / "101058384.xml").read_bytes()
RUN_DATE = date(2026, 11, 27)
REPO_ROOT = Path(__file__).resolve().parents[1]

SQL_PAYLOADS = [
    "Robert'); DROP TABLE stg_cordis__projects;--",
    "' OR '1'='1",
    "' OR 1=1 --",
    '"; DELETE FROM etl_run; --',
    "1; UPDATE mart_inventory SET title = 'pwned' WHERE '1'='1",
    "$$; DROP TABLE core_projects; $$",
    "$tag$ DROP SCHEMA public CASCADE $tag$",
    "'; COPY (SELECT '') TO PROGRAM 'touch /tmp/inventory-pwned'; --",
    "'; ATTACH DATABASE '/tmp/inventory-pwned.db' AS pwned; --",
    "%s %(title)s :title ? $1 {0} {title}",
    "\\'; SELECT pg_sleep(10); --",
    "E'\\x27' || chr(39) || '",
    "admin'/**/--",
    "1' UNION SELECT run_id, error FROM etl_run--",
]
SCRIPT_PAYLOADS = [
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert(document.domain)>",
    '"><svg/onload=alert(1)>',
    "javascript:alert(1)",
    "</textarea><iframe src=//evil.example>",
    "{{7*7}} ${7*7} <%= 7*7 %> #{7*7}",
    '=HYPERLINK("http://evil.example","click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\u202eexe.txt",
    "ＤＲＯＰ ＴＡＢＬＥ etl_run",
    "Ω≈ç√∫ 田中さんにあげて下さい 🏭🤖",
    "line1\nline2\r\nline3\ttab",
    "\\x00 written out, not a NUL",
    "A" * 20_000,
]
PAYLOADS = SQL_PAYLOADS + SCRIPT_PAYLOADS


# --- payloads through staging, core and marts ------------------------------------------------------------------


def _json_dump(folder: Path, edit: Callable[[list[dict], list[dict]], None]) -> Path:
    """A constructed copy of the recorded H2020 JSON dump, its records changed by ``edit``."""
    with zipfile.ZipFile(JSON_ZIP) as archive:
        projects = json.loads(archive.read("project.json"))
        organisations = json.loads(archive.read("organization.json"))
    edit(projects, organisations)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / JSON_ZIP.name
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.json", json.dumps(projects, ensure_ascii=False))
        archive.writestr("organization.json", json.dumps(organisations, ensure_ascii=False))
    return path


def _plant_payloads(projects: list[dict], organisations: list[dict]) -> None:
    """Every project gets a payload as title, objective and acronym; every organisation (all its rows alike)
    a payload as name, city and street."""
    for index, project in enumerate(projects):
        project["title"] = PAYLOADS[index % len(PAYLOADS)]
        project["objective"] = PAYLOADS[(index + 1) % len(PAYLOADS)]
        project["acronym"] = PAYLOADS[(index + 2) % len(PAYLOADS)]
    ids = sorted({str(row["organisationID"]) for row in organisations})
    for row in organisations:
        index = ids.index(str(row["organisationID"]))
        row["name"] = PAYLOADS[index % len(PAYLOADS)]
        row["city"] = PAYLOADS[(index + 3) % len(PAYLOADS)]
        row["street"] = PAYLOADS[(index + 5) % len(PAYLOADS)]


def test_injection_and_script_payloads_are_stored_verbatim_in_every_layer(
    db_url: str, tmp_path: Path
) -> None:
    dump = _json_dump(tmp_path / "dump", _plant_payloads)
    load(db_url, "run-hostile", dumps=(dump,))
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            projects = {row.source_id: row for row in conn.execute(select(stg_cordis__projects))}
            participations = conn.execute(select(stg_cordis__participations)).all()
            core = {row.source_id: row.title for row in conn.execute(select(core_projects))}
            mart = {row.source_id: (row.title, row.acronym) for row in conn.execute(select(mart_inventory))}
            mart_names = {row.organisation_name for row in conn.execute(select(mart_participations))}
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    with zipfile.ZipFile(dump) as archive:
        written = {str(p["id"]): p for p in json.loads(archive.read("project.json"))}
        organisations = json.loads(archive.read("organization.json"))
    assert len(projects) == len(written) == 26
    for source_id, project in written.items():
        staged = projects[source_id]
        assert (staged.title, staged.objective, staged.acronym) == (
            project["title"],
            project["objective"],
            project["acronym"],
        )
        assert core[source_id] == project["title"]
        if source_id in mart:
            assert mart[source_id] == (project["title"], project["acronym"])
    assert len(mart) >= 10  # the payload projects did reach the mart
    names = {str(row["organisationID"]): row["name"] for row in organisations}
    assert {(str(p.organisation_id), p.name) for p in participations} <= set(names.items())
    assert {p.city for p in participations} <= set(PAYLOADS) and {p.street for p in participations} <= set(
        PAYLOADS
    )
    assert mart_names and mart_names <= set(PAYLOADS)
    # nothing a payload said was executed
    assert {"stg_cordis__projects", "core_projects", "etl_run", "mart_inventory"} <= tables
    assert not any(title == "pwned" for title, _ in mart.values())
    assert not Path("/tmp/inventory-pwned").exists() and not Path("/tmp/inventory-pwned.db").exists()


def _one_project_dump(folder: Path, change: Callable[[dict, list[dict]], None]) -> Path:
    def edit(projects: list[dict], organisations: list[dict]) -> None:
        change(projects[0], [row for row in organisations if row["projectID"] == projects[0]["id"]])

    return _json_dump(folder, edit)


def test_a_json_title_with_an_unpaired_surrogate_escape_is_quarantined_not_loaded(tmp_path: Path) -> None:
    """'\\ud800' is valid JSON but not Unicode: neither UTF-8 (a PostgreSQL text column) nor a hash can take it."""
    path = tmp_path / JSON_ZIP.name
    with zipfile.ZipFile(JSON_ZIP) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    project = members["project.json"].decode("utf-8")
    first_title = json.loads(project)[0]["title"]
    members["project.json"] = project.replace(json.dumps(first_title), '"broken \\ud800 title"', 1).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    records = read_dump(path)
    assert len(records.projects) == 25
    [row] = [row for row in records.quarantined if row["entity"] == "project"]
    assert row["record_key"] == "element 0" and "unpaired surrogate" in row["reason"]


def test_a_nul_character_in_a_title_is_quarantined_not_a_failed_load(
    postgres_url: str, tmp_path: Path
) -> None:
    dump = _one_project_dump(tmp_path / "dump", lambda project, _: project.update(title="before\x00after"))
    load(postgres_url, "run-nul", dumps=(dump,))
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        assert len(conn.execute(select(stg_cordis__projects)).all()) == 25
    engine.dispose()


def test_an_over_long_code_is_quarantined_not_a_failed_load(postgres_url: str, tmp_path: Path) -> None:
    def lengthen(_: dict, organisations: list[dict]) -> None:
        organisations[0]["nutsCode"] = "BE2" + "X" * 60

    load(postgres_url, "run-long", dumps=(_one_project_dump(tmp_path / "dump", lengthen),))
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        codes = conn.execute(select(stg_cordis__participations.c.nuts_code)).scalars().all()
    engine.dispose()
    assert codes and all(code is None or len(code) <= 10 for code in codes)  # the long one is quarantined


# --- XML: external entities and expansion ---------------------------------------------------------------------


@pytest.fixture
def secret(tmp_path: Path) -> tuple[Path, str]:
    token = f"SECRET-{uuid.uuid4().hex}"
    path = tmp_path / "secret.txt"
    path.write_text(token + "\n", encoding="utf-8")
    return path, token


def _hostile_documents(secret_file: Path, server: FaultServer) -> dict[str, bytes]:
    """Constructed attacks on the real project document: each puts a DOCTYPE in front and an entity where
    the title was."""
    body = XML_DOCUMENT.split(b"?>", 1)[1]
    title = re.compile(rb"<title>.*?</title>", re.S)

    def with_title(doctype: str, text: str) -> bytes:
        return f'<?xml version="1.0"?>{doctype}'.encode() + title.sub(
            f"<title>{text}</title>".encode(), body, 1
        )

    laughs = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    return {
        "file entity": with_title(f'<!DOCTYPE project [<!ENTITY x SYSTEM "file://{secret_file}">]>', "&x;"),
        "etc/passwd entity": with_title(
            '<!DOCTYPE project [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"
        ),
        "http entity": with_title(f'<!DOCTYPE project [<!ENTITY x SYSTEM "{server.url("/xxe")}">]>', "&x;"),
        "parameter entity": with_title(
            f'<!DOCTYPE project [<!ENTITY % p SYSTEM "{server.url("/evil.dtd")}"> %p;]>', "title"
        ),
        "parameter entity to file": with_title(
            f'<!DOCTYPE project [<!ENTITY % p SYSTEM "file://{secret_file}"> %p;]>', "title"
        ),
        "external DTD": with_title(f'<!DOCTYPE project SYSTEM "{server.url("/project.dtd")}">', "title"),
        "billion laughs": with_title(f"<!DOCTYPE project [{laughs}]>", "&lol9;"),
        "quadratic blowup": with_title(f'<!DOCTYPE project [<!ENTITY a "{"A" * 50_000}">]>', "&a;" * 20_000),
        "xinclude": with_title(
            "",
            f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://{secret_file}" parse="text"/>',
        ),
        "schema location": with_title("", "title").replace(
            b"<project>",
            f'<project xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:noNamespaceSchemaLocation="{server.url("/project.xsd")}">'.encode(),
            1,
        ),
    }


def _peak_python_mb(read: Callable[[], object]) -> float:
    """Peak of Python allocations (inflated zip data is Python bytes) while ``read`` runs, in MB."""
    tracemalloc.start()
    try:
        read()
    except BadSourceFileError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / (1 << 20)


def test_xml_external_entities_and_expansion_never_read_fetch_or_blow_up(
    tmp_path: Path, secret: tuple[Path, str]
) -> None:
    secret_file, token = secret
    outcomes: dict[str, str] = {}
    with fault_server() as server:
        for name, document in _hostile_documents(secret_file, server).items():
            zip_path = tmp_path / re.sub(r"\W+", "-", name) / "cordis-HORIZONprojects-xml.zip"
            zip_path.parent.mkdir()
            with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("101058384.xml", document)
            detail = zip_path.parent / "project-101058384.xml"
            detail.write_bytes(document)
            readers = {
                "document": lambda d=document: parse_project_document(d, "hostile.xml"),
                "dump": lambda p=zip_path: read_dump(p),
                "detail": lambda p=detail: read_project_files([p]),
            }
            for reader, read in readers.items():
                started = time.monotonic()
                try:
                    result: CordisRecords | InventoryError = read()
                except BadSourceFileError as exc:
                    result = exc
                assert time.monotonic() - started < 5, (name, reader)
                assert token not in repr(result) and "root:x:0:0" not in repr(result), (name, reader)
                outcomes[f"{name} / {reader}"] = type(result).__name__
                if isinstance(result, CordisRecords):
                    [project] = result.projects
                    assert project["id"] == "101058384"  # parsed without the entity, not without the document
                    assert len(project["title"] or "") < 100, (name, reader)  # no entity was expanded
        assert server.requests == []  # no DTD, entity, XInclude or schema was fetched
    assert outcomes["billion laughs / dump"] == "BadSourceFileError"  # libxml2's amplification guard
    assert outcomes["file entity / document"] == "CordisRecords"


def test_html_pages_with_entities_and_external_references_fetch_nothing(
    tmp_path: Path, secret: tuple[Path, str]
) -> None:
    secret_file, token = secret
    with fault_server() as server:
        page = (
            f'<!DOCTYPE html [<!ENTITY x SYSTEM "file://{secret_file}"><!ENTITY y SYSTEM "{server.url("/y")}">]>'
            f"<html lang='nl'><head><meta charset='utf-8'><title>Proeftuin &x;</title>"
            f"<link rel='stylesheet' href='{server.url('/style.css')}'>"
            f"<meta http-equiv='refresh' content='0;url={server.url('/refresh')}'></head>"
            f"<body><main><h1>Proeftuin &x; &y;</h1><p>Uitvoerders: imec &amp; Flanders Make</p>"
            f"<img src='{server.url('/img.png')}'><iframe src='file://{secret_file}'></iframe>"
            f"<svg><image href='{server.url('/svg.png')}'/></svg>"
            f"<script src='{server.url('/x.js')}'></script></main></body></html>"
        ).encode()
        record = parse_page(page, "https://www.vlaio.be/nl/hostile", "text/html; charset=utf-8")
        project = parse_project(page, "https://www.vlaio.be/nl/hostile", "text/html; charset=utf-8")
        assert server.requests == []
    assert token not in repr(record) and token not in repr(project)
    assert project is not None and project["executors"] == ["imec", "Flanders Make"]


# --- zip slip and zip bombs, every format --------------------------------------------------------------------

FORMATS = {
    "json": ("cordis-h2020projects-json.zip", {"project.json": b"[]", "organization.json": b"[]"}),
    "csv": (
        "cordis-h2020projects-csv.zip",
        {"project.csv": b"id;title\n", "organization.csv": b"projectID;organisationID;role;order\n"},
    ),
    "xml": ("cordis-HORIZONprojects-xml.zip", {"101058384.xml": XML_DOCUMENT}),
}
SLIP_NAMES = [
    "../../etc/cron.d/evil",
    "/etc/passwd",
    "json/../../../evil",
    "..\\..\\windows\\evil",
    "C:\\evil",
    "C:evil",
    "\\\\server\\share\\evil",
]


def _zip(path: Path, members: dict[str, bytes], level: int = 6) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", SLIP_NAMES)
def test_zip_slip_member_names_are_refused_in_every_format(fmt: str, name: str, tmp_path: Path) -> None:
    filename, members = FORMATS[fmt]
    path = _zip(tmp_path / filename, {**members, name: b"[]"})
    with pytest.raises(BadSourceFileError, match="unsafe member name") as caught:
        read_dump(path)
    assert caught.value.file == f"{path}!{name}"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_zip_bomb_member_is_refused_in_every_format_before_it_is_inflated(fmt: str, tmp_path: Path) -> None:
    filename, members = FORMATS[fmt]
    bomb = next(iter(members))  # the first table member (or the XML document) is the bomb
    path = _zip(tmp_path / filename, {**members, bomb: b" " * (16 << 20)}, level=9)
    with pytest.raises(BadSourceFileError, match=r"compression ratio \d+ exceeds the limit"):
        read_dump(path)
    assert _peak_python_mb(lambda: read_dump(path)) < 4  # refused from the declared sizes, never inflated


def _lie_about_size(path: Path, member: str, declared: int) -> None:
    """Patch the uncompressed size a zip declares for ``member``, in its local header (offset 22) and its
    central-directory entry (offset 24)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    size = declared.to_bytes(4, "little")
    assert data[info.header_offset + 22 : info.header_offset + 26] == info.file_size.to_bytes(4, "little")
    data[info.header_offset + 22 : info.header_offset + 26] = size
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + name_length] == member.encode():
            data[central + 24 : central + 28] = size
        central = data.find(b"PK\x01\x02", central + 46)
    path.write_bytes(bytes(data))


def test_a_member_that_hides_its_real_size_is_cut_there_and_refused_by_its_crc(tmp_path: Path) -> None:
    """A bomb that declares 1 KB (passing the ratio check) but inflates to 16 MB: zipfile stops at the
    declared size, and the CRC of what it read does not match."""
    filename, members = FORMATS["json"]
    path = _zip(tmp_path / filename, {**members, "project.json": b"[" + b" " * (16 << 20) + b"]"}, level=9)
    _lie_about_size(path, "project.json", 1024)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("project.json").file_size == 1024  # the lie is what the reader sees
    with pytest.raises(BadSourceFileError, match=r"project\.json.*(Bad CRC-32|corrupt or truncated)"):
        read_dump(path)
    assert _peak_python_mb(lambda: read_dump(path)) < 4  # cut at the declared 1 KB, never 16 MB


# --- the crawl never leaves its allow-list -----------------------------------------------------------------------

START = "/nl/andere-doelgroepen/industrie-40"


def test_disguised_links_and_redirects_off_the_allow_list_are_never_fetched(tmp_path: Path) -> None:
    with fault_server() as other, fault_server(tmp_path / "site") as site:
        port, other_port = site.base_url.rsplit(":", 1)[1], other.base_url.rsplit(":", 1)[1]
        disguised = [
            f"{other.base_url}/proeftuin-a",  # plainly another host (another port)
            f"//127.0.0.1:{other_port}/proeftuin-b",  # protocol-relative
            f"http://127.0.0.1:{port}@127.0.0.1:{other_port}/proeftuin-c",  # the allowed host as userinfo
            f"http://127.0.0.1:{port}\\@127.0.0.1:{other_port}/proeftuin-d",  # backslash before the @
            f"HTTP://127.0.0.1:{other_port}/proeftuin-e",  # upper-case scheme
            f"http://localhost:{other_port}/proeftuin-f",  # another name for loopback
            f"file://{tmp_path / 'site' / 'proeftuin-g'}",  # a local file
            "javascript:fetch('//evil.example/proeftuin-h')",
            "data:text/html,<a href='//evil.example'>proeftuin-i</a>",
        ]
        links = "".join(f'<a href="{href}">Proeftuin {i}</a>' for i, href in enumerate(disguised))
        redirects = {
            "/nl/proeftuinen/r1": other.url("/proeftuin-r1"),
            "/nl/proeftuinen/r2": f"//127.0.0.1:{other_port}/proeftuin-r2",
            "/nl/proeftuinen/r3": f"http://127.0.0.1:{port}@127.0.0.1:{other_port}/proeftuin-r3",
            "/nl/proeftuinen/r4": f"file://{tmp_path}/secret",
        }
        links += "".join(f"<a href='{path}'>Proeftuin {path[-2:]}</a>" for path in redirects)
        (tmp_path / "site" / "nl" / "andere-doelgroepen").mkdir(parents=True)
        (tmp_path / "site" / f"{START.lstrip('/')}.html").write_text(
            "<!DOCTYPE html><html lang='nl'><head><meta charset='utf-8'>"
            f"<meta http-equiv='refresh' content='0;url={other.url('/refresh')}'></head>"
            f"<body><main><h1>Industrie 4.0</h1>{links}</main></body></html>",
            encoding="utf-8",
        )
        for path, location in redirects.items():
            site.set_fault(path, "redirect", location=location)
        result = crawl(
            make_session(retries=0, rate_per_host=None),
            site.base_url,
            tmp_path / "raw",
            RUN_DATE,
            5,
            delay_s=0,
        )
        assert other.requests == []  # not one request reached the other host
    assert [page.url for page in result.pages] == [site.url(START)]
    reasons = {skip.url: skip.reason for skip in result.skipped}
    for path in redirects:
        assert "outside the allow-list" in reasons[site.url(path)]
    off_site = [reason for reason in reasons.values() if reason.startswith("outside the allow-list")]
    assert len(off_site) >= 6  # the http(s) disguises are named in the skips; the other schemes are dropped
    assert site.hits("/nl/proeftuinen/") == len(redirects)  # each redirect asked once, its target never


# --- credentials only from the environment, never printed or stored ----------------------------------------------

PASSWORD = "s3cr3tPW"
SECRET_DB_URL = f"postgresql+psycopg://inventory:{PASSWORD}@127.0.0.1:1/inventory"


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inventory.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=REPO_ROOT,
    )


def _files_holding(root: Path, needle: bytes) -> list[str]:
    return [str(path) for path in root.rglob("*") if path.is_file() and needle in path.read_bytes()]


def test_config_prints_the_database_url_without_its_password(tmp_path: Path) -> None:
    env = {**os.environ, "INVENTORY_DB_URL": SECRET_DB_URL, "INVENTORY_DATA_DIR": str(tmp_path / "data")}
    shown = _cli(["config"], env)
    assert shown.returncode == 0, shown.stderr
    assert "db_url = postgresql+psycopg://inventory:***@127.0.0.1:1/inventory" in shown.stdout
    assert PASSWORD not in shown.stdout + shown.stderr


@pytest.mark.e2e
def test_a_refresh_that_cannot_reach_its_database_never_prints_or_stores_the_password(
    prefect_api_url: str, tmp_path: Path
) -> None:
    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL

    data_dir = tmp_path / "data"
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_api_url,
        "INVENTORY_DB_URL": SECRET_DB_URL,
        "INVENTORY_DATA_DIR": str(data_dir),
        "CORDIS_BASE_URL": "http://127.0.0.1:1",
        "VLAIO_BASE_URL": "http://127.0.0.1:1",
        "INVENTORY_HTTP_RETRIES": "0",
        "INVENTORY_EXTRACT_TASK_RETRIES": "0",
    }
    failed = _cli(["refresh"], env)
    output = failed.stdout + failed.stderr
    unwrapped = re.sub(r"[\s│┃|]", "", output)  # a password split over wrapped lines is still found
    assert failed.returncode != 0
    assert "port 1 failed" in output  # the run did try the URL from the environment...
    assert PASSWORD not in output and PASSWORD not in unwrapped  # ...and never printed its password
    assert _files_holding(data_dir, PASSWORD.encode()) == []
    # the Prefect server stored the run's logs and states: not the password either
    prefect_db = Path(str(PREFECT_SERVER_DATABASE_CONNECTION_URL.value()).split("///", 1)[1])
    assert _files_holding(prefect_db.parent, b"port 1 failed")  # this run's error was stored there...
    assert _files_holding(prefect_db.parent, PASSWORD.encode()) == []  # ...its password was not
