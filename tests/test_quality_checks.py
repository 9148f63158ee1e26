"""The run-level checks (volume drift, minimum count, quarantine share) and the dq_result rows. Pure: no GX."""

from __future__ import annotations

import pytest

from quality.gate import (
    CRITICAL,
    MINIMUM_SUITE,
    QUARANTINE_SUITE,
    VOLUME_SUITE,
    WARNING,
    ExpectationOutcome,
    GateResult,
    all_passed,
    check_minimum,
    check_quarantine,
    check_volume,
    outcome_rows,
    summarize,
)

PREVIOUS = {"cordis.projects": 60_000, "cordis.participations": 400_000, "vlaio.projects": 17}


def test_first_run_passes() -> None:
    result = check_volume({"cordis.projects": 5, "vlaio.projects": 0}, None)

    assert result.passed and result.failures == ()
    assert [o.observed for o in result.outcomes] == ["5 rows (first run)", "0 rows (first run)"]


def test_a_sixty_percent_drop_blocks() -> None:
    current = {**PREVIOUS, "cordis.participations": 160_000}

    result = check_volume(current, PREVIOUS)

    assert result.passed is False
    assert result.summary() == (
        "run__volume: expect_table_row_count_to_be_between(cordis.participations) failed — 160000 rows, "
        "400000 in the previous successful run (-60.0%): a drop of more than 10%"
    )
    (failure,) = result.failures
    assert failure.severity == CRITICAL and failure.suite == VOLUME_SUITE


def test_accept_drift_turns_the_drop_into_a_warning() -> None:
    current = {**PREVIOUS, "cordis.participations": 160_000}

    result = check_volume(current, PREVIOUS, accept_drift=True)

    assert result.passed is True
    (warning,) = result.failures
    assert warning.severity == WARNING
    assert warning.observed.endswith("accepted by --accept-drift")
    assert "failed [warning]" in result.summary()


@pytest.mark.parametrize(
    ("count", "passed"),
    [(54_000, True), (53_999, False), (60_000, True), (90_000, True), (0, False)],
)
def test_the_drop_limit_is_inclusive_and_growth_passes(count: int, passed: bool) -> None:
    result = check_volume({"cordis.projects": count}, PREVIOUS)

    assert result.passed is passed
    expected = {"type": "expect_table_row_count_to_be_between", "min_value": 54_000}
    config = result.validation["results"][0]["expectation_config"] if result.validation else {}
    assert {"type": config["type"], **config["kwargs"]} == expected


def test_max_drop_is_configurable_and_new_entities_pass() -> None:
    result = check_volume({"cordis.projects": 45_000, "vlaio.batches": 3}, PREVIOUS, max_drop=0.25)

    assert result.passed
    assert result.outcomes[1].observed == "3 rows (no previous count)"
    with pytest.raises(ValueError, match="max_drop"):
        check_volume({}, PREVIOUS, max_drop=1.5)


def test_minimum_count() -> None:
    assert check_minimum("vlaio.proeftuinen", 17, 17).passed
    result = check_minimum("vlaio.proeftuinen", 12, 17)

    assert result.passed is False
    assert result.suite == MINIMUM_SUITE
    assert result.summary() == (
        "run__minimum: expect_table_row_count_to_be_between(vlaio.proeftuinen) failed — 12 (at least 17 expected)"
    )


def test_quarantine_share_too_high_blocks() -> None:
    assert check_quarantine(4, 400, max_share=0.01).passed  # exactly 1%
    assert check_quarantine(0, 0).passed  # nothing read

    result = check_quarantine(5, 400)

    assert result.passed is False and result.suite == QUARANTINE_SUITE
    assert result.summary() == (
        "run__quarantine: expect_column_mean_to_be_between(quarantined) failed — "
        "5 of 400 records quarantined (1.25%; at most 1.00% allowed)"
    )


def test_outcome_rows_fit_the_dq_result_table() -> None:
    results = [
        check_volume({"cordis.projects": 10}, {"cordis.projects": 100}, accept_drift=True),
        check_quarantine(1, 10, name="cordis.quarantined"),
    ]

    rows = outcome_rows("run-1", results)

    assert rows == [
        {
            "run_id": "run-1",
            "suite": "run__volume",
            "expectation": "expect_table_row_count_to_be_between",
            "column_name": "cordis.projects",
            "success": False,
            "observed": "10 rows, 100 in the previous successful run (-90.0%): a drop of more than 10%, "
            "accepted by --accept-drift",
            "severity": "warning",
        },
        {
            "run_id": "run-1",
            "suite": "run__quarantine",
            "expectation": "expect_column_mean_to_be_between",
            "column_name": "cordis.quarantined",
            "success": False,
            "observed": "1 of 10 records quarantined (10.00%; at most 1.00% allowed)",
            "severity": "critical",
        },
    ]
    assert all_passed(results[:1]) and not all_passed(results)
    assert summarize(results).count("\n") == 1


def test_outcome_rows_cut_overlong_column_names() -> None:
    outcome = ExpectationOutcome("s", "expect_x", "c" * 300, True, "ok", CRITICAL)

    (row,) = outcome_rows("r", [GateResult("s", (outcome,))])

    assert len(row["column_name"]) == 200 and row["observed"] == "ok"


def test_an_unread_dump_keeps_its_last_counts_and_a_read_one_takes_its_new_ones() -> None:
    from quality.checks import carry_over_counts

    previous = {
        "cordis.H2020.projects": 100,
        "cordis.H2020.participations": 700,
        "cordis.HORIZON.projects": 50,
        "vlaio.pages": 30,
    }
    staged = {"cordis.HORIZON.projects": 55, "vlaio.pages": 31}
    assert carry_over_counts(staged, previous, {"H2020"}) == {
        "cordis.HORIZON.projects": 55,  # read again: this run's count
        "vlaio.pages": 31,
        "cordis.H2020.projects": 100,  # unchanged dump, not read: the last count stays the baseline
        "cordis.H2020.participations": 700,
    }
    assert carry_over_counts(staged, None, {"H2020"}) == staged  # first run: nothing to carry
    assert carry_over_counts(staged, previous, set()) == staged
