"""The Dask task runner against the default one, on generated CORDIS dumps (docs/scaling.md quotes it).

    python -m benchmarks.task_runners --projects 40000 --work /tmp/bench-runners [--repeat 2]

Generates the dumps (``benchmarks.generate``; H2020 : HORIZON = 35 : 19), serves them on loopback, starts one
Prefect server, lands them once with a normal CORDIS backfill (default runner), then rebuilds a fresh SQLite
warehouse from that landing zone (``from_raw``: no HTTP, the same input every time) with each runner in
turn, ``--repeat`` times, each run a child process of its own (``python -m benchmarks.task_runners --child``)
measured like the other contenders (``benchmarks.run.measure``). Reported per run: wall time of the child,
the flow's own duration, the staging phase (first ``stage_cordis_dump`` start to last end, from the Prefect
API: the part Dask parallelises), CPU time, load average; and whether both runners' marts are identical
row by row. Results: a table on stdout and ``<work>/task_runners.json``."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.run import REPO_ROOT, _quiet_env, machine_info, measure, prefect_server

CORDIS_HOST = "cordis.europa.eu"
RESULT_PREFIX = "TASK_RUNNER_RESULT "


# --- child: one run of the backfill flow ----------------------------------------------------------------


def child(runner: str, from_raw: bool) -> None:
    from flows.parameters import BackfillParameters
    from flows.refresh import backfill_inventory
    from flows.runners import with_runner

    params = BackfillParameters(sources=["cordis"], programmes=["HORIZON", "H2020"], from_raw=from_raw)
    state = with_runner(backfill_inventory, runner)(params, return_state=True)
    summary = state.result(raise_on_failure=False) if state.is_completed() else None
    out = {
        "state": state.type.value,
        "message": state.message,
        "flow_run_id": str(state.state_details.flow_run_id),
    }
    if isinstance(summary, dict):
        out.update({k: summary.get(k) for k in ("duration_s", "rows_read", "rows_written", "mart_rows")})
    print(RESULT_PREFIX + json.dumps(out, default=str), flush=True)


# --- the units Dask parallelises, alone ------------------------------------------------------------------


def units(work: Path) -> list[dict[str, Any]]:
    """Each CORDIS dump of the landing zone staged alone, one after the other, by the task's own function
    (``stage_cordis_dump.fn``, no Prefect run): wall and CPU seconds, and the pickled size of the result
    (what a Dask worker sends back to the flow). CPU seconds do not depend on other work on the machine."""
    import pickle

    from prefect.logging import disable_run_logger

    from extractors.landing import latest_snapshot, read_landing_index
    from flows.tasks import stage_cordis_dump

    raw = work / "data" / "raw"
    snapshot = latest_snapshot(raw, "cordis")
    if snapshot is None:
        raise SystemExit(f"no landed CORDIS snapshot under {raw}: run the benchmark first")
    dumps, _ = read_landing_index(raw, "cordis", snapshot)
    measured = []
    with disable_run_logger():
        for dump in dumps:
            wall, cpu = time.perf_counter(), time.process_time()
            staged = stage_cordis_dump.fn(dump, work / "spool-units")
            measured.append(
                {
                    "dump": Path(dump.path).name,
                    "wall_s": round(time.perf_counter() - wall, 1),
                    "cpu_s": round(time.process_time() - cpu, 1),
                    "rows_read": staged.rows_read,
                    "pickled_mb": round(len(pickle.dumps(staged, protocol=5)) / 2**20, 1),
                    "load_avg_1m": round(os.getloadavg()[0], 2),
                }
            )
            print(json.dumps(measured[-1]), flush=True)
    (work / "task_runner_units.json").write_text(json.dumps(measured, indent=2), encoding="utf-8")
    return measured


# --- parent -----------------------------------------------------------------------------------------------


def _task_runs(api_url: str, flow_run_id: str) -> list[dict[str, Any]]:
    body = json.dumps({"flow_runs": {"id": {"any_": [flow_run_id]}}, "limit": 200}).encode()
    request = urllib.request.Request(
        f"{api_url}/task_runs/filter", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _stage_phase_s(api_url: str, flow_run_id: str) -> float | None:
    staged = [t for t in _task_runs(api_url, flow_run_id) if t["name"].startswith("stage_cordis_dump")]
    if not staged or any(t["start_time"] is None or t["end_time"] is None for t in staged):
        return None
    start = min(datetime.fromisoformat(t["start_time"]) for t in staged)
    end = max(datetime.fromisoformat(t["end_time"]) for t in staged)
    return round((end - start).total_seconds(), 1)


def _run(
    name: str, runner: str, from_raw: bool, data_dir: Path, db_url: str, env: dict[str, str], work: Path
) -> dict[str, Any]:
    run_env = {**env, "INVENTORY_DATA_DIR": str(data_dir), "INVENTORY_DB_URL": db_url}
    cmd = [sys.executable, "-m", "benchmarks.task_runners", "--child", "--runner", runner]
    if from_raw:
        cmd.append("--from-raw")
    result = measure(cmd, run_env, work / "logs" / f"{name}.log", timeout_s=3600)
    lines = Path(result["log"]).read_text(encoding="utf-8", errors="replace").splitlines()
    found = [json.loads(line[len(RESULT_PREFIX) :]) for line in lines if line.startswith(RESULT_PREFIX)]
    result.update(found[-1] if found else {"state": "NO RESULT"})
    if result.get("flow_run_id"):
        result["stage_phase_s"] = _stage_phase_s(env["PREFECT_API_URL"], result["flow_run_id"])
    result.update(runner=runner, from_raw=from_raw, db_url=db_url)
    return result


def _identical_marts(first_url: str, second_url: str) -> str:
    from tests.mart_rows import assert_same_marts

    try:
        counts = assert_same_marts(first_url, second_url)
    except AssertionError as exc:
        return f"DIFFERENT: {exc}"
    return "identical: " + ", ".join(f"{name} {count:,}" for name, count in counts.items())


def parent(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.generate import generate
    from inventory.mirror import serve_mirror

    work = Path(args.work)
    (work / "logs").mkdir(parents=True, exist_ok=True)
    mirror = work / "mirror"
    if not (mirror / "generation.json").is_file():
        print(f"generating {args.projects:,} projects ...", flush=True)
        generate(mirror, args.projects, args.seed, None, 2)
    generated = json.loads((mirror / "generation.json").read_text(encoding="utf-8"))
    results: dict[str, Any] = {"generated": generated, "machine": machine_info(), "runs": []}
    env = _quiet_env()
    for key in list(env):
        if key.startswith(("INVENTORY_", "CORDIS_", "VLAIO_", "PREFECT_")):
            del env[key]
    env.update(INVENTORY_HTTP_RETRIES="1", INVENTORY_EXTRACT_TASK_RETRIES="0")
    data_dir = work / "data"
    shutil.rmtree(data_dir, ignore_errors=True)
    with prefect_server(work) as (api_url, startup), serve_mirror(mirror) as bases:
        env.update(PREFECT_API_URL=api_url, PREFECT_HOME=str(work / "prefect-client"))
        env["CORDIS_BASE_URL"] = bases[CORDIS_HOST]
        print(f"Prefect API {api_url} (start-up {startup} s); landing the dumps ...", flush=True)
        landing = _run(
            "landing", "default", False, data_dir, f"sqlite:///{work / 'landing.sqlite'}", env, work
        )
        results["landing"] = landing
        print(f"  landing run: {landing['state']} in {landing['wall_s']} s", flush=True)
        for repeat in range(1, args.repeat + 1):
            for runner in args.runners.split(","):
                name = f"{runner}_{repeat}"
                db_url = f"sqlite:///{work / f'{name}.sqlite'}"
                Path(db_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
                print(f"running {name} (from_raw) ...", flush=True)
                result = _run(name, runner, True, data_dir, db_url, env, work)
                result["name"] = name
                results["runs"].append(result)
                print(f"  {result['state']}: wall {result['wall_s']} s, stage {result.get('stage_phase_s')} s",
                      flush=True)  # fmt: skip
    by_runner = {}
    for result in results["runs"]:
        by_runner.setdefault(result["runner"], []).append(result)
    firsts = [runs[0]["db_url"] for runs in by_runner.values() if runs[0]["state"] == "COMPLETED"]
    results["marts"] = _identical_marts(*firsts[:2]) if len(firsts) >= 2 else "not compared"
    results["summary"] = {
        runner: {
            "wall_s_median": statistics.median(r["wall_s"] for r in runs),
            "stage_phase_s_median": statistics.median(r.get("stage_phase_s") or 0 for r in runs),
            "flow_duration_s_median": statistics.median(r.get("duration_s") or 0 for r in runs),
        }
        for runner, runs in by_runner.items()
    }
    (work / "task_runners.json").write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return results


def render(results: dict[str, Any]) -> str:
    generated = results["generated"]
    machine = results["machine"]
    lines = [
        f"task runners on {generated['projects']:,} projects / {generated['participations']:,} participations "
        f"({machine.get('cores')} cores, Python {machine.get('python')})",
        f"{'run':<12}{'state':<11}{'wall_s':>8}{'flow_s':>8}{'stage_s':>9}{'cpu_s':>8}{'rss_mb':>9}  load_1m",
    ]
    for r in results["runs"]:
        lines.append(
            f"{r['name']:<12}{r['state']:<11}{r['wall_s']:>8}{r.get('duration_s') or '-':>8}"
            f"{r.get('stage_phase_s') or '-':>9}{r['cpu_s']:>8}{r['peak_rss_mb']:>9}  {r['load_avg_1m']}"
        )
    lines.append(f"marts: {results['marts']}")
    lines.append(json.dumps(results["summary"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--runner", default="default")
    parser.add_argument("--from-raw", action="store_true")
    parser.add_argument("--projects", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", default=str(Path(os.environ.get("TMPDIR", "/tmp")) / "bench-task-runners"))
    parser.add_argument("--runners", default="default,dask")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--units", action="store_true", help="only stage each landed dump alone (after a benchmark run)"
    )
    args = parser.parse_args(argv)
    if args.child:
        child(args.runner, args.from_raw)
        return 0
    if args.units:
        units(Path(args.work))
        return 0
    started = time.perf_counter()
    results = parent(args)
    print(render(results))
    print(f"whole command: {time.perf_counter() - started:.0f} s (work folder {args.work}, repo {REPO_ROOT})")
    return 0


# Dask starts its worker processes with "spawn": they import this module again, which must not run main()
if __name__ == "__main__":
    sys.exit(main())
