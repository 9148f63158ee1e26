"""A night keeps the published resolution of organisations when what it would read is what the published one
read (``org_resolution_inputs``: each organisation's first staged participation in natural key order, then
the organisations known by name), and resolves them all again otherwise (``flows.tasks._night_resolution``).
Whichever it does, what its publish leaves in the warehouse must be what a whole build of the same staging
gives, the resolution's tables included.

Real records: the recorded CORDIS dumps and VLAIO proeftuinen. Every change to staging is CONSTRUCTED (SQL
updates, inserts and deletes on the staged rows, each labelled below), as staging would leave it: a project
whose participations changed has all of them stamped with the new run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import delete, insert, select, update

from flows.tasks import build_core_from_staging
from tests.loading import load
from tests.published_rows import assert_published
from transforms.frames import natural_key
from transforms.marts import build_marts
from warehouse import publish
from warehouse.engine import make_engine
from warehouse.publish import read_table
from warehouse.schema import org_resolution_inputs, stg_cordis__participations, stg_vlaio__organisations

FINGERPRINT = "fingerprint-of-this-code"
NIGHT = "run-2"  # a run that has not succeeded: its staged rows are not published yet
STG = stg_cordis__participations


def _restage(conn, project: str) -> None:
    """Stamp a project's participations with the night's run, as staging does when any of them changed."""
    conn.execute(update(STG).where(STG.c.project_source_id == project).values(run_id=NIGHT))


def _staged(engine) -> tuple[pd.DataFrame, list[str]]:
    parts = read_table(engine, "stg_cordis__participations")
    return parts, sorted(set(parts["project_source_id"]), key=natural_key)


def _copy_row(conn, project: str, organisation: str, **values) -> None:
    """Constructed: a staged participation of ``organisation`` copied from its row in ``project``, with
    ``values`` changed."""
    row = conn.execute(
        select(STG).where(STG.c.project_source_id == project, STG.c.organisation_id == organisation).limit(1)
    ).one()
    conn.execute(insert(STG).values({**row._asdict(), **values}))


def _respelt_city(engine) -> None:
    """Constructed: one partner's city respelt (what no resolution reads)."""
    parts, _ = _staged(engine)
    row = parts[parts["city"].notna()].iloc[0]
    with engine.begin() as conn:
        conn.execute(
            update(STG)
            .where(
                STG.c.project_source_id == row["project_source_id"],
                STG.c.organisation_id == row["organisation_id"],
            )
            .values(city=str(row["city"]).swapcase())
        )
        _restage(conn, row["project_source_id"])


def _new_organisation(engine) -> None:
    """Constructed: an organisation never staged before takes part in a project."""
    parts, _ = _staged(engine)
    row = parts.iloc[0]
    with engine.begin() as conn:
        _copy_row(conn, row["project_source_id"], row["organisation_id"], organisation_id="999999999",
                  name="A NEW ORGANISATION NV", vat_number=None, order_no=990)  # fmt: skip
        _restage(conn, row["project_source_id"])


def _renamed_vlaio_organisation(engine) -> None:
    """Constructed: a VLAIO page names one of its organisations another way."""
    with engine.begin() as conn:
        first = conn.execute(select(stg_vlaio__organisations).limit(1)).one()
        conn.execute(
            update(stg_vlaio__organisations)
            .where(
                stg_vlaio__organisations.c.project_source_id == first.project_source_id,
                stg_vlaio__organisations.c.order_no == first.order_no,
            )
            .values(name=f"{first.name} (renamed)", run_id=NIGHT)
        )


def _inputs_not_stored(engine) -> None:
    """Constructed: a warehouse published before ``org_resolution_inputs`` existed (none stored), and a
    night that changed what no resolution reads."""
    with engine.begin() as conn:
        conn.execute(delete(org_resolution_inputs))
    _respelt_city(engine)


NIGHTS: dict[str, tuple[Callable, bool]] = {
    "a city respelt": (_respelt_city, True),
    "a new organisation": (_new_organisation, False),
    "a VLAIO organisation renamed": (_renamed_vlaio_organisation, False),
    "no inputs stored": (_inputs_not_stored, False),
}


@pytest.mark.parametrize("night_name", list(NIGHTS))
def test_a_night_keeps_the_published_resolution_only_when_its_inputs_are_the_same(
    db_url: str, tmp_path: Path, night_name: str
) -> None:
    change, keeps = NIGHTS[night_name]
    load(db_url, "run-1", vlaio_raw_dir=tmp_path / "raw")
    engine = make_engine(db_url)
    try:
        first = build_core_from_staging(engine, fingerprint=FINGERPRINT)
        publish.publish(engine, "run-1", first.tables(), build_marts(first), fingerprint=FINGERPRINT)
        stored = read_table(engine, "org_resolution_inputs")
        assert len(stored) == len(read_table(engine, "org_resolution")) > 0
        change(engine)

        night = build_core_from_staging(engine, fingerprint=FINGERPRINT)
        assert night.scope is not None
        assert night.keeps_resolution is keeps
        result = publish.publish(
            engine, NIGHT, night.tables(), build_marts(night), fingerprint=FINGERPRINT, scope=night.scope
        )
        # a kept resolution's tables are not written at all
        assert ("org_resolution" in result.rows_rewritten) is not keeps
        whole = build_core_from_staging(engine)  # no fingerprint: every project built, every organisation
        assert_published(engine, whole.tables(), build_marts(whole))
    finally:
        engine.dispose()


