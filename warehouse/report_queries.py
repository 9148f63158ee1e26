"""The reads behind the report's freshness section: the run ledger and the raw manifest, summarised in SQL
so that a long history of runs and fetched files is never loaded whole."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import and_, desc, func, select
from sqlalchemy.engine import Engine

from warehouse.schema import etl_run, raw_manifest


def latest_run(engine: Engine, status: str | None = None) -> dict[str, object] | None:
    """The most recently started run (with ``status``, when given) as a dict, or None."""
    query = select(etl_run).order_by(desc(etl_run.c.started_at), desc(etl_run.c.run_id)).limit(1)
    if status is not None:
        query = query.where(etl_run.c.status == status)
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def latest_fetches(engine: Engine) -> pd.DataFrame:
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
    with engine.connect() as conn:
        result = conn.execute(query)
        return pd.DataFrame(result.mappings().all(), columns=list(result.keys()), dtype=object)
