"""Prefect tasks of the refresh: each one delegates to the room that does the work (extractors/, transforms/,
quality/, warehouse/); none parses or writes SQL itself."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.engine import Connection, Engine

import extractors.cordis as cordis
import extractors.vlaio as vlaio
from extractors.cordis import settings as cordis_settings
from extractors.cordis.dumps import dump_format, dump_programme, iter_dump, member_signatures
from extractors.cordis.json_dump import iter_json_dump, scan_json_dump
from extractors.cordis.json_elements import DumpScan, ElementMismatch, NotSplittable, ProjectDigests
from extractors.cordis.listing import ListingDelta, fetch_listing_delta, read_project_details
from extractors.cordis.listing_state import known_hashes_path, load_known_hashes, save_known_hashes
from extractors.cordis.records import CordisRecords
from extractors.http import make_session
from extractors.landing import (
    LandedFile,
    PreviousFetch,
    latest_snapshot,
    read_landing_index,
    remove_partial_files,
    write_landing_index,
)
from extractors.vlaio.crawl import CrawlResult
from extractors.vlaio.reference import batch_totals, load_batches, load_reference
from extractors.vlaio.sites import make_sites
from inventory.config import Settings
from inventory.errors import SourceUnavailableError
from inventory.memory import LARGE_PHASE_ROWS, release_after, trim_free_memory
from quality import gate
from quality.checks import carry_over_counts
from quality.outcomes import GateResult
from transforms.build_version import build_fingerprint
from transforms.cordis import (
    StagedHashes,
    split_unchanged,
    stage_participations,
    stage_projects,
    within_window,
)
from transforms.core import (
    CORE_ORGANISATION_COLUMNS,
    FIRST_PARTICIPATION_INPUTS,
    PUBLISHED_PROJECT_COLUMNS,
    STAGED_PARTICIPATION_INPUTS,
    STAGED_PROJECT_INPUTS,
    Carried,
    Core,
    ProjectRows,
    Published,
    Scope,
    complete_core,
    last_records,
    named_organisations,
    participation_rows,
)
from transforms.dump_members import (
    KnownJsonProjects,
    empty_json_projects,
    empty_members,
    json_project_manifest,
    member_manifest,
    skipped_counts,
    unchanged_json_projects,
    unchanged_members,
)
from transforms.marts import build_marts
from transforms.organisations import Resolution, resolution_inputs, resolve_organisations
from transforms.scoped_core import (
    ORGANISATION_INPUTS,
    OUTSIDE_INPUTS,
    complete_scoped_core,
    industry40_changed,
    lowest_members,
    members,
    moved_organisations,
    named_keys,
    night_scope,
    other_attributes,
    other_participations,
    participation_keys,
    same_resolution_inputs,
)
from transforms.vlaio import reference_only, stage_organisations, stage_pages, stage_skips
from transforms.vlaio import stage_projects as stage_vlaio_projects
from warehouse import ledger, loads, maintenance, night_reads, publish, quality_results
from warehouse.bulk import LONG_TEXT_CHUNK
from warehouse.engine import make_engine
from warehouse.migrate import upgrade
from warehouse.publish import PublishResult
from warehouse.snapshot import snapshot

PROGRESS_EVERY_S = 30.0
# past this share of the projects changed since the last publish, a build reads every staged participation
MAX_SCOPED_SHARE = 0.2


@dataclass
class StagedCordis:
    """One dump (or several, concatenated) staged: typed frames and the records that could not be."""

    projects: pd.DataFrame
    participations: pd.DataFrame
    quarantined: pd.DataFrame
    rows_read: int
    counts: dict[str, int] = field(default_factory=dict)
    # the XML dump members staged as they are (transforms.dump_members), and the records of the members
    # not opened because they were: still in staging, counted as present
    members: pd.DataFrame = field(default_factory=empty_members)
    rows_skipped: int = 0
    # the JSON dumps' projects staged as their elements give them (transforms.dump_members)
    json_projects: pd.DataFrame = field(default_factory=empty_json_projects)

    def release(self) -> None:
        """Drop the frames once they are merged (or combined). Prefect keeps every task's parameters and
        result referenced until the flow run ends, so a frame is freed only when its holder lets go of it:
        at 60k projects the staged frames are ≈1.2 GB that core and marts would otherwise sit on top of. The
        freed memory then goes back to the system (``inventory.memory``), not only to this thread's heap,
        when it held many rows (``release_after``)."""
        rows = len(self.projects) + len(self.participations) + len(self.quarantined)
        self.projects = self.participations = self.quarantined = self.members = pd.DataFrame()
        self.json_projects = pd.DataFrame()
        release_after(rows)


@dataclass
class StagedVlaio:
    pages: pd.DataFrame
    projects: pd.DataFrame
    organisations: pd.DataFrame
    skipped: pd.DataFrame
    proeftuin_count: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def rows_read(self) -> int:
        return len(self.pages)


@dataclass
class Inventory:
    """Core and marts built from everything staged, not yet published."""

    core: Core
    marts: dict[str, pd.DataFrame]

    def release(self) -> None:
        """Drop the frames once published (see :meth:`StagedCordis.release`)."""
        rows = len(self.core.participations)
        self.core = Core(*(pd.DataFrame() for f in fields(Core) if f.name not in ("scope", "carried")))
        self.marts = {}
        release_after(rows)


def _engine(settings: Settings):
    return make_engine(settings.db_url)


@task(cache_policy=NO_CACHE)
def prepare_warehouse(settings: Settings) -> None:
    """Apply pending Alembic migrations."""
    upgrade(_engine(settings))


@task(cache_policy=NO_CACHE)
def start_run(settings: Settings, run_id: str, flow_name: str, sources: str, programmes: str) -> None:
    ledger.start_run(_engine(settings), run_id, flow_name, sources, programmes)


@task(cache_policy=NO_CACHE)
def took_lock(settings: Settings, run_id: str) -> list[str]:
    """Record the lock in the ledger; runs that died holding it are closed as ``abandoned`` (logged)."""
    abandoned = ledger.took_lock(_engine(settings), run_id)
    if abandoned:
        get_run_logger().warning(
            "runs that died while writing, now marked abandoned: %s", ", ".join(abandoned)
        )
    return abandoned


@task(cache_policy=NO_CACHE)
def finish_run(settings: Settings, run_id: str, **outcome: Any) -> None:
    ledger.finish_run(_engine(settings), run_id, **outcome)


# --- extract ---------------------------------------------------------------------------------------------


def _previous(rows: dict[str, dict[str, Any]]) -> dict[str, PreviousFetch]:
    return {
        url: PreviousFetch(
            url=url,
            sha256=row["sha256"],
            etag=row.get("etag"),
            last_modified=row.get("last_modified"),
            path=row.get("path"),
            size_bytes=row.get("size_bytes"),
        )
        for url, row in rows.items()
    }


@task(cache_policy=NO_CACHE)
def remove_partial_downloads(settings: Settings) -> int:
    """The ``.part`` files of downloads killed in an earlier run (run under the writer lock, before any
    extract of this run starts)."""
    removed = remove_partial_files(settings.raw_dir)
    if removed:
        get_run_logger().warning("removed %d partial downloads of killed runs: %s", len(removed),
                                 ", ".join(str(p) for p in removed))  # fmt: skip
    return len(removed)


@task(cache_policy=NO_CACHE)
def previous_fetches(settings: Settings, source: str) -> dict[str, PreviousFetch]:
    """What the last successful runs fetched per URL: the validators of the conditional GETs."""
    return _previous(loads.previous_fetches(_engine(settings), source))


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10])
def extract_cordis(
    settings: Settings, programmes: tuple[str, ...], run_date: date, previous: dict[str, PreviousFetch]
) -> list[LandedFile]:
    """Download each programme's dump, conditionally: an unchanged dump comes back ``unchanged``."""
    logger = get_run_logger()
    session = make_session(settings.http_retries, rate_per_host=settings.http_rate_per_host)
    landed = []
    for programme in programmes:
        fmt = cordis_settings.resolve_format(programme, settings.cordis_format)
        url = cordis_settings.dump_url(settings.cordis_base_url, programme, fmt)
        file = cordis.fetch_dump(session, settings.cordis_base_url, programme, settings.raw_dir, run_date,
                                 settings.http_timeout_s, fmt=fmt, previous=previous.get(url))  # fmt: skip
        state = "unchanged (not parsed again)" if file.unchanged else f"{file.size_bytes:,} bytes"
        logger.info("CORDIS %s dump %s: %s", programme, url, state)
        landed.append(file)
    write_landing_index(settings.raw_dir, cordis.SOURCE, run_date, landed)
    return landed


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10])
def extract_vlaio(settings: Settings, run_date: date, previous: dict[str, PreviousFetch]) -> CrawlResult:
    """Crawl vlaio.be and industrie40vlaanderen.be (politely, within the page budget)."""
    logger = get_run_logger()
    session = make_session(settings.http_retries, rate_per_host=settings.http_rate_per_host)
    result = vlaio.crawl(
        session,
        settings.vlaio_base_url,
        settings.raw_dir,
        run_date,
        settings.http_timeout_s,
        settings.vlaio_page_budget,
        industrie40_base_url=settings.industrie40_base_url,
        delay_s=settings.vlaio_crawl_delay_s,
        previous=previous,
    )
    logger.info("VLAIO crawl: %d pages, %d skipped", len(result.pages), len(result.skipped))
    meta = {"vlaio_base_url": settings.vlaio_base_url, "industrie40_base_url": settings.industrie40_base_url}
    write_landing_index(settings.raw_dir, vlaio.SOURCE, run_date, result.pages, meta)
    return result


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10])
def extract_cordis_listing(settings: Settings, run_date: date) -> ListingDelta:
    """The nightly delta: page through the CORDIS listing of ``CORDIS_LISTING_QUERY`` and land the detail of
    every project that is new or whose listing entry changed since the last successful run (resumable)."""
    logger = get_run_logger()
    query = settings.cordis_listing_query or ""
    known = load_known_hashes(known_hashes_path(settings.data_dir / "state", query))
    session = make_session(settings.http_retries, rate_per_host=settings.http_rate_per_host)
    delta = fetch_listing_delta(session, settings.cordis_base_url, settings.raw_dir, run_date,
                                settings.http_timeout_s, known, query=query,
                                page_size=settings.cordis_listing_page_size)  # fmt: skip
    logger.info("CORDIS listing: %d hits on %d pages, %d new or changed, %d details fetched",
                delta.total_hits, delta.pages, len(delta.changed), len(delta.details))  # fmt: skip
    return delta


