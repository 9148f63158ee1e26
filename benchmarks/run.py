"""One command that benchmarks the CORDIS refresh against what a data engineer would otherwise pick.

    python -m benchmarks.run --projects 60000        (make bench PROJECTS=60000)

Generates the dumps (``benchmarks.generate``: the dumps and a ``--change 1%`` version of them), serves them
on loopback (``inventory.mirror.serve_mirror``), starts ONE Prefect server for the whole benchmark (its
start-up is reported on its own), then runs each contender as a child process, one after another, on the
same files, and measures its wall time and peak RSS (psutil polling of the child's process tree every 50 ms,
and the largest ``VmHWM`` of a process in it; the larger is reported):

* ``project_full``              the project's refresh end to end (``inventory.cli refresh --sources cordis``)
                                into a fresh SQLite warehouse
* ``project_full_postgres``     the same into a fresh PostgreSQL database (``--postgres-url`` or
                                ``INVENTORY_TEST_POSTGRES_URL``; skipped with the reason otherwise)
* ``duckdb_floor``              DuckDB's own readers loading the same projects and participations, typed,
                                into a DuckDB file: ``read_json`` on the H2020 JSON members (extracted from
                                the zip, extraction timed) and, because DuckDB has no XML reader, ``read_csv``
                                on the CSV twin of the HORIZON XML dump (same records)
* ``dlt``                       dlt (``sqlalchemy`` destination, SQLite) loading the same records read with
                                the project's reader, ``write_disposition="merge"`` with primary keys
* ``project_nightly_unchanged`` the project's refresh again on the unchanged dumps, same warehouse
* ``project_nightly_1pct``      the refresh on the 1 %-changed dumps, same warehouse
* ``project_fresh_1pct``        a full refresh of the 1 %-changed dumps into a fresh SQLite warehouse: the
                                inventory the night must have built (compared table by table,
                                ``benchmarks.inventory_diff``); also a second full refresh's timing

Results: a table on stdout and ``benchmarks/results/latest.json`` (``--results`` to write elsewhere).
``--repeat N`` runs every contender N times, in rounds, and reports medians (``benchmarks.repeats``).
Targets are reported (met / not met), never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.inventory_diff import inventory_diff, same_inventory
from benchmarks.repeats import combine_runs, ratio, ratios, ratios_by_round

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RESULTS = REPO_ROOT / "benchmarks" / "results" / "latest.json"
CORDIS_HOST = "cordis.europa.eu"
JSON_DUMP = "cordis-h2020projects-json.zip"
XML_DUMP = "cordis-HORIZONprojects-xml.zip"
HORIZON_CSV_DUMP = "cordis-HORIZONprojects-csv.zip"

CONTENDERS = (
    "project_full",
    "project_full_postgres",
    "duckdb_floor",
    "dlt",
    "project_nightly_unchanged",
    "project_nightly_1pct",
    "project_fresh_1pct",
)
PROJECT_CONTENDERS = {
    "project_full",
    "project_full_postgres",
    "project_nightly_unchanged",
    "project_nightly_1pct",
    "project_fresh_1pct",
}

# Targets of issue 8, defined at 60k projects; reported, never asserted.
TARGET_FULL_OVER_FLOOR = 3.0
TARGET_DLT_OVER_FULL = 3.0
TARGET_PEAK_RSS_MB = 1024.0
TARGET_NIGHTLY_UNCHANGED_S = 10.0
TARGET_NIGHTLY_1PCT_SHARE = 0.20
TARGET_SCALE = 60_000

SUMMARY_LINE = re.compile(r"rows read: (\d+), written: (\d+)(?:, quarantined: (\d+))?")
RUN_LINE = re.compile(r"^run (\S+): (\w+)", re.M)
SCOPED_LINE = re.compile(r"core compared for (\d+) projects")


# --- measuring a child process ----------------------------------------------------------------------


class _TreePeak(threading.Thread):
    """Polls the RSS of a process and all its descendants; keeps the largest sum seen, and the largest
    high-water mark (``VmHWM``) any one of them reported, which catches a peak between two polls."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak, self.hwm = pid, interval, 0, 0
        # (wall-clock time, RSS of the tree) at each poll, for the peak of each phase (rss_by_task)
        self.samples: list[tuple[float, int]] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop_event.is_set():
            try:
                total = root.memory_info().rss
                self.hwm = max(self.hwm, _high_water_mark(root.pid))
                for child in root.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        total += child.memory_info().rss
                        self.hwm = max(self.hwm, _high_water_mark(child.pid))
            except psutil.Error:
                return
            self.peak = max(self.peak, total)
            self.samples.append((time.time(), total))
            self._stop_event.wait(self.interval)

    def stop(self) -> int:
        self._stop_event.set()
        self.join(timeout=5)
        return self.peak


