"""The HTML report: built from the marts and the ledger only, every number it shows equal to the marts (read
here independently), nothing loaded from the network, every value escaped, and clean in a real browser."""

from __future__ import annotations

import base64
import hashlib
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from reports import render
from reports.marts import ReportData, read_report_data
from reports.render import build_report, render_html
from tests.chromium import CHROMIUM, Browser
from tests.loading import RECORDED_DUMPS
from tests.report_warehouse import RUN_ID, copy_of, recorded_warehouse
from warehouse.engine import make_engine
from warehouse.ledger import finish_run, start_run
from warehouse.migrate import upgrade
from warehouse.publish import read_table
from warehouse.report_queries import latest_fetches, latest_run
from warehouse.schema import (
    MARTS,
    mart_funding_by_year,
    mart_inventory,
    mart_nl_cooperation,
    mart_organisations,
    mart_participations,
    mart_theme_gaps,
)

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "report"
SECTIONS = (
    "kerncijfers",
    "proeftuinen",
    "inventaris",
    "grafieken",
    "samenwerking-nl",
    "versheid",
    "woordenboek",
)
DATA_DOCS_URL = "../data-docs/index.html"
# Written question 684 (2018), answer 1: 7 proeftuinen, 3.415.687,44 euro "gelijk verdeeld over de drie jaar"
ORIGIN_BATCH_1 = {
    "proeftuinen": 7,
    "total": Decimal("3415687.44"),
    "yearly": {2018: Decimal("1138562.48"), 2019: Decimal("1138562.48"), 2020: Decimal("1138562.48")},
}
SCRIPT_PAYLOAD = "<script>alert(1)</script>"
ATTRIBUTE_PAYLOAD = "\"'><img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return recorded_warehouse(tmp_path_factory.getbasetemp() / "recorded-warehouse")


@pytest.fixture(scope="module")
def engine(warehouse: Path) -> Engine:
    engine = make_engine(f"sqlite:///{warehouse}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def report(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_report(engine, tmp_path_factory.mktemp("report"), data_docs_url=DATA_DOCS_URL)


@pytest.fixture(scope="module")
def page(report: Path) -> BeautifulSoup:
    return BeautifulSoup(report.read_text(encoding="utf-8"), "lxml")


@pytest.fixture
def browser(tmp_path: Path) -> Browser:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian package 'chromium'): no browser to open the report in")
    with Browser(tmp_path / "chromium-profile") as browser:
        yield browser


def _rows(engine: Engine, table) -> list[dict]:
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(select(table)).mappings()]


def _euro_nl(amount: Decimal) -> str:
    """Dutch notation, written out independently of reports.formatting."""
    whole, fraction = f"{amount:.2f}".split(".")
    return "€ " + f"{int(whole):,}".replace(",", ".") + "," + fraction


def _value(element) -> str:
    return element["data-value"]


# -- proeftuinen (question 1) --------------------------------------------------------------------------


def test_batch_one_in_the_marts_is_the_origin_documents_seven_proeftuinen(engine: Engine) -> None:
    batch_1 = [r for r in _rows(engine, mart_inventory) if r["source"] == "vlaio" and r["batch"] == "1"]
    funding = [r for r in _rows(engine, mart_funding_by_year) if r["project_key"] == "vlaio:batch-1"]
    assert len(batch_1) == ORIGIN_BATCH_1["proeftuinen"]
    assert {r["year"]: r["vlaio_subsidy_eur"] for r in funding} == ORIGIN_BATCH_1["yearly"]
    assert sum(r["vlaio_subsidy_eur"] for r in funding) == ORIGIN_BATCH_1["total"]


