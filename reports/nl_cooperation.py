"""The Flemish-Dutch cooperation section (question 5 of the written question): the projects with both Flemish
and Dutch participants, by start year, as rows of its table."""

from __future__ import annotations

from markupsafe import Markup

from reports.formatting import MISSING
from reports.html import money, text
from reports.marts import ReportData


def nl_cooperation_rows(data: ReportData) -> list[dict]:
    """The joint projects, by start year, then project."""
    return data.nl_cooperation.sort_values(["start_year", "project_key"]).to_dict("records")


def _row(p: dict) -> str:
    start_year = text(p["start_year"]) if p["start_year"] is not None else MISSING
    acronym = f"<strong>{text(p['acronym'])}</strong><br>" if p["acronym"] else ""
    return (
        f'<tr data-project-key="{text(p["project_key"])}">\n'
        f"<td>{start_year}</td>\n"
        f'<td class="project">{acronym}{text(p["title"] or "")}</td>\n'
        f"<td>{'ja' if p['is_industry40'] else 'nee'}</td>\n"
        f'<td class="num">{text(p["n_flemish_organisations"])}</td>\n'
        f'<td class="num">{text(p["n_dutch_organisations"])}</td>\n'
        f'<td class="num">{money(p["flemish_contribution_eur"])}</td>\n'
        f'<td class="num">{money(p["dutch_contribution_eur"])}</td>\n'
        f'<td class="partners">{text(p["dutch_organisations"] or MISSING)}</td>\n'
        "</tr>\n"
    )


def table_body(rows: list[dict]) -> Markup:
    """The table's rows (``reports.html``), as the template wrote them."""
    return Markup("".join(_row(p) for p in rows))