def _high_water_mark(pid: int) -> int:
    """The peak RSS of process ``pid`` since it last exec'd (``VmHWM``, bytes); 0 where /proc does not say."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def measure(cmd: list[str], env: dict[str, str], log_path: Path, timeout_s: float) -> dict[str, Any]:
    """Run ``cmd`` to completion; wall time, peak RSS (tree polling and each process's VmHWM), exit code."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    with log_path.open("wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        poller = _TreePeak(proc.pid)
        poller.start()
        timer = threading.Timer(timeout_s, lambda: _kill_group(proc.pid))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # Ctrl-C or SIGTERM (``stop_on_sigterm``): the child must not outlive us
            timer.cancel()
            poller.stop()
            _kill_group(proc.pid)
            raise
        wall = time.perf_counter() - started
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        polled = poller.stop()
    _kill_group(proc.pid)  # leftovers of the child's session, if any
    # Not the child's ru_maxrss: Linux counts in it the pages the forked child shared with this process
    # before it exec'd (this process's own RSS, ≈ 450 MB after generating 60k projects), which was then
    # the reported peak of every contender smaller than that.
    peak = max(polled, poller.hwm)
    return {
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(peak / 2**20, 1),
        "peak_rss_polled_tree_mb": round(polled / 2**20, 1),
        "peak_vmhwm_mb": round(poller.hwm / 2**20, 1),
        "ru_maxrss_mb": round(usage.ru_maxrss / 1024, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "exit_code": proc.returncode,
        "timed_out": wall >= timeout_s,
        # other work on the machine skews timings: the 1-minute load average around the run
        "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "log": str(log_path),
        "rss_by_task": rss_by_task(log_path, poller.samples),
    }


# Prefect's console lines: "06:21:07.415 | INFO    | Task run 'stage_cordis_dump-a1b' - Finished in state ..."
TASK_FINISHED = re.compile(
    r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) \| \w+ +\| Task run '(.+?)-[0-9a-f]+' - Finished", re.M
)


def rss_by_task(log_path: Path, samples: list[tuple[float, int]]) -> list[dict[str, Any]]:
    """Peak RSS between one task's end and the next, in the order the tasks finished: each window is named
    by the task(s) that finished at its end (two mapped tasks running at once share one), the last by
    "after the last task" (the flow's own end, the CLI's exit). Prefect logs a task's end, not its start,
    so a window also holds whatever ran between tasks."""
    if not samples:
        return []
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    day = time.localtime(samples[0][0])
    midnight = time.mktime((day.tm_year, day.tm_mon, day.tm_mday, 0, 0, 0, 0, 0, -1))
    ends: list[tuple[float, str]] = []
    for match in TASK_FINISHED.finditer(text):
        hour, minute, second, milli, task = match.groups()
        at = midnight + int(hour) * 3600 + int(minute) * 60 + int(second) + int(milli) / 1000
        if at < samples[0][0] - 43_200:  # the run crossed midnight
            at += 86_400
        ends.append((at, task))
    phases: list[dict[str, Any]] = []
    start, index = samples[0][0], 0
    for end, task in [*ends, (float("inf"), "after the last task")]:
        peak = 0
        while index < len(samples) and samples[index][0] <= end:
            peak = max(peak, samples[index][1])
            index += 1
        if phases and not peak and end != float("inf"):
            phases[-1]["task"] += f" + {task}"  # finished within one poll interval of the one before
            continue
        phases.append(
            {
                "task": task,
                "until_s": None if end == float("inf") else round(end - start, 1),
                "peak_rss_mb": round(peak / 2**20, 1) if peak else None,
            }
        )
    return phases


class Terminated(SystemExit):
    """SIGTERM reached the benchmark: raised where it was, so the running contender's process group is
    killed and the Prefect server and PostgreSQL database it started are stopped and dropped on the way
    out (each child runs in its own session, so nothing else would stop it)."""


def stop_on_sigterm() -> None:
    def terminated(signum: int, frame: object) -> None:
        raise Terminated(128 + signum)

    signal.signal(signal.SIGTERM, terminated)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- Prefect server -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _quiet_env(base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.update(
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        GX_ANALYTICS_ENABLED="false",
        RUNTIME__DLTHUB_TELEMETRY="false",
        PYTHONUNBUFFERED="1",
    )
    return env


@contextlib.contextmanager
def prefect_server(work: Path, timeout_s: float = 180) -> Iterator[tuple[str, float]]:
    """Start one ``prefect server start`` for the benchmark; yields (API URL, start-up seconds)."""
    import requests

    port = _free_port()
    env = _quiet_env()
    env.pop("PREFECT_API_URL", None)
    env["PREFECT_HOME"] = str(work / "prefect-server")
    prefect_cli = Path(sys.executable).with_name("prefect")
    cmd = [str(prefect_cli)] if prefect_cli.exists() else [sys.executable, "-m", "prefect"]
    cmd += ["server", "start", "--host", "127.0.0.1", "--port", str(port)]
    log = (work / "logs" / "prefect-server.log").open("wb")
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api"
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"prefect server exited ({proc.returncode}): {_tail(Path(log.name))}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            if time.perf_counter() - started > timeout_s:
                raise RuntimeError(f"prefect server did not answer within {timeout_s} s")
            time.sleep(0.2)
        yield url, round(time.perf_counter() - started, 2)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            proc.wait(timeout=10)
        log.close()


# --- warehouse inspection -------------------------------------------------------------------------------


def warehouse_counts(db_url: str, run_id: str | None) -> dict[str, Any]:
    """Rows of the staging tables and mart_inventory, and how many staging rows carry ``run_id``."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(db_url)
    counts: dict[str, Any] = {}
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            tables = set(inspector.get_table_names())
            for table in ("stg_cordis__projects", "stg_cordis__participations", "mart_inventory"):
                if table not in tables:
                    continue
                counts[table] = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                columns = {c["name"] for c in inspector.get_columns(table)}
                if run_id and "run_id" in columns:
                    counts[f"{table}__stamped_by_run"] = conn.execute(
                        text(f"SELECT count(*) FROM {table} WHERE run_id = :r"), {"r": run_id}
                    ).scalar_one()
    finally:
        engine.dispose()
    return counts


STAGING_KEYS = {
    "stg_cordis__projects": ("source", "source_id"),
    "stg_cordis__participations": ("project_source_id", "organisation_id", "role", "order_no"),
}


def staging_snapshot(db_url: str) -> dict[tuple, Counter]:
    """(table, record key) -> the record hashes stored under it, for both CORDIS staging tables (empty when
    there is no warehouse yet)."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(db_url)
    snapshot: dict[tuple, Counter] = defaultdict(Counter)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            for table, key in STAGING_KEYS.items():
                if table not in tables:
                    continue
                for row in conn.execute(text(f"SELECT {', '.join(key)}, record_hash FROM {table}")):
                    snapshot[(table, *row[:-1])][row[-1]] += 1
    except Exception:  # no warehouse (a fresh SQLite path or database): nothing staged yet
        return {}
    finally:
        engine.dispose()
    return snapshot


def records_changed(before: dict[tuple, Counter], after: dict[tuple, Counter]) -> int:
    """Source records (staged projects and participations) whose content the run added, changed or removed:
    per record key, the records under it when its hashes differ. Measured on the warehouse, whatever the
    project counts itself."""
    return sum(
        max(sum(before.get(key, Counter()).values()), sum(after.get(key, Counter()).values()))
        for key in before.keys() | after.keys()
        if before.get(key, Counter()) != after.get(key, Counter())
    )


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh database ``inventory_bench_<random>`` on the server of ``admin_url``, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    name = f"inventory_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres_unavailable(admin_url: str | None) -> str | None:
    """None when the server answers, else the reason to skip."""
    if not admin_url:
        return "no --postgres-url and INVENTORY_TEST_POSTGRES_URL is not set"
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(admin_url, connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any driver error means: not usable here
        return f"PostgreSQL at {admin_url.split('@')[-1]} does not answer: {type(exc).__name__}"
    return None


# --- the project's refresh ----------------------------------------------------------------------------


def run_project(
    name: str,
    base_url: str,
    data_dir: Path,
    db_url: str,
    api_url: str,
    work: Path,
    timeout_s: float,
    profile_to: Path | None = None,
) -> dict[str, Any]:
    env = _quiet_env()
    for key in list(env):
        if key.startswith(("INVENTORY_", "CORDIS_", "VLAIO_")):
            del env[key]
    env.update(
        PREFECT_API_URL=api_url,
        PREFECT_HOME=str(work / "prefect-client"),
        CORDIS_BASE_URL=base_url,
        INVENTORY_DB_URL=db_url,
        INVENTORY_HTTP_RETRIES="1",
        INVENTORY_EXTRACT_TASK_RETRIES="0",
        PREFECT_LOGGING_LEVEL="INFO",  # each task's "Finished" line: the phases of rss_by_task
    )
    args = ["refresh", "--sources", "cordis", "--programmes", "HORIZON,H2020", "--data-dir", str(data_dir)]
    if profile_to is None:
        cmd = [sys.executable, "-m", "inventory.cli", *args]
    else:
        cmd = [sys.executable, "-m", "pyinstrument", "-r", "pyisession", "-o", str(profile_to)]
        cmd += ["-m", "inventory.cli", *args]
    before = staging_snapshot(db_url)
    result = measure(cmd, env, work / "logs" / f"{name}.log", timeout_s)
    output = Path(result["log"]).read_text(encoding="utf-8", errors="replace")
    summary = SUMMARY_LINE.search(output)
    run = RUN_LINE.search(output)
    result["status"] = run.group(2) if run else ("succeeded" if result["exit_code"] == 0 else "failed")
    result["run_id"] = run.group(1) if run else None
    result["rows_read"] = int(summary.group(1)) if summary else None
    # rows_written: the source records the run added, changed or removed in staging, measured on the
    # warehouse (before/after), the unit DuckDB's and dlt's "rows loaded" are in; the project's own figure
    # (CLI "written": source records added, changed or removed as merge counts them + quarantine) is own_count
    result["own_count"] = int(summary.group(2)) if summary else None
    result["rows_written"] = records_changed(before, staging_snapshot(db_url)) if summary else None
    if summary and summary.group(3) is not None:
        result["quarantined"] = int(summary.group(3))
    scoped = SCOPED_LINE.search(output)
    # the projects a night's publish compared (transforms.core.Scope); None: every project's core rows
    result["projects_scoped"] = int(scoped.group(1)) if scoped else None
    try:
        counts = warehouse_counts(db_url, result["run_id"])
    except Exception as exc:  # a failed run may leave no warehouse
        counts = {"error": f"{type(exc).__name__}: {exc}"}
    result["warehouse"] = counts
    stamped = [
        counts.get(f"{t}__stamped_by_run") for t in ("stg_cordis__projects", "stg_cordis__participations")
    ]
    result["staging_rows_stamped_by_run"] = sum(stamped) if None not in stamped else None
    result["projects"] = counts.get("stg_cordis__projects")
    result["participations"] = counts.get("stg_cordis__participations")
    if result["exit_code"] != 0:
        result["error_tail"] = _tail(Path(result["log"]))
    return result


# --- workers: DuckDB floor and dlt (run as ``python -m benchmarks.run --worker NAME``) ------------------

_JSON_PROJECT_COLUMNS = (
    "acronym", "contentUpdateDate", "ecMaxContribution", "ecSignatureDate", "endDate", "frameworkProgramme",
    "fundingScheme", "id", "legalBasis", "masterCall", "nature", "objective", "rcn", "startDate", "status",
    "subCall", "title", "topics", "totalCost",
)  # fmt: skip
_JSON_ORGANISATION_COLUMNS = (
    "SME", "active", "activityType", "city", "contactForm", "contentUpdateDate", "country", "ecContribution",
    "endOfParticipation", "geolocation", "name", "netEcContribution", "nutsCode", "order", "organisationID",
    "organizationURL", "postCode", "projectAcronym", "projectID", "rcn", "role", "shortName", "street",
    "totalCost", "vatNumber",
)  # fmt: skip

_FLOOR_PROJECTS_SQL = """
CREATE TABLE projects AS
SELECT 'cordis' AS source, id AS source_id, rcn, acronym, title, upper(trim(frameworkProgramme)) AS programme,
       fundingScheme AS funding_scheme, upper(trim(status)) AS status,
       TRY_CAST(NULLIF(startDate, '') AS DATE) AS start_date, TRY_CAST(NULLIF(endDate, '') AS DATE) AS end_date,
       TRY_CAST(NULLIF(totalCost, '') AS DECIMAL(18, 2)) AS total_cost_eur,
       TRY_CAST(NULLIF(ecMaxContribution, '') AS DECIMAL(18, 2)) AS ec_max_contribution_eur,
       topics, masterCall AS master_call, subCall AS sub_call, objective, contentUpdateDate AS content_update_date
FROM (SELECT * FROM read_json($json, format = 'array', columns = {json_columns})
      UNION ALL BY NAME
      SELECT * FROM read_csv($csv, delim = ';', quote = '"', escape = '"', header = true, all_varchar = true))
"""
_FLOOR_PARTICIPATIONS_SQL = """
CREATE TABLE participations AS
SELECT 'cordis' AS source, projectID AS project_source_id, organisationID AS organisation_id, trim(role) AS role,
       TRY_CAST("order" AS INTEGER) AS order_no, name, shortName AS short_name, vatNumber AS vat_number,
       upper(trim(country)) AS country, city, postCode AS post_code, street, NULLIF(nutsCode, '') AS nuts_code,
       activityType AS activity_type, TRY_CAST(NULLIF(SME, '') AS BOOLEAN) AS sme,
       TRY_CAST(NULLIF(ecContribution, '') AS DECIMAL(18, 2)) AS ec_contribution_eur,
       TRY_CAST(NULLIF(netEcContribution, '') AS DECIMAL(18, 2)) AS net_ec_contribution_eur,
       TRY_CAST(NULLIF(totalCost, '') AS DECIMAL(18, 2)) AS total_cost_eur,
       TRY_CAST(NULLIF(endOfParticipation, '') AS BOOLEAN) AS end_of_participation
FROM (SELECT * FROM read_json($json, format = 'array', columns = {json_columns})
      UNION ALL BY NAME
      SELECT * FROM read_csv($csv, delim = ';', quote = '"', escape = '"', header = true, all_varchar = true))
"""


def _duckdb_columns(names: tuple[str, ...]) -> str:
    return "{" + ", ".join(f"'{name}': 'VARCHAR'" for name in names) + "}"


def _extract(zip_path: Path, member_basename: str, into: Path) -> Path:
    with zipfile.ZipFile(zip_path) as archive:
        member = next(n for n in archive.namelist() if n.rsplit("/", 1)[-1] == member_basename)
        target = into / zip_path.stem / member_basename
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(member) as source, target.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
    return target


def duckdb_worker(data_dir: Path, scratch: Path) -> dict[str, Any]:
    import duckdb

    started = time.perf_counter()
    extracted = scratch / "extracted"
    files = {
        "project_json": _extract(data_dir / JSON_DUMP, "project.json", extracted),
        "organisation_json": _extract(data_dir / JSON_DUMP, "organization.json", extracted),
        "project_csv": _extract(data_dir / HORIZON_CSV_DUMP, "project.csv", extracted),
        "organisation_csv": _extract(data_dir / HORIZON_CSV_DUMP, "organization.csv", extracted),
    }
    extraction_s = time.perf_counter() - started
    con = duckdb.connect(str(scratch / "floor.duckdb"))
    con.execute(
        _FLOOR_PROJECTS_SQL.replace("{json_columns}", _duckdb_columns(_JSON_PROJECT_COLUMNS)),
        {"json": str(files["project_json"]), "csv": str(files["project_csv"])},
    )
    con.execute(
        _FLOOR_PARTICIPATIONS_SQL.replace("{json_columns}", _duckdb_columns(_JSON_ORGANISATION_COLUMNS)),
        {"json": str(files["organisation_json"]), "csv": str(files["organisation_csv"])},
    )
    con.execute("CHECKPOINT")
    projects = con.execute("SELECT count(*) FROM projects").fetchone()[0]
    participations = con.execute("SELECT count(*) FROM participations").fetchone()[0]
    untyped = con.execute(
        "SELECT count(*) FROM projects WHERE start_date IS NULL OR ec_max_contribution_eur IS NULL"
    ).fetchone()[0]
    con.close()
    return {
        "projects": projects,
        "participations": participations,
        "rows_written": projects + participations,
        "extraction_s": round(extraction_s, 2),
        "load_s": round(time.perf_counter() - started - extraction_s, 2),
        "projects_with_uncast_values": untyped,
        "inputs": "H2020: read_json(project.json, organization.json); HORIZON: read_csv(CSV twin of the XML dump)",
    }


def _read_records(dumps: list[Path]) -> tuple[str, list[dict], list[dict]]:
    """Projects and participations of the dumps, with the project's own reader when it has one."""
    try:
        from extractors.cordis import read_dump

        projects: list[dict] = []
        participations: list[dict] = []
        for dump in dumps:
            records = read_dump(dump)
            projects.extend(records.projects)
            participations.extend(records.participations)
        return "extractors.cordis.read_dump", projects, participations
    except ImportError:
        return _plain_read(dumps)


def _plain_read(dumps: list[Path]) -> tuple[str, list[dict], list[dict]]:
    """Fallback reader: json.load and lxml, the fields a peer would take."""
    from lxml import etree

    projects: list[dict] = []
    participations: list[dict] = []
    for dump in dumps:
        with zipfile.ZipFile(dump) as archive:
            if dump.name.endswith("-json.zip"):
                for basename, target in (("project.json", projects), ("organization.json", participations)):
                    member = next(n for n in archive.namelist() if n.endswith(basename))
                    with archive.open(member) as handle:
                        items = json.load(handle, parse_float=str, parse_int=str)
                    target.extend(
                        {k: (str(v) if v != "" else None) for k, v in item.items()} for item in items
                    )
                continue
            for member in archive.namelist():
                root = etree.fromstring(archive.read(member))
                pid = root.findtext("id")
                projects.append({e.tag: e.text for e in root if len(e) == 0})
                for org in root.iterfind("relations/associations/organization"):
                    row = dict(org.attrib)
                    row.update(projectID=pid, organisationID=org.findtext("id"), name=org.findtext("legalName"),
                               city=org.findtext("address/city"), country=org.findtext("address/country"))  # fmt: skip
                    participations.append(row)
    return "plain json/lxml", projects, participations


def dlt_worker(data_dir: Path, scratch: Path) -> dict[str, Any]:
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    import dlt

    started = time.perf_counter()
    reader, projects, participations = _read_records([data_dir / JSON_DUMP, data_dir / XML_DUMP])
    read_s = time.perf_counter() - started
    # The participation key uses "order": rename it as a peer would (dlt would otherwise normalise it).
    page = 10_000

    @dlt.resource(name="projects", write_disposition="merge", primary_key="id")
    def project_rows() -> Iterator[list[dict]]:
        for start in range(0, len(projects), page):
            yield projects[start : start + page]

    @dlt.resource(
        name="participations",
        write_disposition="merge",
        primary_key=("projectID", "organisationID", "role", "order"),
    )
    def participation_rows() -> Iterator[list[dict]]:
        for start in range(0, len(participations), page):
            yield participations[start : start + page]

    database = scratch / "dlt.sqlite"
    pipeline = dlt.pipeline(
        pipeline_name="cordis_bench",
        destination=dlt.destinations.sqlalchemy(credentials=f"sqlite:///{database}"),
        pipelines_dir=str(scratch / "dlt_pipelines"),
        dataset_name="cordis",
    )
    pipeline.run([project_rows(), participation_rows()])
    with pipeline.sql_client() as client:
        loaded_projects = client.execute_sql("SELECT count(*) FROM projects")[0][0]
        loaded_participations = client.execute_sql("SELECT count(*) FROM participations")[0][0]
    return {
        "projects": loaded_projects,
        "participations": loaded_participations,
        "rows_written": loaded_projects + loaded_participations,
        "reader": reader,
        "read_s": round(read_s, 2),
        "dlt_s": round(time.perf_counter() - started - read_s, 2),
    }


WORKERS = {"duckdb_floor": duckdb_worker, "dlt": dlt_worker}


def run_worker(
    name: str, data_dir: Path, work: Path, timeout_s: float, label: str | None = None
) -> dict[str, Any]:
    scratch = work / name
    # every worker starts from nothing: a kept --work folder still holds the last run's database and state
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    report = scratch / "report.json"
    cmd = [sys.executable, "-m", "benchmarks.run", "--worker", name, "--worker-data", str(data_dir)]
    cmd += ["--worker-scratch", str(scratch), "--worker-report", str(report)]
    result = measure(cmd, _quiet_env(), work / "logs" / f"{label or name}.log", timeout_s)
    if result["exit_code"] == 0 and report.exists():
        result.update(json.loads(report.read_text(encoding="utf-8")))
        result["status"] = "succeeded"
    else:
        result["status"] = "failed"
        result["error_tail"] = _tail(Path(result["log"]))
    return result


# --- the benchmark ------------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    import psutil

    def version(package: str) -> str | None:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=30, check=False
            ).stdout.strip()
        except OSError:
            return ""

    dirty = git("status", "--porcelain")
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            p: version(p)
            for p in (
                "prefect",
                "sqlalchemy",
                "pandas",
                "lxml",
                "great-expectations",
                "duckdb",
                "dlt",
                "psutil",
            )
        },
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty_paths": len(dirty.splitlines()) if dirty else 0,
        "load_avg_at_start": [round(v, 2) for v in os.getloadavg()],
    }


