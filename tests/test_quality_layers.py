"""The staging, core and mart suites, on frames built by the real pipeline from the recorded dumps (GX runs
for real): clean frames pass every critical expectation, and each class of bad data fails the right suite
with the expectation named in the summary."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from extractors.cordis import read_dump
from quality.catalog import suite, suite_names
from quality.gate import (
    CRITICAL,
    MART_SUITES,
    WARNING,
    GateResult,
    validate_core,
    validate_marts,
    validate_staging,
)
from tests.loading import RECORDED_DUMPS
from transforms.cordis import (
    PARTICIPATION_FRAME_COLUMNS,
    PROJECT_FRAME_COLUMNS,
    stage_participations,
    stage_projects,
)
from transforms.core import CORE_PROJECT_COLUMNS, PARTICIPATION_KEY, Core, build_core
from transforms.marts import MART_COLUMNS, build_marts

VLAIO_COLUMNS = list(suite("stg_vlaio__projects").required_columns())


@functools.cache
def _staged() -> tuple[pd.DataFrame, pd.DataFrame]:
    projects, participations = [], []
    for dump in RECORDED_DUMPS:
        records = read_dump(dump)
        projects += records.projects
        participations += records.participations
    return stage_projects(projects)[0], stage_participations(participations)[0]


def staged_frames() -> dict[str, pd.DataFrame]:
    """Clean staged frames: the recorded CORDIS dumps staged by the real transforms, plus constructed VLAIO
    projects (no VLAIO project transform exists yet)."""
    projects, participations = _staged()
    return {
        "stg_cordis__projects": projects.copy(),
        "stg_cordis__participations": participations.copy(),
        "stg_vlaio__projects": _vlaio_projects(),
    }


def _vlaio_projects() -> pd.DataFrame:
    # Constructed (not recorded) rows in the shape of the VLAIO staging: two proeftuinen.
    rows = [
        {
            "source": "vlaio",
            "source_id": f"proeftuin-{n}",
            "title": f"Proeftuin {n}",
            "programme": "proeftuin Industrie 4.0",
            "funding_scheme": "proeftuin",
            "status": "afgelopen",
            "start_date": date(2018, 1, 1),
            "end_date": date(2020, 12, 31),
            "total_cost_eur": Decimal("1000000.00"),
            "subsidy_eur": Decimal("800000.00") if n == 1 else None,
            "themes": "digital twin",
            "sectors": "maakindustrie",
            "focus": "Digital twins for SMEs",
            "source_url": f"https://www.vlaio.be/nl/proeftuin-{n}",
            "language": "nl",
            "batch": "1",
            "record_hash": f"hash-{n}",
        }
        for n in (1, 2)
    ]
    return pd.DataFrame(rows, columns=VLAIO_COLUMNS, dtype=object)


@functools.cache
def _core() -> Core:
    projects, participations = _staged()
    batches = pd.DataFrame(
        [{"batch": "1", "title": "Proeftuinen", "total_subsidy_eur": "3000000.00", "years": "2018-2020",
          "split": "even", "source": "constructed"}]
    )  # fmt: skip
    return build_core(projects, participations, _vlaio_projects(), vlaio_batches=batches)


def core_frames() -> dict[str, pd.DataFrame]:
    return {name: frame.copy() for name, frame in _core().tables().items()}


@functools.cache
def _marts() -> dict[str, pd.DataFrame]:
    return build_marts(_core())


def mart_frames() -> dict[str, pd.DataFrame]:
    return {name: frame.copy() for name, frame in _marts().items()}


def clean_results() -> list[GateResult]:
    """The results of every suite on the clean frames of one run."""
    return list(_clean_results())


@functools.cache
def _clean_results() -> tuple[GateResult, ...]:
    return (*validate_staging(staged_frames()), *validate_core(core_frames()), *validate_marts(mart_frames()))


def _by_suite(results: list[GateResult]) -> dict[str, GateResult]:
    return {r.suite: r for r in results}


def _assert_blocked(result: GateResult, expectation: str, column: str, observed: str | None = None) -> None:
    summary = result.summary()
    assert result.passed is False, summary
    assert re.search(rf"^{result.suite}: {expectation}\([^)]*\b{column}\b[^)]*\) failed — ", summary, re.M), (
        summary
    )
    failed = [o for o in result.failures if o.expectation == expectation and column in (o.column or "")]
    assert failed and all(o.severity == CRITICAL for o in failed), summary
    if observed is not None:
        assert observed in summary, summary


def _assert_warned(result: GateResult, expectation: str, column: str, observed: str | None = None) -> None:
    summary = result.summary()
    assert result.passed is True, summary
    assert f"{result.suite}: {expectation}({column}) failed [warning] — " in summary, summary
    assert all(o.severity == WARNING for o in result.failures), summary
    if observed is not None:
        assert observed in summary, summary


# --- clean ------------------------------------------------------------------------------------------


def test_clean_frames_of_the_pipeline_pass_every_critical_expectation() -> None:
    results = clean_results()

    assert [r.suite for r in results] == [
        "stg_cordis__projects", "stg_cordis__participations", "stg_vlaio__projects",
        "core_projects", "core_organisations", "core_participations", "core_yearly_funding", *MART_SUITES,
    ]  # fmt: skip
    blocking = [o for r in results for o in r.outcomes if o.severity == CRITICAL and not o.success]
    assert blocking == [], "\n".join(r.summary() for r in results)
    assert all(r.passed for r in results)
    assert {r.suite for r in results} == set(suite_names())
    for result in results:
        assert len(result.outcomes) == len(suite(result.suite).expectations)
        assert result.validation is not None and result.validation["suite_name"] == result.suite


def test_yearly_check_compares_every_dated_project_and_skips_batches() -> None:
    core = core_frames()
    yearly_keys = set(core["core_yearly_funding"]["project_key"])

    assert "vlaio:batch-1" in yearly_keys and "vlaio:proeftuin-1" in yearly_keys
    (result,) = validate_core({**core, "core_yearly_funding": core["core_yearly_funding"]})[-1:]
    assert result.suite == "core_yearly_funding" and result.passed


def test_the_declared_columns_are_the_pipeline_columns() -> None:
    assert set(suite("stg_cordis__projects").required_columns()) <= set(PROJECT_FRAME_COLUMNS)
    assert list(suite("stg_cordis__participations").required_columns()) == PARTICIPATION_FRAME_COLUMNS
    for name in MART_SUITES:
        assert list(suite(name).required_columns()) == MART_COLUMNS[name]
    assert set(MART_SUITES) == set(MART_COLUMNS)
    assert "project_key" in CORE_PROJECT_COLUMNS
    assert tuple(suite("core_participations").expectations[2].kwargs["column_list"]) == tuple(
        PARTICIPATION_KEY
    )


# --- staging ----------------------------------------------------------------------------------------


def _participations(mutate: Callable[[pd.DataFrame], None]) -> GateResult:
    frame = staged_frames()["stg_cordis__participations"]
    mutate(frame)
    (result,) = validate_staging({"stg_cordis__participations": frame})
    return result


def _vlaio(mutate: Callable[[pd.DataFrame], None]) -> GateResult:
    frame = _vlaio_projects()
    mutate(frame)
    (result,) = validate_staging({"stg_vlaio__projects": frame})
    return result


def _set(row: int, column: str, value: Any) -> Callable[[pd.DataFrame], None]:
    def mutate(df: pd.DataFrame) -> None:
        df.at[row, column] = value

    return mutate


def _copy_row(source: int, target: int) -> Callable[[pd.DataFrame], None]:
    def mutate(df: pd.DataFrame) -> None:
        for column in ("project_source_id", "organisation_id", "role", "order_no"):
            df.at[target, column] = df.at[source, column]

    return mutate


@pytest.mark.parametrize(
    ("mutate", "expectation", "column", "observed"),
    [
        pytest.param(_set(3, "organisation_id", None), "expect_column_values_to_not_be_null", "organisation_id",
                     "1 unexpected", id="null-organisation_id"),
        pytest.param(_set(5, "order_no", None), "expect_column_values_to_not_be_null", "order_no",
                     "1 unexpected", id="null-order_no"),
        pytest.param(_copy_row(0, 7), "expect_compound_columns_to_be_unique", "organisation_id",
                     "2 unexpected", id="duplicate-key"),
        pytest.param(_set(2, "ec_contribution_eur", Decimal("-0.01")), "expect_column_values_to_be_between",
                     "ec_contribution_eur", "1 unexpected: [-0.01] (project_source_id/organisation_id: [", id="negative"),
    ],
)  # fmt: skip
def test_bad_participations_block(
    mutate: Callable[[pd.DataFrame], None], expectation: str, column: str, observed: str
) -> None:
    _assert_blocked(_participations(mutate), expectation, column, observed)


def test_negative_participation_amount_names_the_participation() -> None:
    frame = staged_frames()["stg_cordis__participations"]
    key = f"{frame.at[2, 'project_source_id']}/{frame.at[2, 'organisation_id']}"

    result = _participations(_set(2, "ec_contribution_eur", Decimal("-5.00")))

    assert f"(project_source_id/organisation_id: ['{key}'])" in result.summary()


@pytest.mark.parametrize(
    ("mutate", "expectation", "column", "observed"),
    [
        pytest.param(_set(0, "role", "observer"), "expect_column_values_to_be_in_set", "role",
                     "1 unexpected: ['observer']", id="unknown-role"),
        pytest.param(_set(0, "country", "Belgium"), "expect_column_values_to_match_regex", "country",
                     "1 unexpected: ['Belgium']", id="bad-country"),
        pytest.param(_set(0, "nuts_code", "be211"), "expect_column_values_to_match_regex", "nuts_code",
                     "1 unexpected: ['be211']", id="bad-nuts"),
        pytest.param(_set(0, "net_ec_contribution_eur", Decimal("-1")), "expect_column_values_to_be_between",
                     "net_ec_contribution_eur", "1 unexpected", id="negative-net"),
    ],
)  # fmt: skip
def test_warnings_do_not_block(
    mutate: Callable[[pd.DataFrame], None], expectation: str, column: str, observed: str
) -> None:
    _assert_warned(_participations(mutate), expectation, column, observed)


def test_several_countries_and_missing_nuts_codes_are_valid() -> None:
    def mutate(df: pd.DataFrame) -> None:
        df.at[0, "country"] = "BE;NL"
        df.at[1, "nuts_code"] = None
        df.at[2, "nuts_code"] = "BE"

    assert _participations(mutate).failures == ()


@pytest.mark.parametrize(
    ("mutate", "expectation", "column", "observed"),
    [
        pytest.param(_set(1, "source_id", None), "expect_column_values_to_not_be_null", "source_id",
                     "1 unexpected", id="null-source_id"),
        pytest.param(_set(1, "source_id", "proeftuin-1"), "expect_column_values_to_be_unique", "source_id",
                     "2 unexpected: ['proeftuin-1', 'proeftuin-1']", id="duplicate-source_id"),
        pytest.param(_set(0, "title", None), "expect_column_values_to_not_be_null", "title",
                     "1 unexpected", id="null-title"),
        pytest.param(_set(0, "source_url", "www.vlaio.be/x"), "expect_column_values_to_match_regex",
                     "source_url", "1 unexpected: ['www.vlaio.be/x'] (source_id: ['proeftuin-1'])", id="bad-url"),
        pytest.param(_set(0, "subsidy_eur", Decimal("-1.00")), "expect_column_values_to_be_between",
                     "subsidy_eur", "1 unexpected: [-1.0] (source_id: ['proeftuin-1'])", id="negative-subsidy"),
        pytest.param(_set(1, "end_date", date(2017, 12, 31)), "expect_column_pair_values_a_to_be_greater_than_b",
                     "end_date", "1 unexpected: [(2017-12-31, 2018-01-01)] (source_id: ['proeftuin-2'])",
                     id="end-before-start"),
    ],
)  # fmt: skip
def test_bad_vlaio_projects_block(
    mutate: Callable[[pd.DataFrame], None], expectation: str, column: str, observed: str
) -> None:
    result = _vlaio(mutate)

    _assert_blocked(result, expectation, column, observed)
    assert len(result.failures) == 1, result.summary()


def test_cordis_project_dates_out_of_range_block_and_a_new_status_warns() -> None:
    projects = staged_frames()["stg_cordis__projects"]
    projects.at[0, "start_date"] = date(1970, 1, 1)
    projects.at[1, "status"] = "SUSPENDED"

    (result,) = validate_staging({"stg_cordis__projects": projects})

    _assert_blocked(result, "expect_column_values_to_be_between", "start_date", "1 unexpected: [1970-01-01]")
    assert "expect_column_values_to_be_in_set(status) failed [warning] — 1 unexpected: ['SUSPENDED']" in (
        result.summary()
    )
    assert len(result.failures) == 2


def test_staging_skips_absent_frames_and_refuses_unknown_ones() -> None:
    assert validate_staging({"stg_cordis__projects": None}) == []
    with pytest.raises(ValueError, match="stg_cordis__project"):
        validate_staging({"stg_cordis__project": staged_frames()["stg_cordis__projects"]})


# --- core -------------------------------------------------------------------------------------------


def _core_result(name: str, frames: dict[str, pd.DataFrame]) -> GateResult:
    return _by_suite(validate_core(frames))[name]


def test_participation_pointing_at_no_project_breaks_referential_integrity() -> None:
    frames = core_frames()
    frames["core_participations"].at[4, "project_key"] = "cordis:999999999"

    result = _core_result("core_participations", frames)

    _assert_blocked(
        result, "expect_column_values_to_be_null", "unknown_project_key", "1 unexpected: ['cordis:999999999']"
    )
    assert len(result.failures) == 1


def test_participation_pointing_at_no_organisation_breaks_referential_integrity() -> None:
    frames = core_frames()
    dropped = frames["core_participations"].at[0, "organisation_key"]
    frames["core_organisations"] = frames["core_organisations"][
        frames["core_organisations"]["organisation_key"] != dropped
    ]

    result = _core_result("core_participations", frames)

    _assert_blocked(result, "expect_column_values_to_be_null", "unknown_organisation_key", repr(dropped))


def test_duplicate_core_project_key_blocks() -> None:
    frames = core_frames()
    projects = frames["core_projects"]
    frames["core_projects"] = pd.concat([projects, projects.iloc[[3]]], ignore_index=True)

    result = _core_result("core_projects", frames)

    key = projects.at[3, "project_key"]
    _assert_blocked(
        result, "expect_column_values_to_be_unique", "project_key", f"2 unexpected: ['{key}', '{key}']"
    )


@pytest.mark.parametrize("column", ["eu_contribution_eur", "vlaio_subsidy_eur"])
def test_yearly_sums_off_by_a_cent_block_and_name_the_project(column: str) -> None:
    frames = core_frames()
    yearly = frames["core_yearly_funding"]
    prefix = "cordis:" if column == "eu_contribution_eur" else "vlaio:proeftuin-"
    row = yearly.index[yearly["project_key"].str.startswith(prefix)][0]
    key = yearly.at[row, "project_key"]
    yearly.at[row, column] = yearly.at[row, column] + Decimal("0.01")

    result = _core_result("core_yearly_funding", frames)

    derived = "eu_difference_cents" if column == "eu_contribution_eur" else "vlaio_difference_cents"
    _assert_blocked(
        result,
        "expect_column_values_to_be_between",
        derived,
        f"1 unexpected: [-1.0] (project_key: ['{key}'])",
    )
    assert len(result.failures) == 1


def test_a_batch_is_not_compared_but_an_unknown_yearly_key_blocks() -> None:
    frames = core_frames()
    yearly = frames["core_yearly_funding"]
    batch = yearly.index[yearly["project_key"] == "vlaio:batch-1"][0]
    yearly.at[batch, "vlaio_subsidy_eur"] += Decimal("123.45")  # no project total to compare with
    stray = pd.DataFrame([{**yearly.iloc[0].to_dict(), "project_key": "cordis:404", "year": 2020}])
    frames["core_yearly_funding"] = pd.concat([yearly, stray], ignore_index=True)

    result = _core_result("core_yearly_funding", frames)

    _assert_blocked(result, "expect_column_values_to_be_null", "unknown_project_key", "['cordis:404']")
    assert len(result.failures) == 1


def test_none_counts_as_zero_and_undated_projects_are_not_compared() -> None:
    frames = core_frames()
    projects, yearly = frames["core_projects"], frames["core_yearly_funding"]
    key = yearly.at[0, "project_key"]
    at = projects.index[projects["project_key"] == key][0]
    projects.at[at, "vlaio_subsidy_eur"] = None  # the years hold 0.00: equal
    assert _core_result("core_yearly_funding", frames).passed

    projects.at[at, "eu_contribution_eur"] = None  # the years hold money: 0 != their sum
    assert not _core_result("core_yearly_funding", frames).passed

    projects.at[at, "end_date"] = None  # no period: not compared
    assert _core_result("core_yearly_funding", frames).passed


def test_core_needs_the_referenced_frames() -> None:
    frames = core_frames()
    with pytest.raises(ValueError, match="core_projects"):
        validate_core({"core_participations": frames["core_participations"]})
    assert [r.suite for r in validate_core({"core_projects": frames["core_projects"]})] == ["core_projects"]


def test_input_frames_are_not_modified() -> None:
    frames = core_frames()
    before = {name: frame.copy(deep=True) for name, frame in frames.items()}

    validate_core(frames)

    for name, frame in frames.items():
        pd.testing.assert_frame_equal(frame, before[name])
        assert list(frame.columns) == list(before[name].columns)


# --- marts ------------------------------------------------------------------------------------------


def test_mart_with_a_duplicate_project_key_blocks() -> None:
    marts = mart_frames()
    inventory = marts["mart_inventory"]
    marts["mart_inventory"] = pd.concat([inventory, inventory.iloc[[0]]], ignore_index=True)

    result = _by_suite(validate_marts(marts))["mart_inventory"]

    key = inventory.at[0, "project_key"]
    _assert_blocked(
        result, "expect_column_values_to_be_unique", "project_key", f"2 unexpected: ['{key}', '{key}']"
    )
    assert len(result.failures) == 1


def test_mart_money_must_not_be_negative() -> None:
    marts = mart_frames()
    marts["mart_inventory"].at[1, "flemish_contribution_eur"] = Decimal("-0.01")

    (result,) = validate_marts({"mart_inventory": marts["mart_inventory"]})

    _assert_blocked(
        result, "expect_column_values_to_be_between", "flemish_contribution_eur", "1 unexpected: [-0.01]"
    )


def test_mart_row_counts_within_bounds() -> None:
    marts = mart_frames()
    empty = {name: frame.iloc[0:0] for name, frame in marts.items()}

    by_suite = _by_suite(validate_marts(empty))

    for name in MART_SUITES:
        required = name in ("mart_inventory", "mart_participations", "mart_organisations")
        assert by_suite[name].passed is not required, by_suite[name].summary()
    assert (
        "mart_inventory: expect_table_row_count_to_be_between failed — row_count=0 (expected at least 1)"
        in (by_suite["mart_inventory"].summary())
    )

    rows = len(marts["mart_inventory"])
    (capped,) = validate_marts({"mart_inventory": marts["mart_inventory"]}, {"mart_inventory": (1, rows - 1)})
    assert f"row_count={rows} (expected 1..{rows - 1})" in capped.summary()
    (fine,) = validate_marts({"mart_inventory": marts["mart_inventory"]}, {"mart_inventory": (rows, rows)})
    assert fine.passed
    with pytest.raises(ValueError, match="mart_inventry"):
        validate_marts(marts, {"mart_inventry": (0, None)})
