"""Several rounds of the benchmark, one result per contender (``python -m benchmarks.run --repeat N``).

This 2-core machine drifts: the DuckDB floor took 4.5 s in one run and 6.6 s in the next, and one commit's
full refresh 65 to 83 s. A single run cannot tell a change from that. With ``--repeat N`` every contender
runs N times, in rounds (each round runs every contender once, in the usual order, the full refresh on a
fresh warehouse first), and its headline figures become:

* ``wall_s``, ``cpu_s``: the median of its runs (a slow or fast outlier does not move it);
* ``peak_rss_mb``: the LARGEST peak of its runs (the 1 GiB target is about the worst run, not a typical one);
* the counts (``rows_written``, ``projects``, ...): the value every run agrees on, else None with the runs'
  values beside it (a target on them then fails: the runs did not do the same work);
* ``status``: succeeded only when every run did; otherwise the first failing run stands for the contender;
* ``equals_night`` (``project_fresh_1pct``): true only when every round's night published what its fresh
  refresh did.

Each run's own figures stay under ``runs``; the log and phase table shown are those of the median run.
The ratios (``project_over_floor``, ...) are taken between medians, and ``ratios_by_round`` holds them per
round, between runs that ran minutes apart."""

from __future__ import annotations

import statistics
from typing import Any

# one value per run, kept under "runs"
RUN_FIELDS = (
    "status",
    "wall_s",
    "cpu_s",
    "peak_rss_mb",
    "rows_written",
    "load_avg_1m",
    "log",
    "equals_night",
)
# must agree across runs to be reported
COUNT_FIELDS = (
    "rows_written",
    "own_count",
    "staging_rows_stamped_by_run",
    "projects",
    "participations",
    "projects_scoped",
)


def combine_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One contender's result from its runs (one run: that run, unchanged)."""
    if not runs:
        raise ValueError("no runs to combine")
    if len(runs) == 1:
        return runs[0]
    kept = [{k: run.get(k) for k in RUN_FIELDS if k in run} for run in runs]
    statuses = {run.get("status") for run in runs}
    if statuses == {"skipped"}:
        return {**runs[0], "repeat": len(runs)}
    if statuses != {"succeeded"}:
        failed = next(run for run in runs if run.get("status") != "succeeded")
        return {**failed, "status": failed.get("status") or "failed", "repeat": len(runs), "runs": kept}
    walls = [run["wall_s"] for run in runs]
    ordered = sorted(range(len(runs)), key=lambda i: walls[i])
    median_run = runs[ordered[(len(runs) - 1) // 2]]  # the lower middle run when the count is even
    combined = {
        **median_run,
        "repeat": len(runs),
        "runs": kept,
        "wall_s": round(statistics.median(walls), 2),
        "wall_s_min": min(walls),
        "wall_s_max": max(walls),
        "cpu_s": round(statistics.median(run["cpu_s"] for run in runs), 2),
        "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
        "peak_rss_mb_median": round(statistics.median(run["peak_rss_mb"] for run in runs), 1),
        "median_run_log": median_run.get("log"),
    }
    for name in COUNT_FIELDS:
        values = [run.get(name) for run in runs]
        if len(set(values)) != 1:
            combined[name] = None
            combined[f"{name}_runs"] = values
    if any("equals_night" in run for run in runs):  # project_fresh_1pct: every round's night must agree
        agreed = [run.get("equals_night") for run in runs]
        combined["equals_night"] = all(agreed)
        combined["equals_night_runs"] = agreed
    return combined


def ratio(a: float | None, b: float | None) -> float | None:
    """``a / b`` to two decimals; None where either is missing."""
    return round(a / b, 2) if a and b else None


def ratios(walls: dict[str, float | None]) -> dict[str, float | None]:
    """The benchmark's time ratios from one wall time per contender (None where one is missing)."""
    return {
        "project_over_floor": ratio(walls.get("project_full"), walls.get("duckdb_floor")),
        "dlt_over_project": ratio(walls.get("dlt"), walls.get("project_full")),
        "nightly_1pct_over_full": ratio(walls.get("project_nightly_1pct"), walls.get("project_full")),
    }


def ratios_by_round(rounds: list[dict[str, dict[str, Any]]]) -> list[dict[str, float | None]]:
    """The ratios within each round (contender -> that round's result)."""
    return [
        ratios({n: r.get("wall_s") for n, r in one.items() if r.get("status") == "succeeded"})
        for one in rounds
    ]
