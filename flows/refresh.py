"""The refresh: extract each source (concurrently) → land raw → stage → validate staging → merge → build core
and marts → validate them → publish (one transaction) → record the run. A failure anywhere, or a critical
data-quality failure, leaves the published marts exactly as they were.

Two flows share one body: ``refresh_inventory`` (the nightly deployment) and ``backfill_inventory``
(parameters validated by :class:`flows.parameters.BackfillParameters`: a date window, a rebuild from the raw
landing zone, an accepted drift)."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, unmapped
from prefect.runtime import flow_run

from extractors.cordis.dumps import dump_programme
from flows import tasks
from flows.parameters import BackfillParameters
from inventory.config import Settings, load_settings
from inventory.errors import QualityGateError
from inventory.memory import arrow_on_system_malloc, run_gc_thresholds, skip_final_collection
from quality.gate import all_passed, summarize, validated_data
from warehouse.engine import make_engine
from warehouse.lock import writer_lock

FLOW_NAME = "refresh-inventory"
BACKFILL_FLOW_NAME = "backfill-inventory"
LOCAL_TZ = ZoneInfo("Europe/Brussels")


def _run_date() -> date:
    """The date the run stands for: its scheduled time in Brussels (a nightly run started late still
    belongs to its own night)."""
    scheduled = flow_run.scheduled_start_time
    moment = scheduled if isinstance(scheduled, datetime) else datetime.now(LOCAL_TZ)
    return moment.astimezone(LOCAL_TZ).date()


@flow(name=FLOW_NAME, log_prints=True)
def refresh_inventory(
    sources: list[str] | None = None, programmes: list[str] | None = None, accept_drift: str | None = None
) -> dict:
    """Refresh the inventory from ``sources`` (default: all) for the CORDIS ``programmes`` asked.
    ``accept_drift``: who accepts a drop in volume larger than the gate allows (kept in the ledger)."""
    return _refresh(
        FLOW_NAME, BackfillParameters(sources=sources, programmes=programmes, accept_drift=accept_drift)
    )


@flow(name=BACKFILL_FLOW_NAME, log_prints=True)
def backfill_inventory(params: BackfillParameters) -> dict:
    """A parameterised refresh: sources, programmes, a date window, ``from_raw`` (rebuild from the landing
    zone's snapshot, no HTTP) and ``accept_drift``."""
    return _refresh(BACKFILL_FLOW_NAME, params)


def _refresh(flow_name: str, params: BackfillParameters) -> dict:
    arrow_on_system_malloc()  # freed Arrow buffers given back between phases, like the rest (inventory.memory)
    skip_final_collection()  # the process that ran a refresh exits without walking its heap (inventory.memory)
    with run_gc_thresholds():  # fewer collections of the young objects a run piles up (inventory.memory)
        return _run(flow_name, params)


def _run(flow_name: str, params: BackfillParameters) -> dict:
    settings = load_settings()
    logger = get_run_logger()
    started = time.monotonic()
    run_id = str(flow_run.id)
    sources = tuple(params.sources or settings.sources)
    programmes = tuple(params.programmes or settings.cordis_programmes)
    run_date = _run_date()

    tasks.prepare_warehouse(settings)
    tasks.start_run(settings, run_id, flow_name, ",".join(sources), ",".join(programmes))
    outcome: dict = {"rows_read": 0, "rows_written": 0, "dq_passed": None}
    results: list = []
    summary: dict = {}
    try:
        with writer_lock(make_engine(settings.db_url), run_id, settings.lock_wait_s):
            tasks.took_lock(settings, run_id)
            summary = _refresh_locked(
                settings, run_id, run_date, sources, programmes, params, outcome, results
            )
            # closed inside the lock: the next writer must see this run's staged rows as published
            docs = _keep_results(settings, run_id, results)
            results.clear()
            tasks.finish_run(settings, run_id, status="succeeded", **outcome)
            if summary.get("listing") is not None:
                tasks.save_listing_hashes(settings, summary.pop("listing"))
    except QualityGateError as exc:
        docs = _keep_results(settings, run_id, results)
        tasks.finish_run(settings, run_id, status="blocked", error=str(exc), **outcome)
        tasks.build_report(settings, docs)
        raise
    except Exception as exc:
        docs = _keep_results(settings, run_id, results)
        tasks.finish_run(settings, run_id, status="failed", error=f"{type(exc).__name__}: {exc}", **outcome)
        tasks.build_report(settings, docs)
        raise
    report = tasks.build_report(settings, docs)
    logger.info("run %s succeeded: %s", run_id, summary["mart_rows"])
    return {
        "run_id": run_id,
        "status": "succeeded",
        "run_date": run_date.isoformat(),
        "sources": list(sources),
        "programmes": list(programmes),
        "from_raw": params.from_raw,
        "rows_read": outcome["rows_read"],
        "rows_written": outcome["rows_written"],
        "dq_passed": outcome["dq_passed"],
        "accepted_drift_by": outcome.get("accepted_drift_by"),
        "duration_s": round(time.monotonic() - started, 1),
        "data_docs": str(docs) if docs else None,
        "report": str(report) if report else None,
        **summary,
    }


def _refresh_locked(
    settings: Settings,
    run_id: str,
    run_date: date,
    sources: tuple[str, ...],
    programmes: tuple[str, ...],
    params: BackfillParameters,
    outcome: dict,
    results: list,
) -> dict:
    logger = get_run_logger()
    # an extract that outlives its deadline is cancelled by Prefect (TimeoutError) and retried like a failure
    extract = {"retries": settings.extract_task_retries, "timeout_seconds": settings.extract_timeout_s}
    tasks.remove_partial_downloads(settings)
    cordis_future = vlaio_future = None
    if "cordis" in sources:
        if params.from_raw:
            cordis_future = tasks.cordis_from_raw.submit(settings, params.snapshot)
        else:
            previous = tasks.previous_fetches(settings, "cordis")
            cordis_future = tasks.extract_cordis.with_options(**extract).submit(
                settings, programmes, run_date, previous
            )
    if "vlaio" in sources:
        if params.from_raw:
            vlaio_future = tasks.vlaio_from_raw.submit(settings, params.snapshot)
        else:
            previous = tasks.previous_fetches(settings, "vlaio")
            vlaio_future = tasks.extract_vlaio.with_options(**extract).submit(settings, run_date, previous)
    listing_future = (
        tasks.extract_cordis_listing.with_options(**extract).submit(settings, run_date)
        if "cordis" in sources and settings.cordis_listing_query and not params.from_raw
        else None
    )
    dumps = cordis_future.result() if cordis_future else []
    listing = listing_future.result() if listing_future else None
    crawl = vlaio_future.result() if vlaio_future else None
    if not params.from_raw:
        landed = [*dumps, *(listing.landed if listing else []), *(crawl.manifest_files if crawl else [])]
        tasks.record_manifest(settings, run_id, landed)

    merged = _stage_validate_merge(settings, run_id, params, dumps, listing, crawl, outcome, results)
    if not tasks.needs_publish(settings):
        published = tasks.current_marts(settings)
    else:
        # Gate 2: core and marts, built but not published until they pass.
        inventory = tasks.build_inventory(settings)
        inventory_results = tasks.validate_inventory(inventory)
        results += inventory_results
        _gate(inventory_results, outcome, logger)
        published = tasks.publish_inventory(settings, run_id, inventory)
        inventory.release()
        tasks.analyze_marts(settings)
    outcome["dq_passed"] = all_passed(results)
    return {
        "mart_rows": published.mart_rows,
        "history_rows": published.history_rows,
        "published": published.published,
        "projects_rewritten": published.projects_rewritten,
        "projects_scoped": published.projects_scoped,
        **merged,
        "unchanged_files": [d.url for d in dumps if d.unchanged and not params.from_raw],
        "listing_changed": len(listing.changed) if listing else None,
        "listing": listing,
    }


def _stage_validate_merge(
    settings: Settings,
    run_id: str,
    params: BackfillParameters,
    dumps: list,
    listing,
    crawl,
    outcome: dict,
    results: list,
) -> dict:
    """Stage what changed, pass gate 1, merge. The staged frames are released once merged, before core and
    marts are built (which read staging back), so the two never share memory."""
    logger = get_run_logger()
    # An unchanged dump (304 or same SHA-256) is not parsed again: staging already holds it.
    changed = [d for d in dumps if params.from_raw or not d.unchanged]
    backfill = params.from_raw or params.window_start is not None or params.window_end is not None
    parts = _stage_dumps(settings, changed, settings.data_dir / "spool", backfill) if changed else []
    if listing is not None and listing.details:
        parts.append(tasks.stage_cordis_details(listing))
    cordis_staged = tasks.combine_cordis(parts, params.window_start, params.window_end) if parts else None
    for part in parts:
        part.release()  # combined: the per-dump frames are not needed twice
    vlaio_staged = tasks.stage_vlaio(settings, crawl) if crawl is not None else None
    unread = {dump_programme(Path(d.path)) for d in dumps if d not in changed}
    counts = tasks.run_counts(settings, cordis_staged, vlaio_staged, unread)
    outcome["rows_read"] = (cordis_staged.rows_read if cordis_staged else 0) + (
        vlaio_staged.rows_read if vlaio_staged else 0
    )
    outcome["counts"] = counts or None

    # Gate 1: staging. Nothing is merged when it fails.
    accept = params.accept_drift is not None
    staging_results = tasks.validate_staging(settings, cordis_staged, vlaio_staged, counts, accept)
    results += staging_results
    _gate(staging_results, outcome, logger)
    if accept and any(r.warnings for r in staging_results):
        outcome["accepted_drift_by"] = params.accept_drift

    outcome["rows_written"] = tasks.merge(settings, run_id, cordis_staged, vlaio_staged)
    quarantined = cordis_staged.quarantined if cordis_staged is not None else None
    n_quarantined = 0 if quarantined is None else int((quarantined["entity"] != "schema").sum())
    # CORDIS records cast, validated and compared this run (a night: those of the projects that changed)
    cordis_rows = len(cordis_staged.projects) + len(cordis_staged.participations) if cordis_staged else 0
    if cordis_staged is not None:
        cordis_staged.release()  # merged: core and marts read staging back from the warehouse
    skipped = vlaio_staged.skipped if vlaio_staged is not None else None
    return {
        "counts": counts,
        "quarantined": n_quarantined,
        "cordis_staged": cordis_rows,
        "skipped": [] if skipped is None else skipped.to_dict("records"),
    }


def _stage_dumps(settings: Settings, dumps: list, spool: Path, backfill: bool) -> list:
    """One staging task per dump. A nightly run opens only the XML project documents that changed and
    stages only the projects whose records changed; a backfill reads and stages everything it asks for."""
    known = None if backfill else tasks.known_staging(settings, dumps)
    staged = tasks.stage_cordis_dump.map(dumps, spool_dir=unmapped(spool), known=unmapped(known)).result()
    if known is not None:
        known.clear()
    return staged


def _keep_results(settings: Settings, run_id: str, results: list):
    """Every result in ``dq_result``, whatever the run's outcome; the Data Docs rebuilt from them when the run
    validated rows or failed a check. A run that read nothing new (every dump unchanged) and passed only
    checked run-level counts: those are in ``dq_result``, and the Data Docs of the last validation stay
    (rebuilding them costs ≈2.5 s, most of an unchanged night)."""
    if not results:
        return None
    tasks.record_quality(settings, run_id, results)
    if validated_data(results) or not all_passed(results):
        return tasks.build_data_docs(settings, run_id, results)
    kept = tasks.data_docs_dir(settings) / "index.html"
    return kept if kept.exists() else None


def _gate(results: list, outcome: dict, logger) -> None:
    if all_passed(results):
        return
    outcome["dq_passed"] = False
    summary = summarize(r for r in results if not r.passed)
    logger.error("quality gate: %s", summary)
    raise QualityGateError(summary)