@task(cache_policy=NO_CACHE)
def stage_cordis_details(delta: ListingDelta) -> StagedCordis:
    """The detail documents of a listing delta, staged like a dump (quarantine included)."""
    records = read_project_details(delta.details)
    projects, bad_projects = stage_projects(records.projects)
    participations, bad_parts = stage_participations(records.participations)
    quarantined = _concat([bad_projects, bad_parts, pd.DataFrame([*records.quarantined, *delta.quarantined],
                                                                 columns=bad_projects.columns)])  # fmt: skip
    return StagedCordis(
        projects, participations, quarantined, len(records.projects) + len(records.participations)
    )


@task(cache_policy=NO_CACHE)
def save_listing_hashes(settings: Settings, delta: ListingDelta) -> None:
    """After a successful run only: the hashes become the next night's baseline."""
    query = settings.cordis_listing_query or ""
    save_known_hashes(known_hashes_path(settings.data_dir / "state", query), query, delta.hashes)


def _snapshot(settings: Settings, source: str, snapshot: date | None) -> date:
    found = latest_snapshot(settings.raw_dir, source, snapshot)
    if found is None:
        where = settings.raw_dir / source
        raise SourceUnavailableError(str(where), f"no landed snapshot on or before {snapshot or 'today'}")
    return found


