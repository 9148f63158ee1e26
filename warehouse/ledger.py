"""The run ledger (``etl_run``): one row per refresh, written at its start and at its end."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from warehouse.schema import etl_run


def start_run(engine: Engine, run_id: str, flow_name: str, sources: str, programmes: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(etl_run).values(
                run_id=run_id,
                flow_name=flow_name,
                started_at=datetime.now(UTC),
                status="running",
                sources=sources,
                programmes=programmes,
            )
        )


def took_lock(engine: Engine, run_id: str) -> list[str]:
    """Record that ``run_id`` now holds the writer lock, and close as ``abandoned`` every other run that took
    the lock and never finished: only the holder can be writing, so such a run's process ended while it held
    the lock (killed, out of memory). Returns the run ids closed."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(update(etl_run).where(etl_run.c.run_id == run_id).values(locked_at=now))
        dead = select(etl_run.c.run_id).where(
            etl_run.c.status == "running", etl_run.c.locked_at.is_not(None), etl_run.c.run_id != run_id
        )
        abandoned = list(conn.execute(dead).scalars())
        if abandoned:
            conn.execute(
                update(etl_run)
                .where(etl_run.c.run_id.in_(abandoned))
                .values(
                    status="abandoned",
                    finished_at=now,
                    error=f"its process ended while it held the writer lock (found by run {run_id})",
                )
            )
    return abandoned


def finish_run(
    engine: Engine,
    run_id: str,
    status: str,
    rows_read: int | None = None,
    rows_written: int | None = None,
    dq_passed: bool | None = None,
    error: str | None = None,
    counts: dict[str, int] | None = None,
    accepted_drift_by: str | None = None,
) -> None:
    """Close the run's ledger row; ``counts`` becomes the next run's drift baseline when it succeeded."""
    with engine.begin() as conn:
        conn.execute(
            update(etl_run)
            .where(etl_run.c.run_id == run_id)
            .values(
                finished_at=datetime.now(UTC),
                status=status,
                rows_read=rows_read,
                rows_written=rows_written,
                dq_passed=dq_passed,
                error=error,
                counts=json.dumps(counts, sort_keys=True) if counts is not None else None,
                accepted_drift_by=accepted_drift_by,
                accepted_drift_at=datetime.now(UTC) if accepted_drift_by else None,
            )
        )


def get_run(engine: Engine, run_id: str) -> dict[str, object] | None:
    with engine.connect() as conn:
        row = conn.execute(select(etl_run).where(etl_run.c.run_id == run_id)).mappings().first()
    return dict(row) if row else None
