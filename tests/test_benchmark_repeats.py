"""``benchmarks.run --repeat N`` (issue 8): how a contender's runs become one result, and a real two-round
run of the two contenders that need no Prefect server. The run dicts in the first tests are constructed
(the shape ``benchmarks.run.measure`` returns), not measured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.repeats import combine_runs, ratios_by_round

REPO_ROOT = Path(__file__).resolve().parents[1]


def _run(wall: float, rss: float, cpu: float | None = None, rows: int = 600, **extra) -> dict:
    return {"status": "succeeded", "wall_s": wall, "cpu_s": cpu if cpu is not None else wall,
            "peak_rss_mb": rss, "rows_written": rows, "projects": 10, "participations": 70,
            "log": f"/logs/{wall}.log", "rss_by_task": [{"task": "t", "peak_rss_mb": rss}], **extra}  # fmt: skip


def test_one_run_is_reported_as_it_is() -> None:
    run = _run(30.0, 900.0)
    assert combine_runs([run]) is run


def test_time_is_the_median_and_memory_the_largest_run() -> None:
    combined = combine_runs([_run(35.0, 930.0), _run(30.0, 990.0), _run(50.0, 910.0, cpu=48.0)])
    assert combined["wall_s"] == 35.0 and combined["cpu_s"] == 35.0
    assert (combined["wall_s_min"], combined["wall_s_max"]) == (30.0, 50.0)
    assert combined["peak_rss_mb"] == 990.0  # the worst run, not the median one's 930
    assert combined["peak_rss_mb_median"] == 930.0
    # the phases and log shown are those of the median run
    assert combined["log"] == "/logs/35.0.log" and combined["rss_by_task"][0]["peak_rss_mb"] == 930.0
    assert [r["wall_s"] for r in combined["runs"]] == [35.0, 30.0, 50.0]
    assert combined["repeat"] == 3 and combined["rows_written"] == 600


def test_an_even_count_takes_the_mean_of_the_middle_two_and_shows_the_lower() -> None:
    combined = combine_runs([_run(40.0, 900.0), _run(30.0, 950.0)])
    assert combined["wall_s"] == 35.0
    assert combined["log"] == "/logs/30.0.log"


def test_runs_that_did_different_work_have_no_count() -> None:
    combined = combine_runs([_run(30.0, 900.0, rows=600), _run(31.0, 900.0, rows=0)])
    assert combined["rows_written"] is None
    assert combined["rows_written_runs"] == [600, 0]
    assert combined["projects"] == 10 and "projects_runs" not in combined


def test_one_failed_run_fails_the_contender() -> None:
    failed = {"status": "failed", "wall_s": 3.0, "cpu_s": 2.0, "peak_rss_mb": 100.0, "error_tail": "boom"}
    combined = combine_runs([_run(30.0, 900.0), failed, _run(29.0, 900.0)])
    assert combined["status"] == "failed" and combined["error_tail"] == "boom"
    assert [r["status"] for r in combined["runs"]] == ["succeeded", "failed", "succeeded"]


def test_ratios_are_taken_within_each_round() -> None:
    rounds = [
        {"project_full": _run(80.0, 1.0), "duckdb_floor": _run(5.0, 1.0), "dlt": _run(88.0, 1.0)},
        {"project_full": _run(60.0, 1.0), "duckdb_floor": _run(6.0, 1.0), "dlt": {"status": "failed"}},
    ]
    first, second = ratios_by_round(rounds)
    assert first == {"project_over_floor": 16.0, "dlt_over_project": 1.1, "nightly_1pct_over_full": None}
    assert second == {"project_over_floor": 10.0, "dlt_over_project": None, "nightly_1pct_over_full": None}


def test_two_real_rounds_of_the_floor_and_dlt(tmp_path: Path) -> None:
    results_path = tmp_path / "latest.json"
    cmd = [sys.executable, "-m", "benchmarks.run", "--projects", "120", "--results", str(results_path),
           "--contenders", "duckdb_floor,dlt", "--repeat", "2", "--work", str(tmp_path / "work")]  # fmt: skip
    completed = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    results = json.loads(results_path.read_text(encoding="utf-8"))
    assert results["repeat"] == 2 and len(results["ratios_by_round"]) == 2
    for name in ("duckdb_floor", "dlt"):
        result = results["contenders"][name]
        assert result["status"] == "succeeded" and len(result["runs"]) == 2
        walls = sorted(run["wall_s"] for run in result["runs"])
        assert result["wall_s"] == pytest.approx(sum(walls) / 2, abs=0.01)
        assert result["peak_rss_mb"] == max(run["peak_rss_mb"] for run in result["runs"])
        assert (result["projects"], result["participations"]) == (
            results["projects"],
            results["participations"],
        )
        # each round's run has its own log
        assert {Path(run["log"]).name for run in result["runs"]} == {
            f"{name}.round1.log",
            f"{name}.round2.log",
        }
    assert results["ratios"]["dlt_over_project"] is None  # no project contender ran
    assert "2 rounds" in completed.stdout and "each run, wall_s / peak_rss_mb" in completed.stdout


def test_repeat_refuses_nightly_runs_without_the_full_refresh(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "benchmarks.run", "--projects", "50", "--contenders", "project_nightly_1pct",
           "--repeat", "2", "--work", str(tmp_path / "work")]  # fmt: skip
    completed = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert completed.returncode != 0
    assert "needs project_full" in completed.stderr
