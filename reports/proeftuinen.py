"""The proeftuinen section (question 1 of the origin document): per proeftuin its focus, sectors, executing
organisations and support, grouped by call batch with the batch's total and yearly support.

A proeftuin is a ``mart_inventory`` row with source 'vlaio'. A batch is a ``mart_funding_by_year`` row group
with source 'vlaio' whose ``project_key`` ('vlaio:batch-N') is not a project: the sources state some
subsidies only per batch, never per proeftuin."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from reports.marts import ReportData

VLAIO = "vlaio"
EXECUTING_ROLE = "uitvoerder"
_BATCH_NUMBER = re.compile(r"(\d+)$")


@dataclass(frozen=True)
class Proeftuin:
    project_key: str
    title: str
    focus: str | None
    themes: list[str]
    sectors: list[str]
    executors: list[str]
    partners: list[str]
    subsidy_eur: Decimal | None
    yearly: dict[int, Decimal]
    source_url: str | None
    batch: str | None


@dataclass(frozen=True)
class Batch:
    number: str | None
    project_key: str | None
    yearly: dict[int, Decimal]
    proeftuinen: list[Proeftuin] = field(default_factory=list)

    @property
    def total_eur(self) -> Decimal | None:
        return sum(self.yearly.values(), start=Decimal("0.00")) if self.yearly else None

    @property
    def years(self) -> str:
        return f"{min(self.yearly)}–{max(self.yearly)}" if self.yearly else ""


def _batch_number(value: object) -> str | None:
    """'1' from 1, '1', 'batch-1' or 'vlaio:batch-1'; None when there is no number."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    found = _BATCH_NUMBER.search(str(value).strip())
    return found.group(1) if found else None


def _split(value: object) -> list[str]:
    return [part.strip() for part in str(value).split(";") if part.strip()] if value else []


def _organisations(participations: pd.DataFrame, project_key: str, executing: bool) -> list[str]:
    rows = participations[participations["project_key"] == project_key]
    rows = rows[(rows["role"] == EXECUTING_ROLE) == executing]
    return [str(name) for name in rows.sort_values("order_no")["organisation_name"] if name]


def _yearly(funding: pd.DataFrame, project_key: str) -> dict[int, Decimal]:
    rows = funding[(funding["project_key"] == project_key) & funding["vlaio_subsidy_eur"].notna()]
    return {int(r["year"]): r["vlaio_subsidy_eur"] for r in rows.to_dict("records") if r["vlaio_subsidy_eur"]}


def _proeftuin(row: dict, data: ReportData) -> Proeftuin:
    key = row["project_key"]
    return Proeftuin(
        project_key=key,
        title=row["title"] or row["source_id"],
        focus=row.get("focus"),
        themes=_split(row["themes"]),
        sectors=_split(row["sectors"]),
        executors=_organisations(data.participations, key, executing=True),
        partners=_organisations(data.participations, key, executing=False),
        subsidy_eur=row["vlaio_subsidy_eur"],
        yearly=_yearly(data.funding_by_year, key),
        source_url=row["source_url"],
        batch=_batch_number(row.get("batch")),
    )


def proeftuinen(data: ReportData) -> list[Proeftuin]:
    """Every proeftuin in the marts, by title."""
    rows = data.inventory[data.inventory["source"] == VLAIO].to_dict("records")
    return sorted((_proeftuin(row, data) for row in rows), key=lambda p: p.title.casefold())


def batch_funding_keys(data: ReportData) -> list[str]:
    """The 'vlaio:batch-N' keys: VLAIO funding rows that belong to no project (``data.inventory`` holds
    every project with VLAIO funding rows)."""
    projects = set(data.inventory["project_key"])
    funding = data.funding_by_year
    keys = funding.loc[(funding["source"] == VLAIO) & ~funding["project_key"].isin(projects), "project_key"]
    return sorted(set(keys))


def batches(data: ReportData) -> list[Batch]:
    """One batch per number the marts know (from the batch funding rows or the proeftuinen), in order, then
    the proeftuinen whose batch is not known (``number`` None)."""
    all_proeftuinen = proeftuinen(data)
    funding_key = {_batch_number(key): key for key in batch_funding_keys(data)}
    numbers = set(funding_key) | {p.batch for p in all_proeftuinen if p.batch}
    found = [
        Batch(
            number=number,
            project_key=funding_key.get(number),
            yearly=_yearly(data.funding_by_year, funding_key[number]) if number in funding_key else {},
            proeftuinen=[p for p in all_proeftuinen if p.batch == number],
        )
        for number in sorted((n for n in numbers if n is not None), key=int)
    ]
    unknown = [p for p in all_proeftuinen if p.batch is None]
    if unknown:
        found.append(Batch(number=None, project_key=None, yearly={}, proeftuinen=unknown))
    return found
