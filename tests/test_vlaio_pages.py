"""The VLAIO slice: page parsing on the constructed fixtures (real text inside), drift errors, and a crawl
that stays on the allow-listed host."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from extractors.http import make_session
from extractors.vlaio import crawl, read_page
from extractors.vlaio.pages import parse_page
from inventory.errors import LayoutDriftError

VLAIO_MIRROR = Path(__file__).resolve().parents[1] / "recorded" / "mirror" / "www.vlaio.be"
CALL_PAGE = (
    VLAIO_MIRROR
    / "nl/andere-doelgroepen/proeftuin-industrie-40-oproep-2018/hoe-vraag-je-deze-subsidie-aan.html"
)


def _session():
    return make_session(retries=0, rate_per_host=None)  # loopback: no politeness spacing needed


def test_call_page_yields_its_title_headings_and_real_text() -> None:
    record = parse_page(CALL_PAGE.read_bytes(), "https://www.vlaio.be/x")
    assert record["title"] == "Hoe vraag je deze subsidie aan?"
    assert record["language"] == "nl"
    assert "Veelgestelde vragen" in (record["headings"] or "")
    # real text of the call (recorded/sources/vlaio/...hoe-vraag-je-deze-subsidie-aan.nl.excerpt.txt)
    assert "Formele indiening van een projectaanvraag voor 25 september 2018" in record["text"]
    assert "Start van de goedgekeurde projecten rond 1 april 2019" in record["text"]


def test_page_without_title_anchors_raises_layout_drift_naming_url_and_anchor() -> None:
    html = b"<html><body><div class='hero'>Proeftuinen</div></body></html>"
    with pytest.raises(LayoutDriftError, match=r"https://www\.vlaio\.be/p.*h1 or og:title"):
        parse_page(html, "https://www.vlaio.be/p")


def test_empty_page_raises_layout_drift() -> None:
    with pytest.raises(LayoutDriftError, match="body text"):
        parse_page(b"<html><head><meta property='og:title' content='X'></head><body></body></html>", "u")


def test_crawl_follows_relevant_same_site_links_only(served_mirror: dict[str, str], tmp_path: Path) -> None:
    base = served_mirror["VLAIO_BASE_URL"]
    landed = crawl(_session(), base, tmp_path / "raw", date(2026, 11, 27), timeout_s=10, delay_s=0)
    urls = [page.url for page in landed]
    assert urls == [
        f"{base}/nl/andere-doelgroepen/industrie-40",
        f"{base}/nl/andere-doelgroepen/proeftuin-industrie-40-oproep-2018/hoe-vraag-je-deze-subsidie-aan",
    ]
    assert all(page.url.startswith(base) for page in landed)  # industrie40vlaanderen.be link not followed
    assert [read_page(page)["title"] for page in landed] == [
        "Industrie 4.0",
        "Hoe vraag je deze subsidie aan?",
    ]
    assert all(len(page.sha256) == 64 and Path(page.path).is_file() for page in landed)


def test_crawl_respects_the_page_budget(served_mirror: dict[str, str], tmp_path: Path) -> None:
    base = served_mirror["VLAIO_BASE_URL"]
    landed = crawl(_session(), base, tmp_path / "raw", date(2026, 11, 27), 10, page_budget=1, delay_s=0)
    assert len(landed) == 1
