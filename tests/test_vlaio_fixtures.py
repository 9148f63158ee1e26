"""The constructed VLAIO / industrie40vlaanderen.be fixture pages: each is labelled CONSTRUCTED, is listed with
its current sha256 in recorded/VLAIO.md, carries the real text it wraps, and parses into the values that real
text states (and nothing the text does not state)."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Comment

from extractors.vlaio.pages import parse_page
from extractors.vlaio.projects import parse_project
from extractors.vlaio.quality import claimed_budget_eur, claimed_living_labs

RECORDED = Path(__file__).resolve().parents[1] / "recorded"
MIRROR = RECORDED / "mirror"
SOURCES = RECORDED / "sources"
VLAIO_MD = RECORDED / "VLAIO.md"
I40 = MIRROR / "www.industrie40vlaanderen.be"
ORIGIN = SOURCES / "origin/vlaams-parlement-schriftelijke-vraag-684-2018.txt"
EXISTING = {  # the two pages of the spine, whose bytes must not change
    "www.vlaio.be/nl/andere-doelgroepen/industrie-40.html": (
        "7fab3bebd7abb3d29a6cf86001f67e7cbe75026f735b44c002a0abbb61cf2876"
    ),
    "www.vlaio.be/nl/andere-doelgroepen/proeftuin-industrie-40-oproep-2018/hoe-vraag-je-deze-subsidie-aan.html": (
        "90e3e78cdbd6fff58cfb29f3911546f2a401a22532f690837a3983caa8eeb52f"
    ),
}
ADDED = sorted(
    p.relative_to(MIRROR).as_posix()
    for p in [*I40.rglob("*"), *(MIRROR / "www.vlaio.be").rglob("*")]
    if p.is_file() and p.relative_to(MIRROR).as_posix() not in EXISTING
)
BATCH_1 = {  # slug -> (label, organisations as the origin document writes them)
    "living-lab-industrie-40-voor-de-agrovoedingssector": ("Uitvoerders", ["Flanders’ FOOD", "ILVO"]),
    "conditioneel-en-predictief-onderhoud-industrial-data-space": ("Uitvoerder", ["LSEC-3IF"]),
    "smart-maintenance-data-analytics-optimizing-machine-uptime": ("Uitvoerders", ["Flanders Make", "imec"]),
    "smart-connectivity": ("Uitvoerders", ["imec", "Flanders Make", "EUKA"]),
    "digitale-servitisatie": ("Uitvoerder", ["Sirris"]),
    "operatorondersteuning": ("Uitvoerder", ["Sirris"]),
    "smart-factories-collaboratieve-werkcel-40": ("Uitvoerders", ["Flanders Make", "imec"]),
}
EXCERPT_PAGES = {  # page under mirror/ -> real excerpt it wraps, every line
    "www.industrie40vlaanderen.be/industry-40-flanders.html": "industrie40vlaanderen.be__industry-40-flanders.en",
    "www.industrie40vlaanderen.be/nl/proeftuinen/smart-farming-40.html": (
        "ilvo.vlaanderen.be__onderzoeksprojecten__smart-farming-4-0.nl"
    ),
    "www.industrie40vlaanderen.be/en/living-labs/training-40.html": (
        "catalisti.be__news__chemicals-and-pharma-bet-virtual-and-augmented-reality.en"
    ),
    "www.vlaio.be/nl/nieuws/flanders-food-ondertekent-clusterpact.html": (
        "vlaio.be__nieuws__flanders-food-ondertekent-clusterpact.nl"
    ),
}


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _visible(path: Path) -> str:
    soup = BeautifulSoup(path.read_bytes(), "lxml")
    alts = " ".join(img.get("alt", "") for img in soup.find_all("img"))
    return _collapse(soup.body.get_text(" ") + " " + alts)


def _origin_bullet(slug: str) -> tuple[str, str]:
    """(paragraph, 'Label: organisations') of one batch-1 proeftuin, joined from the origin's lines."""
    lines = ORIGIN.read_text(encoding="utf-8").splitlines()
    starts = [i for i in range(75, 119) if lines[i].startswith(" ") and lines[i][1:2].isupper()]
    i = starts[list(BATCH_1).index(slug)]
    end = next(j for j in range(i, len(lines)) if lines[j].startswith("Uitvoerder"))
    return " ".join(line.strip() for line in lines[i:end] if line.strip()), lines[end]


def test_the_spine_pages_keep_their_bytes() -> None:
    assert {path: _sha256(MIRROR / path) for path in EXISTING} == EXISTING


@pytest.mark.parametrize("path", ADDED)
def test_added_page_says_constructed_at_its_top(path: str) -> None:
    raw = (MIRROR / path).read_text(encoding="utf-8")
    assert re.sub(r"^\s*<!DOCTYPE html>\s*", "", raw, flags=re.IGNORECASE).startswith("<!--")
    comment = BeautifulSoup(raw, "html.parser").find(string=lambda s: isinstance(s, Comment))
    assert comment is not None and "CONSTRUCTED" in comment
    soup = BeautifulSoup(raw, "html.parser")
    assert soup.find("meta", attrs={"charset": "utf-8"}) is not None
    assert soup.find("time") is None  # no date is known for any of them, so none is invented


def test_vlaio_md_lists_every_added_file_with_its_current_sha256() -> None:
    listed = set(VLAIO_MD.read_text(encoding="utf-8").splitlines())
    stale = [path for path in ADDED if f"{_sha256(MIRROR / path)}  {path}" not in listed]
    assert stale == []


