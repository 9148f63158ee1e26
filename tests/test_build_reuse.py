"""A build by the code that built the last publish reads, matches and hashes only the CORDIS projects staged
since; the others take their published row, hash and themes as they are (``flows.tasks.
build_core_from_staging`` with a fingerprint), and every core table and mart is the one a whole build gives.
Real records: the recorded CORDIS dumps and VLAIO proeftuinen; the night's changes to staging are
constructed (an UPDATE, labelled below)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select, update

import transforms.core
import warehouse.publish
from flows.tasks import build_core_from_staging
from tests.loading import load
from transforms.marts import build_marts
from warehouse import publish
from warehouse.engine import make_engine
from warehouse.schema import stg_cordis__projects

FINGERPRINT = "fingerprint-of-this-code"
# the tables a scoped core holds the scope's rows of (``Core.in_scope``)
PER_PROJECT = {"core_projects", "core_participations", *(table.name for table in publish.PER_PROJECT_TABLES)}
# the tables a scoped core holds the rebuilt organisations' rows of (``Scope.organisations``)
ORGANISATION_TABLES = {"core_organisations", "mart_organisations"}


def _tables(core) -> dict[str, pd.DataFrame]:
    return {**core.tables(), **build_marts(core)}


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, list]:
    """The titles of the records the build matches, and the source ids of the staged projects it reads."""
    seen: dict[str, list] = {"matched": [], "read": []}
    matches, read = transforms.core.matches, warehouse.publish.iter_staged_cordis_projects

    def counting_matches(record: dict) -> list[dict]:
        seen["matched"].append(record.get("title"))
        return matches(record)

    def counting_read(*args, **kwargs):
        for frame in read(*args, **kwargs):
            seen["read"] += frame["source_id"].tolist()
            yield frame

    monkeypatch.setattr(transforms.core, "matches", counting_matches)
    monkeypatch.setattr(warehouse.publish, "iter_staged_cordis_projects", counting_read)
    return seen


def test_a_night_rebuilds_the_projects_it_staged_and_takes_the_others_as_published(
    db_url: str, tmp_path: Path, counted: dict[str, list]
) -> None:
    load(db_url, "run-1", vlaio_raw_dir=tmp_path / "raw")
    engine = make_engine(db_url)
    try:
        first = build_core_from_staging(engine)
        publish.publish(engine, "run-1", first.tables(), build_marts(first), fingerprint=FINGERPRINT)
        with engine.connect() as conn:
            ids = conn.execute(select(stg_cordis__projects.c.source_id).order_by("source_id")).scalars().all()
        # constructed: a night that staged three projects again, two with a new title that names a theme
        # they did not have, one with the same title (a field the core does not read changed)
        changed = {ids[0]: "A digital twin of the plant", ids[3]: "Predictive maintenance of robots"}
        with engine.begin() as conn:
            for source_id, title in changed.items():
                conn.execute(
                    update(stg_cordis__projects)
                    .where(stg_cordis__projects.c.source_id == source_id)
                    .values(title=title, run_id="run-2")
                )
            conn.execute(
                update(stg_cordis__projects)
                .where(stg_cordis__projects.c.source_id == ids[5])
                .values(run_id="run-2")
            )

        counted["matched"].clear()
        counted["read"].clear()
        reused = build_core_from_staging(engine, chunk=2, fingerprint=FINGERPRINT)
        night = {key: list(values) for key, values in counted.items()}
        counted["matched"].clear()
        counted["read"].clear()
        rebuilt = build_core_from_staging(engine)
        whole = {key: list(values) for key, values in counted.items()}
        counted["read"].clear()
        other_code = build_core_from_staging(engine, fingerprint="another-fingerprint")
    finally:
        engine.dispose()

    vlaio = len(rebuilt.projects) - len(ids)  # VLAIO projects are always built: a handful
    assert len(ids) > 20 and vlaio > 0
    assert sorted(whole["read"]) == sorted(counted["read"]) == sorted(ids)  # other code: every project
    assert len(whole["matched"]) == len(ids) + vlaio
    # this code: only the three projects staged again are read and matched
    assert sorted(night["read"]) == sorted([ids[0], ids[3], ids[5]])
    assert len(night["matched"]) == 3 + vlaio and set(changed.values()) <= set(night["matched"])

    # the core is scoped to the projects staged since and the VLAIO projects: only their participations hashed
    keys = {f"cordis:{ids[i]}" for i in (0, 3, 5)}
    assert reused.scope.projects == keys | {
        key for key in reused.projects["project_key"] if key.startswith("vlaio:")
    }
    assert rebuilt.scope is None and other_code.scope is None
    # it read the participations of those projects, and the other ones of the organisations they touch
    inside = reused.participations["project_key"].isin(reused.scope.projects)
    assert inside.any() and not inside.all()
    assert len(reused.participations) < len(rebuilt.participations)
    assert reused.participations.loc[~inside, "record_hash"].isna().all()

    expected = _tables(rebuilt)
    actual = _tables(reused)
    # no organisation's first participation changed: the night keeps the published resolution (its tables
    # are left out of the core), and that is the resolution a whole build of the night's staging gives
    assert reused.keeps_resolution and not rebuilt.keeps_resolution and not other_code.keeps_resolution
    for name in publish.RESOLUTION_TABLES:
        pd.testing.assert_frame_equal(expected.pop(name), first.tables()[name], obj=name)
    assert expected.keys() == actual.keys()
    for name, frame in expected.items():
        assert len(frame), name
        if name in PER_PROJECT:
            frame = reused.in_scope(frame)
            outside = set(frame["project_key"]) - reused.scope.projects
            assert all(key.startswith("vlaio:batch-") for key in outside), name  # a batch total: no project's
        if name in ORGANISATION_TABLES:  # the rebuilt organisations' rows
            frame = frame[frame["organisation_key"].isin(reused.scope.organisations)].reset_index(drop=True)
        pd.testing.assert_frame_equal(actual[name], frame, obj=name)
    for name, frame in _tables(other_code).items():
        pd.testing.assert_frame_equal(frame, _tables(rebuilt)[name], obj=name)

    # the new titles changed what the build says about those projects: they were rebuilt, not taken
    themes = reused.themes
    twin = themes[(themes["project_key"] == f"cordis:{ids[0]}") & (themes["theme"] == "digital twins")]
    assert twin["field"].tolist() == ["title"]
    before = first.projects.set_index("project_key")["record_hash"]
    after = reused.projects.set_index("project_key")["record_hash"]
    assert after[f"cordis:{ids[0]}"] != before[f"cordis:{ids[0]}"]
    assert after[f"cordis:{ids[5]}"] == before[f"cordis:{ids[5]}"]
