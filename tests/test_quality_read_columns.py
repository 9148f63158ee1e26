"""The gate hands GX only the values its expectations read (``Suite.read_columns``); every other column keeps
its name with a one-byte placeholder. The outcomes must be exactly those of validating the whole frame: on the
real recorded dumps as staged, and with CONSTRUCTED faults put into them (a role outside the set, a project
staged twice, a participation without an order number, a country that is not a code, a project ending
before it starts, a missing column)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from quality import gate, gx_engine
from quality.catalog import suite
from quality.derive import comparable
from quality.outcomes import outcomes_of
from tests.loading import staged_dumps


def _whole(name: str, frame: pd.DataFrame):
    spec = suite(name)
    converted = comparable(frame, money=spec.money_columns, dates=spec.date_columns)
    return outcomes_of(spec.name, gx_engine.run_suite(spec, converted), spec.key_columns)


def _faulty_participations(participations: pd.DataFrame) -> pd.DataFrame:
    bad = participations.copy()
    bad.loc[0, "role"] = "sponsor"
    bad.loc[1, "order_no"] = None
    bad.loc[2, "country"] = "Belgium"
    return pd.concat([bad, bad.iloc[[3]]], ignore_index=True)  # a participation twice


def _faulty_projects(projects: pd.DataFrame) -> pd.DataFrame:
    bad = projects.copy()
    bad.loc[0, "end_date"] = date(2000, 1, 1)
    return pd.concat([bad, bad.iloc[[1]]], ignore_index=True)  # a project twice


@pytest.mark.parametrize("faults", [False, True], ids=["as-staged", "constructed-faults"])
def test_outcomes_equal_those_of_the_whole_frame(faults: bool) -> None:
    projects, participations = staged_dumps()
    if faults:
        projects, participations = _faulty_projects(projects), _faulty_participations(participations)
    for name, frame in (("stg_cordis__projects", projects), ("stg_cordis__participations", participations)):
        narrowed = gate._validate(suite(name), frame)
        assert narrowed.outcomes == _whole(name, frame).outcomes
        assert narrowed.passed == (not faults)


def test_a_missing_column_still_fails_the_column_set() -> None:
    _, participations = staged_dumps()
    without = participations.drop(columns=["street"])  # read by no expectation, listed in the column set
    assert "street" not in suite("stg_cordis__participations").read_columns()
    narrowed = gate._validate(suite("stg_cordis__participations"), without)
    assert not narrowed.passed
    assert narrowed.outcomes == _whole("stg_cordis__participations", without).outcomes


def test_unread_columns_are_placeholders_and_the_frame_is_not_copied() -> None:
    _, participations = staged_dumps()
    spec = suite("stg_cordis__participations")
    read = spec.read_columns()
    converted = comparable(participations, money=spec.money_columns, read=read)
    assert list(converted.columns) == list(participations.columns)
    for column in participations.columns:
        if column not in read:
            assert converted[column].dtype == bool and not converted[column].any()
        elif column in spec.money_columns:
            assert converted[column].dtype == float
        else:
            assert np.shares_memory(converted[column].to_numpy(), participations[column].to_numpy())
