"""Pure pieces of the VLAIO slice: Dutch/English amounts and periods, label-anchored fields in several markup
shapes, change detection, the proeftuin count check, title normalisation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup

from extractors.vlaio.amounts import parse_amount, parse_day, parse_period
from extractors.vlaio.changes import changed_fields, classify_change, field_hashes
from extractors.vlaio.fields import labelled_values, split_names
from extractors.vlaio.projects import parse_project
from extractors.vlaio.quality import check_proeftuin_count, claimed_budget_eur, claimed_living_labs
from extractors.vlaio.reference import normalise_title
from extractors.vlaio.sites import is_pager_link, listing_key, make_sites, pager_number, resolve_link


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("3.415.687,44 euro", "nl", "3415687.44"),  # the origin document's batch total
        ("€ 450.000", "nl", "450000.00"),
        ("3,5 miljoen euro", "nl", "3500000.00"),  # origin document, answer 2
        ("1,92 miljoen euro", "nl", "1920000.00"),  # metrotime excerpt
        ("480.000 euro per jaar", "nl", "480000.00"),  # metrotime excerpt
        ("€4 million", "en", "4000000.00"),  # flanderstoday headline
        ("an overall budget of 8 million euro", "en", "8000000.00"),  # industrie40vlaanderen landing
        ("€3.5 million into seven projects", "en", "3500000.00"),  # flanderstoday
        ("EUR 1,234,567.89", "en", "1234567.89"),
        ("€450,000", "en", "450000.00"),
        ("3.5 MEUR", "nl", "3500000.00"),
        ("Subsidie: 12 345,67 €", "nl", "12345.67"),
    ],
)
def test_amounts_are_read_exactly(text: str, language: str, expected: str) -> None:
    assert parse_amount(text, language) == Decimal(expected)


@pytest.mark.parametrize("text", ["zie oproepdocument 2018", "", "5 m hoog", "Budget"])
def test_text_without_a_euro_amount_gives_none(text: str) -> None:
    assert parse_amount(text) is None


def test_periods_keep_their_precision_and_invent_no_day() -> None:
    day = parse_period("1 april 2019 – 31 maart 2021")
    assert (day.start_date, day.end_date, day.precision) == (date(2019, 4, 1), date(2021, 3, 31), "day")
    assert parse_period("01/04/2019 - 31/03/2021").end_date == date(2021, 3, 31)
    month = parse_period("april 2019 - maart 2021")
    assert (month.start_date, month.end_date, month.precision) == (
        date(2019, 4, 1),
        date(2021, 3, 31),
        "month",
    )
    years = parse_period("2018–2020")
    assert (years.start_date, years.end_date, years.start_year, years.end_year) == (None, None, 2018, 2020)
    assert parse_period("From April 2019 to March 2021").end_year == 2021
    assert parse_period("nog niet bekend").precision is None


def test_a_publication_label_without_a_date_gives_no_date() -> None:
    # the real news excerpt prints "Publicatiedatum" followed directly by the lead paragraph
    assert parse_day("Met dit pact verankeren de Vlaamse overheid en Flanders' FOOD hun inspanningen") is None
    assert parse_day("Publicatiedatum 12 maart 2018") == date(2018, 3, 12)
    assert parse_day("2018-03-12T10:00:00+01:00") == date(2018, 3, 12)


LABEL_SHAPES = {
    "dl": "<dl><dt>Uitvoerder(s)</dt><dd>Flanders Make</dd><dd>imec</dd></dl>",
    "table": "<table><tr><th>Uitvoerders</th><td>Flanders Make &amp; imec</td></tr></table>",
    "colon": "<p>Uitvoerders: Flanders Make &amp; imec</p>",
    "inline": "<p><strong>Uitvoerders</strong> Flanders Make &amp; imec</p>",
    "heading": "<h2>Uitvoerders</h2><ul><li>Flanders Make</li><li>imec</li></ul>",
    "next": "<div><div>Uitvoerders</div><div>Flanders Make<br>imec</div></div>",
    "english": "<dl><dt>Executed by:</dt><dd>Flanders Make, imec</dd></dl>",
}


@pytest.mark.parametrize("shape", sorted(LABEL_SHAPES))
def test_labels_are_found_whatever_the_markup(shape: str) -> None:
    html = f"<html lang='nl'><body><main><h1>SMART FACTORIES</h1>{LABEL_SHAPES[shape]}</main></body></html>"
    record = parse_project(html, "https://www.industrie40vlaanderen.be/nl/proeftuinen/x")
    assert record is not None
    assert record["executors"] == ["Flanders Make", "imec"]


def test_labels_in_page_chrome_are_ignored() -> None:
    soup = BeautifulSoup("<main><footer><p>Contact: info@example.org</p></footer><p>x</p></main>", "lxml")
    assert labelled_values(soup.main).values == {}


def test_every_project_field_is_read_from_its_label() -> None:
    html = """<html lang="nl"><head><meta property="article:modified_time" content="2020-02-03T10:00:00+01:00">
    </head><body><main><h1>Proeftuin X</h1><p>Status: Afgerond</p>
    <dl><dt>Projectorganisator</dt><dd>Sirris</dd><dt>In samenwerking met</dt><dd>Howest, imec en UGent</dd>
    <dt>Looptijd</dt><dd>1 april 2019 – 31 maart 2021</dd><dt>Budget</dt><dd>€ 450.000</dd>
    <dt>Subsidie</dt><dd>3,5 miljoen euro</dd><dt>Sector(en)</dt><dd>Bouw; Landbouw</dd>
    <dt>Thema's</dt><dd>drones, 3D-printing</dd><dt>Contact</dt><dd>jan@example.org</dd></dl></main></body></html>"""
    record = parse_project(html, "https://www.vlaio.be/nl/x")
    assert record is not None
    assert record["executors"] == ["Sirris"]
    assert record["partners"] == ["Howest", "imec", "UGent"]  # "A, B en C": the last " en " separates
    assert (record["start_date"], record["end_date"]) == (date(2019, 4, 1), date(2021, 3, 31))
    assert (record["budget_eur"], record["subsidy_eur"]) == (Decimal("450000.00"), Decimal("3500000.00"))
    assert record["sectors"] == ["Bouw", "Landbouw"] and record["themes"] == ["drones", "3D-printing"]
    assert (record["status"], record["status_text"]) == ("CLOSED", "Afgerond")
    assert record["contact"] == "jan@example.org" and record["modified"] == "2020-02-03T10:00:00+01:00"
    assert record["problems"] == []


