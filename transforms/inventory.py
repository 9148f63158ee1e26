"""The ``mart_inventory`` rows: one per project, with its Flemish part and Industry 4.0 relevance."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from extractors.cordis.settings import PROJECT_URL
from transforms.industry40 import relevance
from transforms.regions import FLANDERS

MART_INVENTORY_COLUMNS = [
    "project_key", "source", "source_id", "acronym", "title", "programme", "funding_scheme", "start_date",
    "end_date", "total_cost_eur", "eu_contribution_eur", "flemish_contribution_eur", "flemish_organisations",
    "is_industry40", "industry40_reasons", "source_url", "last_run_id",
]  # fmt: skip

ZERO = Decimal("0.00")


def _flemish_totals(participations: pd.DataFrame) -> dict[str, tuple[Decimal, int]]:
    """project source id -> (summed EU contribution of Flemish participations, distinct Flemish organisations)."""
    flemish = participations[participations["region"] == FLANDERS]
    totals: dict[str, tuple[Decimal, int]] = {}
    for project_id, group in flemish.groupby("project_source_id", sort=False):
        amount = sum((value for value in group["ec_contribution_eur"] if value is not None), ZERO)
        totals[str(project_id)] = (amount, group["organisation_id"].nunique())
    return totals


def build_mart_inventory(projects: pd.DataFrame, participations: pd.DataFrame) -> pd.DataFrame:
    """Join staged CORDIS projects (with the ``run_id`` that last wrote each) and their participations into
    the inventory mart's rows."""
    totals = _flemish_totals(participations)
    rows = []
    for project in projects.to_dict("records"):
        source_id = project["source_id"]
        flemish_amount, flemish_orgs = totals.get(source_id, (ZERO, 0))
        is_relevant, reasons = relevance(project)
        rows.append(
            {
                "project_key": f"{project['source']}:{source_id}",
                "source": project["source"],
                "source_id": source_id,
                "acronym": project["acronym"],
                "title": project["title"],
                "programme": project["programme"],
                "funding_scheme": project["funding_scheme"],
                "start_date": project["start_date"],
                "end_date": project["end_date"],
                "total_cost_eur": project["total_cost_eur"],
                "eu_contribution_eur": project["ec_max_contribution_eur"],
                "flemish_contribution_eur": flemish_amount,
                "flemish_organisations": flemish_orgs,
                "is_industry40": is_relevant,
                "industry40_reasons": reasons,
                "source_url": PROJECT_URL.format(id=source_id),
                "last_run_id": project["run_id"],
            }
        )
    return pd.DataFrame(rows, columns=MART_INVENTORY_COLUMNS, dtype=object)
