"""The report's charts: what each one sums from which mart, turned into SVG by ``reports.charts``.

Support is money to Flanders for Industry 4.0: the VLAIO subsidy (per project or per batch) and the EU
contribution to Flemish participants of the Industry 4.0 projects, per calendar year as
``mart_funding_by_year`` splits it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from markupsafe import Markup

from reports import charts
from reports.charts import Series
from reports.formatting import count, euro_short
from reports.marts import ReportData

ZERO = Decimal("0.00")
TOP_ORGANISATIONS = 15
FLANDERS = "flanders"
VLAIO_SERIES = "VLAIO-steun (VLAIO subsidy)"
EU_SERIES = "EU-bijdrage aan Vlaamse deelnemers (EU to Flemish partners)"
NO_THEME = "(geen thema: o.a. VLAIO-reekstotalen)"


@dataclass(frozen=True)
class Figure:
    chart_id: str
    heading: str
    svg: Markup
    note: str = ""


def industry40_funding(data: ReportData) -> pd.DataFrame:
    """The yearly rows that count as support to Flemish Industry 4.0: every VLAIO row (proeftuinen and
    batches are Industry 4.0 by definition) and the CORDIS rows of Industry 4.0 projects
    (``read_report_data`` reads only these rows; the filter stays for a ``ReportData`` of whole marts)."""
    relevant = set(data.inventory.loc[data.inventory["is_industry40"].astype(bool), "project_key"])
    funding = data.funding_by_year
    return funding[(funding["source"] == "vlaio") | funding["project_key"].isin(relevant)]


def _sum(frame: pd.DataFrame, column: str) -> Decimal:
    return sum((v for v in frame[column] if v is not None), start=ZERO)


def support_by_year(data: ReportData) -> tuple[list[int], dict[str, list[Decimal]]]:
    """Years (every year from the first to the last with support) and, per series, the amount per year."""
    funding = industry40_funding(data)
    vlaio = funding[funding["source"] == "vlaio"]
    eu = funding[funding["source"] == "cordis"]
    years = sorted(int(y) for y in funding["year"].unique())
    years = list(range(years[0], years[-1] + 1)) if years else []
    return years, {
        VLAIO_SERIES: [_sum(vlaio[vlaio["year"] == y], "vlaio_subsidy_eur") for y in years],
        EU_SERIES: [_sum(eu[eu["year"] == y], "flemish_contribution_eur") for y in years],
    }


def support_by_theme(data: ReportData) -> tuple[list[str], dict[str, list[Decimal]]]:
    """Per first theme of the project (so no euro counts twice), the VLAIO and EU support; largest first."""
    funding = industry40_funding(data)
    themes = funding["theme"].map(lambda t: t or NO_THEME)
    totals = {
        theme: (
            _sum(funding[(themes == theme) & (funding["source"] == "vlaio")], "vlaio_subsidy_eur"),
            _sum(funding[(themes == theme) & (funding["source"] == "cordis")], "flemish_contribution_eur"),
        )
        for theme in sorted(set(themes))
    }
    order = sorted((t for t in totals if any(totals[t])), key=lambda t: (-(totals[t][0] + totals[t][1]), t))
    return order, {
        VLAIO_SERIES: [totals[t][0] for t in order],
        EU_SERIES: [totals[t][1] for t in order],
    }


def flemish_organisations(data: ReportData, column: str) -> list[tuple[str, int | Decimal]]:
    """The Flemish organisations with the highest ``column`` (name, value), ties by name."""
    orgs = data.organisations[data.organisations["region"] == FLANDERS]
    ranked = sorted(
        ((str(r["name"] or r["organisation_key"]), r[column] or 0) for r in orgs.to_dict("records")),
        key=lambda pair: (-pair[1], pair[0]),
    )
    return [pair for pair in ranked if pair[1]][:TOP_ORGANISATIONS]


def theme_year_projects(data: ReportData) -> tuple[list[str], list[int], dict[tuple[str, str], int]]:
    """``mart_theme_gaps`` summed over sectors: themes (taxonomy order), years and projects per cell."""
    gaps = data.theme_gaps
    themes = list(dict.fromkeys(gaps["theme"]))
    years = sorted({int(y) for y in gaps["year"]})
    cells: dict[tuple[str, str], int] = {}
    for r in gaps.to_dict("records"):
        key = (r["theme"], str(r["year"]))
        cells[key] = cells.get(key, 0) + int(r["n_projects"])
    return themes, years, cells


def themes_without_projects(data: ReportData) -> list[str]:
    themes, _, cells = theme_year_projects(data)
    return [t for t in themes if not any(v for (theme, _), v in cells.items() if theme == t)]


def nl_cooperation_by_year(data: ReportData) -> tuple[list[int], list[int], list[Decimal], list[Decimal]]:
    """Per start year (every year from the first to the last): projects with Flemish and Dutch partners,
    the EU contribution to the Flemish and to the Dutch partners."""
    coop = data.nl_cooperation[data.nl_cooperation["start_year"].notna()]
    found = sorted({int(y) for y in coop["start_year"]})
    years = list(range(found[0], found[-1] + 1)) if found else []
    by_year = {y: coop[coop["start_year"] == y] for y in years}
    return (
        years,
        [len(by_year[y]) for y in years],
        [_sum(by_year[y], "flemish_contribution_eur") for y in years],
        [_sum(by_year[y], "dutch_contribution_eur") for y in years],
    )


def _series(named: dict[str, list]) -> list[Series]:
    return [Series(name, values) for name, values in named.items()]


def figures(data: ReportData) -> list[Figure]:
    years, per_year = support_by_year(data)
    themes, per_theme = support_by_theme(data)
    by_count = flemish_organisations(data, "n_industry40_projects")
    by_amount = flemish_organisations(data, "total_ec_contribution_eur")
    heat_rows, heat_years, cells = theme_year_projects(data)
    nl_years, nl_counts, nl_flemish, nl_dutch = nl_cooperation_by_year(data)
    return [
        Figure(
            "support-by-year",
            "Steun per jaar, per bron (support per year by source)",
            charts.stacked_bars(
                "support-by-year",
                "Steun aan Vlaamse Industrie 4.0-projecten per jaar",
                "Gestapelde staven: VLAIO-steun en EU-bijdrage aan Vlaamse deelnemers per kalenderjaar, in euro.",
                [str(y) for y in years],
                _series(per_year),
            ),
            "Bron: mart_funding_by_year (VLAIO-rijen en de Industrie 4.0-projecten van mart_inventory).",
        ),
        Figure(
            "support-by-theme",
            "Steun per thema (support per theme)",
            charts.horizontal_bars(
                "support-by-theme",
                "Steun per Industrie 4.0-thema",
                "Horizontale staven per eerste thema van het project, gestapeld per bron, in euro.",
                themes,
                _series(per_theme),
                euro_short,
            ),
            "Elk project telt bij zijn eerste thema, zodat geen euro dubbel telt.",
        ),
        Figure(
            "organisations-by-projects",
            "Vlaamse organisaties naar aantal Industrie 4.0-projecten",
            charts.horizontal_bars(
                "organisations-by-projects",
                "Vlaamse organisaties naar aantal Industrie 4.0-projecten",
                f"De {TOP_ORGANISATIONS} Vlaamse organisaties met de meeste Industrie 4.0-projecten.",
                [name for name, _ in by_count],
                [Series("projecten", [value for _, value in by_count])],
                count,
            ),
            "Bron: mart_organisations (regio flanders), n_industry40_projects.",
        ),
        Figure(
            "organisations-by-amount",
            "Vlaamse organisaties naar ontvangen EU-bijdrage",
            charts.horizontal_bars(
                "organisations-by-amount",
                "Vlaamse organisaties naar ontvangen EU-bijdrage",
                f"De {TOP_ORGANISATIONS} Vlaamse organisaties met de hoogste EU-bijdrage, over al hun deelnames.",
                [name for name, _ in by_amount],
                [Series("EU-bijdrage", [value for _, value in by_amount])],
                euro_short,
            ),
            "Bron: mart_organisations, total_ec_contribution_eur (alle deelnames, niet enkel Industrie 4.0).",
        ),
        Figure(
            "theme-gaps",
            "Thema's × jaren: waar zijn de lacunes? (themes × years: the gaps)",
            charts.heat_map(
                "theme-gaps",
                "Lopende Vlaamse Industrie 4.0-projecten per thema en jaar",
                "Heat map: aantal lopende projecten per thema en kalenderjaar; gearceerde lege vakken zijn lacunes.",
                heat_rows,
                [str(y) for y in heat_years],
                cells,
            ),
            "Bron: mart_theme_gaps, opgeteld over de sectoren (een project in twee sectoren telt twee keer).",
        ),
        Figure(
            "nl-cooperation-projects",
            "Vlaams–Nederlandse samenwerking: projecten per startjaar",
            charts.stacked_bars(
                "nl-cooperation-projects",
                "Projecten met Vlaamse en Nederlandse partners per startjaar",
                "Staven: aantal projecten met zowel Vlaamse als Nederlandse deelnemers, per startjaar.",
                [str(y) for y in nl_years],
                [Series("projecten", nl_counts)],
                count,
            ),
            "Bron: mart_nl_cooperation.",
        ),
        Figure(
            "nl-cooperation-amounts",
            "Vlaams–Nederlandse samenwerking: EU-bijdrage per startjaar",
            charts.line_chart(
                "nl-cooperation-amounts",
                "EU-bijdrage aan Vlaamse en Nederlandse partners per startjaar",
                "Lijnen: EU-bijdrage aan de Vlaamse en aan de Nederlandse deelnemers van de gezamenlijke projecten.",
                [str(y) for y in nl_years],
                [Series("Vlaamse partners", nl_flemish), Series("Nederlandse partners", nl_dutch)],
            ),
            "Bron: mart_nl_cooperation.",
        ),
    ]