def evaluate_targets(contenders: dict[str, dict[str, Any]], expected_changed: int | None, scale: int) -> dict:
    def wall(name: str) -> float | None:
        result = contenders.get(name) or {}
        return result.get("wall_s") if result.get("status") == "succeeded" else None

    targets: dict[str, Any] = {"defined_at_projects": TARGET_SCALE, "measured_at_projects": scale}
    full, floor, dlt_wall = wall("project_full"), wall("duckdb_floor"), wall("dlt")
    unchanged, changed = wall("project_nightly_unchanged"), wall("project_nightly_1pct")

    def verdict(ok: bool | None, **facts: Any) -> dict[str, Any]:
        return {"met": ok, **facts}

    targets["full_le_3x_floor"] = verdict(
        None if not (full and floor) else full / floor <= TARGET_FULL_OVER_FLOOR,
        ratio=round(full / floor, 2) if full and floor else None,
    )
    targets["full_ge_3x_faster_than_dlt"] = verdict(
        None if not (full and dlt_wall) else dlt_wall / full >= TARGET_DLT_OVER_FULL,
        ratio=round(dlt_wall / full, 2) if full and dlt_wall else None,
    )
    peaks = {
        name: contenders[name].get("peak_rss_mb")
        for name in PROJECT_CONTENDERS
        if contenders.get(name, {}).get("status") == "succeeded"
    }
    targets["peak_rss_le_1gib"] = verdict(
        None if not peaks else all(v <= TARGET_PEAK_RSS_MB for v in peaks.values()), peak_rss_mb=peaks
    )
    unchanged_result = contenders.get("project_nightly_unchanged") or {}
    unchanged_rows, unchanged_own = unchanged_result.get("rows_written"), unchanged_result.get("own_count")
    targets["nightly_unchanged_zero_rows"] = verdict(
        None if unchanged is None else unchanged_rows == 0 and unchanged_own == 0,
        rows_written=unchanged_rows,
        own_count=unchanged_own,
    )
    targets["nightly_unchanged_le_10s"] = verdict(
        None if unchanged is None else unchanged <= TARGET_NIGHTLY_UNCHANGED_S,
        wall_s=unchanged,
        note="Prefect server start-up is not included (one shared server)",
    )
    changed_rows = (contenders.get("project_nightly_1pct") or {}).get("rows_written")
    targets["nightly_1pct_rows_equal_changed_records"] = verdict(
        None if changed is None else changed_rows == expected_changed,
        rows_written=changed_rows,
        changed_records=expected_changed,
        note="rows_written: staged records added/changed/removed, measured on the warehouse",
    )
    own = (contenders.get("project_nightly_1pct") or {}).get("own_count")
    targets["nightly_1pct_own_count_equal_changed_records"] = verdict(
        None if changed is None else own == expected_changed,
        own_count=own,
        changed_records=expected_changed,
        note="the project's own count (CLI 'written': records added/changed/removed + quarantined)",
    )
    stamped = (contenders.get("project_nightly_1pct") or {}).get("staging_rows_stamped_by_run")
    targets["nightly_1pct_staging_rows_equal_changed_records"] = verdict(
        None if changed is None else stamped == expected_changed,
        staging_rows_stamped=stamped,
        changed_records=expected_changed,
        note="informative: staging rows the run (re)wrote, whatever the project counts as written",
    )
    fresh = contenders.get("project_fresh_1pct") or {}
    targets["nightly_1pct_inventory_equals_fresh_refresh"] = verdict(
        fresh.get("equals_night"),  # with --repeat: every round's (benchmarks.repeats)
        differing_tables={
            name: (d["only_a"], d["only_b"])
            for name, d in (fresh.get("inventory_diff") or {}).items()
            if d["only_a"] or d["only_b"]
        },
        note="a check, not a target of issue 8: the night's published inventory against a fresh refresh of the "
        "same dumps, (rows only in the night's, rows only in the fresh one's) per table",
    )
    targets["nightly_1pct_le_20pct_of_full"] = verdict(
        None if not (changed and full) else changed <= TARGET_NIGHTLY_1PCT_SHARE * full,
        share=round(changed / full, 3) if changed and full else None,
    )
    return targets


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render_table(results: dict[str, Any]) -> str:
    lines = [
        f"CORDIS refresh benchmark: {results['projects']:,} projects, {results['participations']:,} participations"
        f" ({results['machine']['cores']} cores, Python {results['machine']['python']},"
        f" commit {results['machine']['git_commit'][:10]}"
        f"{' + ' + str(results['machine']['git_dirty_paths']) + ' uncommitted paths' if results['machine']['git_dirty_paths'] else ''})",
        f"Prefect server start-up (once, not counted below): {_fmt(results.get('prefect_server_startup_s'))} s",
        "",
        f"{'contender':<27} {'status':<10} {'wall_s':>9} {'cpu_s':>8} {'peak_rss_mb':>12} {'rows_written':>13} {'own_count':>10} {'stg_stamped':>12}"
        f" {'projects':>9} {'participations':>15}",
    ]  # fmt: skip
    for name in CONTENDERS:
        result = results["contenders"].get(name)
        if result is None:
            continue
        if result.get("status") == "skipped":
            lines.append(f"{name:<27} {'skipped':<10} {result.get('reason', '')}")
            continue
        lines.append(
            f"{name:<27} {result.get('status', '?'):<10} {_fmt(result.get('wall_s')):>9} {_fmt(result.get('cpu_s')):>8}"
            f" {_fmt(result.get('peak_rss_mb')):>12} {_fmt(result.get('rows_written')):>13}"
            f" {_fmt(result.get('own_count')):>10}"
            f" {_fmt(result.get('staging_rows_stamped_by_run')):>12}"
            f" {_fmt(result.get('projects')):>9} {_fmt(result.get('participations')):>15}"
        )
    shown_ratios = results.get("ratios", {})
    lines += [
        "",
        f"project_full / duckdb_floor = {_fmt(shown_ratios.get('project_over_floor'))}   "
        f"dlt / project_full = {_fmt(shown_ratios.get('dlt_over_project'))}   "
        f"nightly_1pct / project_full = {_fmt(shown_ratios.get('nightly_1pct_over_full'))}",
    ]
    if results.get("repeat"):
        lines += [
            "",
            f"{results['repeat']} rounds: wall_s and cpu_s above are medians, peak_rss_mb the largest run;",
        ]
        lines.append("each run, wall_s / peak_rss_mb:")
        for name in CONTENDERS:
            runs = (results["contenders"].get(name) or {}).get("runs")
            if runs:
                shown = "   ".join(f"{_fmt(r.get('wall_s'))} / {_fmt(r.get('peak_rss_mb'))}" for r in runs)
                lines.append(f"  {name:<27} {shown}")
        for index, one in enumerate(results.get("ratios_by_round", []), start=1):
            lines.append(
                f"  round {index}: project_full / duckdb_floor = {_fmt(one.get('project_over_floor'))}   "
                f"dlt / project_full = {_fmt(one.get('dlt_over_project'))}   "
                f"nightly_1pct / project_full = {_fmt(one.get('nightly_1pct_over_full'))}"
            )
    lines += [
        "",
        f"targets (defined at {TARGET_SCALE:,} projects; measured at {results['projects']:,}):",
    ]
    for name, verdict in results.get("targets", {}).items():
        if not isinstance(verdict, dict):
            continue
        met = {True: "MET", False: "NOT MET", None: "n/a"}[verdict.get("met")]
        facts = ", ".join(f"{k}={v}" for k, v in verdict.items() if k != "met")
        lines.append(f"  {name:<48} {met:<8} {facts}")
    for name in CONTENDERS:
        phases = (results["contenders"].get(name) or {}).get("rss_by_task")
        if name.startswith("project_") and phases:
            lines += ["", f"{name}: peak RSS (MB) until each task finished (time from start, s):"]
            lines += [f"  {_fmt(p['until_s']):>7}  {_fmt(p['peak_rss_mb']):>9}  {p['task']}" for p in phases]
    lines.append("")
    lines.append(
        "rows_written: source records (projects + participations) added, changed or removed in the project's"
    )
    lines.append(
        "staging by the run (warehouse before/after, by key and record hash); DuckDB/dlt: rows loaded;"
    )
    lines.append(
        "own_count: the project's own figure (CLI 'written': records added/changed/removed + quarantined);"
    )
    lines.append("stg_stamped: staging rows (projects + participations) whose run_id is that run's.")
    lines.append(
        "cpu_s: user+system CPU of the child (less sensitive than wall_s to other load on the machine)."
    )
    lines.append(
        "DuckDB floor: H2020 via read_json on the JSON members; HORIZON via read_csv on the CSV twin of"
    )
    lines.append("the XML dump (DuckDB has no XML reader), so the floor never pays for XML parsing.")
    return "\n".join(lines)