def test_report_shows_batch_one_as_the_marts_give_it(engine: Engine, page: BeautifulSoup) -> None:
    inventory = _rows(engine, mart_inventory)
    funding = [r for r in _rows(engine, mart_funding_by_year) if r["project_key"] == "vlaio:batch-1"]
    block = page.select_one('[data-batch="1"]')
    count = block.select_one('[data-field="n_proeftuinen"]')
    total = block.select_one('[data-field="total_subsidy"]')
    yearly = {
        int(tr["data-year"]): tr.select_one('[data-field="yearly_subsidy"]')
        for tr in block.select("tr[data-year]")
    }
    mart_total = sum(r["vlaio_subsidy_eur"] for r in funding)
    assert (_value(count), count.get_text()) == (str(ORIGIN_BATCH_1["proeftuinen"]),) * 2
    assert (Decimal(_value(total)), total.get_text()) == (mart_total, _euro_nl(mart_total))
    assert total.get_text() == "€ 3.415.687,44"
    assert {year: Decimal(_value(cell)) for year, cell in yearly.items()} == ORIGIN_BATCH_1["yearly"]
    assert {year: cell.get_text() for year, cell in yearly.items()} == {
        r["year"]: _euro_nl(r["vlaio_subsidy_eur"]) for r in funding
    }
    shown = {card["data-project-key"] for card in block.select("article.proeftuin")}
    assert shown == {r["project_key"] for r in inventory if r["source"] == "vlaio" and r["batch"] == "1"}


def test_every_proeftuin_shows_its_executing_organisations(engine: Engine, page: BeautifulSoup) -> None:
    executors = defaultdict(list)
    for r in sorted(_rows(engine, mart_participations), key=lambda r: r["order_no"]):
        if r["source"] == "vlaio" and r["role"] == "uitvoerder":
            executors[r["project_key"]].append(r["organisation_name"])
    proeftuinen = [r for r in _rows(engine, mart_inventory) if r["source"] == "vlaio"]
    cards = {card["data-project-key"]: card for card in page.select("article.proeftuin")}
    assert set(cards) == {r["project_key"] for r in proeftuinen}
    for key, card in cards.items():
        shown = card.select_one('[data-field="executors"]').get_text()
        assert shown == (", ".join(executors[key]) or "–"), key


# -- the inventory table --------------------------------------------------------------------------------


def test_inventory_table_lists_every_industry40_project_with_reasons_link_and_amounts(
    engine: Engine, page: BeautifulSoup
) -> None:
    projects = {r["project_key"]: r for r in _rows(engine, mart_inventory) if r["is_industry40"]}
    rows = {tr["data-project-key"]: tr for tr in page.select("#inventory-table tbody tr")}
    assert set(rows) == set(projects)
    assert page.select_one('[data-field="n_inventory_rows"]')["data-value"] == str(len(projects))
    for key, tr in rows.items():
        project = projects[key]
        reasons = [li.get_text() for li in tr.select("td.reasons li")]
        assert reasons == [part.strip() for part in project["industry40_reasons"].split(";")], key
        assert [a["href"] for a in tr.select("td.project a")] == [project["source_url"]], key
        for column in ("eu_contribution_eur", "flemish_contribution_eur", "vlaio_subsidy_eur"):
            cell = tr.select_one(f'td[data-col="{column}"] .money')
            expected = project[column]
            assert cell["data-value"] == ("" if expected is None else f"{expected:.2f}"), (key, column)
            assert cell.get_text() == ("–" if expected is None else _euro_nl(expected)), (key, column)


# -- charts -------------------------------------------------------------------------------------------


def test_every_chart_is_an_accessible_svg_with_value_labels(page: BeautifulSoup) -> None:
    charts = page.select("svg.chart")
    assert {svg["id"] for svg in charts} >= {
        "support-by-year",
        "support-by-theme",
        "organisations-by-projects",
        "organisations-by-amount",
        "theme-gaps",
        "nl-cooperation-projects",
        "nl-cooperation-amounts",
    }
    for svg in charts:
        assert svg["role"] == "img" and svg["aria-label"].strip(), svg["id"]
        for labelled_by in svg["aria-labelledby"].split():
            assert svg.find(id=labelled_by).get_text().strip(), (svg["id"], labelled_by)
        assert svg.find("title", recursive=False) and svg.find("desc", recursive=False), svg["id"]
        assert svg.select("text.value"), svg["id"]