def test_unreadable_amounts_are_reported_not_guessed() -> None:
    html = "<main><h1>X</h1><p>Uitvoerder: Sirris</p><p>Budget: zie oproepdocument</p></main>"
    record = parse_project(html, "https://www.vlaio.be/nl/x")
    assert record is not None and record["budget_eur"] is None
    assert record["problems"] == ["budget: no euro amount in 'zie oproepdocument'"]


def test_json_ld_project_is_an_anchor() -> None:
    html = """<html lang="en"><head><script type="application/ld+json">{"@context": "https://schema.org",
    "@graph": [{"@type": "ResearchProject", "name": "Drones 4.0", "description": "Drones in agriculture.",
    "startDate": "2019-04-01", "endDate": "2021-03-31", "keywords": "drones, agriculture"}]}</script></head>
    <body><main><p>Intro</p></main></body></html>"""
    record = parse_project(html, "https://www.industrie40vlaanderen.be/en/living-labs/drones")
    assert record is not None
    assert (record["title"], record["focus"]) == ("Drones 4.0", "Drones in agriculture.")
    assert (record["start_date"], record["end_date"]) == (date(2019, 4, 1), date(2021, 3, 31))
    assert record["themes"] == ["drones", "agriculture"] and record["anchors"] == ["JSON-LD Project"]


def test_a_listing_is_never_a_detail_page() -> None:
    html = "<main><h1>Living labs</h1><p>Uitvoerder: Sirris</p><a href='?page=1'>2</a></main>"
    assert parse_project(html, "https://www.industrie40vlaanderen.be/en/living-labs") is None


def test_organisation_names_keep_their_spelling() -> None:
    assert split_names("Flanders’ FOOD & ILVO") == ["Flanders’ FOOD", "ILVO"]
    assert split_names("imec, Flanders Make & EUKA") == ["imec", "Flanders Make", "EUKA"]
    assert split_names("LSEC-3IF") == ["LSEC-3IF"]
    # " en " inside a name without a list is not a separator
    assert split_names("Agentschap Innoveren en Ondernemen") == ["Agentschap Innoveren en Ondernemen"]


def test_change_detection_tells_layout_from_content() -> None:
    fields = field_hashes({"title": "SMART CONNECTIVITY", "executors": ["imec", "Flanders Make", "EUKA"]})
    assert classify_change(None, ("a" * 64, fields)) == "content"
    assert classify_change(("a" * 64, fields), ("a" * 64, dict(fields))) == "unchanged"
    assert classify_change(("a" * 64, fields), ("b" * 64, dict(fields))) == "layout"
    other = field_hashes({"title": "SMART CONNECTIVITY", "executors": ["imec", "Flanders Make"]})
    assert classify_change(("a" * 64, fields), ("b" * 64, other)) == "content"
    assert classify_change(("a" * 64, fields), ("a" * 64, other)) == "content"  # parser change, same bytes
    assert changed_fields(fields, other) == ["executors"]
    assert changed_fields(fields, {**fields, "budget_eur": "x"}) == ["budget_eur"]


