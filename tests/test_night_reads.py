"""What a night's scoped build reads in place of every staged participation (``warehouse.night_reads``),
against what the whole read gives, on SQLite and PostgreSQL.

Real records: the recorded CORDIS dumps. The staged ids that test the natural order in SQL (a project id
longer than another, digit text with a leading zero, a role, a missing order) are CONSTRUCTED: INSERTs of
copies of a real participation, each labelled below."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import insert, update

from flows.tasks import MAX_SCOPED_SHARE, build_core_from_staging
from tests.loading import load
from transforms.core import FIRST_PARTICIPATION_INPUTS, STAGED_PARTICIPATION_INPUTS, STAGED_PARTICIPATION_KEY
from transforms.marts import build_marts
from warehouse import night_reads, publish
from warehouse.engine import make_engine
from warehouse.publish import read_table
from warehouse.schema import stg_cordis__participations, stg_cordis__projects
from warehouse.snapshot import snapshot

FINGERPRINT = "fingerprint-of-this-code"


def _whole(engine) -> pd.DataFrame:
    """Every staged participation as the whole build reads it (natural key order)."""
    return publish.read_staged(engine, ["source_id"], STAGED_PARTICIPATION_INPUTS).cordis_participations


def _copies(engine) -> None:
    """Constructed: copies of a real staged participation, for an organisation of its own, under project ids
    and roles whose natural order differs from their text order."""
    row = read_table(engine, "stg_cordis__participations").iloc[0].to_dict()
    copies = [
        ("1000", "participant", 2),  # '1000' after '999' (text order would put it first)
        ("999", "participant", 3),
        ("0999", "participant", 1),  # the same number as '999', before it by its text
        ("0999", "coordinator", 1),  # a role before another in code-point order
        ("0999", "Zeta", 1),  # upper case first in code-point order
    ]
    with engine.begin() as conn:
        for project, role, order in copies:
            values = {
                **row,
                "project_source_id": project,
                "organisation_id": "77",
                "role": role,
                "order_no": order,
            }
            conn.execute(insert(stg_cordis__participations).values(values))


@pytest.fixture
def staged(db_url: str):
    load(db_url, "run-1")
    engine = make_engine(db_url)
    _copies(engine)
    yield engine
    engine.dispose()


def test_the_first_participations_are_the_whole_reads_first_of_each_organisation(staged) -> None:
    whole = _whole(staged)
    expected = whole.drop_duplicates("organisation_id")[FIRST_PARTICIPATION_INPUTS].reset_index(drop=True)
    with snapshot(staged) as conn:
        assert night_reads.sql_natural_order(conn)
        first = night_reads.first_participations(conn, FIRST_PARTICIPATION_INPUTS)
    pd.testing.assert_frame_equal(first, expected)
    constructed = first[first["organisation_id"] == "77"]
    assert constructed[["project_source_id", "role", "order_no"]].values.tolist() == [["0999", "Zeta", 1]]


def test_the_staged_participations_of_projects_and_organisations_are_the_whole_reads_rows(staged) -> None:
    whole = _whole(staged)
    projects = sorted(set(whole["project_source_id"]))[:3]
    organisations = sorted(set(whole["organisation_id"]) - set(whole.loc[whole["project_source_id"].isin(projects),
                                                                             "organisation_id"]))[:5]  # fmt: skip
    with snapshot(staged) as conn:
        inside = night_reads.staged_participations(conn, STAGED_PARTICIPATION_INPUTS, projects)
        outside = night_reads.staged_participations(
            conn, STAGED_PARTICIPATION_INPUTS, organisations=[*organisations, "77"], outside=projects
        )
    wanted = whole["project_source_id"].isin(projects) | (
        whole["organisation_id"].isin([*organisations, "77"]) & ~whole["project_source_id"].isin(projects)
    )
    both = night_reads.combined([outside, inside], STAGED_PARTICIPATION_INPUTS)
    pd.testing.assert_frame_equal(both, whole[wanted].reset_index(drop=True))
    assert not both.duplicated(list(STAGED_PARTICIPATION_KEY)).any()


def test_project_ids_sql_cannot_order_naturally_make_the_night_build_whole(
    staged, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = build_core_from_staging(staged)
    publish.publish(staged, "run-1", built.tables(), build_marts(built), fingerprint=FINGERPRINT)
    parts = stg_cordis__participations
    with staged.begin() as conn:  # constructed: a staged id that is not digit text, by a run not published
        conn.execute(update(parts).where(parts.c.organisation_id == "77", parts.c.project_source_id == "1000")
                     .values(project_source_id="P-1000", run_id="run-2"))  # fmt: skip
        assert not night_reads.sql_natural_order(conn)
    night = build_core_from_staging(staged, fingerprint=FINGERPRINT)
    assert night.scope is None  # every staged participation read, every row built and compared
    with staged.begin() as conn:
        conn.execute(
            update(parts).where(parts.c.project_source_id == "P-1000").values(project_source_id="1000")
        )
        assert night_reads.sql_natural_order(conn)
    assert build_core_from_staging(staged, fingerprint=FINGERPRINT).scope is not None


def test_a_night_that_changed_a_fifth_of_the_projects_or_more_builds_whole(staged) -> None:
    built = build_core_from_staging(staged)
    publish.publish(staged, "run-1", built.tables(), build_marts(built), fingerprint=FINGERPRINT)
    ids = sorted(set(read_table(staged, "stg_cordis__projects")["source_id"]))
    few, many = ids[:2], ids[: len(ids) // 2]
    projects = stg_cordis__projects
    with staged.begin() as conn:  # constructed: a few projects staged again by a run not yet published
        conn.execute(update(projects).where(projects.c.source_id.in_(few)).values(run_id="run-2"))
    assert build_core_from_staging(staged, fingerprint=FINGERPRINT).scope is not None
    with staged.begin() as conn:  # constructed: half of them
        conn.execute(update(projects).where(projects.c.source_id.in_(many)).values(run_id="run-2"))
    assert len(many) > MAX_SCOPED_SHARE * len(ids)
    assert build_core_from_staging(staged, fingerprint=FINGERPRINT).scope is None