def generated_dumps(root: Path, projects: int, seed: int, change: float | None, jobs: int) -> dict[str, Any]:
    """The dumps under ``root``: generated, or reused when ``root`` (a kept ``--work`` folder) already holds
    a complete generation with the same parameters (the generator is deterministic; every file is checked
    to be there with the size it was written with)."""
    from benchmarks.generate import generate

    manifest = root / "generation.json"
    if manifest.exists():
        earlier = json.loads(manifest.read_text(encoding="utf-8"))
        data = root / CORDIS_HOST / "data"
        same = (earlier.get("seed"), earlier.get("projects"), earlier.get("change")) == (
            seed,
            projects,
            change,
        )
        intact = all(
            (data / name).exists() and (data / name).stat().st_size == size
            for name, size in earlier.get("files", {}).items()
        )
        if same and intact and earlier.get("files"):
            print(f"  reusing the generation in {root}", flush=True)
            return {**earlier, "reused": True}
    return generate(root, projects, seed, change, jobs)


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    from inventory.mirror import serve_mirror

    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="inventory-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "logs").mkdir(exist_ok=True)
    wanted = [c.strip() for c in args.contenders.split(",")] if args.contenders else list(CONTENDERS)
    unknown = set(wanted) - set(CONTENDERS)
    if unknown:
        raise SystemExit(f"unknown contenders: {', '.join(sorted(unknown))}")
    if args.repeat < 1:
        raise SystemExit("--repeat must be at least 1")
    if args.repeat > 1 and args.profile:
        raise SystemExit(
            "--profile runs under pyinstrument, slower than the others: profile in a run of its own"
        )
    nightly = {"project_nightly_unchanged", "project_nightly_1pct"} & set(wanted)
    if args.repeat > 1 and nightly and "project_full" not in wanted:
        # a second round's nights would run on the warehouse the first round's nights left
        raise SystemExit(
            "--repeat with the nightly contenders needs project_full (each round starts from it)"
        )
    print(f"work folder: {work}", flush=True)

    base_root, changed_root = work / "base", work / "changed"
    print(f"generating {args.projects:,} projects (seed {args.seed}) ...", flush=True)
    base = generated_dumps(base_root, args.projects, args.seed, None, args.jobs)
    print(f"  {base['participations']:,} participations in {base['generator_wall_s']} s", flush=True)
    changed = None
    if {"project_nightly_1pct", "project_fresh_1pct"} & set(wanted):
        changed = generated_dumps(changed_root, args.projects, args.seed, args.change, args.jobs)
        print(f"  changed version: {changed['changed_projects']} projects in {changed['generator_wall_s']} s")
    expected_changed = (
        changed["changed_records"]["project"] + changed["changed_records"]["participation"]
        if changed
        else None
    )

    results: dict[str, Any] = {
        "projects": base["projects"],
        "participations": base["participations"],
        "seed": args.seed,
        "generated": base,
        "changed_generated": changed,
        "machine": machine_info(),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "contenders": {},
    }
    contenders: dict[str, dict[str, Any]] = results["contenders"]
    rounds: list[dict[str, dict[str, Any]]] = []  # per round: contender -> that run's result
    data_dir = base_root / CORDIS_HOST / "data"
    sqlite_dir = work / "project"
    sqlite_url = f"sqlite:///{sqlite_dir / 'warehouse.sqlite'}"
    fresh_dir = work / "project_fresh"
    fresh_url = f"sqlite:///{fresh_dir / 'warehouse.sqlite'}"
    pg_admin = args.postgres_url or os.environ.get("INVENTORY_TEST_POSTGRES_URL")

    with contextlib.ExitStack() as stack:
        if any(c in PROJECT_CONTENDERS for c in wanted):
            if args.prefect_api_url:
                api_url, startup = args.prefect_api_url, None
                results["prefect_server"] = "given (--prefect-api-url)"
            else:
                api_url, startup = stack.enter_context(prefect_server(work))
                results["prefect_server"] = "started by the benchmark"
            results["prefect_server_startup_s"] = startup
            print(f"Prefect API {api_url} (start-up {startup} s)", flush=True)
        base_urls = stack.enter_context(serve_mirror(base_root))
        changed_urls = stack.enter_context(serve_mirror(changed_root)) if changed else None

        profiled = {n.strip() for n in args.profile.split(",") if n.strip()}

        def profile(name: str) -> Path | None:
            return work / f"{name}.pyisession" if name in profiled else None

        def run_one(name: str, label: str) -> dict[str, Any]:
            if name == "project_full":
                shutil.rmtree(sqlite_dir, ignore_errors=True)
                return run_project(
                    label, base_urls[CORDIS_HOST], sqlite_dir, sqlite_url, api_url, work, args.timeout,
                    profile(name),
                )  # fmt: skip
            if name == "project_full_postgres":
                reason = postgres_unavailable(pg_admin)
                if reason:
                    return {"status": "skipped", "reason": reason}
                with postgres_database(pg_admin) as pg_url:
                    pg_dir = work / "project_postgres"
                    shutil.rmtree(pg_dir, ignore_errors=True)
                    return run_project(
                        label, base_urls[CORDIS_HOST], pg_dir, pg_url, api_url, work, args.timeout,
                        profile(name),
                    )  # fmt: skip
            if name in WORKERS:
                return run_worker(name, data_dir, work, args.timeout, label)
            if name == "project_nightly_unchanged":
                return run_project(
                    label, base_urls[CORDIS_HOST], sqlite_dir, sqlite_url, api_url, work, args.timeout,
                    profile(name),
                )  # fmt: skip
            if name == "project_fresh_1pct":
                assert changed_urls is not None
                shutil.rmtree(fresh_dir, ignore_errors=True)
                result = run_project(
                    label, changed_urls[CORDIS_HOST], fresh_dir, fresh_url, api_url, work, args.timeout,
                    profile(name),
                )  # fmt: skip
                night = rounds[-1].get("project_nightly_1pct")
                if result.get("status") == "succeeded" and night and night.get("status") == "succeeded":
                    result["inventory_diff"] = inventory_diff(sqlite_url, fresh_url)
                    result["equals_night"] = same_inventory(result["inventory_diff"])
                return result
            assert changed_urls is not None  # project_nightly_1pct
            result = run_project(
                label, changed_urls[CORDIS_HOST], sqlite_dir, sqlite_url, api_url, work, args.timeout,
                profile(name),
            )  # fmt: skip
            result["expected_changed_records"] = expected_changed
            return result

        for round_no in range(1, args.repeat + 1):
            rounds.append({})
            for name in wanted:
                label = name if args.repeat == 1 else f"{name}.round{round_no}"
                print(f"running {label} ...", flush=True)
                result = rounds[-1][name] = run_one(name, label)
                shown = {
                    k: result.get(k)
                    for k in ("status", "wall_s", "peak_rss_mb", "rows_written", "projects", "participations")
                }
                print(f"  {shown}", flush=True)
                if result.get("error_tail"):
                    print("  --- last lines of its output ---\n" + result["error_tail"], flush=True)
        for name in wanted:
            contenders[name] = combine_runs([one[name] for one in rounds])

    def succeeded(name: str) -> dict[str, Any]:
        result = contenders.get(name) or {}
        return result if result.get("status") == "succeeded" else {}

    walls = {name: succeeded(name).get("wall_s") for name in contenders}
    results["ratios"] = {
        **ratios(walls),
        "project_peak_rss_over_floor": ratio(
            succeeded("project_full").get("peak_rss_mb"), succeeded("duckdb_floor").get("peak_rss_mb")
        ),
    }
    if args.repeat > 1:
        results["repeat"] = args.repeat
        results["ratios_by_round"] = ratios_by_round(rounds)
    results["targets"] = evaluate_targets(contenders, expected_changed, base["projects"])
    results["fairness"] = {
        "same_counts": all(
            (r.get("projects"), r.get("participations")) == (base["projects"], base["participations"])
            for r in contenders.values()
            if r.get("status") == "succeeded"
        ),
        "duckdb_floor_inputs": "H2020 JSON members via read_json; HORIZON via read_csv on the CSV twin of the XML dump",
        "dlt_reader": (contenders.get("dlt") or {}).get("reader"),
    }
    sessions = {name: work / f"{name}.pyisession" for name in profiled}
    profiles = {name: render_profile(path, work) for name, path in sessions.items() if path.exists()}
    if profiles:
        results["profiles"] = profiles
        results["note"] = "profiled contenders run under pyinstrument: their wall times include its overhead"
    results["work"] = str(work)
    results["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    if not args.keep and not args.work:
        shutil.rmtree(work, ignore_errors=True)
        results["work"] = None
    return results


def render_profile(session: Path, work: Path) -> dict[str, str]:
    """Text renderings of a pyinstrument session (call tree and flat self-time) next to the session."""
    outputs = {}
    for label, options in (("tree", []), ("flat", ["-p", "flat=true"])):
        out = work / f"{session.stem}.profile.{label}.txt"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pyinstrument",
                "--load",
                str(session),
                "-r",
                "text",
                *options,
                "-o",
                str(out),
            ],
            check=False,
            cwd=REPO_ROOT,
        )
        outputs[label] = str(out)
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the CORDIS refresh (issue 8).")
    parser.add_argument("--projects", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--change", default="1%", help="share of projects changed for project_nightly_1pct")
    parser.add_argument("--jobs", type=int, default=2, help="generator processes")
    parser.add_argument("--contenders", help=f"comma-separated subset of {','.join(CONTENDERS)}")
    parser.add_argument("--prefect-api-url", help="use this Prefect API instead of starting a server")
    parser.add_argument(
        "--postgres-url", help="admin URL of a PostgreSQL server (default INVENTORY_TEST_POSTGRES_URL)"
    )
    parser.add_argument(
        "--results", type=Path, default=DEFAULT_RESULTS, help="where to write the results JSON"
    )
    parser.add_argument("--work", help="work folder (kept); default a temporary folder, removed at the end")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work folder")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per contender")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds of every contender; medians of time, the largest peak RSS (benchmarks.repeats)",
    )
    parser.add_argument(
        "--profile",
        nargs="?",
        const="project_full",
        default="",
        help="run these project contenders under pyinstrument (comma-separated; default project_full)",
    )
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--worker-data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--worker-scratch", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--worker-report", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        report = WORKERS[args.worker](args.worker_data, args.worker_scratch)
        args.worker_report.write_text(json.dumps(report, indent=2), encoding="utf-8")
        return 0

    from benchmarks.generate import parse_fraction

    stop_on_sigterm()
    args.change = parse_fraction(args.change)
    results = run_benchmark(args)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print()
    print(render_table(results))
    print(f"\nresults: {args.results}")
    failed = [n for n, r in results["contenders"].items() if r.get("status") not in ("succeeded", "skipped")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