def test_support_per_year_is_the_vlaio_and_flemish_eu_funding_of_industry40(
    engine: Engine, page: BeautifulSoup
) -> None:
    industry40 = {r["project_key"] for r in _rows(engine, mart_inventory) if r["is_industry40"]}
    expected: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in _rows(engine, mart_funding_by_year):
        if r["source"] == "vlaio":
            expected[(str(r["year"]), "vlaio")] += r["vlaio_subsidy_eur"]
        elif r["project_key"] in industry40:
            expected[(str(r["year"]), "eu")] += r["flemish_contribution_eur"]
    shown = {
        (
            rect.find_parent("g")["data-category"],
            "vlaio" if "VLAIO" in rect["data-series"] else "eu",
        ): Decimal(rect["data-value"])
        for rect in page.select("#support-by-year rect[data-series]")
    }
    assert shown == {key: amount for key, amount in expected.items() if amount}
    assert shown[("2019", "vlaio")] == ORIGIN_BATCH_1["yearly"][2019]


def test_organisation_charts_rank_the_flemish_organisations_of_the_mart(
    engine: Engine, page: BeautifulSoup
) -> None:
    flemish = [r for r in _rows(engine, mart_organisations) if r["region"] == "flanders"]
    for chart_id, column in (
        ("organisations-by-amount", "total_ec_contribution_eur"),
        ("organisations-by-projects", "n_industry40_projects"),
    ):
        ranked = sorted((r for r in flemish if r[column]), key=lambda r: (-r[column], r["name"]))[:15]
        bars = page.select(f"#{chart_id} g.bar")
        assert [(g["data-category"], Decimal(g["data-total"])) for g in bars] == [
            (r["name"], Decimal(r[column])) for r in ranked
        ]


def test_heat_map_cells_are_the_theme_gaps_mart_and_empty_cells_are_gaps(
    engine: Engine, page: BeautifulSoup
) -> None:
    expected: dict[tuple[str, str], int] = defaultdict(int)
    for r in _rows(engine, mart_theme_gaps):
        expected[(r["theme"], str(r["year"]))] += r["n_projects"]
    cells = page.select("#theme-gaps g.cell")
    assert {(g["data-row"], g["data-column"]): int(g["data-value"]) for g in cells} == expected
    assert all(("gap" in g["class"]) == (g["data-value"] == "0") for g in cells)
    assert any(value == 0 for value in expected.values()), "the recorded data has gaps to show"


def test_dutch_cooperation_chart_counts_projects_per_start_year(engine: Engine, page: BeautifulSoup) -> None:
    per_year: dict[int, int] = defaultdict(int)
    for r in _rows(engine, mart_nl_cooperation):
        per_year[r["start_year"]] += 1
    years = range(min(per_year), max(per_year) + 1)
    bars = page.select("#nl-cooperation-projects g.bar")
    assert [(g["data-category"], int(g["data-total"])) for g in bars] == [
        (str(y), per_year[y]) for y in years
    ]
    table_rows = page.select("#nl-cooperation-table tbody tr")
    assert {tr["data-project-key"] for tr in table_rows} == {
        r["project_key"] for r in _rows(engine, mart_nl_cooperation)
    }


# -- freshness and dictionary ---------------------------------------------------------------------------


def test_freshness_names_the_last_successful_run_the_verdict_and_the_latest_fetches(
    page: BeautifulSoup,
) -> None:
    assert page.select_one('[data-field="last_run_id"]').get_text() == RUN_ID
    assert page.select_one('[data-field="dq_verdict"]')["data-value"] == "unknown"  # the loader runs no gate
    assert page.select_one('[data-field="data_docs"] a')["href"] == DATA_DOCS_URL
    cordis = page.select_one('#sources-table tr[data-source="cordis"]')
    assert cordis.select_one('[data-field="last_fetched_at"]').get_text() == "2026-11-27 02:00 UTC"
    assert cordis.select_one('[data-field="n_files"]')["data-value"] == str(len(RECORDED_DUMPS))
    assert page.select_one('[data-field="later_run_status"]') is None


