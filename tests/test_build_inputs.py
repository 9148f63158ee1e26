"""The core build reads back only the staged columns it uses (``transforms.core.STAGED_*_INPUTS``): a build
from those alone gives every core table and mart a build from every staged column gives. Real records: the
recorded CORDIS dumps (HORIZON XML and H2020 JSON), staged as the flow stages them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from extractors.vlaio.reference import batch_totals, load_batches
from flows.tasks import build_core_from_staging
from tests.loading import load
from transforms.core import STAGED_PARTICIPATION_INPUTS, STAGED_PROJECT_INPUTS, build_core
from transforms.marts import build_marts
from warehouse.engine import make_engine
from warehouse.publish import iter_staged_cordis_projects, read_staged


def _built(staged) -> dict[str, pd.DataFrame]:
    core = build_core(staged.cordis_projects, staged.cordis_participations)
    return {**core.tables(), **build_marts(core)}


def test_a_build_from_the_input_columns_is_the_build_from_every_column(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    load(url, "run-1")
    engine = make_engine(url)
    whole = read_staged(engine)
    inputs = read_staged(engine, STAGED_PROJECT_INPUTS, STAGED_PARTICIPATION_INPUTS)
    engine.dispose()
    assert list(inputs.cordis_projects.columns) == STAGED_PROJECT_INPUTS
    assert len(inputs.cordis_participations.columns) < len(whole.cordis_participations.columns)
    expected, actual = _built(whole), _built(inputs)
    assert expected.keys() == actual.keys()
    for name, frame in expected.items():
        assert len(frame), name
        pd.testing.assert_frame_equal(actual[name], frame, obj=name)


def test_the_chunked_build_is_the_build_from_one_read(db_url: str, tmp_path: Path) -> None:
    """The flow's build reads the staged CORDIS projects a chunk at a time and turns them into project rows
    before it reads the participations (``flows.tasks.build_core_from_staging``): on SQLite and PostgreSQL
    (a server-side cursor), with the recorded VLAIO proeftuinen too, every core table and mart is the one
    a build from one whole read gives."""
    load(db_url, "run-1", vlaio_raw_dir=tmp_path / "raw")
    engine = make_engine(db_url)
    try:
        staged = read_staged(engine, STAGED_PROJECT_INPUTS, STAGED_PARTICIPATION_INPUTS)
        chunks = list(iter_staged_cordis_projects(engine, STAGED_PROJECT_INPUTS, chunk=7))
        whole = build_core(
            staged.cordis_projects,
            staged.cordis_participations,
            vlaio_projects=staged.vlaio_projects,
            vlaio_organisations=staged.vlaio_organisations,
            vlaio_batches=batch_totals(load_batches()),
        )
        chunked = build_core_from_staging(engine, chunk=7)
    finally:
        engine.dispose()
    # the chunks: at most 7 rows each, together the one read's rows in its order, equal text one object
    assert len(chunks) > 3 and {len(c) for c in chunks[:-1]} == {7} and len(chunks[-1]) <= 7
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), staged.cordis_projects)
    programmes = {id(value) for chunk in chunks for value in chunk["programme"]}
    assert len(programmes) == staged.cordis_projects["programme"].nunique()
    assert len(staged.vlaio_projects) and len(staged.vlaio_organisations)

    expected = {**whole.tables(), **build_marts(whole)}
    actual = {**chunked.tables(), **build_marts(chunked)}
    assert expected.keys() == actual.keys()
    for name, frame in expected.items():
        assert len(frame), name
        pd.testing.assert_frame_equal(actual[name], frame, obj=name)


def test_a_read_gives_a_rows_equal_amounts_as_one_object_and_every_amount_as_stored(db_url: str) -> None:
    """Read back (SQLite and PostgreSQL), a participation's net contribution is the same Decimal as its
    contribution where the two are equal; each amount is still what the table holds, as SQL reads it."""
    from sqlalchemy import select

    from warehouse.schema import stg_cordis__participations as table

    load(db_url, "run-1")
    engine = make_engine(db_url)
    try:
        staged = read_staged(engine).cordis_participations
        key = ["project_source_id", "organisation_id", "role", "order_no"]
        amounts = ["ec_contribution_eur", "net_ec_contribution_eur", "total_cost_eur"]
        with engine.connect() as conn:
            stored = {
                tuple(r[:4]): tuple(r[4:]) for r in conn.execute(select(*(table.c[c] for c in key + amounts)))
            }
    finally:
        engine.dispose()
    shared = 0
    for row in staged[key + amounts].itertuples(index=False):
        ec, net, total = row[4:]
        assert tuple(map(repr, (ec, net, total))) == tuple(map(repr, stored[tuple(row[:4])]))
        if ec is not None and repr(net) == repr(ec):
            assert net is ec
            shared += 1
    assert shared > 0
