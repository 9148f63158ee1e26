"""The GX engine and the JSON suites: the GX pitfalls quality/gx_engine.py handles stay handled."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from quality import gx_engine
from quality.catalog import SUITES_DIR, ExpectationSpec, Suite, parse_suite, suite, suite_names
from quality.gate import build_data_docs, validate_staged_projects
from quality.outcomes import CRITICAL, WARNING, outcomes_of
from tests.test_quality_layers import staged_frames

TINY = Suite(
    name="engine_probe",
    layer="test",
    description="",
    key_columns=("k",),
    expectations=(
        ExpectationSpec("expect_column_values_to_be_between", {"column": "v", "min_value": 0}, WARNING),
        ExpectationSpec("expect_column_values_to_not_be_null", {"column": "k"}, CRITICAL),
        ExpectationSpec("expect_table_row_count_to_be_between", {"min_value": 1}, CRITICAL),
    ),
)


def test_every_json_suite_parses_and_builds_gx_expectations() -> None:
    names = suite_names()

    assert len(names) == 13
    for name in names:
        declared = suite(name)
        document = json.loads((SUITES_DIR / f"{name}.json").read_text(encoding="utf-8"))
        assert declared.name == name == document["suite"]
        assert declared.layer in ("staging", "core", "marts")
        for spec in declared.expectations:
            expectation = gx_engine._expectation(spec.type, spec.kwargs, spec.severity, spec.notes)
            assert expectation.expectation_type == spec.type
            assert str(getattr(expectation.severity, "value", expectation.severity)) == spec.severity


def test_a_suite_file_with_an_unknown_severity_is_refused() -> None:
    document = {
        "suite": "x",
        "layer": "staging",
        "expectations": [{"type": "t", "kwargs": {}, "severity": "high"}],
    }

    with pytest.raises(ValueError, match="severity"):
        parse_suite(document)


def test_results_come_in_declared_order_without_fingerprint_or_leftovers() -> None:
    document = gx_engine.run_suite(TINY, pd.DataFrame({"k": ["a", None], "v": [-1, 1]}))

    types = [r["expectation_config"]["type"] for r in document["results"]]
    assert types == [spec.type for spec in TINY.expectations]
    assert "pandas_data_fingerprint" not in document["meta"]["batch_markers"]  # hashing 400k rows: 3 s
    assert gx_engine._context().validation_results_store.list_keys() == []  # else a worker grows
    result = outcomes_of(TINY.name, document, TINY.key_columns)
    assert result.summary().splitlines() == [
        "engine_probe: expect_column_values_to_be_between(v) failed [warning] — 1 unexpected: [-1] (k: ['a'])",
        "engine_probe: expect_column_values_to_not_be_null(k) failed — 1 unexpected: [None]",
    ]


def test_a_changed_suite_of_the_same_name_gets_its_own_definition() -> None:
    relaxed = Suite(TINY.name, TINY.layer, "", TINY.expectations[:1])

    document = gx_engine.run_suite(relaxed, pd.DataFrame({"k": [None], "v": [1]}))

    assert document["suite_name"] == TINY.name
    assert [r["expectation_config"]["type"] for r in document["results"]] == [TINY.expectations[0].type]


def test_validation_still_works_after_a_docs_build(tmp_path: Path) -> None:
    frame = staged_frames()["stg_cordis__projects"]
    before = validate_staged_projects(frame)

    build_data_docs([before], tmp_path / "docs")  # makes another GX context the "current" one

    after = validate_staged_projects(frame)
    assert before.passed and after.passed and len(after.outcomes) == len(before.outcomes)


def test_concurrent_validations_do_not_mix() -> None:
    good = staged_frames()["stg_cordis__projects"]
    bad = good.copy()
    bad.at[0, "programme"] = "XYZ"

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(validate_staged_projects, [good, bad] * 3))

    assert [r.passed for r in results] == [True, False] * 3
    assert all("['XYZ']" in r.summary() for r in results[1::2])