@task(cache_policy=NO_CACHE)
def cordis_from_raw(settings: Settings, snapshot: date | None) -> list[LandedFile]:
    """The dumps a run landed on ``snapshot`` (default: the latest), read from the landing zone only."""
    files, _ = read_landing_index(
        settings.raw_dir, cordis.SOURCE, _snapshot(settings, cordis.SOURCE, snapshot)
    )
    return files


@task(cache_policy=NO_CACHE)
def vlaio_from_raw(settings: Settings, snapshot: date | None) -> CrawlResult:
    """The pages a crawl landed on ``snapshot`` (default: the latest), with the sites as they were crawled."""
    files, meta = read_landing_index(
        settings.raw_dir, vlaio.SOURCE, _snapshot(settings, vlaio.SOURCE, snapshot)
    )
    sites = make_sites(meta.get("vlaio_base_url", settings.vlaio_base_url), meta.get("industrie40_base_url"))
    return CrawlResult(pages=files, sites=sites)


@task(cache_policy=NO_CACHE)
def record_manifest(settings: Settings, run_id: str, landed: list[LandedFile]) -> int:
    return loads.record_manifest(_engine(settings), run_id, (f.as_row() for f in landed))


# --- stage -----------------------------------------------------------------------------------------------


class KnownStaging:
    """What staging holds, for the staging tasks to leave out: each XML and JSON dump's manifest (by file
    name) and the record hashes of the staged projects, read for the projects a task reads (``hashes_of``:
    a night reads a few hundred of a 60k staging's, once the manifests leave the others out), or given whole
    (``hashes``). A plain class on purpose: Prefect walks every element of a task's parameters that is a
    collection or a dataclass (12 s for the hashes of 60k projects, measured on the 60k benchmark's 1 %
    night), not the inside of other objects; and it pickles, for Dask."""

    def __init__(
        self,
        members: dict[str, pd.DataFrame],
        hashes: StagedHashes | None,
        json_projects: dict[str, KnownJsonProjects] | None = None,
        db_url: str | None = None,
    ) -> None:
        self.members = members
        self.hashes = hashes
        self.json_projects = json_projects or {}
        self.db_url = db_url

    def hashes_of(self, project_ids: list[str]) -> StagedHashes:
        """The staged hashes of (at least) ``project_ids``."""
        if self.hashes is not None or self.db_url is None:
            return self.hashes or {}
        engine = make_engine(self.db_url)
        try:
            return loads.staged_cordis_hashes(engine, project_ids)
        finally:
            engine.dispose()

    def clear(self) -> None:
        """Prefect holds every task's parameters until the flow ends: emptied once the dumps are staged,
        the manifests and any hashes do not sit under the core build."""
        self.members, self.hashes, self.json_projects = {}, {}, {}


@task(cache_policy=NO_CACHE)
def known_staging(settings: Settings, dumps: list[LandedFile]) -> KnownStaging:
    """The manifest of each XML and JSON dump about to be staged; the staged hashes are read by the staging
    tasks, for the projects they read."""
    engine = _engine(settings)
    names = sorted({Path(d.path).name for d in dumps})
    members = {name: loads.dump_members(engine, name) for name in names if dump_format(Path(name)) == "xml"}
    json_projects = {
        name: loads.json_projects(engine, name) for name in names if dump_format(Path(name)) == "json"
    }
    return KnownStaging(members, None, json_projects, settings.db_url)


