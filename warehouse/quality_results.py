"""Data-quality results and the drift baseline: what the gate observed, kept per run."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from warehouse.schema import dq_result, etl_run


def record_dq_results(engine: Engine, rows: Iterable[Mapping[str, object]]) -> int:
    """Store gate outcomes (run_id, suite, expectation, column_name, success, observed, severity)."""
    rows = [dict(row) for row in rows]
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(dq_result), rows)
    return len(rows)


def previous_counts(engine: Engine) -> dict[str, int] | None:
    """Rows per source entity read by the last successful run, or None before the first one."""
    query = (
        select(etl_run.c.counts)
        .where(etl_run.c.status == "succeeded", etl_run.c.counts.is_not(None))
        .order_by(etl_run.c.finished_at.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        value = conn.execute(query).scalar_one_or_none()
    return json.loads(value) if value else None
