"""The nightly refresh: extract each source (concurrently) → land raw → stage → validate → merge →
publish marts → record the run. A failure anywhere leaves the published marts as they were."""

from __future__ import annotations

import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows import tasks
from inventory.config import load_settings
from inventory.errors import QualityGateError

FLOW_NAME = "refresh-inventory"
LOCAL_TZ = ZoneInfo("Europe/Brussels")


def _run_date() -> date:
    """The date the run stands for: its scheduled time in Brussels (a nightly run started late still
    belongs to its own night)."""
    scheduled = flow_run.scheduled_start_time
    moment = scheduled if isinstance(scheduled, datetime) else datetime.now(LOCAL_TZ)
    return moment.astimezone(LOCAL_TZ).date()


@flow(name=FLOW_NAME, log_prints=True)
def refresh_inventory(sources: list[str] | None = None, programmes: list[str] | None = None) -> dict:
    """Refresh the inventory from ``sources`` (default: all) for the CORDIS ``programmes`` asked."""
    settings = load_settings()
    logger = get_run_logger()
    started = time.monotonic()
    run_id = str(flow_run.id)
    chosen_sources = tuple(sources or settings.sources)
    chosen_programmes = tuple(p.upper() for p in (programmes or settings.cordis_programmes))
    run_date = _run_date()

    tasks.prepare_warehouse(settings)
    tasks.start_run(settings, run_id, FLOW_NAME, ",".join(chosen_sources), ",".join(chosen_programmes))
    outcome: dict = {"rows_read": 0, "rows_written": 0, "dq_passed": None}
    try:
        retries = settings.extract_task_retries
        cordis_future = (
            tasks.extract_cordis.with_options(retries=retries).submit(settings, chosen_programmes, run_date)
            if "cordis" in chosen_sources
            else None
        )
        vlaio_future = (
            tasks.extract_vlaio.with_options(retries=retries).submit(settings, run_date)
            if "vlaio" in chosen_sources
            else None
        )
        cordis_files = cordis_future.result() if cordis_future else []
        vlaio_files = vlaio_future.result() if vlaio_future else []
        tasks.record_manifest(settings, run_id, [*cordis_files, *vlaio_files])

        staged = tasks.stage_cordis(cordis_files) if cordis_future else None
        pages = tasks.stage_vlaio(vlaio_files) if vlaio_future else None
        outcome["rows_read"] = (staged.rows_read if staged else 0) + (len(pages) if pages is not None else 0)

        if staged is not None:
            gate = tasks.validate_cordis(staged)
            outcome["dq_passed"] = gate.passed
            logger.info("quality gate: %s", gate.summary())
            if not gate.passed:
                raise QualityGateError(gate.summary())

        outcome["rows_written"] = tasks.merge(settings, run_id, staged, pages)
        published = tasks.publish_marts(settings, run_id)
        outcome["rows_written"] += sum(published.history_rows.values())
    except QualityGateError as exc:
        tasks.finish_run(settings, run_id, status="blocked", error=str(exc), **outcome)
        raise
    except Exception as exc:
        tasks.finish_run(settings, run_id, status="failed", error=f"{type(exc).__name__}: {exc}", **outcome)
        raise
    tasks.finish_run(settings, run_id, status="succeeded", **outcome)
    return {
        "run_id": run_id,
        "status": "succeeded",
        "run_date": run_date.isoformat(),
        "sources": list(chosen_sources),
        "programmes": list(chosen_programmes),
        "mart_rows": published.mart_rows,
        "history_rows": published.history_rows,
        "published": published.published,
        "dq_passed": outcome["dq_passed"],
        "rows_read": outcome["rows_read"],
        "rows_written": outcome["rows_written"],
        "quarantined": len(staged.quarantined) if staged is not None else 0,
        "duration_s": round(time.monotonic() - started, 1),
    }