@task(cache_policy=NO_CACHE)
def stage_cordis_dump(
    dump: LandedFile,
    spool_dir: Path,
    known: KnownStaging | None = None,
) -> StagedCordis:
    """Read one dump batch by batch (bounded memory) and stage every batch; logs progress at least every
    30 s. Records that cannot be read or cast are quarantined with their reason.

    What staging already holds (``known``) is left out: a member of an XML dump listed in its manifest with
    its CRC-32 and size is not opened, and a project whose records hash as staged is not cast again. Both
    still count as present."""
    logger = get_run_logger()
    started = time.monotonic()
    spool_dir.mkdir(parents=True, exist_ok=True)
    path = Path(dump.path)
    signatures = member_signatures(path)
    manifest = known.members.get(path.name) if known is not None else None
    skipped = unchanged_members(signatures, manifest if manifest is not None else empty_members())
    if not skipped.empty:
        logger.info("%s: %d of %d project documents unchanged since they were staged, not opened", path.name,
                    len(skipped), len(signatures))  # fmt: skip
    scan = _json_scan(path, known.json_projects.get(path.name) if known is not None else None, logger)
    batches = (
        iter_dump(path, spool_dir=spool_dir, skip_members=frozenset(skipped["member"]))
        if scan is None
        else iter_json_dump(path, spool_dir=spool_dir, projects=scan.to_read, scan=scan.scan)
    )
    try:
        staged, same = _stage_batches(batches, known, path.name, logger)
    except (NotSplittable, ElementMismatch) as exc:
        logger.warning("%s: %s; the dump is read whole", path.name, exc)
        scan = None
        staged, same = _stage_batches(iter_dump(path, spool_dir=spool_dir), known, path.name, logger)
    programme = dump_programme(path)
    skipped_projects, skipped_parts = skipped_counts(skipped)
    if scan is not None:
        skipped_projects += len(scan.unchanged)
        skipped_parts += sum(n for _, n, _ in scan.unchanged.values())
    staged.rows_skipped = skipped_projects + skipped_parts
    staged.counts = {
        f"cordis.{programme}.projects": len(staged.projects) + len(same.projects) + skipped_projects,
        f"cordis.{programme}.participations": len(staged.participations) + len(same.participations)
        + skipped_parts,
    }  # fmt: skip
    if signatures:
        seen_projects = pd.concat([staged.projects[["source_id", "source_file"]], same.projects])
        seen_parts = pd.concat([staged.participations[["source_file"]], same.participations])
        staged.members = member_manifest(path.name, signatures, skipped, seen_projects, seen_parts,
                                         staged.quarantined)  # fmt: skip
    digests = scan.scan.digests if scan is not None else same.element_digests
    if digests is not None:
        staged.json_projects = json_project_manifest(
            path.name,
            digests,
            scan.unchanged if scan is not None else {},
            [*_column(staged.projects, "source_id"), *same.projects["source_id"].tolist()],
            [*_column(staged.participations, "project_source_id"), *same.participation_ids],
        )
    logger.info("%s: %d records read, %d staged (%d as staged before), %d quarantined in %.1f s", path.name,
                staged.rows_read, len(staged.projects) + len(staged.participations),
                len(same.projects) + len(same.participations), len(staged.quarantined),
                time.monotonic() - started)  # fmt: skip
    return staged


def _column(frame: pd.DataFrame, name: str) -> list:
    return frame[name].tolist() if name in frame.columns else []


@dataclass
class _JsonScan:
    """A JSON dump's projects found without decoding its elements: their digests, those staged as they are
    (not read again) and the ones to read (``None``: elements whose project their bytes do not name)."""

    scan: DumpScan
    unchanged: KnownJsonProjects
    to_read: set[str | None]


def _json_scan(path: Path, known: KnownJsonProjects | None, logger: Any) -> _JsonScan | None:
    """The projects of a JSON dump to read, when staging's manifest of it is known; None: read it whole."""
    if not known or dump_format(path) != "json":
        return None
    try:
        scan = scan_json_dump(path)
    except NotSplittable as exc:
        logger.warning("%s: %s; the dump is read whole", path.name, exc)
        return None
    unchanged = unchanged_json_projects(scan.digests, known)
    logger.info("%s: %d of %d projects' elements unchanged since they were staged, not decoded", path.name,
                len(unchanged), len(scan.digests.sums))  # fmt: skip
    return _JsonScan(scan, unchanged, set(scan.digests.sums) - set(unchanged))


@dataclass
class _SameAsStaged:
    """The records of a dump read but not staged again: (source_id, source_file) of the projects and the
    source_file of the participations, for the counts and the XML manifest."""

    projects: pd.DataFrame
    participations: pd.DataFrame
    # the project id of each participation in ``participations``, and the digests of the dump's elements as
    # its reader gave them (a JSON dump's; ``extractors.cordis.json_elements``)
    participation_ids: list = field(default_factory=list)
    element_digests: ProjectDigests | None = None


def _stage_batches(
    batches: Iterable[CordisRecords], known: KnownStaging | None, name: str, logger: Any
) -> tuple[StagedCordis, _SameAsStaged]:
    started = last_log = time.monotonic()
    projects, participations, quarantined = [], [], []
    same_ids: list[Any] = []
    same_files: list[Any] = []
    same_part_files: list[Any] = []
    same_part_ids: list[Any] = []
    digests = None
    shared: dict[str, str] = {}  # equal participation text one object across the dump's batches
    read = 0
    for number, batch in enumerate(batches, start=1):
        known_hashes = known.hashes_of([r.get("id") for r in batch.projects]) if known is not None else None
        split = split_unchanged(batch.projects, batch.participations, known_hashes)
        same_ids += [r.get("id") for r in split.same_projects]
        same_files += [r.get("source_file") for r in split.same_projects]
        same_part_files += [r.get("source_file") for r in split.same_participations]
        same_part_ids += [r.get("projectID") for r in split.same_participations]
        digests = batch.element_digests if digests is None else digests
        staged_projects, bad_projects = stage_projects(split.projects)
        staged_parts, bad_parts = stage_participations(split.participations, shared)
        projects.append(staged_projects)
        participations.append(staged_parts)
        quarantined += [
            bad_projects,
            bad_parts,
            pd.DataFrame(batch.quarantined, columns=bad_projects.columns),
        ]
        read += len(batch.projects) + len(batch.participations)
        if time.monotonic() - last_log >= PROGRESS_EVERY_S or number == 1:
            last_log = time.monotonic()
            logger.info("%s: batch %d, %d records read in %.0f s", name, number, read,
                        last_log - started)  # fmt: skip
    if not projects:  # every member unchanged (a repacked archive): empty frames, with their columns
        (no_projects, no_bad), no_parts = stage_projects([]), stage_participations([])[0]
        projects, participations, quarantined = [no_projects], [no_parts], [no_bad]
    staged = StagedCordis(
        projects=_concat_consuming(projects),
        participations=_concat_consuming(participations),
        quarantined=_concat(quarantined),
        rows_read=read,
    )
    same = _SameAsStaged(
        projects=pd.DataFrame({"source_id": same_ids, "source_file": same_files}, dtype=object),
        participations=pd.DataFrame({"source_file": same_part_files}, dtype=object),
        participation_ids=same_part_ids,
        element_digests=digests,
    )
    return staged, same


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty] or frames[:1]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