def test_a_failed_later_run_is_reported_while_the_marts_stay_those_of_the_last_success(
    warehouse: Path, tmp_path: Path
) -> None:
    engine = make_engine(copy_of(warehouse, tmp_path / "w.sqlite"))
    start_run(engine, "run-failed", "refresh_inventory", "cordis,vlaio", "HORIZON")
    finish_run(engine, "run-failed", "failed", error="CORDIS answered 503")
    later = BeautifulSoup(build_report(engine, tmp_path / "report").read_text(encoding="utf-8"), "lxml")
    engine.dispose()
    assert later.select_one('[data-field="last_run_id"]').get_text() == RUN_ID
    warning = later.select_one('[data-field="later_run_status"]')
    assert warning["data-value"] == "failed" and "CORDIS answered 503" in warning.get_text()


def test_data_dictionary_explains_every_mart_column_from_the_schema(page: BeautifulSoup) -> None:
    for table in MARTS:
        details = page.select_one(f'details[data-table="{table.name}"]')
        assert details.has_attr("open"), table.name
        meanings = {
            tr["data-column"]: tr.select("td")[-1].get_text() for tr in details.select("tr[data-column]")
        }
        assert meanings == {c.name: c.comment for c in table.columns}, table.name


# -- self-contained and escaped -------------------------------------------------------------------------


URL_ATTRIBUTES = {
    "src",
    "href",
    "srcset",
    "poster",
    "data",
    "action",
    "formaction",
    "xlink:href",
    "background",
}


def test_report_loads_nothing_and_runs_only_its_own_script(page: BeautifulSoup) -> None:
    loading = [
        (element.name, name)
        for element in page.find_all(True)
        for name in element.attrs
        if name in URL_ATTRIBUTES and element.name != "a"
    ]
    assert loading == []
    assert not page.select("link, img, iframe, object, embed, [style]")
    scripts = page.find_all("script")
    assert len(scripts) == 1
    policy = page.select_one('meta[http-equiv="Content-Security-Policy"]')["content"]
    digest = base64.b64encode(hashlib.sha256(scripts[0].string.encode("utf-8")).digest()).decode()
    assert "default-src 'none'" in policy and f"script-src 'sha256-{digest}'" in policy
    assert "url(" not in page.find("style").string


def _with_hostile_values(warehouse: Path, tmp_path: Path) -> tuple[Engine, str, str]:
    """A copy of the warehouse where source values carry markup: a project's title and acronym, its link,
    the top Flemish organisation's name, a theme and a proeftuin's focus."""
    engine = make_engine(copy_of(warehouse, tmp_path / "hostile.sqlite"))
    inventory = _rows(engine, mart_inventory)
    project = next(r for r in inventory if r["is_industry40"] and r["source"] == "cordis")
    proeftuin = next(r for r in inventory if r["source"] == "vlaio")
    organisation = max(
        (r for r in _rows(engine, mart_organisations) if r["region"] == "flanders"),
        key=lambda r: r["total_ec_contribution_eur"],
    )
    theme = next(r["theme"] for r in _rows(engine, mart_theme_gaps) if r["n_projects"])
    with engine.begin() as conn:
        conn.execute(
            update(mart_inventory)
            .where(mart_inventory.c.project_key == project["project_key"])
            .values(title=SCRIPT_PAYLOAD, acronym=ATTRIBUTE_PAYLOAD, source_url="javascript:alert(1)")
        )
        conn.execute(
            update(mart_inventory)
            .where(mart_inventory.c.project_key == proeftuin["project_key"])
            .values(title=ATTRIBUTE_PAYLOAD, focus=SCRIPT_PAYLOAD)
        )
        conn.execute(
            update(mart_organisations)
            .where(mart_organisations.c.organisation_key == organisation["organisation_key"])
            .values(name=ATTRIBUTE_PAYLOAD + SCRIPT_PAYLOAD)
        )
        conn.execute(
            update(mart_theme_gaps).where(mart_theme_gaps.c.theme == theme).values(theme=SCRIPT_PAYLOAD)
        )
    return engine, project["project_key"], proeftuin["project_key"]


