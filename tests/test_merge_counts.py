"""The rows a merge reports are source records added, changed or removed: the unit the issue's "rows written
equal the changed records" is in. A participation whose content changed is one record, not a removed and an
added one. Constructed records (a copy of the recorded dumps, edited), merged into a real SQLite warehouse."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from extractors.cordis import read_dump
from tests.loading import RECORDED_DUMPS
from transforms.cordis import stage_participations, stage_projects
from warehouse import loads
from warehouse.engine import make_engine
from warehouse.loads import merge_cordis, merge_vlaio_projects
from warehouse.migrate import upgrade
from warehouse.schema import stg_cordis__participations


def _staged() -> tuple[list[dict], list[dict]]:
    records = read_dump(RECORDED_DUMPS[0])
    return [dict(r) for r in records.projects], [dict(r) for r in records.participations]


def _merge(engine, run_id: str, projects: list[dict], participations: list[dict]) -> int:
    return merge_cordis(engine, run_id, stage_projects(projects)[0], stage_participations(participations)[0])


@pytest.mark.parametrize("chunk", [500, 2], ids=["one-chunk", "projects-two-at-a-time"])
def test_a_changed_added_and_removed_participation_and_a_changed_project_count_four(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(loads, "CHUNK", chunk)  # projects compared (and their stored rows read) per chunk
    engine = make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    upgrade(engine)
    projects, participations = _staged()
    assert len(participations) >= 3
    first = _merge(engine, "run-1", projects, participations)
    assert first == len(projects) + len(participations)
    assert _merge(engine, "run-2", projects, participations) == 0

    changed = [dict(p) for p in participations]
    changed[0]["city"] = "Elsewhere"  # same key, new content: 1
    removed = changed.pop(1)  # 1
    added = {**removed, "organisationID": "999999999", "order": "99"}  # 1
    edited_projects = [dict(p) for p in projects]
    edited_projects[0]["title"] = "A new title"  # 1
    assert _merge(engine, "run-3", edited_projects, [*changed, added]) == 4
    assert _stored(engine) == _keys(stage_participations([*changed, added])[0])

    # a project staged again without any participation loses its stored ones, each a removed record
    emptied = edited_projects[-1]["id"]
    kept = [p for p in [*changed, added] if p["projectID"] != emptied]
    lost = len(changed) + 1 - len(kept)
    assert lost > 0
    assert _merge(engine, "run-4", edited_projects, kept) == lost
    assert _stored(engine) == _keys(stage_participations(kept)[0])


def _keys(frame: pd.DataFrame) -> set[tuple]:
    columns = ["project_source_id", "organisation_id", "role", "order_no", "record_hash"]
    return {tuple(row) for row in frame[columns].itertuples(index=False)}


def _stored(engine) -> set[tuple]:
    table = stg_cordis__participations
    query = select(table.c.project_source_id, table.c.organisation_id, table.c.role, table.c.order_no,
                   table.c.record_hash)  # fmt: skip
    with engine.connect() as conn:
        return {tuple(row) for row in conn.execute(query)}


def test_a_renamed_proeftuin_organisation_is_one_changed_record(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    upgrade(engine)
    project = {"source": "vlaio", "source_id": "p1", "title": "Proeftuin", "record_hash": "h1"}
    organisations = [
        {"source": "vlaio", "project_source_id": "p1", "name": "imec", "role": "executing", "order": 1},
        {"source": "vlaio", "project_source_id": "p1", "name": "Sirris", "role": "executing", "order": 2},
    ]

    def merge(run_id: str, orgs: list[dict]) -> int:
        return merge_vlaio_projects(engine, run_id, pd.DataFrame([project]), pd.DataFrame(orgs))

    assert merge("run-1", organisations) == 3
    assert merge("run-2", organisations) == 0
    renamed = [organisations[0], {**organisations[1], "name": "Sirris vzw"}]
    assert merge("run-3", renamed) == 1
    assert merge("run-4", renamed[:1]) == 1
