"""The recorded sources keep the real bytes, the mirror is rebuilt deterministically from them, and every
constructed file is labelled as constructed.

Two documents list the constructed files: ``recorded/README.md`` (CORDIS and the first VLAIO pages) and
``recorded/VLAIO.md`` (the VLAIO fixtures, kept by the VLAIO extractor's owner); a file listed in either
counts as listed, and a sha256 line for it may sit in either."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Comment

RECORDED = Path(__file__).resolve().parents[1] / "recorded"
SOURCES = RECORDED / "sources"
MIRROR = RECORDED / "mirror"
README = RECORDED / "README.md"
VLAIO_DOC = RECORDED / "VLAIO.md"
CORDIS_MIRROR = "cordis.europa.eu"

CALL_SLUG = "proeftuin-industrie-40-oproep-2018__hoe-vraag-je-deze-subsidie-aan"
CALL_EXCERPT = SOURCES / f"vlaio/vlaio.be__{CALL_SLUG}.nl.excerpt.txt"
ORIGIN = SOURCES / "origin/vlaams-parlement-schriftelijke-vraag-684-2018.txt"
VLAIO_PAGES = MIRROR / "www.vlaio.be/nl/andere-doelgroepen"
START_PAGE = VLAIO_PAGES / "industrie-40.html"
CALL_PAGE = VLAIO_PAGES / "proeftuin-industrie-40-oproep-2018/hoe-vraag-je-deze-subsidie-aan.html"
CONSTRUCTED_PAGES = (START_PAGE, CALL_PAGE)

EXPECTED_ZIPS = {
    "cordis.europa.eu/data/cordis-h2020projects-json.zip": {
        name: f"cordis/h2020_json_export/{name}" for name in ("organization.json", "project.json")
    },
    "cordis.europa.eu/data/cordis-HORIZONprojects-xml.zip": {
        f"{rcn}.xml": f"cordis/horizon_project_xml/{rcn}.xml"
        for rcn in ("237915", "238686", "243221", "265433", "265615")
    },
}

# Built by build.py from sources/, constructed, checked for content below and byte-identity by --check.
CSV_ZIP = "cordis.europa.eu/data/cordis-h2020projects-csv.zip"
LISTING_PAGES = tuple(f"cordis.europa.eu/search__num=2&p={page}.json" for page in (1, 2, 3))
DETAILS = {
    f"cordis.europa.eu/project/id/{pid}.xml": f"cordis/horizon_project_xml/{rcn}.xml"
    for pid, rcn in (
        ("101069359", "237915"),
        ("101058384", "238686"),
        ("101091792", "243221"),
        ("101138782", "265433"),
        ("101178524", "265615"),
    )
}
CORDIS_FILES = {*EXPECTED_ZIPS, CSV_ZIP, *LISTING_PAGES, *DETAILS}

_SPACE = re.compile(r"\s+")
_HASH_LINE = re.compile(r"^([0-9a-f]{64})  (\S.*)$")


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _listing_docs() -> str:
    """The text of every document that may list a constructed file."""
    return "\n".join(doc.read_text(encoding="utf-8") for doc in (README, VLAIO_DOC) if doc.is_file())


def _documented_hashes() -> dict[str, set[str]]:
    """path under mirror/ -> the sha256 values the documents give for it."""
    hashes: dict[str, set[str]] = {}
    for line in _listing_docs().splitlines():
        match = _HASH_LINE.match(line.strip())
        if match:
            hashes.setdefault(match.group(2), set()).add(match.group(1))
    return hashes


def _manifest() -> dict[str, str]:
    lines = (SOURCES / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines if line)}


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_bytes(), "html.parser")


def test_real_files_keep_the_bytes_recorded_in_the_manifest() -> None:
    manifest = _manifest()
    assert len(manifest) >= 27  # 27 at the spine; others may append theirs
    mismatched = [name for name, digest in manifest.items() if _sha256(SOURCES / name) != digest]
    assert mismatched == []


def test_every_file_in_sources_is_in_the_manifest() -> None:
    on_disk = {p.relative_to(SOURCES).as_posix() for p in SOURCES.rglob("*") if p.is_file()}
    assert on_disk - {"SHA256SUMS"} == set(_manifest())


def test_committed_zips_are_byte_identical_to_a_fresh_build() -> None:
    result = subprocess.run(
        [sys.executable, str(RECORDED / "build.py"), "--check"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("zip_path", sorted(EXPECTED_ZIPS))
def test_zip_members_are_exactly_the_real_files(zip_path: str) -> None:
    expected = EXPECTED_ZIPS[zip_path]
    with zipfile.ZipFile(MIRROR / zip_path) as archive:
        assert archive.namelist() == sorted(expected)
        for member, source in expected.items():
            assert archive.read(member) == (SOURCES / source).read_bytes(), member


def test_mirror_holds_only_the_listed_files() -> None:
    """The CORDIS folder holds exactly what build.py builds; every other mirror file (the VLAIO fixtures)
    is listed, by its path under mirror/, in README.md or VLAIO.md."""
    on_disk = {p.relative_to(MIRROR).as_posix() for p in MIRROR.rglob("*") if p.is_file()}
    assert {name for name in on_disk if name.startswith(f"{CORDIS_MIRROR}/")} == CORDIS_FILES
    assert {p.relative_to(MIRROR).as_posix() for p in CONSTRUCTED_PAGES} <= on_disk
    docs = _listing_docs()
    unlisted = sorted(name for name in on_disk - CORDIS_FILES if name not in docs)
    assert unlisted == []


def test_every_cordis_mirror_file_is_listed_in_the_readme_as_constructed() -> None:
    readme = README.read_text(encoding="utf-8")
    constructed = readme.split("## Constructed files", 1)[1].split("\n## ", 1)[0]
    for name in sorted(CORDIS_FILES - set(EXPECTED_ZIPS) - set(LISTING_PAGES) - set(DETAILS)):
        assert f"`{name}`" in constructed, name
    assert "`cordis.europa.eu/search__num=2&p=<1,2,3>.json`" in constructed
    assert "`cordis.europa.eu/project/id/<id>.xml`" in constructed


def test_csv_zip_renders_the_real_json_export_as_cordis_style_csv() -> None:
    with zipfile.ZipFile(MIRROR / CSV_ZIP) as archive:
        assert archive.namelist() == ["csv/organization.csv", "csv/project.csv"]
        for member in archive.namelist():
            raw = archive.read(member)
            assert raw.startswith("\ufeff".encode()), member
            text = raw.decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
            real = json.loads(
                (
                    SOURCES
                    / "cordis/h2020_json_export"
                    / member.removeprefix("csv/").replace(".csv", ".json")
                ).read_bytes(),
                parse_float=str,
                parse_int=str,
            )
            assert rows[0] == list(real[0])
            assert len(rows) == len(real) + 1
            assert text.startswith('"')  # every field quoted, the header too
            assert rows[1] == [str(v).lower() if isinstance(v, bool) else str(v) for v in real[0].values()]


def test_listing_pages_are_labelled_constructed_and_made_of_the_real_projects() -> None:
    seen = []
    for page in LISTING_PAGES:
        body = json.loads((MIRROR / page).read_text(encoding="utf-8"))
        assert body["_constructed"].startswith("CONSTRUCTED")
        assert body["result"]["header"]["totalHits"] == "5"
        hit = body["hits"]["hit"]
        hits = hit if isinstance(hit, list) else [hit]
        assert body["result"]["header"]["numHits"] == str(len(hits))
        seen += [h["project"]["id"] for h in hits]
    assert isinstance(
        json.loads((MIRROR / LISTING_PAGES[-1]).read_text(encoding="utf-8"))["hits"]["hit"], dict
    )
    assert sorted(seen) == sorted(pid.rsplit("/", 1)[1].removesuffix(".xml") for pid in DETAILS)


@pytest.mark.parametrize("detail", sorted(DETAILS))
def test_detail_documents_are_the_real_files(detail: str) -> None:
    assert (MIRROR / detail).read_bytes() == (SOURCES / DETAILS[detail]).read_bytes()


@pytest.mark.parametrize("page", CONSTRUCTED_PAGES, ids=lambda p: p.name)
def test_constructed_page_says_so_at_its_top_and_is_listed_in_readme(page: Path) -> None:
    raw = page.read_text(encoding="utf-8")
    after_doctype = re.sub(r"^\s*<!DOCTYPE html>\s*", "", raw, flags=re.IGNORECASE)
    assert after_doctype.startswith("<!--")
    first_comment = _soup(page).find(string=lambda s: isinstance(s, Comment))
    assert first_comment is not None
    assert "CONSTRUCTED" in first_comment
    assert page.relative_to(MIRROR).as_posix() in _listing_docs()


@pytest.mark.parametrize("page", CONSTRUCTED_PAGES, ids=lambda p: p.name)
def test_constructed_page_carries_the_scraper_anchors(page: Path) -> None:
    soup = _soup(page)
    path = page.relative_to(MIRROR / "www.vlaio.be").as_posix().removesuffix(".html")
    assert soup.html["lang"] == "nl"
    assert soup.find("meta", attrs={"charset": "utf-8"}) is not None
    assert soup.find("meta", attrs={"property": "og:url"})["content"] == f"https://www.vlaio.be/{path}"
    h1 = soup.find("h1").get_text(" ", strip=True)
    assert soup.find("meta", attrs={"property": "og:title"})["content"] == h1
    assert soup.title.get_text().startswith(h1)
    assert soup.find("time") is None  # no publication date is known, so none is invented


def test_call_page_contains_every_line_of_the_real_excerpt() -> None:
    visible = _collapse(_soup(CALL_PAGE).get_text(" "))
    lines = CALL_EXCERPT.read_text(encoding="utf-8").splitlines()
    missing = [line for line in lines if line.strip() and _collapse(line.removeprefix("- ")) not in visible]
    assert missing == []


def test_call_page_blocks_give_back_the_excerpt_byte_for_byte() -> None:
    main = _soup(CALL_PAGE).find("main")
    blocks = [
        ("- " if el.name == "li" else "") + el.get_text()
        for el in main.find_all(["h1", "h2", "h3", "p", "li"])
    ]
    assert "\n".join(blocks).encode("utf-8") == CALL_EXCERPT.read_bytes()


def test_call_page_links_back_to_the_start_page() -> None:
    links = {a.get_text(" ", strip=True): a["href"] for a in _soup(CALL_PAGE).find("nav").find_all("a")}
    assert links == {"Industrie 4.0": "/nl/andere-doelgroepen/industrie-40"}


def test_start_page_quotes_the_origin_verbatim_and_links_as_briefed() -> None:
    soup = _soup(START_PAGE)
    quote = _collapse(soup.find("blockquote").get_text(" "))
    assert quote == "VLAIO lanceerde begin augustus een open oproep voor nieuwe kandidaat-proeftuinprojecten"
    origin = _collapse(ORIGIN.read_text(encoding="utf-8").replace("kandidaat-\n", "kandidaat-"))
    assert quote in origin
    links = {a.get_text(" ", strip=True): a["href"] for a in soup.find("main").find_all("a")}
    call_text = "Proeftuin Industrie 4.0 – oproep 2018: hoe vraag je deze subsidie aan?"
    call_href = "/nl/andere-doelgroepen/proeftuin-industrie-40-oproep-2018/hoe-vraag-je-deze-subsidie-aan"
    assert links == {
        call_text: call_href,
        "Vlaanderen Industrie 4.0": "https://www.industrie40vlaanderen.be/",
    }


def test_readme_lists_the_current_sha256_of_every_mirror_file() -> None:
    """Every CORDIS mirror file and the two first VLAIO pages need a current sha256 line (README.md or
    VLAIO.md); any other mirror file that has a sha256 line must have a current one."""
    documented = _documented_hashes()
    required = CORDIS_FILES | {p.relative_to(MIRROR).as_posix() for p in CONSTRUCTED_PAGES}
    stale = []
    for path in sorted(p for p in MIRROR.rglob("*") if p.is_file()):
        name = path.relative_to(MIRROR).as_posix()
        if (name in required or name in documented) and _sha256(path) not in documented.get(name, set()):
            stale.append(name)
    assert stale == []


def test_git_does_not_ignore_any_recorded_file() -> None:
    if shutil.which("git") is None or not (RECORDED.parent / ".git").exists():
        pytest.skip("not a git checkout")
    files = [p.relative_to(RECORDED.parent).as_posix() for p in RECORDED.rglob("*") if p.is_file()]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *files], cwd=RECORDED.parent, capture_output=True, text=True
    )
    assert result.stdout.split() == []