def test_markup_in_source_values_is_shown_as_text_never_as_markup(warehouse: Path, tmp_path: Path) -> None:
    engine, project_key, _ = _with_hostile_values(warehouse, tmp_path)
    html = build_report(engine, tmp_path / "report").read_text(encoding="utf-8")
    engine.dispose()
    assert SCRIPT_PAYLOAD not in html and ATTRIBUTE_PAYLOAD not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    parsed = BeautifulSoup(html, "lxml")
    assert len(parsed.find_all("script")) == 1 and not parsed.find_all("img")
    assert not [e for e in parsed.find_all(True) if any(name.startswith("on") for name in e.attrs)]
    assert not parsed.select('a[href^="javascript"]')
    row = parsed.select_one(f'#inventory-table tr[data-project-key="{project_key}"]')
    assert SCRIPT_PAYLOAD in row.get_text() and ATTRIBUTE_PAYLOAD in row.get_text()
    svg_texts = " ".join(t.get_text() for t in parsed.select("svg.chart title, svg.chart text"))
    assert SCRIPT_PAYLOAD in svg_texts and ATTRIBUTE_PAYLOAD in svg_texts


# -- what the report reads ------------------------------------------------------------------------------


class _FrozenClock(datetime):
    @classmethod
    def now(cls, tz=None) -> datetime:  # type: ignore[override]
        return datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def _whole_marts(engine: Engine) -> ReportData:
    """The report's data as the report read it before it read only the rows it shows: every mart whole."""
    inventory = read_table(engine, "mart_inventory")
    return ReportData(
        inventory=inventory,
        funding_by_year=read_table(engine, "mart_funding_by_year"),
        organisations=read_table(engine, "mart_organisations"),
        participations=read_table(engine, "mart_participations"),
        theme_gaps=read_table(engine, "mart_theme_gaps"),
        nl_cooperation=read_table(engine, "mart_nl_cooperation"),
        last_success=latest_run(engine, "succeeded"),
        last_run=latest_run(engine),
        fetches=latest_fetches(engine),
        n_projects=len(inventory),
    )


def _row_reprs(frame: pd.DataFrame) -> set[str]:
    return {repr(row) for row in frame.itertuples(index=False)}


def test_the_report_of_the_rows_it_shows_is_the_report_of_the_whole_marts(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render, "datetime", _FrozenClock)
    shown, whole = read_report_data(engine), _whole_marts(engine)
    for name in ("inventory", "funding_by_year", "participations"):
        part, full = getattr(shown, name), getattr(whole, name)
        assert list(part.columns) == list(full.columns), name
        assert list(part.dtypes) == list(full.dtypes), name
        # fewer rows, each one a row of the mart with the same values of the same types (Decimal, date)
        assert 0 < len(part) < len(full), name
        assert _row_reprs(part) <= _row_reprs(full), name
    assert shown.n_projects == len(whole.inventory)
    html = render_html(shown, data_docs_url=DATA_DOCS_URL)
    assert 'datetime="2026-11-27T03:00:00+00:00"' in html
    assert html == render_html(whole, data_docs_url=DATA_DOCS_URL)


# -- in a browser ---------------------------------------------------------------------------------------


def _dom_numbers(browser: Browser) -> dict[str, list[str]]:
    return browser.evaluate(
        """(() => {
            const found = {};
            document.querySelectorAll('[data-batch="1"] [data-field], #kerncijfers [data-field]').forEach(e => {
                (found[e.dataset.field] = found[e.dataset.field] || []).push([e.dataset.value, e.innerText]);
            });
            return found;
        })()"""
    )


def _assert_clean(browser: Browser) -> None:
    assert browser.log.problems() == []
    off_machine = [u for u in browser.log.requests if not u.startswith(("file:", "data:"))]
    assert off_machine == []


def test_report_in_a_browser_has_no_errors_no_requests_off_the_machine_and_the_marts_numbers(
    browser: Browser, report: Path, engine: Engine
) -> None:
    browser.open(report.as_uri())
    _assert_clean(browser)
    assert browser.log.requests == [report.as_uri()]
    for section in SECTIONS:
        shot = browser.screenshot(f'[data-section="{section}"]', ARTIFACTS / f"{section}.png")
        assert shot.stat().st_size > 1000, section
    print(f"screenshots of the report's sections: {ARTIFACTS}")

    inventory = _rows(engine, mart_inventory)
    batch_funding = [r for r in _rows(engine, mart_funding_by_year) if r["project_key"] == "vlaio:batch-1"]
    shown = _dom_numbers(browser)
    total = sum(r["vlaio_subsidy_eur"] for r in batch_funding)
    n_batch_1 = sum(1 for r in inventory if r["source"] == "vlaio" and r["batch"] == "1")
    assert shown["n_proeftuinen"] == [[str(n_batch_1), str(n_batch_1)]]
    assert shown["total_subsidy"] == [[f"{total:.2f}", _euro_nl(total)]]
    assert shown["yearly_subsidy"] == [
        [f"{r['vlaio_subsidy_eur']:.2f}", _euro_nl(r["vlaio_subsidy_eur"])]
        for r in sorted(batch_funding, key=lambda r: r["year"])
    ]
    assert shown["n_projects"] == [[str(len(inventory)), str(len(inventory))]]
    n_industry40 = sum(1 for r in inventory if r["is_industry40"])
    assert shown["n_industry40"] == [[str(n_industry40), str(n_industry40)]]