def test_field_hashes_are_exact_for_amounts_and_dates() -> None:
    one = field_hashes({"subsidy_eur": Decimal("1138562.48"), "start_date": date(2018, 1, 1)})
    two = field_hashes({"subsidy_eur": Decimal("1138562.480"), "start_date": date(2018, 1, 1)})
    assert one != two  # Decimal('…48') and Decimal('…480') are written differently: never via float
    assert one == field_hashes({"start_date": date(2018, 1, 1), "subsidy_eur": Decimal("1138562.48")})


@pytest.mark.parametrize(
    ("current", "previous", "reference", "margin", "fails"),
    [
        (17, 17, 17, 0.1, False),
        (16, 17, 17, 0.1, False),  # 16 >= 15.3
        (15, 17, 17, 0.1, True),
        (9, None, 17, 0.1, True),  # first run: against the reference
        (9, 9, 17, 0.1, False),  # later runs: against the previous run
        (20, 17, 17, 0.1, False),  # more is not a failure
        (0, None, 0, 0.5, True),  # nothing is always a failure
    ],
)
def test_proeftuin_count_check(
    current: int, previous: int | None, reference: int, margin: float, fails: bool
) -> None:
    message = check_proeftuin_count(current, previous, reference, margin)
    assert (message is not None) is fails
    if fails:
        assert str(current) in message


def test_count_check_rejects_a_nonsense_margin() -> None:
    with pytest.raises(ValueError, match="margin"):
        check_proeftuin_count(1, 1, 1, 1.5)


def test_the_landing_page_figures_are_read() -> None:
    # real text: recorded/sources/vlaio/industrie40vlaanderen.be__industry-40-flanders.en.excerpt.txt
    text = (
        "We do this, for example, with industry 4.0 living labs. In 2018 and 2019, 17 living labs were set "
        "up, representing an overall budget of 8 million euro."
    )
    assert claimed_living_labs(text) == 17
    assert claimed_budget_eur(text) == Decimal("8000000.00")
    assert claimed_living_labs("We hebben hiertoe 17 verschillende proeftuinen opgericht") == 17  # tim.pmg.nl
    assert claimed_living_labs("no number here") is None


def test_title_normalisation_drops_case_accents_punctuation_and_prefixes() -> None:
    assert normalise_title("PROEFTUIN SMART FARMING 4.0") == "smart farming 4 0"
    assert normalise_title("Proeftuin Smart Connectivity") == normalise_title("SMART CONNECTIVITY")
    assert normalise_title("Living lab – Digitale servitisatie!") == "digitale servitisatie"
    assert normalise_title("Opérator\u00adondersteuning") == normalise_title("OPERATORONDERSTEUNING")
    assert normalise_title("Proeftuin") == "proeftuin"  # never normalised to nothing


def test_pagers_in_query_and_path_style() -> None:
    assert pager_number("https://www.vlaio.be/nl/zoek?f%5B0%5D=domains%3A526&page=5") == 5
    assert pager_number("https://www.industrie40vlaanderen.be/en/living-labs/page/1") == 1
    assert pager_number("https://www.industrie40vlaanderen.be/en/living-labs/") is None
    listing = "https://www.vlaio.be/nl/zoek?f%5B0%5D=domains%3A526"
    assert is_pager_link(listing, listing + "&page=1")
    assert not is_pager_link(listing, "https://www.vlaio.be/nl/zoek?f%5B0%5D=domains%3A527&page=1")
    assert is_pager_link("https://x.be/en/living-labs/", "https://x.be/en/living-labs/page/1")
    assert listing_key("https://x.be/en/living-labs/page/1") == listing_key("https://x.be/en/living-labs")


def test_links_to_the_real_hosts_are_moved_onto_the_configured_base_urls() -> None:
    sites = make_sites("http://127.0.0.1:8001", "http://127.0.0.1:8002/prefix")
    vlaio, i40 = sites
    page = "http://127.0.0.1:8001/nl/andere-doelgroepen/industrie-40"
    assert (
        resolve_link(page, "https://www.industrie40vlaanderen.be/", vlaio, sites)
        == "http://127.0.0.1:8002/prefix/"
    )
    assert resolve_link(page, "https://vlaio.be/nl/x#top", vlaio, sites) == "http://127.0.0.1:8001/nl/x"
    assert resolve_link(page, "mailto:info@vlaio.be", vlaio, sites) is None
    # root-relative links on a prefixed base stay under the prefix
    assert (
        resolve_link("http://127.0.0.1:8002/prefix/a", "/en/b", i40, sites)
        == "http://127.0.0.1:8002/prefix/en/b"
    )
    assert resolve_link(page, "https://example.org/x", vlaio, sites) == "https://example.org/x"
