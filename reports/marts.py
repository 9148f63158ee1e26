"""Everything the report shows, read once from the warehouse: the six marts, the run ledger and the raw
manifest (through ``warehouse``; no SQL here)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy.engine import Engine

from warehouse.publish import read_table
from warehouse.report_queries import latest_fetches, latest_run


@dataclass(frozen=True)
class ReportData:
    inventory: pd.DataFrame
    funding_by_year: pd.DataFrame
    organisations: pd.DataFrame
    participations: pd.DataFrame
    theme_gaps: pd.DataFrame
    nl_cooperation: pd.DataFrame
    last_success: dict[str, object] | None
    last_run: dict[str, object] | None
    fetches: pd.DataFrame


def read_report_data(engine: Engine) -> ReportData:
    return ReportData(
        inventory=read_table(engine, "mart_inventory"),
        funding_by_year=read_table(engine, "mart_funding_by_year"),
        organisations=read_table(engine, "mart_organisations"),
        participations=read_table(engine, "mart_participations"),
        theme_gaps=read_table(engine, "mart_theme_gaps"),
        nl_cooperation=read_table(engine, "mart_nl_cooperation"),
        last_success=latest_run(engine, "succeeded"),
        last_run=latest_run(engine),
        fetches=latest_fetches(engine),
    )
