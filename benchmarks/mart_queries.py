"""How fast the marts answer: the analyst questions and typical BI queries on a benchmark-scale warehouse.

    python -m benchmarks.mart_queries --projects 60000 [--db-url URL ...] [--postgres-url URL] [--runs 7]

Target (issue 5): every mart query answers in under 100 ms. A benchmark, not a test: reported, never asserted.

The warehouse is built once per size and kept: the generated dumps (``benchmarks.generate``, same seed as
``benchmarks.run``) are loaded the way the tests load the recorded ones (``tests.loading.load``: the
project's reader, staging, core, marts; no Prefect, no quality gate), plus the recorded VLAIO proeftuinen
so that question (b) has rows. Cache: ``--cache`` (default ``$TMPDIR/inventory-mart-queries``) holds
``<projects>/dump/`` and ``<projects>/warehouse.sqlite``; on PostgreSQL the database is
``inventory_marts_<projects>`` on the server of ``--postgres-url`` / ``INVENTORY_TEST_POSTGRES_URL`` (skipped
when none answers). A cached warehouse is reused when its ledger holds the benchmark's load run; it is first
migrated to the current head and given any mart index the schema declares, so new indexes apply to it.
``--rebuild`` builds afresh. On PostgreSQL the marts get VACUUM ANALYZE before timing, the state autovacuum
leaves them in on a default server (the project's test server runs without autovacuum).

Each query runs once to warm the caches, then ``--runs`` times; the time is execute + fetch of every row on
an open connection (``conn.execute(...).all()``): median, min and max wall time, and the median CPU time of
this process (for SQLite the whole query, which runs in-process; for PostgreSQL only the client's share).
The machine is shared, so the 1-minute load average is recorded around each warehouse's timings. Results: a
table on stdout and ``benchmarks/results/mart_queries.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url

from benchmarks.run import postgres_unavailable
from warehouse.analyst_queries import QUERIES
from warehouse.engine import make_engine
from warehouse.migrate import upgrade
from warehouse.schema import MARTS

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RESULTS = REPO_ROOT / "benchmarks" / "results" / "mart_queries.json"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "inventory-mart-queries"
TARGET_MS = 100.0
SEED = 42
DUMPS = ("cordis-h2020projects-json.zip", "cordis-HORIZONprojects-xml.zip")


@dataclass(frozen=True)
class BenchQuery:
    name: str
    kind: str  # analyst | bi
    sql: str
    params: dict[str, Any] = field(default_factory=dict)


# Typical BI-tool queries on the marts: a filtered, sorted first page of the inventory, the yearly series, one
# organisation's participations. Parameter values: the most common source and programme, a year in the
# middle of the range, the organisation with the most participations (the worst case of that filter).
BI_QUERIES = (
    BenchQuery(
        "bi_inventory_by_source",
        "bi",
        "SELECT * FROM mart_inventory WHERE source = :source ORDER BY eu_contribution_eur DESC LIMIT 100",
        {"source": "cordis"},
    ),
    BenchQuery(
        "bi_inventory_industry40",
        "bi",
        "SELECT * FROM mart_inventory WHERE is_industry40 = TRUE ORDER BY eu_contribution_eur DESC LIMIT 100",
    ),
    BenchQuery(
        "bi_inventory_by_programme",
        "bi",
        "SELECT * FROM mart_inventory WHERE programme = :programme "
        "ORDER BY eu_contribution_eur DESC LIMIT 100",
        {"programme": "HORIZON"},
    ),
    BenchQuery(
        "bi_inventory_flemish_industry40",
        "bi",
        "SELECT project_key, acronym, title, programme, start_date, eu_contribution_eur, "
        "flemish_contribution_eur FROM mart_inventory WHERE is_flemish = TRUE AND is_industry40 = TRUE "
        "ORDER BY eu_contribution_eur DESC",
    ),
    BenchQuery(
        "bi_funding_in_year",
        "bi",
        "SELECT source, COUNT(*) AS n_projects, SUM(eu_contribution_eur) AS eu_contribution_eur, "
        "SUM(flemish_contribution_eur) AS flemish_contribution_eur FROM mart_funding_by_year "
        "WHERE year = :year GROUP BY source",
        {"year": 2020},
    ),
    BenchQuery(
        "bi_funding_by_year",
        "bi",
        "SELECT year, SUM(eu_contribution_eur) AS eu_contribution_eur, "
        "SUM(flemish_contribution_eur) AS flemish_contribution_eur FROM mart_funding_by_year "
        "GROUP BY year ORDER BY year",
    ),
    BenchQuery(
        "bi_participations_of_organisation",
        "bi",
        "SELECT * FROM mart_participations WHERE organisation_key = :organisation_key ORDER BY project_key",
    ),
)


def all_queries() -> list[BenchQuery]:
    return [BenchQuery(q.name, "analyst", q.sql) for q in QUERIES.values()] + list(BI_QUERIES)


# --- the benchmark-scale warehouse --------------------------------------------------------------------


def _run_id(projects: int) -> str:
    return f"bench-marts-{projects}"


def dump_dir(cache: Path, projects: int) -> Path:
    """The generated dumps for ``projects`` (generated when not there yet)."""
    from benchmarks.generate import HOST, generate

    out = cache / str(projects) / "dump"
    summary = out / "generation.json"
    if summary.exists():
        done = json.loads(summary.read_text(encoding="utf-8"))
        if done.get("projects") == projects and done.get("seed") == SEED and not done.get("change"):
            return out / HOST / "data"
    print(f"generating {projects:,} projects into {out} ...", flush=True)
    generate(out, projects, SEED)
    return out / HOST / "data"


def is_built(db_url: str, projects: int) -> bool:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            if "etl_run" not in inspect(conn).get_table_names():
                return False
            status = conn.execute(
                text("SELECT status FROM etl_run WHERE run_id = :run_id"), {"run_id": _run_id(projects)}
            ).scalar()
            return status == "succeeded"
    finally:
        engine.dispose()


def build(db_url: str, projects: int, cache: Path) -> float:
    """Load the generated dumps (and the recorded VLAIO proeftuinen) into ``db_url``; seconds it took."""
    from tests.loading import load

    data = dump_dir(cache, projects)
    started = time.monotonic()
    print(f"building the warehouse at {make_url(db_url).render_as_string()} ...", flush=True)
    load(
        db_url,
        _run_id(projects),
        dumps=tuple(data / name for name in DUMPS),
        vlaio_raw_dir=cache / str(projects) / "vlaio-raw",
    )
    return time.monotonic() - started


def postgres_database(admin_url: str, projects: int, rebuild: bool) -> str:
    """URL of the cached benchmark database on the server of ``admin_url``: kept when it holds a finished
    build, else (or with ``rebuild``) created afresh and left empty for ``build``."""
    url = make_url(admin_url)
    name = f"inventory_marts_{projects}"
    cached = url.set(database=name).render_as_string(hide_password=False)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
            if exists and not rebuild and is_built(cached, projects):
                return cached
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return cached


# --- timing -------------------------------------------------------------------------------------------


def _parameters(engine: Engine, query: BenchQuery) -> dict[str, Any]:
    if query.name != "bi_participations_of_organisation":
        return query.params
    with engine.connect() as conn:
        key = conn.execute(
            text(
                "SELECT organisation_key FROM mart_participations GROUP BY organisation_key "
                "ORDER BY COUNT(*) DESC, organisation_key LIMIT 1"
            )
        ).scalar_one()
    return {"organisation_key": key}


def _server_process(conn: Connection) -> Any:
    """The psutil handle of a local PostgreSQL connection's backend process, else None."""
    if conn.dialect.name != "postgresql" or conn.engine.url.host not in ("127.0.0.1", "localhost", "::1"):
        return None
    try:
        import psutil

        return psutil.Process(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    except Exception:  # no psutil, or the backend belongs to a user we may not inspect
        return None


def _cpu_ms(process: Any) -> float:
    times = process.cpu_times()
    return (times.user + times.system) * 1000


def time_query(engine: Engine, query: BenchQuery, runs: int) -> dict[str, Any]:
    """After one warm-up run, ``runs`` times: wall time of execute + fetch and this process's CPU time
    (median, min, max), and for a local PostgreSQL the server backend's CPU time (mean over the runs)."""
    params = _parameters(engine, query)
    statement = text(query.sql)
    timings, cpu = [], []
    with engine.connect() as conn:
        server = _server_process(conn)
        rows = len(conn.execute(statement, params).all())  # warm-up, not counted
        # the kernel counts CPU time in 10 ms ticks: the backend's is taken over all runs, then averaged
        started_server = _cpu_ms(server) if server else 0.0
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            conn.execute(statement, params).all()
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        server_cpu = (_cpu_ms(server) - started_server) / runs if server else None
    return {
        "rows": rows,
        "params": params,
        "median_ms": round(statistics.median(timings), 2),
        "min_ms": round(min(timings), 2),
        "max_ms": round(max(timings), 2),
        "median_cpu_ms": round(statistics.median(cpu), 2),
        "mean_server_cpu_ms": round(server_cpu, 2) if server_cpu is not None else None,
    }


def ensure_mart_indexes(engine: Engine) -> None:
    """Create the mart indexes the schema declares that a cached warehouse lacks (one built while an index
    migration was still being written is already at head)."""
    with engine.begin() as conn:
        for table in MARTS:
            for index in table.indexes:
                index.create(conn, checkfirst=True)


def vacuum_analyze_marts(engine: Engine) -> None:
    """PostgreSQL: the marts as autovacuum leaves them on a default server after a publish replaced their rows
    (vacuumed, so index-only scans work, and analyzed, so the planner knows their sizes). The project's test
    server runs with autovacuum off; without statistics the planner misjudges the joins by far."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in sorted(t for t in inspect(conn).get_table_names() if t.startswith("mart_")):
            conn.execute(text(f"VACUUM ANALYZE {table}"))


def mart_indexes(engine: Engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        inspector = inspect(conn)
        return {
            table: sorted(index["name"] for index in inspector.get_indexes(table))
            for table in sorted(inspector.get_table_names())
            if table.startswith("mart_")
        }


def mart_rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        tables = sorted(t for t in inspect(conn).get_table_names() if t.startswith("mart_"))
        return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in tables}


def machine() -> dict[str, Any]:
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
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty_paths": len(dirty.splitlines()) if dirty else 0,
        "load_avg_at_start": [round(v, 2) for v in os.getloadavg()],
    }


def benchmark_warehouse(db_url: str, args: argparse.Namespace) -> dict[str, Any]:
    built_s = None
    if args.rebuild or not is_built(db_url, args.projects):
        if make_url(db_url).get_backend_name() == "sqlite" and make_url(db_url).database:
            for suffix in ("", "-wal", "-shm"):
                Path(make_url(db_url).database + suffix).unlink(missing_ok=True)
        built_s = round(build(db_url, args.projects, args.cache), 1)
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        ensure_mart_indexes(engine)
        if engine.dialect.name == "postgresql":
            vacuum_analyze_marts(engine)
        result: dict[str, Any] = {
            "url": make_url(db_url).render_as_string(),
            "backend": engine.dialect.name,
            "server_version": ".".join(str(v) for v in engine.dialect.server_version_info or ())
            if engine.dialect.name != "sqlite"
            else sqlite3.sqlite_version,
            "build_s": built_s,
            "reused": built_s is None,
            "vacuum_analyzed": engine.dialect.name == "postgresql",
            "mart_rows": mart_rows(engine),
            "indexes": mart_indexes(engine),
            "queries": {},
        }
        result["load_avg_before"] = round(os.getloadavg()[0], 2)
        for query in all_queries():
            timing = result["queries"][query.name] = time_query(engine, query, args.runs)
            print(f"  {engine.dialect.name:10} {query.name:36} {timing['median_ms']:9.2f} ms", flush=True)
        result["load_avg_after"] = round(os.getloadavg()[0], 2)
    finally:
        engine.dispose()
    return result


def render_table(results: dict[str, Any]) -> str:
    """One line per query: rows, then per warehouse the median and min wall time and the median CPU time in
    ms ('!': the median misses the target). CPU: of the query itself — this process for SQLite, the server
    backend for a local PostgreSQL (parallel workers not counted)."""
    warehouses = results["warehouses"]
    names = [q.name for q in all_queries()]
    header = f"{'query':36} {'rows':>7}" + "".join(
        f" | {w['backend'][:10] + ' median':>17} {'min':>7} {'cpu':>7}" for w in warehouses
    )
    lines = [
        f"Mart queries on {results['projects']:,} projects: {results['runs']} runs each (execute + fetch all "
        f"rows), ms; target: median < {TARGET_MS:.0f} ms",
        header,
    ]
    for name in names:
        rows = warehouses[0]["queries"][name]["rows"] if warehouses else 0
        cells = ""
        for w in warehouses:
            q = w["queries"][name]
            mark = "!" if q["median_ms"] >= TARGET_MS else " "
            work = q["mean_server_cpu_ms"] if q["mean_server_cpu_ms"] is not None else q["median_cpu_ms"]
            cells += f" | {q['median_ms']:>16.1f}{mark} {q['min_ms']:>7.1f} {work:>7.1f}"
        lines.append(f"{name:36} {rows:>7,}" + cells)
    for w in warehouses:
        built = f"built in {w['build_s']} s" if w["build_s"] is not None else "reused from the cache"
        lines.append(
            f"{w['backend']} {w['server_version']}: {w['url']} ({built}; load average "
            f"{w['load_avg_before']} -> {w['load_avg_after']}); mart rows {w['mart_rows']}"
        )
    over = [
        f"{w['backend']}:{name}"
        for w in warehouses
        for name in names
        if w["queries"][name]["median_ms"] >= TARGET_MS
    ]
    lines.append("over the target: " + (", ".join(over) if over else "none"))
    lines.append(
        "cpu: CPU time of the query itself (SQLite: this process, median; local PostgreSQL: the server "
        "backend, mean, parallel workers not counted), much less sensitive than wall time to other load"
    )
    for reason in results.get("skipped", []):
        lines.append(f"skipped: {reason}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the mart queries on a benchmark-scale warehouse.")
    parser.add_argument("--projects", type=int, default=60_000)
    parser.add_argument(
        "--db-url",
        action="append",
        help="benchmark this warehouse (repeatable); default: the cached SQLite file and, when reachable, "
        "the cached PostgreSQL database",
    )
    parser.add_argument("--postgres-url", default=os.environ.get("INVENTORY_TEST_POSTGRES_URL"))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--rebuild", action="store_true", help="build the warehouses afresh")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    args = parser.parse_args(argv)

    results: dict[str, Any] = {
        "projects": args.projects,
        "runs": args.runs,
        "target_ms": TARGET_MS,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        "warehouses": [],
        "skipped": [],
    }
    urls = args.db_url
    if not urls:
        urls = [f"sqlite:///{args.cache / str(args.projects) / 'warehouse.sqlite'}"]
        reason = postgres_unavailable(args.postgres_url)
        if reason:
            results["skipped"].append(f"PostgreSQL: {reason}")
        else:
            urls.append(postgres_database(args.postgres_url, args.projects, args.rebuild))
    (args.cache / str(args.projects)).mkdir(parents=True, exist_ok=True)
    for url in urls:
        results["warehouses"].append(benchmark_warehouse(url, args))
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(render_table(results))
    print(f"written: {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
