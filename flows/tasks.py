"""Prefect tasks of the refresh: each one delegates to the room that does the work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

import extractors.cordis as cordis
import extractors.vlaio as vlaio
from extractors.http import make_session
from extractors.landing import LandedFile
from inventory.config import Settings
from quality.gate import GateResult, validate_staged_projects
from transforms.cordis import stage_participations, stage_projects
from transforms.core import build_core
from transforms.marts import build_marts
from transforms.vlaio import stage_pages
from warehouse import ledger, loads, publish
from warehouse.engine import make_engine
from warehouse.migrate import upgrade
from warehouse.publish import PublishResult


@dataclass
class StagedCordis:
    projects: pd.DataFrame
    participations: pd.DataFrame
    quarantined: pd.DataFrame
    rows_read: int


@task(cache_policy=NO_CACHE)
def prepare_warehouse(settings: Settings) -> None:
    """Apply pending Alembic migrations."""
    upgrade(make_engine(settings.db_url))


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10])
def extract_cordis(settings: Settings, programmes: tuple[str, ...], run_date: date) -> list[LandedFile]:
    session = make_session(settings.http_retries)
    return [
        cordis.fetch_dump(session, settings.cordis_base_url, programme, settings.raw_dir, run_date,
                          settings.http_timeout_s)
        for programme in programmes
    ]  # fmt: skip


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10])
def extract_vlaio(settings: Settings, run_date: date) -> list[LandedFile]:
    session = make_session(settings.http_retries)
    return vlaio.crawl(session, settings.vlaio_base_url, settings.raw_dir, run_date, settings.http_timeout_s)


@task(cache_policy=NO_CACHE)
def record_manifest(settings: Settings, run_id: str, landed: list[LandedFile]) -> int:
    return loads.record_manifest(make_engine(settings.db_url), run_id, (f.as_row() for f in landed))


@task(cache_policy=NO_CACHE)
def stage_cordis(landed: list[LandedFile]) -> StagedCordis:
    records = cordis.CordisRecords()
    for dump in landed:
        records.extend(cordis.read_dump(Path(dump.path)))
    projects, bad_projects = stage_projects(records.projects)
    participations, bad_participations = stage_participations(records.participations)
    quarantined = pd.concat([bad_projects, bad_participations], ignore_index=True)
    return StagedCordis(
        projects, participations, quarantined, len(records.projects) + len(records.participations)
    )


@task(cache_policy=NO_CACHE)
def stage_vlaio(landed: list[LandedFile]) -> pd.DataFrame:
    return stage_pages(vlaio.read_page(page) for page in landed)


@task(cache_policy=NO_CACHE)
def validate_cordis(staged: StagedCordis) -> GateResult:
    return validate_staged_projects(staged.projects)


@task(cache_policy=NO_CACHE)
def merge(settings: Settings, run_id: str, staged: StagedCordis | None, pages: pd.DataFrame | None) -> int:
    engine = make_engine(settings.db_url)
    written = 0
    if staged is not None:
        written += loads.record_quarantine(engine, run_id, staged.quarantined)
        written += loads.merge_cordis(engine, run_id, staged.projects, staged.participations)
    if pages is not None:
        written += loads.merge_vlaio_pages(engine, run_id, pages)
    return written


@task(cache_policy=NO_CACHE)
def publish_marts(settings: Settings, run_id: str) -> PublishResult:
    """Core (with history) and marts from everything staged, published in one transaction; nothing at all
    when staging holds nothing new (an unchanged night writes zero rows)."""
    engine = make_engine(settings.db_url)
    if not publish.needs_publish(engine):
        return PublishResult(history_rows={}, mart_rows=publish.mart_row_counts(engine), published=False)
    staged = publish.read_staged(engine)
    core = build_core(staged.cordis_projects, staged.cordis_participations)
    return publish.publish(engine, run_id, core.tables(), build_marts(core))


@task(cache_policy=NO_CACHE)
def start_run(settings: Settings, run_id: str, flow_name: str, sources: str, programmes: str) -> None:
    ledger.start_run(make_engine(settings.db_url), run_id, flow_name, sources, programmes)


@task(cache_policy=NO_CACHE)
def finish_run(settings: Settings, run_id: str, **outcome: object) -> None:
    ledger.finish_run(make_engine(settings.db_url), run_id, **outcome)  # type: ignore[arg-type]
