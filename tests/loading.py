"""Loading dumps into a warehouse without Prefect, through the same functions the flow's tasks call, for
tests of the warehouse layers (the flow itself is tested end to end in test_refresh_e2e.py)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

from extractors.cordis import read_dump
from extractors.cordis.records import CordisRecords
from extractors.http import make_session
from extractors.vlaio import crawl, read_page, read_projects
from extractors.vlaio.reference import batch_totals, load_batches, load_reference
from inventory.mirror import RECORDED_MIRROR, serve_mirror, source_urls
from transforms.cordis import stage_participations, stage_projects
from transforms.core import build_core
from transforms.marts import build_marts
from transforms.vlaio import reference_only, stage_organisations, stage_pages
from transforms.vlaio import stage_projects as stage_vlaio_projects
from warehouse import loads, publish
from warehouse.engine import make_engine
from warehouse.ledger import finish_run, start_run
from warehouse.migrate import upgrade

MIRROR_DATA = Path(__file__).resolve().parents[1] / "recorded" / "mirror" / "cordis.europa.eu" / "data"
RECORDED_DUMPS = (
    MIRROR_DATA / "cordis-h2020projects-json.zip",
    MIRROR_DATA / "cordis-HORIZONprojects-xml.zip",
)


def xml_dump(path: Path, documents: dict[str, Path]) -> Path:
    """A constructed XML dump zip holding the given real project documents."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, document in documents.items():
            archive.write(document, name)
    return path


def load_vlaio(engine, run_id: str, raw_dir: Path, mirror: Path = RECORDED_MIRROR) -> int:
    """Crawl the recorded VLAIO pages (served on loopback) and stage the proeftuinen as the flow does."""
    import datetime

    with serve_mirror(mirror) as bases:
        urls = source_urls(bases)
        result = crawl(make_session(1), urls["VLAIO_BASE_URL"], raw_dir, datetime.date(2026, 11, 27), 10,
                       industrie40_base_url=urls["INDUSTRIE40_BASE_URL"], delay_s=0)  # fmt: skip
    extraction = read_projects(result)
    reference = load_reference()
    projects = stage_vlaio_projects(extraction.projects, reference=reference)
    organisations = stage_organisations(extraction.projects)
    missing_projects, missing_orgs = reference_only(reference, projects)
    projects = pd.concat([projects, missing_projects], ignore_index=True)
    organisations = pd.concat([organisations, missing_orgs], ignore_index=True)
    written = loads.merge_vlaio_pages(engine, run_id, stage_pages(read_page(page) for page in result.pages))
    return written + loads.merge_vlaio_projects(engine, run_id, projects, organisations)


def staged_dumps(dumps: tuple[Path, ...] = RECORDED_DUMPS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The projects and participations of ``dumps``, staged (cast and hashed) as the flow stages them."""
    projects_raw, participations_raw = [], []
    for dump in dumps:
        records = read_dump(dump)
        projects_raw += records.projects
        participations_raw += records.participations
    projects, _ = stage_projects(projects_raw)
    participations, _ = stage_participations(participations_raw)
    return projects, participations


def load(
    db_url: str, run_id: str, dumps: tuple[Path, ...] = RECORDED_DUMPS, vlaio_raw_dir: Path | None = None
) -> publish.PublishResult:
    """Load the recorded CORDIS ``dumps`` and, when ``vlaio_raw_dir`` is given (where the crawl lands its
    pages), the recorded VLAIO proeftuinen with the reference's batch totals; then publish."""
    engine = make_engine(db_url)
    upgrade(engine)
    start_run(engine, run_id, "test-load", "cordis,vlaio" if vlaio_raw_dir else "cordis", "")
    if vlaio_raw_dir is not None:
        load_vlaio(engine, run_id, vlaio_raw_dir)
    projects, participations = staged_dumps(dumps)
    loads.merge_cordis(engine, run_id, projects, participations)
    staged = publish.read_staged(engine)
    core = build_core(
        staged.cordis_projects,
        staged.cordis_participations,
        vlaio_projects=staged.vlaio_projects,
        vlaio_organisations=staged.vlaio_organisations,
        vlaio_batches=batch_totals(load_batches()) if not staged.vlaio_projects.empty else None,
    )
    result = publish.publish(engine, run_id, core.tables(), build_marts(core))
    finish_run(engine, run_id, "succeeded")
    engine.dispose()
    return result


def records_by_project(records: CordisRecords) -> dict[str, list[str]]:
    """project id -> the reprs of its project and participation records, sorted: two reads of dumps compared
    project by project."""
    grouped: dict[str, list[str]] = {}
    for record in records.projects:
        grouped.setdefault(record["id"], []).append(repr(sorted(record.items())))
    for record in records.participations:
        grouped.setdefault(record["projectID"], []).append(repr(sorted(record.items())))
    return {pid: sorted(rows) for pid, rows in grouped.items()}
