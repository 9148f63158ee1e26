"""The core build reads back only the staged columns it uses (``transforms.core.STAGED_*_INPUTS``): a build
from those alone gives every core table and mart a build from every staged column gives. Real records: the
recorded CORDIS dumps (HORIZON XML and H2020 JSON), staged as the flow stages them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.loading import load
from transforms.core import STAGED_PARTICIPATION_INPUTS, STAGED_PROJECT_INPUTS, build_core
from transforms.marts import build_marts
from warehouse.engine import make_engine
from warehouse.publish import read_staged


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
