"""The inventory section: every Industry 4.0 project of ``mart_inventory`` as a row of the filterable table,
with the reasons it counts as Industry 4.0 and a link to its page at the source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

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
