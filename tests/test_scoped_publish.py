"""A night's core is scoped to the projects whose rows may differ from the published ones
(``transforms.core.Core.scope``): only their participations are hashed, and the publish compares and writes
only their core rows. What a scoped publish leaves in the warehouse must be what a whole build of the same
staging gives, for every way a change reaches a project: its own records restaged, its participations gone,
the project gone, and an organisation key moved by a change in another project.

Real records: the recorded CORDIS dumps and VLAIO proeftuinen. The night's changes to staging are
CONSTRUCTED (SQL updates and deletes on the staged rows, each labelled below), as staging would leave them:
a project whose participations changed has all of them stamped with the new run."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import delete, select, update

import flows.tasks as tasks
from flows.tasks import build_core_from_staging
from quality import gate
from tests.loading import load
from tests.published_rows import assert_published
from transforms.core import Scope
from transforms.frames import natural_key
from transforms.marts import build_marts
from transforms.regions import FLANDERS
from warehouse import publish
from warehouse.engine import make_engine
from warehouse.publish import ScopeError, read_table
from warehouse.schema import core_participations, stg_cordis__participations, stg_cordis__projects

FINGERPRINT = "fingerprint-of-this-code"
NIGHT = "run-2"  # a run that has not succeeded: its staged rows are not published yet


def _restage(conn, project: str) -> None:
    """Stamp a project's participations with the night's run, as staging does when any of them changed."""
    parts = stg_cordis__participations
    conn.execute(update(parts).where(parts.c.project_source_id == project).values(run_id=NIGHT))


def _night(engine) -> tuple[dict[str, set[str]], str, str]:
    """The constructed changes; returns the project keys each kind of change must bring into scope, and the
    organisation ids of the two organisations merged (the larger PIC, the smaller)."""
    parts = read_table(engine, "stg_cordis__participations")
    ids = sorted(read_table(engine, "stg_cordis__projects")["source_id"], key=natural_key)
    by_org = parts.groupby("organisation_id")["project_source_id"].agg(set)
    retitled, removed, emptied = ids[0], ids[1], ids[2]
    used = {retitled, removed, emptied}
    flemish = parts[(parts["region"] == FLANDERS) & ~parts["project_source_id"].isin(used)].iloc[0]
    paid = flemish["project_source_id"]
    used.add(paid)
    # an organisation in several projects takes, in its first project only, the VAT number of an organisation
    # with a smaller PIC: the two merge under the smaller PIC's key, which moves the key of the larger one's
    # participations in its other projects, whose staged records did not change
    larger = max(
        (org for org, its in by_org.items() if len(its) >= 3 and not its & used and org.isdigit()), key=int
    )
    first = min(by_org[larger], key=natural_key)
    smaller = min(
        (
            org
            for org, its in by_org.items()
            if org.isdigit() and int(org) < int(larger) and not its & (used | by_org[larger])
        ),
        key=int,
    )
    vat = parts.loc[parts["organisation_id"] == smaller, "vat_number"].iloc[0]
    assert vat, "the recorded organisation has a VAT number"
    moved = by_org[larger] - {first}

    stg = stg_cordis__participations
    with engine.begin() as conn:
        # constructed: a new title naming an Industry 4.0 term (the project record staged again)
        conn.execute(
            update(stg_cordis__projects)
            .where(stg_cordis__projects.c.source_id == retitled)
            .values(title="A digital twin of the factory floor", run_id=NIGHT)
        )
        # constructed: a Flemish participant's contribution changed
        conn.execute(
            update(stg)
            .where(
                stg.c.project_source_id == paid,
                stg.c.organisation_id == flemish["organisation_id"],
                stg.c.role == flemish["role"],
                stg.c.order_no == flemish["order_no"],
            )
            .values(ec_contribution_eur=Decimal("123456.78"))
        )
        _restage(conn, paid)
        # constructed: the VAT number of the larger organisation's record in its first project
        conn.execute(
            update(stg)
            .where(stg.c.project_source_id == first, stg.c.organisation_id == larger)
            .values(vat_number=vat)
        )
        _restage(conn, first)
        # constructed: every participation of a project gone, its project record unchanged (no trace of a run)
        conn.execute(delete(stg).where(stg.c.project_source_id == emptied))
        # constructed: a project gone from staging
        conn.execute(delete(stg).where(stg.c.project_source_id == removed))
        conn.execute(delete(stg_cordis__projects).where(stg_cordis__projects.c.source_id == removed))
    keys = {name: {f"cordis:{i}" for i in its} for name, its in (
        ("retitled", {retitled}), ("paid", {paid}), ("vat", {first}), ("emptied", {emptied}),
        ("removed", {removed}), ("moved", moved),
    )}  # fmt: skip
    return keys, larger, smaller


def test_a_scoped_publish_leaves_what_a_whole_build_gives(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(db_url, "run-1", vlaio_raw_dir=tmp_path / "raw")
    engine = make_engine(db_url)
    try:
        first = build_core_from_staging(engine, fingerprint=FINGERPRINT)
        assert first.scope is None  # published without a fingerprint: every project built and compared
        publish.publish(engine, "run-1", first.tables(), build_marts(first), fingerprint=FINGERPRINT)
        expected, larger, smaller = _night(engine)

        monkeypatch.setattr(tasks, "MAX_SCOPED_SHARE", 1.0)  # a third of 31 projects changed
        night = build_core_from_staging(engine, fingerprint=FINGERPRINT)
        assert night.scope is not None and night.scope.over == "run-1"
        scope = night.scope.projects
        for kind, keys in expected.items():
            assert keys <= scope, kind
        cordis = {key for key in first.projects["project_key"] if key.startswith("cordis:")}
        assert cordis - scope, "most projects are outside the scope"
        vlaio = set(first.projects["project_key"]) - cordis
        assert vlaio and vlaio <= scope  # VLAIO projects are always in it
        # read and built: the rows of the projects in it (not those removed)
        assert set(night.projects["project_key"]) == scope - expected["removed"]
        hashed = night.participations["record_hash"].notna()
        assert hashed.equals(night.participations["project_key"].isin(scope))
        # read: the participations of the scope's projects and of the organisations they touch, not all
        assert set(night.participations["project_key"]) - scope
        assert len(night.participations) < len(first.participations)
        # what gate 2 checks and the publish writes of the per-project tables: the scope's rows (and the VLAIO
        # batch totals, keyed by no project)
        tables = night.tables()
        for name in ("core_participations", "core_project_themes", "core_yearly_funding"):
            outside = set(tables[name]["project_key"]) - scope
            assert all(key.startswith("vlaio:batch-") for key in outside), name
        assert set(build_marts(night)["mart_inventory"]["project_key"]) == scope - expected["removed"]
        # the Flemish Industry 4.0 projects outside the scope: carried as published, for the theme gaps mart
        published = read_table(engine, "mart_inventory")
        relevant = published["is_flemish"].astype(bool) & published["is_industry40"].astype(bool)
        carried = set(night.carried.flemish_inventory["project_key"])
        assert carried and carried == set(published.loc[relevant, "project_key"]) - scope
        assert set(night.carried.flemish_yearly["project_key"]) <= carried

        monkeypatch.setattr(publish, "MAX_REWRITTEN_SHARE", 1.0)  # a third of 31 projects changed
        result = publish.publish(
            engine, NIGHT, night.tables(), build_marts(night), fingerprint=FINGERPRINT, scope=night.scope
        )
        assert result.projects_rewritten is not None
        assert result.projects_scoped == len(scope)

        whole = build_core_from_staging(engine)  # no fingerprint: every project built
        assert whole.scope is None
        assert_published(engine, whole.tables(), build_marts(whole))

        # the key moved in projects whose staged records did not change: their rows got a new version
        parts = core_participations.c
        with engine.connect() as conn:
            versions = conn.execute(
                select(parts.project_key, parts.organisation_key).where(
                    parts.run_id == NIGHT, parts.source_organisation_ref == f"cordis:{larger}"
                )
            ).all()
        assert {project for project, _ in versions} >= expected["moved"]
        assert {key for _, key in versions} == {f"org:{smaller}"}
        stored = read_table(engine, "core_participations")
        current = stored[stored["is_current"].astype(bool)]
        assert not current["project_key"].isin(expected["emptied"] | expected["removed"]).any()
    finally:
        engine.dispose()


def test_a_scoped_core_is_published_only_over_the_publish_it_was_built_over(db_url: str) -> None:
    load(db_url, "run-1")
    engine = make_engine(db_url)
    tables = ("core_participations", "core_projects", "mart_inventory")
    try:
        built = build_core_from_staging(engine)
        publish.publish(engine, "run-1", built.tables(), build_marts(built), fingerprint=FINGERPRINT)
        with engine.begin() as conn:  # constructed: one project staged again, by a run not yet published
            _restage(conn, built.projects["source_id"].iloc[0])
        core = build_core_from_staging(engine, fingerprint=FINGERPRINT)
        assert core.scope is not None and core.scope.over == "run-1"
        marts = build_marts(core)
        before = {name: read_table(engine, name) for name in tables}
        with pytest.raises(ScopeError):  # the code building now is not the code that built the published rows
            publish.publish(engine, NIGHT, core.tables(), marts, fingerprint="other-code", scope=core.scope)
        # another publish came in between
        publish.publish(engine, "run-3", built.tables(), build_marts(built), fingerprint=FINGERPRINT)
        between = {name: read_table(engine, name) for name in tables}
        with pytest.raises(ScopeError):
            publish.publish(engine, NIGHT, core.tables(), marts, fingerprint=FINGERPRINT, scope=core.scope)
        for name in tables:
            pd.testing.assert_frame_equal(read_table(engine, name), between[name], obj=name)
        # what the refused publish found was the run-1 publish's rows, left as they were
        pd.testing.assert_frame_equal(between["mart_inventory"], before["mart_inventory"])
    finally:
        engine.dispose()


def test_gate_2_checks_a_scoped_cores_rows_and_a_change_outside_its_scope_is_refused(db_url: str) -> None:
    load(db_url, "run-1")
    engine = make_engine(db_url)
    try:
        built = build_core_from_staging(engine)
        publish.publish(engine, "run-1", built.tables(), build_marts(built), fingerprint=FINGERPRINT)
        source_id = min(built.projects["source_id"], key=natural_key)
        with engine.begin() as conn:  # constructed: a project and its participations staged again
            _restage(conn, source_id)
            conn.execute(
                update(stg_cordis__projects)
                .where(stg_cordis__projects.c.source_id == source_id)
                .values(run_id=NIGHT)
            )
        night = build_core_from_staging(engine, fingerprint=FINGERPRINT)
        key = f"cordis:{source_id}"
        assert night.scope is not None and key in night.scope.projects
        tables = night.tables()
        assert all(result.passed for result in gate.validate_core(tables, night.carried.organisation_keys))

        # a yearly amount of a project in the scope off by a cent: gate 2 sees it
        yearly = tables["core_yearly_funding"]
        row = yearly.index[yearly["project_key"] == key][0]
        yearly.loc[row, "eu_contribution_eur"] += Decimal("0.01")
        failed = [
            result.suite
            for result in gate.validate_core(tables, night.carried.organisation_keys)
            if not result.passed
        ]
        assert failed == ["core_yearly_funding"]

        # a core scoped to fewer projects than changed since the publish: refused, nothing written
        narrow = replace(night, scope=Scope(frozenset(), night.scope.over))
        before = {name: read_table(engine, name) for name in ("mart_inventory", "core_projects")}
        with pytest.raises(ScopeError, match="outside the scope"):
            publish.publish(
                engine,
                NIGHT,
                narrow.tables(),
                build_marts(narrow),
                fingerprint=FINGERPRINT,
                scope=narrow.scope,
            )
        for name, frame in before.items():
            pd.testing.assert_frame_equal(read_table(engine, name), frame, obj=name)

        # a core holding organisation rows outside the organisations it rebuilt (here: every organisation's
        # row, built whole, with none rebuilt): refused, nothing written
        unscoped = replace(night, organisations=built.organisations)
        unscoped = replace(unscoped, scope=replace(night.scope, organisations=frozenset()))
        with pytest.raises(ScopeError, match="organisations outside the scope"):
            publish.publish(
                engine,
                NIGHT,
                unscoped.tables(),
                build_marts(unscoped),
                fingerprint=FINGERPRINT,
                scope=unscoped.scope,
            )
        for name, frame in before.items():
            pd.testing.assert_frame_equal(read_table(engine, name), frame, obj=name)
    finally:
        engine.dispose()
