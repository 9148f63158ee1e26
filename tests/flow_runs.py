"""Helpers for the flow-level robustness tests (crash consistency, concurrent runs, source faults): the
recorded mirror served once per test process by ``tests.faults`` (so every warehouse built in the process holds
the same source URLs and can be compared row by row), a clean reference warehouse and a VLAIO-only one built
once, refreshes run in this process or forked into processes of their own that a test can kill
(``tests.crash_runner``), and what a warehouse holds afterwards (ledger, lock, duplicates; its marts row by
row: ``tests.mart_rows``)."""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import case, func, select, text
from sqlalchemy.engine import make_url

from inventory.mirror import RECORDED_MIRROR
from tests.faults import FaultServer, fault_mirror, mirror_urls
from warehouse.engine import make_engine
from warehouse.lock import ADVISORY_KEY
from warehouse.schema import core_projects, etl_run, stg_cordis__projects, warehouse_lock

REPO_ROOT = Path(__file__).resolve().parents[1]
RUNNER_TIMEOUT_S = 180.0


# --- the sources ------------------------------------------------------------------------------------------


@functools.cache
def mirror() -> dict[str, FaultServer]:
    """The recorded mirror on loopback, one fault-injecting server per host, for the whole test process."""
    stack = ExitStack()
    servers = stack.enter_context(fault_mirror(RECORDED_MIRROR))
    atexit.register(stack.close)
    return servers


def reset_mirror() -> dict[str, FaultServer]:
    """The shared mirror with no fault armed and empty request logs."""
    servers = mirror()
    for server in servers.values():
        server.clear_faults()
        server.requests.clear()
    return servers


def run_env(data_dir: Path, db_url: str | None = None, **overrides: str) -> dict[str, str]:
    """The settings of one refresh on the shared mirror (data and SQLite warehouse under ``data_dir``)."""
    return {
        "INVENTORY_DATA_DIR": str(data_dir),
        "INVENTORY_DB_URL": db_url or sqlite_url(data_dir),
        "INVENTORY_HTTP_RETRIES": "1",
        "INVENTORY_EXTRACT_TASK_RETRIES": "0",
        "INVENTORY_LOCK_WAIT_S": "5",
        **mirror_urls(mirror()),
        **overrides,
    }


def _temporary_folder(prefix: str) -> Path:
    """A folder that outlives any one test (it is shared by the process) and is removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'warehouse.sqlite'}"


# --- runs -------------------------------------------------------------------------------------------------


def refresh_here(env: dict[str, str]) -> Any:
    """One ``refresh_inventory`` in this process (on the session's Prefect server); returns its final state."""
    from flows.refresh import refresh_inventory

    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        return refresh_inventory(return_state=True)


@functools.cache
def clean_reference(prefect_api_url: str) -> str:
    """The warehouse of one uninterrupted refresh of both sources on the shared mirror, from nothing: what
    every run that recovers from a crash, a race or a fault must converge to. Built once per process."""
    data_dir = _temporary_folder("inventory-reference-") / "data"
    env = run_env(data_dir)
    state = refresh_here(env)
    assert state.is_completed(), state.message
    return env["INVENTORY_DB_URL"]


@functools.cache
def vlaio_only_warehouse(prefect_api_url: str) -> str:
    """A SQLite warehouse after one succeeded VLAIO-only refresh on the shared mirror: a consistent state that
    a refresh of both sources changes (it adds CORDIS). Built once per process; copy it (``copy_sqlite``)
    before writing to it."""
    data_dir = _temporary_folder("inventory-vlaio-only-") / "data"
    env = run_env(data_dir, INVENTORY_SOURCES="vlaio")
    state = refresh_here(env)
    assert state.is_completed(), state.message
    return env["INVENTORY_DB_URL"]


@dataclass
class Runner:
    """A refresh running in a process of its own, forked by the fork server of ``tests.crash_runner``."""

    name: str
    pid: int
    control: Path
    stdout: Path
    stderr: Path

    def exit_code(self) -> int | None:
        """None while the process runs (or is not yet reaped); negative: killed by that signal."""
        path = self.control / f"{self.name}.exit"
        return int(path.read_text()) if path.exists() else None

    def output(self) -> str:
        return f"stdout:\n{self.stdout.read_text()}\nstderr (end):\n{self.stderr.read_text()[-4000:]}"

    def _reaped(self, timeout_s: float) -> int:
        deadline = time.monotonic() + timeout_s
        while (code := self.exit_code()) is None:
            if time.monotonic() > deadline:
                pytest.fail(f"run {self.name} (pid {self.pid}) did not end within {timeout_s:.0f} s")
            time.sleep(0.02)
        return code

    def kill(self) -> int:
        """SIGKILL unless it already ended, and wait until it is reaped (a zombie's pid still looks alive
        to the SQLite lock's takeover check); its exit code (``-signal.SIGKILL`` when this killed it)."""
        if self.exit_code() is None:
            os.kill(self.pid, signal.SIGKILL)
        return self._reaped(30)

    def wait(self, timeout_s: float = RUNNER_TIMEOUT_S) -> dict:
        """The run's final state (type and message) once the process ended."""
        self._reaped(timeout_s)
        lines = self.stdout.read_text().strip().splitlines()
        assert lines, self.output()
        return json.loads(lines[-1])


class ForkServer:
    """``python -m tests.crash_runner --fork``: one per test process, stopped when the process exits."""

    def __init__(self, prefect_api_url: str) -> None:
        self.control = _temporary_folder("inventory-fork-server-")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("INVENTORY_", "CRASH_"))},
            "PREFECT_API_URL": prefect_api_url,
        }
        log = (self.control / "server.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.crash_runner", "--fork", str(self.control)],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        atexit.register(self.stop)
        deadline = time.monotonic() + 120
        while not (self.control / "ready").exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"the fork server did not start:\n{(self.control / 'server.log').read_text()}")
            time.sleep(0.05)
        self._count = 0

    def start(self, env: dict[str, str], logs: Path, name: str = "run", **hooks: str) -> Runner:
        """Fork a refresh with the settings ``env`` and the test ``hooks`` (CRASH_*, see
        ``tests.crash_runner``); returns once the process exists."""
        self._count += 1
        name = f"{self._count:03d}-{name}"
        logs.mkdir(parents=True, exist_ok=True)
        stdout, stderr = logs / f"{name}.out", logs / f"{name}.err"
        request = {"env": {**self.env, **env, **hooks}, "stdout": str(stdout), "stderr": str(stderr)}
        tmp = self.control / f"{name}.request.tmp"
        tmp.write_text(json.dumps(request), encoding="utf-8")
        os.replace(tmp, self.control / f"{name}.request")
        pid_file = self.control / f"{name}.pid"
        deadline = time.monotonic() + 30
        while not pid_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the fork server did not fork:\n{(self.control / 'server.log').read_text()}")
            time.sleep(0.01)
        return Runner(name, int(pid_file.read_text()), self.control, stdout, stderr)

    def stop(self) -> None:
        (self.control / "stop").touch()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@functools.cache