# a large combine gives the freed columns back to the system every this many columns (``_concat_consuming``)
TRIM_EVERY_COLUMNS = 4


def _concat_consuming(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """``_concat`` of frames with the same columns, made a column at a time: each column is dropped from
    every one of ``frames`` once copied, so the result (one block per column) never sits beside all of
    ``frames``. ``pd.concat`` copies the two-dimensional blocks whole while both are held: combining the
    two dumps' staged participations that way was the full refresh's largest moment at 60k projects (+76
    MB, benchmarks/README.md, session 18). ``frames`` are left without columns (rows only): not to be used
    again. The copies are made in this thread's heap while the inputs were made in the staging tasks'
    threads, so a large combine hands the freed columns back to the system as it goes
    (``trim_free_memory``), or the RSS would still grow by all it copies."""
    framed = [f for f in frames if len(f.columns)]  # a frame without columns (a released one) adds nothing
    with_rows = [f for f in framed if not f.empty] or framed[:1]
    if not with_rows:
        return pd.DataFrame()
    columns = list(with_rows[0].columns)
    for frame in framed:
        if set(frame.columns) != set(columns):
            raise ValueError(f"frames to combine differ in columns: {list(frame.columns)} against {columns}")
    large = sum(len(f) for f in with_rows) >= LARGE_PHASE_ROWS
    data: dict[str, pd.Series] = {}
    for number, name in enumerate(columns, start=1):
        data[name] = pd.concat([f[name] for f in with_rows], ignore_index=True)
        for frame in framed:
            del frame[name]
        if large and number % TRIM_EVERY_COLUMNS == 0:
            trim_free_memory()  # the inputs' freed columns back to the system as the copies are made
    return pd.DataFrame(data, columns=columns, copy=False)


@task(cache_policy=NO_CACHE)
def combine_cordis(
    parts: list[StagedCordis], window_start: date | None, window_end: date | None
) -> StagedCordis:
    """The staged dumps as one, narrowed to a backfill's date window when one is given."""
    # the parts' frames are consumed (the flow releases the parts next)
    projects = _concat_consuming([p.projects for p in parts])
    participations = _concat_consuming([p.participations for p in parts])
    projects, participations = within_window(projects, participations, window_start, window_end)
    counts: dict[str, int] = {}
    for part in parts:
        counts.update(part.counts)
    members = _concat([p.members for p in parts if not p.members.empty]) if parts else empty_members()
    if members.empty:
        members = empty_members()
    elif window_start is not None or window_end is not None:  # only the members whose project is merged
        members = members[members["project_source_id"].isin(set(projects["source_id"]))]
    json_projects = _concat([p.json_projects for p in parts if not p.json_projects.empty]) if parts else None
    if json_projects is None or json_projects.empty:
        json_projects = empty_json_projects()
    elif window_start is not None or window_end is not None:
        json_projects = json_projects[json_projects["project_source_id"].isin(set(projects["source_id"]))]
    return StagedCordis(
        projects=projects,
        participations=participations,
        quarantined=_concat([p.quarantined for p in parts]),
        rows_read=sum(p.rows_read for p in parts),
        counts=counts,
        members=members.reset_index(drop=True),
        json_projects=json_projects.reset_index(drop=True),
        rows_skipped=sum(p.rows_skipped for p in parts),
    )


@task(cache_policy=NO_CACHE)
def stage_vlaio(settings: Settings, crawl: CrawlResult) -> StagedVlaio:
    """Pages, proeftuinen (with their batch from the reference), their organisations, and the reference
    proeftuinen the crawl did not find. A page that yielded a proeftuin before and carries no anchor now is
    layout drift (a typed error)."""
    previous_ids = [
        sid for sid in loads.staged_source_ids(_engine(settings), "stg_vlaio__projects")
        if not sid.startswith("reference:")
    ]  # fmt: skip
    extraction = vlaio.read_projects(crawl, previous_ids)
    reference = load_reference()
    projects = stage_vlaio_projects(extraction.projects, reference=reference)
    organisations = stage_organisations(extraction.projects)
    missing_projects, missing_orgs = reference_only(reference, projects)
    skipped = stage_skips([*crawl.skipped, *extraction.skipped])
    pages = stage_pages(vlaio.read_page(page) for page in crawl.pages)
    staged = StagedVlaio(
        pages=pages,
        projects=_concat([projects, missing_projects]),
        organisations=_concat([organisations, missing_orgs]),
        skipped=skipped,
        proeftuin_count=extraction.proeftuin_count,
    )
    staged.counts = {"vlaio.pages": len(pages), "vlaio.proeftuinen": extraction.proeftuin_count}
    return staged


# --- validate --------------------------------------------------------------------------------------------


@task(cache_policy=NO_CACHE)
def validate_staging(
    settings: Settings,
    cordis_staged: StagedCordis | None,
    vlaio_staged: StagedVlaio | None,
    counts: dict[str, int],
    accept_drift: bool,
) -> list[GateResult]:
    """The staging suites, the drift check against the last successful run, the quarantine share and the
    proeftuinen floor (the reference's count).

    A nightly run stages only what changed, so a CORDIS frame may rightly be empty: the suites validate the
    rows staged, and every dump read must stand for at least one project and one participation (staged now
    or before) - an empty dump is never a silent empty load."""
    frames = {
        "stg_cordis__projects": _rows_or_none(cordis_staged.projects if cordis_staged else None),
        "stg_cordis__participations": _rows_or_none(cordis_staged.participations if cordis_staged else None),
        "stg_vlaio__projects": vlaio_staged.projects if vlaio_staged else None,
    }
    results = gate.validate_staging(frames)
    for entity, count in (cordis_staged.counts if cordis_staged else {}).items():
        results.append(gate.check_minimum(entity, count, 1))
    previous = quality_results.previous_counts(_engine(settings))
    results.append(gate.check_volume(counts, previous, settings.max_drop, accept_drift=accept_drift))
    if cordis_staged is not None:
        bad_rows = cordis_staged.quarantined
        quarantined = int((bad_rows["entity"] != "schema").sum()) if not bad_rows.empty else 0
        # the share of the records the run stands for: those it read and those of unchanged members
        records = cordis_staged.rows_read + cordis_staged.rows_skipped
        results.append(gate.check_quarantine(quarantined, records, settings.max_quarantine,
                                             "cordis.quarantined"))  # fmt: skip
    if vlaio_staged is not None:
        results.append(
            gate.check_minimum("vlaio.proeftuinen", vlaio_staged.proeftuin_count, len(load_reference()))
        )
    return results


def _rows_or_none(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    return frame if frame is not None and not frame.empty else None


@task(cache_policy=NO_CACHE)
def run_counts(
    settings: Settings,
    cordis_staged: StagedCordis | None,
    vlaio_staged: StagedVlaio | None,
    unread_programmes: set[str],
) -> dict[str, int]:
    """Rows per source entity this run stands for (its drift figures and the next run's baseline): what it
    staged, plus the last counts of the CORDIS dumps it did not read again because they were unchanged."""
    counts = {
        **(cordis_staged.counts if cordis_staged else {}),
        **(vlaio_staged.counts if vlaio_staged else {}),
    }
    if not unread_programmes:
        return counts
    return carry_over_counts(counts, quality_results.previous_counts(_engine(settings)), unread_programmes)


def build_core_from_staging(
    engine: Engine, chunk: int = LONG_TEXT_CHUNK, fingerprint: str | None = None
) -> Core:
    """The core from everything staged, read as of one moment. The CORDIS projects are read and turned into
    project rows ``chunk`` at a time, before the participations are read: the texts only matched (the
    objectives, 209 MB at 60k projects) are never all in memory, nor beside the participations.

    ``fingerprint``: of the code building now (``transforms.build_version``). When the last publish was
    built by the same code, only the CORDIS projects staged since are read and rebuilt; the others take their
    published row, hash and themes (``transforms.core.Published``). The core is then scoped to the projects
    whose rows may differ from the published ones, and reads only their staged participations and those of
    the organisations they touch (``transforms.scoped_core``), unless more than ``MAX_SCOPED_SHARE`` of the
    projects changed or the staged ids cannot be put in natural order by SQL: then every staged
    participation is read and every row built, compared and written."""
    rows = ProjectRows()
    with snapshot(engine) as conn:
        published = None
        if fingerprint is not None:  # which published rows can be taken: their runs
            runs = publish.published_cordis_runs(conn, fingerprint)
            published = Published.of_runs(runs) if runs else None
        staged_runs = publish.staged_cordis_runs(conn) if published is not None else []
        rebuild = published.to_rebuild(staged_runs) if published is not None else None
        for staged_projects in publish.iter_staged_cordis_projects(
            conn, STAGED_PROJECT_INPUTS, chunk, source_ids=rebuild
        ):
            rows.add_cordis(staged_projects)
        if published is not None:
            changed = publish.changed_since_publish(conn, rebuild or [], published.removed(staged_runs))
            # the VLAIO projects are always in the scope, and a handful: the share is of the CORDIS projects
            restaged = sum(key.startswith("cordis:") for key in changed.projects)
            if restaged <= MAX_SCOPED_SHARE * max(len(staged_runs), 1) and night_reads.sql_natural_order(
                conn
            ):
                return _scoped_core(conn, rows, changed, staged_runs, published, fingerprint)
            projects, themes = publish.published_cordis_projects(conn, fingerprint, PUBLISHED_PROJECT_COLUMNS)
            rows = Published(projects, themes).rows(staged_runs, rows)
            del published, staged_runs
        staged = publish.read_staged(
            conn, STAGED_PROJECT_INPUTS, STAGED_PARTICIPATION_INPUTS, cordis_projects=False
        )
    rows.add_vlaio(staged.vlaio_projects)
    return complete_core(
        rows,
        staged.cordis_participations,
        vlaio_organisations=staged.vlaio_organisations,
        vlaio_batches=_batches(staged),
    )


def _batches(staged: publish.Staged) -> pd.DataFrame | None:
    return batch_totals(load_batches()) if not staged.vlaio_projects.empty else None


def _scoped_core(
    conn: Connection,
    rebuilt: ProjectRows,
    changed: Scope,
    staged_runs: list[tuple[str, str]],
    published: Published,
    fingerprint: str,
) -> Core:
    """The night's core (``transforms.scoped_core``), read from ``conn`` (a snapshot's): ``rebuilt`` the rows
    of the projects ``published`` (their runs) does not give, of the ``staged_runs``."""
    staged = publish.read_staged(
        conn, STAGED_PROJECT_INPUTS, STAGED_PARTICIPATION_INPUTS, cordis_projects=False,
        cordis_participations=False,
    )  # fmt: skip
    resolution, inputs = _night_resolution(conn, changed, named_organisations(staged.vlaio_organisations))
    if inputs is None:  # the published resolution, kept: no organisation moved
        published_keys = resolution.key_of
        moved: set[str] = set()
    else:
        published_keys = publish.published_organisation_keys(conn)
        moved = night_reads.projects_of_organisations(conn, moved_organisations(resolution, published_keys))
    vlaio_projects = [f"vlaio:{source_id}" for source_id in staged.vlaio_projects.get("source_id", [])]
    scope = night_scope(changed, moved, vlaio_projects)
    cordis_projects = [key[len("cordis:") :] for key in scope.projects if key.startswith("cordis:")]
    # the scope's project rows: those rebuilt, and the published ones of the others
    wanted = set(cordis_projects)
    runs = [(source_id, run) for source_id, run in staged_runs if source_id in wanted]
    kept = publish.published_cordis_projects(
        conn, fingerprint, PUBLISHED_PROJECT_COLUMNS, published.to_taken(runs)
    )
    rows = Published(*kept).rows(runs, rebuilt)
    rows.add_vlaio(staged.vlaio_projects)
    inside = night_reads.staged_participations(conn, STAGED_PARTICIPATION_INPUTS, cordis_projects)
    industry40 = night_reads.published_industry40(conn)
    keys, last, published_keys_now = _organisations_to_rebuild(
        conn, resolution, published_keys, scope, participation_rows(inside, staged.vlaio_organisations, resolution),
        industry40_changed(rows, scope, industry40),
    )  # fmt: skip
    outside = night_reads.staged_participations(
        conn, OUTSIDE_INPUTS, organisations=members(resolution, keys), outside=cordis_projects
    )
    participations = night_reads.combined(
        [inside, night_reads.padded(outside, STAGED_PARTICIPATION_INPUTS)], STAGED_PARTICIPATION_INPUTS
    )
    del inside, outside
    flemish_inventory, flemish_yearly = night_reads.published_flemish_industry40(conn, scope.projects)
    carried = Carried(
        flemish_inventory=flemish_inventory,
        flemish_yearly=flemish_yearly,
        industry40=frozenset(key for key in industry40 if key not in scope.projects),
        organisation_keys=frozenset(published_keys_now - keys),
    )
    return complete_scoped_core(
        rows,
        resolution,
        participations,
        last,
        staged.vlaio_organisations,
        _batches(staged),
        replace(scope, organisations=frozenset(keys)),
        carried,
        inputs,
    )


def _organisations_to_rebuild(
    conn: Connection,
    resolution: Resolution,
    published_keys: Mapping[tuple[str, str], str],
    scope: Scope,
    now: pd.DataFrame,
    industry40: set[str],
) -> tuple[set[str], pd.DataFrame, set[str]]:
    """The keys of the organisations whose rows may differ from the published ones, the last staged
    participation of their lowest PICs (``transforms.scoped_core.lowest_members``), and the keys of the
    current published organisations. ``now``: the scope's participation rows; ``industry40``: the scope's
    projects whose Industry 4.0 flag changed.

    An organisation's row and mart row read its participations, the Industry 4.0 flag of their projects and
    the last record of its lowest PIC; the ones outside the scope are as published. So only the organisations
    of the scope's participations, now and as published, can differ, and of those only the ones with a
    participation that is not as published, one in a project whose flag changed, or other attributes; and
    the organisations known by name (a handful)."""
    before = night_reads.published_participations(conn, scope.projects, ORGANISATION_INPUTS)
    touched = participation_keys([now, before])
    keys = other_participations(now, before) | participation_keys([now, before], industry40)
    keys |= named_keys(resolution, published_keys)
    last = night_reads.last_participations(
        conn, STAGED_PARTICIPATION_INPUTS, lowest_members(resolution, touched | keys)
    )
    compared = touched - keys
    published = night_reads.published_organisations(conn, CORE_ORGANISATION_COLUMNS, compared)
    keys |= other_attributes(compared, resolution, last_records(last), published)
    return keys, last, night_reads.current_organisation_keys(conn)


def _night_resolution(
    conn: Connection, changed: Scope, named: pd.DataFrame
) -> tuple[Resolution, pd.DataFrame | None]:
    """The resolution of organisations of a night, and what it read (``resolution_inputs``): the published
    one (inputs None) when the organisations' first participations and the organisations known by ``named``
    are what it read (``transforms.scoped_core.same_resolution_inputs``); else every organisation's first
    participation resolved again. Only the first participations of the organisations in the projects
    ``changed`` since the publish, now and as published, can differ."""
    source_ids = [key[len("cordis:") :] for key in changed.projects if key.startswith("cordis:")]
    if night_reads.resolution_inputs_kept(conn):
        touched = night_reads.organisations_in_projects(conn, source_ids)
        touched |= night_reads.first_published_in_projects(conn, source_ids)
        published_firsts, published_named = night_reads.published_resolution_inputs(conn, touched)
        firsts = night_reads.first_participations(conn, FIRST_PARTICIPATION_INPUTS, touched)
        if same_resolution_inputs(firsts, published_firsts, named, published_named):
            return Resolution(key_of=publish.published_organisation_keys(conn)), None
    first = night_reads.first_participations(conn, FIRST_PARTICIPATION_INPUTS)
    return resolve_organisations(first, named), resolution_inputs(first, named)


@task(cache_policy=NO_CACHE)
def build_inventory(settings: Settings) -> Inventory:
    """Core and marts from everything staged (the previous runs' rows and this run's)."""
    core = build_core_from_staging(_engine(settings), fingerprint=build_fingerprint())
    release_after(len(core.participations))  # the staging read back: built into the core, not needed again
    if core.scope is not None:
        get_run_logger().info(
            "scoped build: %d projects can differ from the last publish, %d organisations rebuilt, %d "
            "participations read; the published resolution of organisations %s",
            len(core.scope.projects),
            len(core.scope.organisations or ()),
            len(core.participations),
            "kept" if core.keeps_resolution else "not kept: resolved again",
        )
    return Inventory(core=core, marts=build_marts(core))


@task(cache_policy=NO_CACHE)
def validate_inventory(inventory: Inventory) -> list[GateResult]:
    """The core suites (referential integrity, yearly sums to the cent) and the mart suites, on the rows
    the publish writes: of a scoped core, the per-project rows of its scope and the rows of the
    organisations it rebuilt (``Core.tables``), a participation's organisation being one of those or a
    published one; the others are the published rows, which this code built and checked from the same
    staged records."""
    core = inventory.core
    bounds = gate.SCOPED_MART_BOUNDS if core.scope is not None else None
    others = core.carried.organisation_keys if core.carried is not None else ()
    return [*gate.validate_core(core.tables(), others), *gate.validate_marts(inventory.marts, bounds)]


@task(cache_policy=NO_CACHE)
def record_quality(settings: Settings, run_id: str, results: list[GateResult]) -> int:
    return quality_results.record_dq_results(_engine(settings), gate.outcome_rows(run_id, results))


def data_docs_dir(settings: Settings) -> Path:
    return settings.data_dir / "docs"


@task(cache_policy=NO_CACHE)
def build_data_docs(settings: Settings, run_id: str, results: list[GateResult]) -> Path | None:
    """GX Data Docs of this run's results into ``INVENTORY_DATA_DIR/docs`` (a separate step: a failure here
    is logged, it does not fail the run)."""
    logger = get_run_logger()
    try:
        index = gate.build_data_docs(results, data_docs_dir(settings), run_id)
    except Exception as exc:
        logger.warning("Data Docs not built: %s: %s", type(exc).__name__, exc)
        return None
    logger.info("Data Docs: %s", index)
    return index


@task(cache_policy=NO_CACHE)
def build_report(settings: Settings, data_docs: Path | None) -> Path | None:
    """The HTML report from the marts into ``INVENTORY_DATA_DIR/report`` (the last step; a failure here is
    logged and does not change the run's outcome)."""
    from reports.render import build_report as render

    logger = get_run_logger()
    out_dir = settings.data_dir / "report"
    link = os.path.relpath(data_docs, out_dir) if data_docs else None
    try:
        index = render(_engine(settings), out_dir, data_docs_url=link)
    except Exception as exc:
        logger.warning("report not built: %s: %s", type(exc).__name__, exc)
        return None
    logger.info("report: %s", index)
    return index


# --- merge and publish -----------------------------------------------------------------------------------


@task(cache_policy=NO_CACHE)
def merge(
    settings: Settings, run_id: str, cordis_staged: StagedCordis | None, vlaio_staged: StagedVlaio | None
) -> int:
    """Write the staged rows that changed (one transaction per table group); returns the rows written."""
    engine = _engine(settings)
    written = 0
    if cordis_staged is not None:
        written += loads.record_quarantine(engine, run_id, cordis_staged.quarantined)
        written += loads.merge_cordis(engine, run_id, cordis_staged.projects, cordis_staged.participations,
                                      cordis_staged.members, cordis_staged.json_projects)  # fmt: skip
    if vlaio_staged is not None:
        written += loads.merge_vlaio_pages(engine, run_id, vlaio_staged.pages)
        written += loads.merge_vlaio_projects(
            engine, run_id, vlaio_staged.projects, vlaio_staged.organisations
        )
    return written


@task(cache_policy=NO_CACHE)
def needs_publish(settings: Settings) -> bool:
    return publish.needs_publish(_engine(settings))


@task(cache_policy=NO_CACHE)
def publish_inventory(settings: Settings, run_id: str, inventory: Inventory) -> PublishResult:
    """Core history and every mart in one transaction (never retried: a half-done publish cannot exist). The
    per-project rows of unchanged projects stay as published when the same code built them."""
    result = publish.publish(
        _engine(settings),
        run_id,
        inventory.core.tables(),
        inventory.marts,
        fingerprint=build_fingerprint(),
        scope=inventory.core.scope,
    )
    rewritten = sum((result.rows_rewritten or {}).values())
    if result.projects_rewritten is None:
        get_run_logger().info(
            "published: every derived table rewritten (%s rows deleted or inserted)", rewritten
        )
    else:
        cross = "every row"
        if result.projects_scoped is not None:
            resolution = "the resolution, " if "org_resolution" in (result.rows_rewritten or {}) else ""
            cross = f"{resolution}the rebuilt organisations' rows and the theme gaps"
        get_run_logger().info(
            "published: the per-project rows of %s changed projects rewritten, of the cross-project tables %s "
            "(%s rows deleted or inserted)",
            result.projects_rewritten,
            cross,
            rewritten,
        )
    if result.projects_scoped is not None:
        get_run_logger().info(
            "published: core rows compared for the %s projects that can differ from the last publish",
            result.projects_scoped,
        )
    return result


@task(cache_policy=NO_CACHE)
def analyze_marts(settings: Settings) -> list[str]:
    """Planner statistics for the freshly published marts (PostgreSQL)."""
    return maintenance.analyze_marts(_engine(settings))


@task(cache_policy=NO_CACHE)
def current_marts(settings: Settings) -> PublishResult:
    return PublishResult(
        history_rows={}, mart_rows=publish.mart_row_counts(_engine(settings)), published=False
    )
