"""The inventory section: every Industry 4.0 project of ``mart_inventory`` as a row of the filterable table,
with the reasons it counts as Industry 4.0 and a link to its page at the source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from markupsafe import Markup

from reports.formatting import MISSING, day, plain_amount
from reports.html import link, money, text
from reports.marts import ReportData


@dataclass(frozen=True)
class InventoryRow:
    project_key: str
    source: str
    acronym: str | None
    title: str | None
    programme: str | None
    status: str | None
    start_date: date | None
    end_date: date | None
    eu_contribution_eur: Decimal | None
    flemish_contribution_eur: Decimal | None
    vlaio_subsidy_eur: Decimal | None
    flemish_organisations: int
    themes: list[str]
    reasons: list[str]
    source_url: str | None


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def industry40_rows(data: ReportData) -> list[InventoryRow]:
    """The Industry 4.0 projects, the latest start first (projects without a start date last)."""
    frame = data.inventory[data.inventory["is_industry40"].astype(bool)]
    rows = [
        InventoryRow(
            project_key=r["project_key"],
            source=r["source"],
            acronym=r["acronym"],
            title=r["title"],
            programme=r["programme"],
            status=r["status"],
            start_date=r["start_date"],
            end_date=r["end_date"],
            eu_contribution_eur=r["eu_contribution_eur"],
            flemish_contribution_eur=r["flemish_contribution_eur"],
            vlaio_subsidy_eur=r["vlaio_subsidy_eur"],
            flemish_organisations=int(r["flemish_organisations"]),
            themes=_split(r["themes"]),
            reasons=_split(r["industry40_reasons"]),
            source_url=r["source_url"],
        )
        for r in frame.to_dict("records")
    ]
    rows.sort(key=lambda r: r.project_key)
    rows.sort(key=lambda r: r.start_date or date.min, reverse=True)
    return rows


def sources_of(rows: list[InventoryRow]) -> list[str]:
    return sorted({r.source for r in rows})


def themes_of(rows: list[InventoryRow]) -> list[str]:
    return sorted({theme for r in rows for theme in r.themes})


def _row(r: InventoryRow) -> str:
    programme = text(r.programme or "")
    source = text(r.source)
    if r.acronym:
        project = f"<strong>{link(r.source_url, r.acronym)}</strong><br>{text(r.title or '')}"
    else:
        project = link(r.source_url, r.title or r.project_key)
    amounts = "".join(
        f'<td class="num" data-col="{column}" data-sort="{text(plain_amount(amount))}">{money(amount)}</td>\n'
        for column, amount in (
            ("eu_contribution_eur", r.eu_contribution_eur),
            ("flemish_contribution_eur", r.flemish_contribution_eur),
            ("vlaio_subsidy_eur", r.vlaio_subsidy_eur),
        )
    )
    organisations = text(r.flemish_organisations)
    themes = text(", ".join(r.themes)) if r.themes else MISSING
    reasons = (
        "<ul>" + "".join(f"<li>{text(reason)}</li>" for reason in r.reasons) + "</ul>"
        if r.reasons
        else MISSING
    )
    return (
        f'<tr data-project-key="{text(r.project_key)}" data-source="{source}" '
        f'data-themes="{"|".join(text(theme) for theme in r.themes)}">\n'
        f'<td data-sort="{source} {programme}">{source}<br><small>{programme}</small></td>\n'
        f'<td class="project" data-sort="{text(r.acronym or r.title or r.project_key)}">{project}</td>\n'
        f'<td class="date" data-sort="{text(r.start_date or "")}">{text(day(r.start_date))}</td>\n'
        f'<td class="date" data-sort="{text(r.end_date or "")}">{text(day(r.end_date))}</td>\n'
        f"{amounts}"
        f'<td class="num" data-col="flemish_organisations" data-sort="{organisations}" '
        f'data-value="{organisations}">{organisations}</td>\n'
        f"<td>{themes}</td>\n"
        f'<td class="reasons">{reasons}</td>\n'
        "</tr>\n"
    )


def table_body(rows: list[InventoryRow]) -> Markup:
    """The inventory table's rows (``reports.html``), as the template wrote them."""
    return Markup("".join(_row(r) for r in rows))
