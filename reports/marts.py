"""Everything the report shows, read once from the warehouse: of the large marts only the rows the report
shows, the small marts whole, the run ledger and the raw manifest (through ``warehouse``; no SQL here)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy.engine import Engine

from warehouse.publish import read_table
from warehouse.report_queries import (
    flemish_organisations,
    inventory_count,
    latest_fetches,
    latest_run,
    proeftuin_participations,
    report_funding_by_year,
    report_inventory,
)
from warehouse.snapshot import snapshot


@dataclass(frozen=True)
class ReportData:
    """The frames have the columns of their mart. ``inventory``, ``funding_by_year``, ``organisations`` and
    ``participations`` hold the rows the report shows, not the whole mart (see ``warehouse.report_queries``)."""

    # the Industry 4.0 projects, the proeftuinen (source 'vlaio') and any other project with VLAIO funding
    inventory: pd.DataFrame
    # the VLAIO rows (proeftuinen and batches) and the rows of the Industry 4.0 projects
    funding_by_year: pd.DataFrame
    # the Flemish organisations
    organisations: pd.DataFrame
    # the proeftuinen's participations
    participations: pd.DataFrame
    theme_gaps: pd.DataFrame
    nl_cooperation: pd.DataFrame
    last_success: dict[str, object] | None
    last_run: dict[str, object] | None
    fetches: pd.DataFrame
    # every project in mart_inventory, shown or not
    n_projects: int


def read_report_data(engine: Engine) -> ReportData:
    """Every table as of one moment (``warehouse.snapshot``): a publish landing while the report reads
    cannot mix two runs' marts in it."""
    with snapshot(engine) as conn:
        return ReportData(
            inventory=report_inventory(conn),
            funding_by_year=report_funding_by_year(conn),
            organisations=flemish_organisations(conn),
            participations=proeftuin_participations(conn),
            theme_gaps=read_table(conn, "mart_theme_gaps"),
            nl_cooperation=read_table(conn, "mart_nl_cooperation"),
            last_success=latest_run(conn, "succeeded"),
            last_run=latest_run(conn),
            fetches=latest_fetches(conn),
            n_projects=inventory_count(conn),
        )
