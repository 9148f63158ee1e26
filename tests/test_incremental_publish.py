"""The publish rewrites only the per-project rows of the projects whose core rows changed, and what it leaves
in every derived table is exactly what the build gave (what a whole rewrite would store).

The base is the recorded CORDIS dumps (real records); the changed version is CONSTRUCTED from it by editing
the staged frames: a title that now names an Industry 4.0 term, a Flemish participant's contribution, an
organisation given another organisation's VAT number (the two merge, which changes the organisation key in
projects that did not change at all), a project removed, a project added, a project staged again by a later
run with the same content."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import delete, select

from tests.loading import staged_dumps
from tests.published_rows import assert_published as _assert_published
from transforms.core import build_core
from transforms.marts import build_marts
from transforms.regions import FLANDERS
from warehouse import publish
from warehouse.schema import mart_participations, publish_state

FINGERPRINT = "f" * 64


def _staged(run_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    projects, participations = staged_dumps()
    projects["run_id"] = run_id
    participations["run_id"] = run_id
    return projects, participations


def _built(projects: pd.DataFrame, participations: pd.DataFrame) -> tuple[dict, dict]:
    core = build_core(projects, participations)
    return core.tables(), build_marts(core)


def _changed(projects: pd.DataFrame, participations: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, set]:
    """The constructed changes; returns the frames and the projects whose own staged rows changed."""
    projects, participations = projects.copy(), participations.copy()
    ids = sorted(projects["source_id"])
    retitled, removed, restaged, template = ids[0], ids[1], ids[2], ids[3]
    projects.loc[projects["source_id"] == retitled, "title"] = "A digital twin of the factory floor"

    flemish = participations.index[
        (participations["region"] == FLANDERS)
        & ~participations["project_source_id"].isin([removed, retitled])
    ][0]
    paid = participations.loc[flemish, "project_source_id"]
    participations.loc[flemish, "ec_contribution_eur"] = Decimal("123456.78")

    # two organisations of different projects; the one with the larger PIC takes the other's VAT number, so
    # the merged organisation keeps the smaller PIC as its key and the larger one's other projects change
    by_org = participations.groupby("organisation_id")["project_source_id"].agg(set)
    candidates = [org for org, its in by_org.items() if len(its) >= 2 and not its & {removed, retitled, paid}]
    larger = max(candidates, key=int)
    taken = set().union(*by_org[[larger]]) | {removed, retitled, paid}
    smaller = min((org for org, its in by_org.items() if int(org) < int(larger) and not its & taken), key=int)
    vat = participations.loc[participations["organisation_id"] == smaller, "vat_number"].iloc[0]
    assert vat, "the recorded organisation has a VAT number"
    participations.loc[participations["organisation_id"] == larger, "vat_number"] = vat
    merged_elsewhere = by_org[larger] - {removed, retitled, paid}

    projects = projects[projects["source_id"] != removed]
    participations = participations[participations["project_source_id"] != removed]
    added = projects[projects["source_id"] == template].assign(source_id="999999999", run_id="run-2")
    added_parts = participations[participations["project_source_id"] == template].assign(
        project_source_id="999999999", run_id="run-2"
    )
    projects = pd.concat([projects, added], ignore_index=True)
    participations = pd.concat([participations, added_parts], ignore_index=True)
    projects.loc[projects["source_id"] == restaged, "run_id"] = "run-2"
    changed = {retitled, paid, removed, restaged, "999999999", *merged_elsewhere}
    return projects, participations, {f"cordis:{i}" for i in changed}


def test_only_changed_projects_rewritten_and_every_table_as_built(
    migrated_engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    projects, participations = _staged("run-1")
    base_core, base_marts = _built(projects, participations)
    first = publish.publish(migrated_engine, "run-1", base_core, base_marts, fingerprint=FINGERPRINT)
    assert first.projects_rewritten is None  # nothing published before: every table written whole
    _assert_published(migrated_engine, base_core, base_marts)

    changed_projects, changed_parts, changed = _changed(projects, participations)
    core, marts = _built(changed_projects, changed_parts)
    monkeypatch.setattr(publish, "MAX_REWRITTEN_SHARE", 1.0)  # 31 projects: the changes are a third of them
    second = publish.publish(migrated_engine, "run-2", core, marts, fingerprint=FINGERPRINT)

    assert second.projects_rewritten == len(changed)
    rewritten = second.rows_rewritten["mart_participations"]
    # deleted + inserted: the changed projects' participations, not the 1,150 of the table
    assert (
        0
        < rewritten
        <= 2 * sum(1 for key in marts["mart_participations"]["project_key"] if key in changed)
        + sum(1 for key in base_marts["mart_participations"]["project_key"] if key in changed)
    )
    assert rewritten < len(marts["mart_participations"])
    _assert_published(migrated_engine, core, marts)
    # the organisation merge changed organisation keys in projects that changed nothing of their own
    before = base_marts["mart_participations"].set_index(["project_key", "source_organisation_ref"])
    after = marts["mart_participations"].set_index(["project_key", "source_organisation_ref"])
    common = before.index.intersection(after.index)
    moved = before.loc[common, "organisation_key"] != after.loc[common, "organisation_key"]
    assert moved.any(), "the constructed VAT merge must move an organisation key"
    with migrated_engine.connect() as conn:
        stored = conn.execute(select(publish_state.c.build_fingerprint, publish_state.c.run_id)).all()
    assert [tuple(row) for row in stored] == [(FINGERPRINT, "run-2")]


def test_other_code_a_large_change_or_a_damaged_mart_rewrite_whole(migrated_engine) -> None:
    projects, participations = _staged("run-1")
    core, marts = _built(projects, participations)
    publish.publish(migrated_engine, "run-1", core, marts, fingerprint=FINGERPRINT)

    # nothing changed, same code: no project rewritten
    same = publish.publish(migrated_engine, "run-2", core, marts, fingerprint=FINGERPRINT)
    assert same.projects_rewritten == 0
    assert same.rows_rewritten["mart_inventory"] == 0

    # rows no publish accounts for (a mart emptied behind the warehouse's back) are caught by the row count
    with migrated_engine.begin() as conn:
        conn.execute(delete(mart_participations))
    repaired = publish.publish(migrated_engine, "run-3", core, marts, fingerprint=FINGERPRINT)
    assert repaired.projects_rewritten == 0
    _assert_published(migrated_engine, core, marts)

    # other code built the published rows: every table rewritten, and the new fingerprint kept
    other = publish.publish(migrated_engine, "run-4", core, marts, fingerprint="e" * 64)
    assert other.projects_rewritten is None
    assert other.rows_rewritten["mart_inventory"] == 2 * len(marts["mart_inventory"])

    # more than MAX_REWRITTEN_SHARE of the projects changed: every table rewritten
    restaged = projects.assign(run_id="run-5")
    core, marts = _built(restaged, participations)
    large = publish.publish(migrated_engine, "run-5", core, marts, fingerprint="e" * 64)
    assert large.projects_rewritten is None
    _assert_published(migrated_engine, core, marts)

    # a publish without a fingerprint rewrites whole and forgets the stored one
    publish.publish(migrated_engine, "run-6", core, marts)
    with migrated_engine.connect() as conn:
        assert conn.execute(select(publish_state)).all() == []
