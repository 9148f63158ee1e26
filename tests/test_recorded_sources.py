"""The recorded sources keep the real bytes, the mirror is rebuilt deterministically from them, and every
constructed file is labelled as constructed."""

from __future__ import annotations

import hashlib
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

_SPACE = re.compile(r"\s+")


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest() -> dict[str, str]:
    lines = (SOURCES / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines if line)}


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_bytes(), "html.parser")


def test_real_files_keep_the_bytes_recorded_in_the_manifest() -> None:
    manifest = _manifest()
    assert len(manifest) == 27
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
    on_disk = {p.relative_to(MIRROR).as_posix() for p in MIRROR.rglob("*") if p.is_file()}
    pages = {p.relative_to(MIRROR).as_posix() for p in CONSTRUCTED_PAGES}
    assert on_disk == set(EXPECTED_ZIPS) | pages


@pytest.mark.parametrize("page", CONSTRUCTED_PAGES, ids=lambda p: p.name)
def test_constructed_page_says_so_at_its_top_and_is_listed_in_readme(page: Path) -> None:
    raw = page.read_text(encoding="utf-8")
    after_doctype = re.sub(r"^\s*<!DOCTYPE html>\s*", "", raw, flags=re.IGNORECASE)
    assert after_doctype.startswith("<!--")
    first_comment = _soup(page).find(string=lambda s: isinstance(s, Comment))
    assert first_comment is not None
    assert "CONSTRUCTED" in first_comment
    assert page.relative_to(MIRROR).as_posix() in README.read_text(encoding="utf-8")


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
    readme_lines = set(README.read_text(encoding="utf-8").splitlines())
    files = sorted(p for p in MIRROR.rglob("*") if p.is_file())
    stale = [p.name for p in files if f"{_sha256(p)}  {p.relative_to(MIRROR).as_posix()}" not in readme_lines]
    assert stale == []


def test_git_does_not_ignore_any_recorded_file() -> None:
    if shutil.which("git") is None or not (RECORDED.parent / ".git").exists():
        pytest.skip("not a git checkout")
    files = [p.relative_to(RECORDED.parent).as_posix() for p in RECORDED.rglob("*") if p.is_file()]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *files], cwd=RECORDED.parent, capture_output=True, text=True
    )
    assert result.stdout.split() == []
