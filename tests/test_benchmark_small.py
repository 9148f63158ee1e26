"""The benchmark at small scale (issue 8): the generator is deterministic, ``--change`` changes exactly the
projects it lists, every contender loads the same projects and participations (a fair comparison), and
the 1 % night publishes the inventory a fresh refresh of the same dumps publishes. Timings are never
asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.generate import DUMP_NAMES, HOST, generate, money_json
from benchmarks.run import measure, rss_by_task
from extractors.cordis import read_dump

REPO_ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get("INVENTORY_TEST_POSTGRES_URL")
SMALL = 300


def _zips(root: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((root / HOST / "data").glob("*.zip"))}


def test_money_is_written_like_the_real_json() -> None:
    assert money_json(1_732_084_396) == "1.732084396E7"  # non-integral from 1e7: Java E-notation
    assert money_json(10_644_574_855) == "1.0644574855E8"
    assert money_json(8_800_000_000) == "88000000"  # integral: an integer, whatever its size
    assert money_json(820_142_375) == "8201423.75"
    assert money_json(49_406_250) == "494062.5"
    assert money_json(0) == "0"


def test_generator_is_deterministic(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", 120, seed=7, jobs=2)
    second = generate(tmp_path / "b", 120, seed=7, jobs=1)
    other = generate(tmp_path / "c", 120, seed=8, jobs=1)
    assert set(_zips(tmp_path / "a")) == {name for name in DUMP_NAMES.values()}
    assert _zips(tmp_path / "a") == _zips(tmp_path / "b")
    assert _zips(tmp_path / "a") != _zips(tmp_path / "c")
    assert first["participations"] == second["participations"]
    assert first["participations"] > first["projects"] > 0
    assert other["projects"] == 120


def _records(root: Path) -> tuple[dict[str, dict], dict[tuple, dict]]:
    projects: dict[str, dict] = {}
    participations: dict[tuple, dict] = {}
    for name in (DUMP_NAMES["H2020", "json"], DUMP_NAMES["HORIZON", "xml"]):
        records = read_dump(root / HOST / "data" / name)
        for project in records.projects:
            projects[project["id"]] = {k: v for k, v in project.items() if k != "source_file"}
        for row in records.participations:
            key = (row["projectID"], row["organisationID"], row["role"], row["order"])
            assert key not in participations, f"duplicate participation key {key}"
            participations[key] = {k: v for k, v in row.items() if k != "source_file"}
    return projects, participations


def test_change_mode_changes_exactly_the_listed_projects(tmp_path: Path) -> None:
    base = generate(tmp_path / "base", 400, seed=3, jobs=1)
    changed = generate(tmp_path / "changed", 400, seed=3, change=0.01, jobs=1)
    listed = (tmp_path / "changed" / "changed_ids.txt").read_text(encoding="utf-8").split()
    changes = json.loads((tmp_path / "changed" / "changes.json").read_text(encoding="utf-8"))
    assert len(listed) == changed["changed_projects"] == 4 and len(set(listed)) == 4
    assert (base["projects"], base["participations"]) == (changed["projects"], changed["participations"])

    before_projects, before_rows = _records(tmp_path / "base")
    after_projects, after_rows = _records(tmp_path / "changed")
    assert before_projects.keys() == after_projects.keys() and before_rows.keys() == after_rows.keys()
    changed_projects = {pid for pid in before_projects if before_projects[pid] != after_projects[pid]}
    changed_rows = {key for key in before_rows if before_rows[key] != after_rows[key]}
    assert changed_projects | {key[0] for key in changed_rows} == set(listed)
    # each change touches exactly one record, and the manifest names it
    assert {c["key"][0] for c in changes if c["entity"] == "project"} == changed_projects
    assert {
        tuple(str(v) for v in c["key"]) for c in changes if c["entity"] == "participation"
    } == changed_rows
    assert len(changed_projects) + len(changed_rows) == len(changes)


def test_small_benchmark_contenders_load_the_same_records(tmp_path: Path, prefect_api_url: str) -> None:
    results_path = tmp_path / "latest.json"
    cmd = [sys.executable, "-m", "benchmarks.run", "--projects", str(SMALL), "--results", str(results_path)]
    cmd += ["--prefect-api-url", prefect_api_url, "--work", str(tmp_path / "work"), "--timeout", "300"]
    env = dict(os.environ)
    if POSTGRES_URL:
        cmd += ["--postgres-url", POSTGRES_URL]
    else:
        env.pop("INVENTORY_TEST_POSTGRES_URL", None)
    completed = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert results_path.exists(), completed.stdout[-3000:] + completed.stderr[-3000:]
    results = json.loads(results_path.read_text(encoding="utf-8"))

    contenders = results["contenders"]
    expected = {
        "project_full",
        "duckdb_floor",
        "dlt",
        "project_nightly_unchanged",
        "project_nightly_1pct",
        "project_fresh_1pct",
        "project_full_postgres",
    }
    assert set(contenders) == expected
    if not POSTGRES_URL:
        assert contenders["project_full_postgres"]["status"] == "skipped"
        assert contenders["project_full_postgres"]["reason"]
        del contenders["project_full_postgres"]
    total = (results["projects"], results["participations"])
    assert total[0] == SMALL and total[1] > total[0]
    for name, result in contenders.items():
        assert result["status"] == "succeeded", (name, result.get("error_tail"))
        assert (result["projects"], result["participations"]) == total, name
        assert result["wall_s"] > 0 and result["peak_rss_mb"] > 0, name
    phases = {p["task"]: p for p in contenders["project_full"]["rss_by_task"]}
    for task in ("stage_cordis_dump", "merge", "build_inventory", "publish_inventory"):
        assert any(task in name for name in phases), (task, list(phases))
    peaks = [p["peak_rss_mb"] for p in phases.values() if p["peak_rss_mb"]]
    assert max(peaks) <= contenders["project_full"]["peak_rss_polled_tree_mb"]
    assert results["fairness"]["same_counts"] is True
    assert results["prefect_server_startup_s"] is None  # the session's server was reused
    assert results["contenders"]["project_nightly_1pct"]["expected_changed_records"] == 3
    # the night published the inventory a fresh refresh of the same dumps publishes, table by table (before
    # session 13's fix one organisation's attributes differed here: the build followed staging's order)
    fresh = contenders["project_fresh_1pct"]
    assert fresh["equals_night"] is True, fresh["inventory_diff"]
    assert {"core_organisations", "org_resolution", "mart_inventory"} <= set(fresh["inventory_diff"])
    assert fresh["inventory_diff"]["core_organisations"]["rows_a"] > 0
    assert results["targets"]["nightly_1pct_inventory_equals_fresh_refresh"]["met"] is True
    # the night's core was scoped to the projects that can differ from the last publish (the changed ones,
    # and any whose organisation key moved: transforms.core.Scope); the full refreshes compared every project
    scoped = contenders["project_nightly_1pct"]["projects_scoped"]
    assert scoped is not None and 1 <= scoped < SMALL, scoped
    assert contenders["project_full"]["projects_scoped"] is None
    assert fresh["projects_scoped"] is None
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "project_full / duckdb_floor" in completed.stdout


def test_rss_by_task_cuts_the_samples_at_each_task_end(tmp_path: Path) -> None:
    """A CONSTRUCTED log (Prefect's console format) and RSS samples: each window's peak, named by the
    task(s) that finished at its end; two tasks finishing within one poll share a window."""
    start = time.mktime((2026, 12, 5, 10, 0, 0, 0, 0, -1))
    log = tmp_path / "run.log"
    log.write_text(
        "10:00:01.000 | INFO    | Flow run 'x' - Beginning flow run\n"
        "10:00:02.500 | INFO    | Task run 'stage_cordis_dump-0a1' - Finished in state Completed()\n"
        "10:00:02.510 | INFO    | Task run 'stage_cordis_dump-1b2' - Finished in state Completed()\n"
        "10:00:04.000 | INFO    | Task run 'build_inventory-c3d' - Finished in state Completed()\n",
        encoding="utf-8",
    )
    mb = 2**20
    samples = [
        (start + t, rss * mb) for t, rss in ((0, 100), (1, 300), (2, 250), (3, 900), (4, 400), (5, 120))
    ]
    phases = rss_by_task(log, samples)
    assert phases == [
        {"task": "stage_cordis_dump + stage_cordis_dump", "until_s": 2.5, "peak_rss_mb": 300.0},
        {"task": "build_inventory", "until_s": 4.0, "peak_rss_mb": 900.0},
        {"task": "after the last task", "until_s": None, "peak_rss_mb": 120.0},
    ]


def test_a_small_child_is_not_measured_with_the_benchmarks_own_memory(tmp_path: Path) -> None:
    """A child that allocates 64 MB, measured by a benchmark process holding 300 MB more than it did: the
    peak reported is the child's (a forked child's ru_maxrss counts the parent's pages until it execs, and
    was reported as the peak of the smaller contenders)."""
    held = bytearray(300 * 2**20)
    held[::4096] = b"\x01" * len(range(0, len(held), 4096))  # resident, not only reserved
    # it frees the 64 MB before it sleeps: its high-water mark (VmHWM) still shows them to a later poll
    code = (
        "import time; x = bytearray(64 * 2**20); x[::4096] = b'1' * (len(x) // 4096); del x; time.sleep(0.5)"
    )
    child = [sys.executable, "-c", code]
    result = measure(child, dict(os.environ), tmp_path / "child.log", timeout_s=60)
    assert result["exit_code"] == 0
    assert result["ru_maxrss_mb"] > 300  # the polluted figure the benchmark no longer reports
    assert 64 <= result["peak_rss_mb"] < 200
    assert result["peak_vmhwm_mb"] >= 64  # seen though freed before the polls that followed
    del held


def test_a_terminated_benchmark_takes_its_running_contender_with_it(tmp_path: Path) -> None:
    """SIGTERM to the benchmark while a contender runs: the contender's process (its own session, so no
    signal reaches it otherwise) is killed, not left running a refresh of 1 GB."""
    pid_file = tmp_path / "child.pid"
    child = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(120)"
    runner = (
        "import sys; from pathlib import Path; from benchmarks.run import measure, stop_on_sigterm; "
        f"stop_on_sigterm(); measure([sys.executable, '-c', {child!r}], {{}}, Path({str(tmp_path / 'c.log')!r}), 600)"
    )
    bench = subprocess.Popen([sys.executable, "-c", runner], cwd=REPO_ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    child_pid = int(pid_file.read_text())
    os.kill(child_pid, 0)  # running
    bench.terminate()
    assert bench.wait(timeout=30) == 128 + 15, bench.stderr.read()
    deadline = time.monotonic() + 10
    while _alive(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child_pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (killed, not yet reaped by its parent, which has exited) is not running
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:  # gone between the two looks
        return False


def test_parse_floor_reads_every_member_and_record_of_the_dumps(tmp_path: Path) -> None:
    """``benchmarks.parse_floor`` (the parse alone, the lower bound quoted for the targets) times the same
    dumps the contenders load: every member inflated and parsed, every project and participation made."""
    import zipfile

    from benchmarks.parse_floor import DUMPS, measure

    generated = generate(tmp_path, 120, seed=5, jobs=1)
    data = tmp_path / HOST / "data"
    results = measure(data)
    h2020, horizon = generated["per_programme"]["H2020"], generated["per_programme"]["HORIZON"]
    assert results["json_records"]["result"] == h2020["projects"] + h2020["participations"]
    assert results["xml_records"]["result"] == horizon["projects"] + horizon["participations"]
    assert results["json_parse"]["result"] == 2  # project.json and organization.json, each decoded whole
    assert results["xml_parse"]["result"] == horizon["projects"]  # one document per project
    for fmt, name in DUMPS.items():
        with zipfile.ZipFile(data / name) as archive:
            assert results[f"{fmt}_inflate"]["result"] == sum(info.file_size for info in archive.infolist())
