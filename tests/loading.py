"""Loading dumps into a warehouse without Prefect, through the same functions the flow's tasks call, for
tests of the warehouse layers (the flow itself is tested end to end in test_refresh_e2e.py)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from extractors.cordis import read_dump
from transforms.cordis import stage_participations, stage_projects
from transforms.core import build_core
from transforms.marts import build_marts
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


def load(db_url: str, run_id: str, dumps: tuple[Path, ...] = RECORDED_DUMPS) -> publish.PublishResult:
    engine = make_engine(db_url)
    upgrade(engine)
    start_run(engine, run_id, "test-load", "cordis", "")
    projects_raw, participations_raw = [], []
    for dump in dumps:
        records = read_dump(dump)
        projects_raw += records.projects
        participations_raw += records.participations
    projects, _ = stage_projects(projects_raw)
    participations, _ = stage_participations(participations_raw)
    loads.merge_cordis(engine, run_id, projects, participations)
    staged = publish.read_staged(engine)
    core = build_core(staged.cordis_projects, staged.cordis_participations)
    result = publish.publish(engine, run_id, core.tables(), build_marts(core))
    finish_run(engine, run_id, "succeeded")
    engine.dispose()
    return result