def fork_server(prefect_api_url: str) -> ForkServer:
    return ForkServer(prefect_api_url)


def wait_until(condition: Callable[[], bool], runner: Runner, what: str, timeout_s: float = 120.0) -> None:
    """Poll ``condition`` until true; fail naming ``what`` if the runner ends first or time runs out."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if runner.exit_code() is not None:
            pytest.fail(f"the run ended (exit {runner.exit_code()}) before {what}\n{runner.output()}")
        if time.monotonic() > deadline:
            runner.kill()
            pytest.fail(f"no {what} within {timeout_s:.0f} s\n{runner.output()}")
        time.sleep(0.05)


# --- what a warehouse holds -------------------------------------------------------------------------------


def copy_sqlite(source_url: str, data_dir: Path) -> str:
    """A consistent copy of a SQLite warehouse (WAL included) into ``data_dir``; returns its URL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    target = sqlite_url(data_dir)
    with (
        sqlite3.connect(make_url(source_url).database) as src,
        sqlite3.connect(make_url(target).database) as dst,
    ):
        src.backup(dst)
    return target


def runs(db_url: str) -> list[dict[str, Any]]:
    """The ``etl_run`` rows, in the order the runs started."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            query = select(etl_run).order_by(etl_run.c.started_at)
            return [dict(row) for row in conn.execute(query).mappings()]
    finally:
        engine.dispose()


def lock_rows(db_url: str) -> list[dict[str, Any]]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return [dict(row) for row in conn.execute(select(warehouse_lock)).mappings()]
    finally:
        engine.dispose()


def advisory_lock_holders(db_url: str) -> int:
    """Sessions holding the warehouse's advisory writer lock (PostgreSQL). Advisory locks belong to a
    database: the same key held in another database of the server is another warehouse's lock."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            query = text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = :key "
                "AND objsubid = 1 AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
            return conn.execute(query, {"key": ADVISORY_KEY}).scalar_one()
    finally:
        engine.dispose()


def duplicates(db_url: str) -> dict[str, int]:
    """Keys that break uniqueness: staged CORDIS projects by (source, source_id), and project keys of the core
    history without exactly one current version (no project was withdrawn at the recorded sources)."""
    engine = make_engine(db_url)
    projects, core = stg_cordis__projects, core_projects
    staged = (
        select(projects.c.source, projects.c.source_id)
        .group_by(projects.c.source, projects.c.source_id)
        .having(func.count() > 1)
        .subquery()
    )
    current = (
        select(core.c.project_key)
        .group_by(core.c.project_key)
        .having(func.sum(case((core.c.is_current.is_(True), 1), else_=0)) != 1)
        .subquery()
    )
    try:
        with engine.connect() as conn:
            return {
                "stg_cordis__projects": conn.execute(select(func.count()).select_from(staged)).scalar_one(),
                "core_projects": conn.execute(select(func.count()).select_from(current)).scalar_one(),
            }
    finally:
        engine.dispose()