def test_an_organisation_whose_first_participation_moved_is_resolved_again(
    db_url: str, tmp_path: Path
) -> None:
    """Two organisations share a VAT number: the one whose participation comes first is resolved by its id,
    the other by the VAT number. A night gives the second one a participation in an earlier project; no
    value the resolution reads changed, only which participation comes first, and with it the rules."""
    load(db_url, "run-1", vlaio_raw_dir=tmp_path / "raw")
    engine = make_engine(db_url)
    parts, projects = _staged(engine)
    earliest = projects[0]
    elsewhere = parts[~parts["organisation_id"].isin(parts.loc[parts["project_source_id"] == earliest,
                                                                "organisation_id"])]  # fmt: skip
    first_project = elsewhere.groupby("organisation_id")["project_source_id"].agg(
        lambda ids: min(ids, key=natural_key)
    )
    candidates = sorted((org for org in first_project.index if org.isdigit()),
                        key=lambda org: natural_key(first_project[org]))  # fmt: skip
    with_vat = parts.loc[parts["vat_number"].fillna("") != "", "organisation_id"]
    a = next(org for org in candidates if org in set(with_vat))
    b = next(org for org in candidates if natural_key(first_project[org]) > natural_key(first_project[a]))
    vat = parts.loc[parts["organisation_id"] == a, "vat_number"].iloc[0]
    try:
        with engine.begin() as conn:  # constructed, before the first publish: b has a's VAT number
            conn.execute(update(STG).where(STG.c.organisation_id == b).values(vat_number=vat))
        first = build_core_from_staging(engine, fingerprint=FINGERPRINT)
        publish.publish(engine, "run-1", first.tables(), build_marts(first), fingerprint=FINGERPRINT)
        before = read_table(engine, "org_resolution").set_index("source_ref")["rule"]
        assert (before[a], before[b]) == ("cordis_id", "vat")

        with engine.begin() as conn:  # constructed: b takes part in the earliest project too
            _copy_row(conn, first_project[b], b, project_source_id=earliest, order_no=990, run_id=NIGHT)
            _restage(conn, earliest)
        night = build_core_from_staging(engine, fingerprint=FINGERPRINT)
        assert night.scope is not None and not night.keeps_resolution
        publish.publish(
            engine, NIGHT, night.tables(), build_marts(night), fingerprint=FINGERPRINT, scope=night.scope
        )
        after = read_table(engine, "org_resolution").set_index("source_ref")["rule"]
        assert (after[a], after[b]) == ("vat", "cordis_id")
        whole = build_core_from_staging(engine)
        assert_published(engine, whole.tables(), build_marts(whole))
    finally:
        engine.dispose()


def test_a_night_rebuilds_only_the_organisations_whose_rows_can_differ(db_url: str, tmp_path: Path) -> None:
    """Two partners' cities respelt in a night: one in the record that gives the organisation its
    attributes (the last of its lowest PIC), which rebuilds it, and one in an earlier record of another
    organisation, which leaves that one as published (its row and mart row neither rebuilt nor written, none
    of its other participations read)."""
    load(db_url, "run-1", vlaio_raw_dir=tmp_path / "raw")
    engine = make_engine(db_url)
    parts, projects = _staged(engine)
    order = {source_id: index for index, source_id in enumerate(projects)}
    parts = parts[parts["city"].notna() & parts["organisation_id"].str.isdigit()]
    spread = parts.groupby("organisation_id")["project_source_id"].agg(
        lambda ids: sorted(set(ids), key=order.get)
    )
    several = [org for org, ids in spread.items() if len(ids) >= 2]
    earlier_org, last_org = several[0], several[1]
    earlier_project, last_project = spread[earlier_org][0], spread[last_org][-1]
    try:
        first = build_core_from_staging(engine, fingerprint=FINGERPRINT)
        publish.publish(engine, "run-1", first.tables(), build_marts(first), fingerprint=FINGERPRINT)
        with engine.begin() as conn:  # constructed: the two cities respelt
            for project, org in ((earlier_project, earlier_org), (last_project, last_org)):
                conn.execute(
                    update(STG)
                    .where(STG.c.project_source_id == project, STG.c.organisation_id == org)
                    .values(city="Respelt")
                )
                _restage(conn, project)
        night = build_core_from_staging(engine, fingerprint=FINGERPRINT)
        assert night.scope is not None and night.keeps_resolution
        rebuilt = night.scope.organisations
        key_of = read_table(engine, "org_resolution").set_index("source_ref")["organisation_key"]
        assert key_of[earlier_org] not in rebuilt and key_of[last_org] in rebuilt
        # the core and the organisations mart hold the rebuilt organisations' rows only
        assert set(night.organisations["organisation_key"]) <= rebuilt
        assert set(build_marts(night)["mart_organisations"]["organisation_key"]) <= rebuilt
        assert key_of[earlier_org] in night.carried.organisation_keys
        # of the earlier organisation, only its participations in the scope were read
        own = night.participations[night.participations["organisation_key"] == key_of[earlier_org]]
        assert set(own["project_key"]) <= night.scope.projects
        publish.publish(
            engine, NIGHT, night.tables(), build_marts(night), fingerprint=FINGERPRINT, scope=night.scope
        )
        organisations = read_table(engine, "core_organisations")
        current = organisations[organisations["is_current"].astype(bool)].set_index("organisation_key")
        assert current.loc[key_of[last_org], "city"] == "Respelt"
        assert current.loc[key_of[earlier_org], "city"] != "Respelt"
        whole = build_core_from_staging(engine)
        assert_published(engine, whole.tables(), build_marts(whole))
    finally:
        engine.dispose()
