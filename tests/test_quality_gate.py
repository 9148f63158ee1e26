"""Real-behaviour tests of the quality gate (Great Expectations runs for real; it is imported once)."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from quality.gate import (
    CRITICAL,
    PROJECT_COLUMNS,
    PROJECTS_SUITE,
    WARNING,
    GateResult,
    validate_staged_projects,
)

REPO = Path(__file__).resolve().parents[1]


def _row(source_id: str, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "source": "cordis",
        "source_id": source_id,
        "rcn": f"rcn-{source_id}",
        "acronym": f"ACR{source_id[-3:]}",
        "title": f"Smart factory project {source_id}",
        "programme": "HORIZON",
        "funding_scheme": "HORIZON-RIA",
        "status": "SIGNED",
        "start_date": date(2022, 9, 1),
        "end_date": date(2025, 8, 31),
        "total_cost_eur": Decimal("4998612.50"),
        "ec_max_contribution_eur": Decimal("4998612.50"),
        "topics": "HORIZON-CL4-2021-TWIN-TRANSITION-01-01",
        "master_call": "HORIZON-CL4-2021-TWIN-TRANSITION-01",
        "sub_call": "HORIZON-CL4-2021-TWIN-TRANSITION-01",
        "objective": "Digital twins for flexible manufacturing.",
        "content_update_date": "2024-03-01 10:00:00",
        "source_file": "cordis-HORIZONprojects-json.zip",
        "record_hash": f"hash-{source_id}",
    }
    row.update(overrides)
    return row


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    # same shape as transforms.cordis.stage_projects: all columns, object dtype (Decimal money, date dates)
    return pd.DataFrame(rows, columns=list(PROJECT_COLUMNS), dtype=object)


def _valid_frame() -> pd.DataFrame:
    # Constructed (not recorded) data: 3 rows covering the allowed edge cases of the critical checks.
    return _frame(
        [
            _row("101069359"),
            _row("862192", programme="H2020", start_date=date(2019, 1, 1), end_date=date(2019, 1, 1)),
            _row(
                "314567",
                programme="FP7",
                end_date=None,
                ec_max_contribution_eur=None,
                total_cost_eur=Decimal(0),
            ),
        ]
    )


def _set(row: int, column: str, value: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def mutate(df: pd.DataFrame) -> pd.DataFrame:
        df.at[row, column] = value
        return df

    return mutate


def _assert_blocked(gate: GateResult, expectation: str, column: str) -> None:
    assert gate.passed is False
    failed = [o for o in gate.failures if o.expectation == expectation]
    assert failed, gate.summary()
    assert all(o.severity == CRITICAL and o.success is False for o in failed)
    assert re.search(rf"{expectation}\([^)]*\b{column}\b[^)]*\) failed", gate.summary()), gate.summary()


def test_valid_frame_passes() -> None:
    gate = validate_staged_projects(_valid_frame())

    assert gate.passed is True
    assert gate.failures == ()
    assert gate.suite == PROJECTS_SUITE
    assert gate.summary() == f"{PROJECTS_SUITE}: all {len(gate.outcomes)} expectations passed"
    checked = {(o.expectation, o.column) for o in gate.outcomes}
    assert {
        ("expect_table_row_count_to_be_between", None),
        ("expect_table_columns_to_match_set", None),
        ("expect_column_values_to_not_be_null", "source_id"),
        ("expect_compound_columns_to_be_unique", "source,source_id"),
        ("expect_column_values_to_be_in_set", "programme"),
        ("expect_column_values_to_be_between", "total_cost_eur"),
        ("expect_column_values_to_be_between", "ec_max_contribution_eur"),
        ("expect_column_pair_values_a_to_be_greater_than_b", "end_date,start_date"),
        ("expect_column_values_to_not_be_null", "title"),
        ("expect_column_values_to_not_be_null", "start_date"),
    } <= checked


@pytest.mark.parametrize(
    ("mutate", "expectation", "column", "observed"),
    [
        pytest.param(
            _set(1, "source_id", None),
            "expect_column_values_to_not_be_null",
            "source_id",
            "1 unexpected",
            id="null-source_id",
        ),
        pytest.param(
            _set(2, "source_id", "101069359"),
            "expect_compound_columns_to_be_unique",
            "source_id",
            "2 unexpected: ['cordis/101069359', 'cordis/101069359']",
            id="duplicate-source_id",
        ),
        pytest.param(
            _set(0, "programme", "XYZ"),
            "expect_column_values_to_be_in_set",
            "programme",
            "1 unexpected: ['XYZ']",
            id="unknown-programme",
        ),
        pytest.param(
            _set(0, "total_cost_eur", Decimal("-0.01")),
            "expect_column_values_to_be_between",
            "total_cost_eur",
            "1 unexpected: [-0.01]",
            id="negative-total_cost",
        ),
        pytest.param(
            _set(1, "ec_max_contribution_eur", Decimal("-5")),
            "expect_column_values_to_be_between",
            "ec_max_contribution_eur",
            "1 unexpected",
            id="negative-ec_max_contribution",
        ),
        pytest.param(
            _set(0, "end_date", date(2022, 8, 31)),
            "expect_column_pair_values_a_to_be_greater_than_b",
            "end_date",
            "1 unexpected: [(2022-08-31, 2022-09-01)]",
            id="end-before-start",
        ),
    ],
)
def test_bad_data_blocks(
    mutate: Callable[[pd.DataFrame], pd.DataFrame], expectation: str, column: str, observed: str
) -> None:
    gate = validate_staged_projects(mutate(_valid_frame()))

    _assert_blocked(gate, expectation, column)
    assert observed in gate.summary()
    assert len(gate.failures) == 1, gate.summary()


def test_empty_frame_blocks() -> None:
    gate = validate_staged_projects(_frame([]))

    assert gate.passed is False
    assert "expect_table_row_count_to_be_between failed — row_count=0" in gate.summary()


def test_missing_column_blocks() -> None:
    gate = validate_staged_projects(_valid_frame().drop(columns=["record_hash"]))

    assert gate.passed is False
    assert [o.expectation for o in gate.failures] == ["expect_table_columns_to_match_set"]
    assert "expect_table_columns_to_match_set failed — missing columns: ['record_hash']" in gate.summary()


def test_missing_column_used_by_an_expectation_blocks_with_error() -> None:
    gate = validate_staged_projects(_valid_frame().drop(columns=["programme"]))

    assert gate.passed is False
    assert "missing columns: ['programme']" in gate.summary()
    _assert_blocked(gate, "expect_column_values_to_be_in_set", "programme")
    assert 'error: The column "programme"' in gate.summary()


def test_unconvertible_values_block() -> None:
    df = _set(0, "end_date", "not a date")(_set(1, "total_cost_eur", "lots")(_valid_frame()))

    gate = validate_staged_projects(df)

    _assert_blocked(gate, "expect_column_pair_values_a_to_be_greater_than_b", "end_date")
    _assert_blocked(gate, "expect_column_values_to_be_between", "total_cost_eur")


def test_null_title_is_only_a_warning() -> None:
    gate = validate_staged_projects(_set(0, "title", None)(_valid_frame()))

    assert gate.passed is True
    assert len(gate.failures) == 1
    (warning,) = gate.failures
    assert (warning.expectation, warning.column, warning.severity) == (
        "expect_column_values_to_not_be_null",
        "title",
        WARNING,
    )
    assert "expect_column_values_to_not_be_null(title) failed [warning] — 1 unexpected" in gate.summary()


def test_inferred_dtypes_frame_passes() -> None:
    # pandas 3 infers the "str" dtype when no dtype is given; the gate must not depend on object dtype.
    rows = _valid_frame().to_dict("records")

    assert validate_staged_projects(pd.DataFrame(rows)).passed is True


def test_input_frame_is_not_modified() -> None:
    df = _set(0, "total_cost_eur", Decimal("-1"))(_set(1, "start_date", None)(_valid_frame()))
    before = copy.deepcopy(df)

    validate_staged_projects(df)

    pd.testing.assert_frame_equal(df, before)
    assert set(df.dtypes.astype(str)) == {"object"}
    assert isinstance(df.at[2, "total_cost_eur"], Decimal)
    assert isinstance(df.at[0, "start_date"], date)


def test_results_do_not_leak_between_calls() -> None:
    bad = validate_staged_projects(_set(0, "programme", "XYZ")(_valid_frame()))
    good = validate_staged_projects(_valid_frame())

    assert bad.passed is False
    assert good.passed is True
    assert len(good.outcomes) == len(bad.outcomes)


def test_importing_quality_does_not_import_great_expectations() -> None:
    modules = (
        "quality, quality.gate, quality.checks, quality.docs, quality.gx_engine, quality.bench_validation"
    )
    code = f"import sys, {modules}; assert 'great_expectations' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)


def test_only_the_engine_imports_great_expectations() -> None:
    statement = re.compile(r"^\s*(import|from)\s+great_expectations\b", re.MULTILINE)
    dynamic = re.compile(r"""(import_module|__import__)\(\s*["']great_expectations""")
    packages = (
        "benchmarks",
        "extractors",
        "flows",
        "inventory",
        "quality",
        "tests",
        "transforms",
        "warehouse",
    )
    importers = {
        path.relative_to(REPO).as_posix()
        for package in packages
        if (REPO / package).is_dir()
        for path in (REPO / package).rglob("*.py")
        if statement.search(text := path.read_text(encoding="utf-8")) or dynamic.search(text)
    }
    assert importers == {"quality/gx_engine.py"}