@pytest.mark.parametrize("page", sorted(EXCERPT_PAGES))
def test_page_carries_every_line_of_the_real_excerpt(page: str) -> None:
    excerpt = (SOURCES / "vlaio" / f"{EXCERPT_PAGES[page]}.excerpt.txt").read_text(encoding="utf-8")
    visible = _visible(MIRROR / page)
    lines = [_collapse(re.sub(r"^\s*\d\.\s+", "", line)) for line in excerpt.splitlines() if line.strip()]
    assert [line for line in lines if line not in visible] == []


@pytest.mark.parametrize("slug", sorted(BATCH_1))
def test_batch_1_page_quotes_the_origin_verbatim(slug: str) -> None:
    paragraph, executors_line = _origin_bullet(slug)
    soup = BeautifulSoup((I40 / f"nl/proeftuinen/{slug}.html").read_bytes(), "lxml")
    assert [_collapse(p.get_text()) for p in soup.main.find_all("p")] == [paragraph, executors_line]


@pytest.mark.parametrize("slug", sorted(BATCH_1))
def test_batch_1_detail_page_yields_the_origin_s_organisations(slug: str) -> None:
    url = f"https://www.industrie40vlaanderen.be/nl/proeftuinen/{slug}"
    record = parse_project((I40 / f"nl/proeftuinen/{slug}.html").read_bytes(), url, "text/html")
    label, organisations = BATCH_1[slug]
    paragraph, executors_line = _origin_bullet(slug)
    assert record is not None
    assert record["executors"] == organisations
    assert (
        f"{label}: {record['executors_text']}" == executors_line
    )  # e.g. "Uitvoerders: Flanders’ FOOD & ILVO"
    assert record["focus"] == paragraph
    assert record["language"] == "nl"
    assert paragraph.startswith(record["title"])  # the h1 is the name as the origin writes it
    # the origin document gives no per-proeftuin period, amount, sector or theme: none is invented
    for absent in ("start_date", "end_date", "budget_eur", "subsidy_eur", "status"):
        assert record[absent] is None, absent
    assert record["sectors"] == [] and record["themes"] == [] and record["partners"] == []


def test_ilvo_text_yields_the_smart_farming_proeftuin() -> None:
    page = I40 / "nl/proeftuinen/smart-farming-40.html"
    record = parse_project(
        page.read_bytes(), "https://www.industrie40vlaanderen.be/nl/proeftuinen/smart-farming-40"
    )
    assert record is not None
    assert record["proeftuin_label"] == "PROEFTUIN SMART FARMING 4.0"  # the partner page's programme tag
    assert record["match_title"] == "SMART FARMING 4.0"
    assert (record["status"], record["status_text"]) == ("ONGOING", "In uitvoering")
    assert record["title"].startswith("Onderzoeksproject Smart Farming 4.0 - IN4.0 ready hyperspectraal")
    assert record["focus"].startswith("Hoe vroeger en plaatsspecifieker de landbouwer plantenziektes")
    assert record["executors"] == [] and record["subsidy_eur"] is None  # the excerpt names neither


def test_catalisti_text_yields_training_4_0_in_english() -> None:
    page = I40 / "en/living-labs/training-40.html"
    record = parse_project(
        page.read_bytes(), "https://www.industrie40vlaanderen.be/en/living-labs/training-40"
    )
    assert record is not None
    assert (record["title"], record["language"]) == ("Training 4.0", "en")
    assert record["executors"] == ["Catalisti"]
    assert record["partners"] == ["Acta vzw", "Imec", "Karel de Grote Hogeschool"]
    assert record["anchors"] == ["label:Executed by", "label:Partners"]
    assert record["focus"].startswith("Chemical and pharmaceutical companies believe in virtual")


def test_landing_page_links_to_the_overview_and_states_17_living_labs() -> None:
    page = I40 / "industry-40-flanders.html"
    soup = BeautifulSoup(page.read_bytes(), "lxml")
    assert {a.get_text(strip=True): a["href"] for a in soup.main.find_all("a")} == {
        "Discover all living labs!": "/en/living-labs/"
    }
    record = parse_page(page.read_bytes(), "https://www.industrie40vlaanderen.be/industry-40-flanders")
    assert claimed_living_labs(record["text"]) == 17
    assert claimed_budget_eur(record["text"]) == Decimal("8000000.00")
    assert (
        parse_project(page.read_bytes(), "https://www.industrie40vlaanderen.be/industry-40-flanders") is None
    )


def test_overview_pages_list_nine_proeftuinen_over_a_two_page_pager() -> None:
    listed = []
    for name in ("en/living-labs/index.html", "en/living-labs/page/1.html"):
        soup = BeautifulSoup((I40 / name).read_bytes(), "lxml")
        listed += [a["href"] for a in soup.main.find("ul").find_all("a")]
        pager = [a["href"] for a in soup.find("nav").find_all("a")]
        assert "/en/living-labs/page/1" in pager or "/en/living-labs/" in pager
        assert (
            parse_project((I40 / name).read_bytes(), "https://www.industrie40vlaanderen.be/en/living-labs/")
            is None
        )
    assert len(listed) == len(set(listed)) == 9
    assert all((I40 / f"{href.lstrip('/')}.html").is_file() for href in listed)


def test_news_page_shows_the_publication_label_but_no_date() -> None:
    page = MIRROR / "www.vlaio.be/nl/nieuws/flanders-food-ondertekent-clusterpact.html"
    record = parse_page(
        page.read_bytes(), "https://www.vlaio.be/nl/nieuws/flanders-food-ondertekent-clusterpact"
    )
    assert record["title"] == "Flanders' FOOD ondertekent clusterpact"
    assert record["kind"] == "news"
    assert "Publicatiedatum" in record["text"]
    assert record["published"] is None  # the real page shows the label without a date value
    assert parse_project(page.read_bytes(), "https://www.vlaio.be/nl/nieuws/x") is None
