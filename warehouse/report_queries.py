"""The reads behind the report: the rows of the large marts it shows (the whole marts are hundreds of
thousands of rows at 60,000 projects, the report shows a few thousand), and the run ledger and raw manifest
summarised, so that a long history of runs and fetched files is never loaded whole. In SQL, so that the
rows the report does not show are never read into Python.

The mart frames have the columns and values ``warehouse.publish.read_table`` gives (object columns, money as
Decimal, dates as date), ordered by project key, so that the report does not depend on the query plan."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import and_, desc, func, or_, select
from sqlalchemy.engine import Connection, Engine

from transforms.regions import FLANDERS
from warehouse.publish import read_query
from warehouse.schema import (
    etl_run,
    mart_funding_by_year,
    mart_inventory,
    mart_organisations,
    mart_participations,
    raw_manifest,
)
from warehouse.snapshot import connected

VLAIO = "vlaio"


def latest_run(bind: Engine | Connection, status: str | None = None) -> dict[str, object] | None:
    """The most recently started run (with ``status``, when given) as a dict, or None."""
    query = select(etl_run).order_by(desc(etl_run.c.started_at), desc(etl_run.c.run_id)).limit(1)
    if status is not None:
        query = query.where(etl_run.c.status == status)
    with connected(bind) as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def latest_fetches(bind: Engine | Connection) -> pd.DataFrame:
    """Per source, the files of the last run that fetched that source: source, run_id, url, http_status,
    size_bytes, last_modified, fetched_at; ordered by source and URL."""
    last = (
        select(raw_manifest.c.source, func.max(raw_manifest.c.fetched_at).label("last_fetched_at"))
        .group_by(raw_manifest.c.source)
        .subquery()
    )
    last_run = (
        select(raw_manifest.c.source, func.max(raw_manifest.c.run_id).label("run_id"))
        .join(
            last,
            and_(
                last.c.source == raw_manifest.c.source,
                last.c.last_fetched_at == raw_manifest.c.fetched_at,
            ),
        )
        .group_by(raw_manifest.c.source)
        .subquery()
    )
    query = (
        select(
            raw_manifest.c.source,
            raw_manifest.c.run_id,
            raw_manifest.c.url,
            raw_manifest.c.http_status,
            raw_manifest.c.size_bytes,
            raw_manifest.c.last_modified,
            raw_manifest.c.fetched_at,
        )
        .join(
            last_run,
            and_(last_run.c.source == raw_manifest.c.source, last_run.c.run_id == raw_manifest.c.run_id),
        )
        .order_by(raw_manifest.c.source, raw_manifest.c.url, raw_manifest.c.fetched_at)
    )
    with connected(bind) as conn:
        result = conn.execute(query)
        return pd.DataFrame(result.mappings().all(), columns=list(result.keys()), dtype=object)


def inventory_count(bind: Engine | Connection) -> int:
    """The number of projects in ``mart_inventory``."""
    with connected(bind) as conn:
        return conn.execute(select(func.count()).select_from(mart_inventory)).scalar_one()


def report_inventory(bind: Engine | Connection) -> pd.DataFrame:
    """The ``mart_inventory`` rows the report shows: the Industry 4.0 projects and the proeftuinen (source
    'vlaio'), and any other project with VLAIO funding rows, so that the VLAIO funding rows of no project
    (the batches) can be told from a project's."""
    vlaio_funded = select(mart_funding_by_year.c.project_key).where(mart_funding_by_year.c.source == VLAIO)
    query = (
        select(mart_inventory)
        .where(
            or_(
                mart_inventory.c.is_industry40,
                mart_inventory.c.source == VLAIO,
                mart_inventory.c.project_key.in_(vlaio_funded),
            )
        )
        .order_by(mart_inventory.c.project_key)
    )
    return read_query(bind, query)


def report_funding_by_year(bind: Engine | Connection) -> pd.DataFrame:
    """The ``mart_funding_by_year`` rows the report shows: every VLAIO row (proeftuinen and batches) and the
    rows of the Industry 4.0 projects."""
    industry40 = select(mart_inventory.c.project_key).where(mart_inventory.c.is_industry40)
    query = (
        select(mart_funding_by_year)
        .where(
            or_(mart_funding_by_year.c.source == VLAIO, mart_funding_by_year.c.project_key.in_(industry40))
        )
        .order_by(mart_funding_by_year.c.project_key, mart_funding_by_year.c.year)
    )
    return read_query(bind, query)


def flemish_organisations(bind: Engine | Connection) -> pd.DataFrame:
    """The ``mart_organisations`` rows of the Flemish organisations (the only ones the report shows)."""
    query = (
        select(mart_organisations)
        .where(mart_organisations.c.region == FLANDERS)
        .order_by(mart_organisations.c.organisation_key)
    )
    return read_query(bind, query)


def proeftuin_participations(bind: Engine | Connection) -> pd.DataFrame:
    """The ``mart_participations`` rows of the proeftuinen (the ``mart_inventory`` rows with source
    'vlaio')."""
    proeftuinen = select(mart_inventory.c.project_key).where(mart_inventory.c.source == VLAIO)
    query = (
        select(mart_participations)
        .where(mart_participations.c.project_key.in_(proeftuinen))
        .order_by(
            mart_participations.c.project_key,
            mart_participations.c.order_no,
            mart_participations.c.role,
            mart_participations.c.source_organisation_ref,
        )
    )
    return read_query(bind, query)
