"""Modules GX imports for expectations the suites never declare (``scipy.stats``, ``altair``) are loaded only
when something reads them: not by validating every suite nor by building the Data Docs, and still there,
whole, for code that does use them. Each check runs in a fresh interpreter, whose ``sys.modules`` no other
test has touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str, path: Path | None = None, timeout: float = 300) -> dict:
    paths = [str(ROOT), *([str(path)] if path is not None else []), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_suites_a_failure_and_the_data_docs_run_without_loading_scipy_stats_or_altair(tmp_path: Path) -> None:
    found = _run(
        f"""
        import json, sys
        from decimal import Decimal
        from quality.deferred_modules import is_loaded
        from quality.gate import build_data_docs, validate_staging
        from tests.test_quality_layers import clean_results, staged_frames

        projects = staged_frames()["stg_cordis__projects"]
        projects.at[0, "total_cost_eur"] = Decimal("-1.00")  # constructed: one failure, rendered too
        failed = validate_staging({{"stg_cordis__projects": projects}})
        results = [*clean_results(), *failed]
        index = build_data_docs(results, {str(tmp_path / "docs")!r}, run_id="run-1")
        print(json.dumps({{
            "gx": "great_expectations" in sys.modules,
            "suites": len(results),
            "passed": [r.passed for r in results].count(False) == len(failed) == 1,
            "docs": index.is_file(),
            "scipy.stats": is_loaded("scipy.stats"),
            "altair": is_loaded("altair"),
        }}))
        """
    )
    assert found["gx"] and found["docs"] and found["passed"] and found["suites"] > 10, found
    assert found["scipy.stats"] is False and found["altair"] is False, found


def test_an_expectation_that_uses_scipy_stats_gets_the_real_module() -> None:
    # GX's KL divergence expectation holds the stand-in GX imported; reading it imports scipy.stats whole
    found = _run(
        """
        import json, sys
        from quality import gx_engine
        from quality.deferred_modules import DeferredModule, is_loaded

        gx_engine._gx()  # imports GX, which imports every expectation it ships (only the engine imports GX)
        kl = sys.modules["great_expectations.expectations.core.expect_column_kl_divergence_to_be_less_than"]

        before = is_loaded("scipy.stats")
        entropy = kl.stats.entropy([0.5, 0.5], [0.9, 0.1])
        import scipy.stats

        print(json.dumps({
            "stand_in": isinstance(kl.stats, DeferredModule),
            "before": before,
            "after": is_loaded("scipy.stats"),
            "entropy": entropy,
            "real": type(sys.modules["scipy.stats"]).__name__,
            "same_function": kl.stats.entropy is scipy.stats.entropy,
            "chart": kl.alt.Chart.__name__,
        }))
        """
    )
    assert found["stand_in"] and found["before"] is False and found["after"] is True, found
    assert abs(found["entropy"] - 0.5108256237659906) < 1e-12, found
    assert found["real"] == "module" and found["same_function"] and found["chart"] == "Chart", found


def test_a_stand_in_loads_on_first_read_not_on_dunders_and_survives_a_failed_import() -> None:
    found = _run(
        """
        import importlib, inspect, json, sys
        from quality.deferred_modules import DeferredModule, defer, is_loaded

        assert "wave" not in sys.modules
        defer("wave", "json", "no_such_module_for_this_test")
        import wave

        probed = [hasattr(wave, name) for name in ("__file__", "__path__", "__wrapped__")]
        inspect.getmodule(json.dumps)  # walks sys.modules, probing every module's __file__
        loaded_by_probes = is_loaded("wave")
        opened = wave.open.__module__
        missing = sys.modules["no_such_module_for_this_test"]
        try:
            missing.anything
            failure = None
        except ModuleNotFoundError as error:
            failure = error.name
        print(json.dumps({
            "stand_in": isinstance(wave, DeferredModule),
            "probed": probed,
            "loaded_by_probes": loaded_by_probes,
            "opened": opened,
            "loaded": is_loaded("wave"),
            "real_in_sys_modules": not isinstance(sys.modules["wave"], DeferredModule),
            "json_untouched": not isinstance(sys.modules["json"], DeferredModule),
            "failure": failure,
            "still_deferred": isinstance(sys.modules["no_such_module_for_this_test"], DeferredModule),
        }))
        """
    )
    assert found["stand_in"] and found["probed"] == [False, False, False], found
    assert found["loaded_by_probes"] is False, found
    assert found["opened"] == "wave" and found["loaded"] and found["real_in_sys_modules"], found
    assert found["json_untouched"], found  # an imported module is never replaced
    assert found["failure"] == "no_such_module_for_this_test" and found["still_deferred"], found


def test_a_deferred_module_whose_import_reads_another_deferred_module_loads_both(tmp_path: Path) -> None:
    # constructed modules: importing "deferred_a" reads an attribute of "deferred_b", also deferred; both load
    # in the same thread, one inside the other (a non-re-entrant lock would hang here)
    (tmp_path / "deferred_a.py").write_text(
        "import deferred_b\n\nVALUE = deferred_b.BASE + 1\n", encoding="utf-8"
    )
    (tmp_path / "deferred_b.py").write_text("BASE = 41\n", encoding="utf-8")
    found = _run(
        """
        import json
        from quality.deferred_modules import defer, is_loaded

        defer("deferred_a", "deferred_b")
        import deferred_a

        before = [is_loaded("deferred_a"), is_loaded("deferred_b")]
        print(json.dumps({"before": before, "value": deferred_a.VALUE,
                          "after": [is_loaded("deferred_a"), is_loaded("deferred_b")]}))
        """,
        tmp_path,
        timeout=60,  # a deadlock fails the test after a minute, not after five
    )
    assert found == {"before": [False, False], "value": 42, "after": [True, True]}, found