def test_inventory_table_filters_and_sorts_in_the_browser(
    browser: Browser, report: Path, engine: Engine
) -> None:
    industry40 = [r for r in _rows(engine, mart_inventory) if r["is_industry40"]]
    browser.open(report.as_uri())
    visible = browser.evaluate(
        """(() => {
            const select = document.getElementById('inventory-source');
            select.value = 'vlaio';
            select.dispatchEvent(new Event('change'));
            const rows = [...document.querySelectorAll('#inventory-table tbody tr')].filter(r => !r.hidden);
            return [rows.map(r => r.dataset.projectKey), document.getElementById('inventory-count').textContent];
        })()"""
    )
    vlaio = sorted(r["project_key"] for r in industry40 if r["source"] == "vlaio")
    assert (sorted(visible[0]), visible[1]) == (vlaio, str(len(vlaio)))
    order = browser.evaluate(
        """(() => {
            document.getElementById('inventory-source').value = '';
            document.getElementById('inventory-source').dispatchEvent(new Event('change'));
            const header = [...document.querySelectorAll('#inventory-table th')]
                .find(th => th.textContent.trim() === 'EU-bijdrage');
            header.querySelector('button').click();
            header.querySelector('button').click();
            return [header.getAttribute('aria-sort'),
                    [...document.querySelectorAll('#inventory-table tbody tr')].map(r => r.dataset.projectKey)];
        })()"""
    )
    by_key = {r["project_key"]: r["eu_contribution_eur"] for r in industry40}
    amounts = [by_key[key] if by_key[key] is not None else Decimal("-Infinity") for key in order[1]]
    assert order[0] == "descending" and amounts == sorted(amounts, reverse=True)
    _assert_clean(browser)


def test_markup_in_source_values_runs_nothing_in_the_browser(
    browser: Browser, warehouse: Path, tmp_path: Path
) -> None:
    engine, _, _ = _with_hostile_values(warehouse, tmp_path)
    hostile = build_report(engine, tmp_path / "report")
    engine.dispose()
    browser.open(hostile.as_uri())
    text = browser.evaluate("document.body.innerText")
    assert browser.log.dialogs == []
    _assert_clean(browser)
    assert SCRIPT_PAYLOAD in text and ATTRIBUTE_PAYLOAD in text
    browser.screenshot('[data-section="inventaris"]', ARTIFACTS / "escaped-inventaris.png")


def test_report_is_replaced_in_one_step_and_dated(report: Path) -> None:
    assert [p.name for p in report.parent.iterdir()] == ["index.html"]
    stamp = BeautifulSoup(report.read_text(encoding="utf-8"), "lxml").select_one("header time")["datetime"]
    assert datetime.now(UTC) - datetime.fromisoformat(stamp) < timedelta(minutes=10)


def test_an_empty_warehouse_gives_a_report_that_says_what_is_missing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    upgrade(engine)
    empty = BeautifulSoup(build_report(engine, tmp_path / "report").read_text(encoding="utf-8"), "lxml")
    engine.dispose()
    assert empty.select_one('[data-field="n_projects"]')["data-value"] == "0"
    assert empty.select_one('[data-field="last_run_id"]')["data-value"] == ""
    assert not empty.select("article.proeftuin") and not empty.select("#inventory-table tbody tr")
    assert empty.select_one('[data-field="no_fetches"]') is not None
