"""The report reads every table as of one moment (warehouse/snapshot.py): a publish committed while it reads
does not show up half in it. The publish is simulated by a committed change from another connection, made
between two of the report's reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine

import reports.marts
from tests.report_warehouse import copy_of, recorded_warehouse
from warehouse.engine import make_engine
from warehouse.schema import mart_inventory, mart_theme_gaps
from warehouse.snapshot import snapshot

GAP = {
    "theme": "constructed",
    "year": 2020,
    "sector": "unspecified",
    "n_projects": 0,
    "eu_contribution_eur": 0,
    "flemish_contribution_eur": 0,
    "vlaio_subsidy_eur": 0,
}


def _count(bind, table) -> int:
    return bind.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.fixture
def engine(migrated_engine) -> Engine:
    return migrated_engine


def test_a_snapshot_does_not_see_what_another_connection_commits_meanwhile(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(mart_theme_gaps), [GAP])
    with snapshot(engine) as reader:
        assert _count(reader, mart_theme_gaps) == 1
        with engine.begin() as writer:  # a publish, committed while the snapshot is open
            writer.execute(insert(mart_theme_gaps), [{**GAP, "year": 2021}])
        assert _count(reader, mart_theme_gaps) == 1
    with engine.connect() as conn:
        assert _count(conn, mart_theme_gaps) == 2


def test_a_publish_between_two_reads_of_the_report_is_not_mixed_into_it(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = recorded_warehouse(tmp_path_factory.getbasetemp() / "recorded-warehouse")
    engine = make_engine(copy_of(source, tmp_path / "warehouse.sqlite"))
    with engine.connect() as conn:
        projects, gaps = _count(conn, mart_inventory), _count(conn, mart_theme_gaps)
    assert projects and gaps
    real = reports.marts.proeftuin_participations

    def publish_meanwhile(bind):
        # after the report read the inventory, another run empties two marts and commits
        with engine.begin() as writer:
            writer.execute(delete(mart_theme_gaps))
            writer.execute(delete(mart_inventory))
        return real(bind)

    monkeypatch.setattr(reports.marts, "proeftuin_participations", publish_meanwhile)
    data = reports.marts.read_report_data(engine)
    # read after the change, and still as of before it: the same state as the inventory read before it
    assert len(data.theme_gaps) == gaps
    assert data.n_projects == projects
    with engine.connect() as conn:
        assert _count(conn, mart_inventory) == 0  # the change did commit
    engine.dispose()
