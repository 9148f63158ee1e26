"""prefect.yaml as written, then for real: a Prefect server on loopback, the work pool, `prefect --no-prompt
deploy --all` from the repo root, a process worker, and runs of the deployments through it: a backfill fills
the warehouse, and runs triggered at once are serialised (the deployments' concurrency limit, the warehouse
writer lock) without duplicating a row.

The server here is this module's own (a subprocess with its own PREFECT_HOME); every Prefect command gets
an explicit environment, so the session's temporary server (conftest ``prefect_api_url``) is not touched."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from tests.conftest import POSTGRES_URL, REPO_ROOT
from tests.independent import expected_from_sources
from tests.mart_rows import duplicate_keys
from warehouse.engine import make_engine
from warehouse.schema import (
    etl_run,
    mart_inventory,
    mart_participations,
    stg_cordis__participations,
    stg_cordis__projects,
    stg_vlaio__organisations,
    stg_vlaio__pages,
    stg_vlaio__projects,
)

PREFECT_YAML = REPO_ROOT / "prefect.yaml"
PREFECT = str(Path(sys.executable).with_name("prefect"))
POOL = "inventory-pool"
NIGHTLY = "refresh-inventory/inventory-nightly"
BACKFILL = "backfill-inventory/inventory-backfill"
STAGING_KEYS = {
    stg_cordis__projects: ("source", "source_id"),
    stg_cordis__participations: ("source", "project_source_id", "organisation_id", "role", "order_no"),
    stg_vlaio__pages: ("url",),
    stg_vlaio__projects: ("source_id",),
    stg_vlaio__organisations: ("project_source_id", "order_no"),
}
# The tasks between which a run writes the warehouse: two runs' windows must never overlap.
WRITE_START = ("merge",)
WRITE_END = ("publish_inventory", "current_marts")


def _deployments() -> dict[str, dict]:
    return {d["name"]: d for d in yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8"))["deployments"]}


# --- the file ---------------------------------------------------------------------------------------------


def test_the_nightly_runs_at_two_in_brussels_one_at_a_time_on_the_process_pool() -> None:
    nightly = _deployments()["inventory-nightly"]
    assert nightly["schedules"] == [
        {"cron": "0 2 * * *", "timezone": "Europe/Brussels", "slug": "inventory-nightly-0200", "active": True}
    ]
    assert nightly["concurrency_limit"] == 1
    assert nightly["work_pool"]["name"] == POOL


def test_the_backfill_is_manual_one_at_a_time_on_the_same_pool() -> None:
    backfill = _deployments()["inventory-backfill"]
    assert "schedules" not in backfill
    assert backfill["concurrency_limit"] == 1
    assert backfill["work_pool"] == _deployments()["inventory-nightly"]["work_pool"]


@pytest.mark.parametrize(
    ("deployment", "flow_name"),
    [("inventory-nightly", "refresh-inventory"), ("inventory-backfill", "backfill-inventory")],
)
def test_each_entrypoint_names_a_real_flow_that_accepts_the_deployment_parameters(
    deployment: str, flow_name: str
) -> None:
    from prefect import Flow
    from prefect.flows import load_flow_from_entrypoint

    from flows.parameters import BackfillParameters

    spec = _deployments()[deployment]
    path, _, function = spec["entrypoint"].partition(":")
    assert (REPO_ROOT / path).is_file()
    flow = load_flow_from_entrypoint(f"{REPO_ROOT / path}:{function}", use_placeholder_flow=False)
    assert isinstance(flow, Flow)
    assert flow.name == flow_name
    validated = flow.validate_parameters(spec["parameters"])
    if deployment == "inventory-backfill":
        assert isinstance(validated["params"], BackfillParameters)
        assert validated["params"].from_raw is False


# --- the real thing: server, pool, deploy, worker, runs ---------------------------------------------------

# Settings of the session (conftest, monkeypatched tests) that must not leak into this module's processes
_OWN_PREFIXES = ("PREFECT_", "INVENTORY_", "CORDIS_", "VLAIO_", "INDUSTRIE40_")
FINAL_STATES = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


@dataclass(frozen=True)
class Server:
    api_url: str
    env: dict[str, str]
    log: Path


@dataclass(frozen=True)
class Worker:
    db_url: str
    log: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _base_env(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(_OWN_PREFIXES)}
    # wide console: Rich must not wrap the lines that are read below
    env.update(
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        GX_ANALYTICS_ENABLED="false",
        COLUMNS="250",
    )
    env.update(extra)
    return env


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        # its own session, so that the whole group (the worker's flow-run processes too) can be ended
        return subprocess.Popen(
            args, env=env, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(process: subprocess.Popen) -> None:
    """End ``process``, its process group and any descendant that left the group; SIGKILL after 15 s."""
    import psutil

    try:
        descendants = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=15)
            break
        except subprocess.TimeoutExpired:
            continue
    for child in descendants:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def _cli(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    done = subprocess.run(
        [PREFECT, *args], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"prefect {' '.join(args)} exited {done.returncode}:\n{output}"
    return output


def _api(server: Server, method: str, path: str, body: dict | None = None):
    """One REST call; a 503 (the server's database busy) is retried like Prefect's own client does."""
    request = urllib.request.Request(
        server.api_url + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    for attempt in range(6):
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            if exc.code != 503 or attempt == 5:
                raise
            time.sleep(2**attempt)


@contextmanager
def _server_database() -> Iterator[dict[str, str]]:
    """The Prefect server's own database: a fresh PostgreSQL database when INVENTORY_TEST_POSTGRES_URL names a
    server (the production shape, docs/scaling.md; no SQLite write lock under concurrent runs), else the
    default SQLite file in PREFECT_HOME."""
    if not POSTGRES_URL:
        yield {}
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(POSTGRES_URL)
    name = f"prefect_e2e_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = admin_url.set(drivername="postgresql+asyncpg", database=name)
        yield {"PREFECT_SERVER_DATABASE_CONNECTION_URL": url.render_as_string(hide_password=False)}
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _wait_healthy(server: Server, process: subprocess.Popen, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if _api(server, "GET", "/health") is True:
                return
        except OSError:
            pass
        assert process.poll() is None, f"the Prefect server exited:\n{_tail(server.log)}"
        assert time.monotonic() < deadline, f"the Prefect server is not healthy after {timeout_s} s"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`prefect server start` on a free loopback port with its own PREFECT_HOME (and its own PostgreSQL
    database when one is available); the scheduler service is off (no 02:00 run may start during the test) and
    a run waiting for a concurrency slot retries after 2 s."""
    root = tmp_path_factory.mktemp("prefect-server")
    port = _free_port()
    env = _base_env(
        PREFECT_HOME=str(root / "home"),
        PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
        PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS="2",
    )
    server = Server(env["PREFECT_API_URL"], env, root / "server.log")
    args = [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with _server_database() as database:
        # only the server gets the database URL: the clients talk to it through PREFECT_API_URL
        process = _start(args, {**env, **database}, server.log)
        try:
            _wait_healthy(server, process)
            yield server
        finally:
            _stop(process)


@pytest.fixture(scope="module")
def deployed(prefect_server: Server) -> Server:
    """The work pool, then `prefect --no-prompt deploy --all` from the repo root (PWD: the pull step's
    directory is resolved from it at deploy time)."""
    _cli(prefect_server.env, "work-pool", "create", POOL, "--type", "process")
    output = _cli({**prefect_server.env, "PWD": str(REPO_ROOT)}, "--no-prompt", "deploy", "--all")
    for name in (NIGHTLY, BACKFILL):
        assert f"Deployment '{name}' successfully created" in output, output
    return prefect_server


@pytest.fixture(scope="module")
def worker(deployed: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    """A process worker on the pool whose environment (inherited by its flow runs) points the warehouse and
    the data folder at a temporary folder and the sources at the recorded mirror on loopback."""
    from inventory.mirror import RECORDED_MIRROR, serve_mirror, source_urls

    root = tmp_path_factory.mktemp("worker")
    data_dir = root / "data"
    db_url = f"sqlite:///{data_dir / 'warehouse.sqlite'}"
    log = root / "worker.log"
    with serve_mirror(RECORDED_MIRROR) as bases:
        env = {
            **deployed.env,
            "PREFECT_HOME": str(root / "home"),
            "PREFECT_WORKER_QUERY_SECONDS": "2",
            "INVENTORY_DATA_DIR": str(data_dir),
            "INVENTORY_DB_URL": db_url,
            "INVENTORY_HTTP_RETRIES": "1",
            "INVENTORY_EXTRACT_TASK_RETRIES": "0",
            **source_urls(bases),
        }
        process = _start([PREFECT, "worker", "start", "--pool", POOL, "--name", "test-worker"], env, log)
        try:
            yield Worker(db_url, log)
        finally:
            _stop(process)


def _trigger(server: Server, deployment: str, parameters: dict) -> str:
    """`prefect deployment run <flow>/<deployment> --params <json>`, the operator's command; the run's id."""
    output = _cli(server.env, "deployment", "run", deployment, "--params", json.dumps(parameters))
    found = re.search(r"UUID: ([0-9a-f-]{36})", output)
    assert found, output
    return found.group(1)


def _create_run(server: Server, deployment: dict, parameters: dict) -> str:
    """The same through the API (what the CLI calls), without a Python start-up."""
    path = f"/deployments/{deployment['id']}/create_flow_run"
    return _api(server, "POST", path, {"parameters": parameters})["id"]


def _wait_final(server: Server, worker: Worker, run_ids: list[str], timeout_s: float) -> dict[str, dict]:
    deadline = time.monotonic() + timeout_s
    while True:
        runs = {run_id: _api(server, "GET", f"/flow_runs/{run_id}") for run_id in run_ids}
        if all(run["state_type"] in FINAL_STATES for run in runs.values()):
            return runs
        states = {run_id: run["state_name"] for run_id, run in runs.items()}
        assert time.monotonic() < deadline, f"not finished after {timeout_s} s: {states}\n{_tail(worker.log)}"
        time.sleep(1)


def _state_names(server: Server, run_id: str) -> list[str]:
    return [state["name"] for state in _api(server, "GET", f"/flow_run_states/?flow_run_id={run_id}")]


def _write_window(server: Server, run_id: str) -> tuple[datetime, datetime]:
    """From the start of the run's merge to the end of its publish: when it wrote the warehouse."""
    tasks = _api(server, "POST", "/task_runs/filter", {"flow_runs": {"id": {"any_": [run_id]}}, "limit": 200})
    by_name = {task["name"].rsplit("-", 1)[0]: task for task in tasks}
    starts = [by_name[name]["start_time"] for name in WRITE_START if name in by_name]
    ends = [by_name[name]["end_time"] for name in WRITE_END if name in by_name]
    assert starts and ends, f"run {run_id} has no merge/publish task runs: {sorted(by_name)}"
    return datetime.fromisoformat(min(starts)), datetime.fromisoformat(max(ends))


def _disjoint(windows: list[tuple]) -> bool:
    ordered = sorted(windows)
    return all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(ordered))


def _ledger(db_url: str) -> dict[str, dict]:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(etl_run)).mappings().all()
    engine.dispose()
    return {row["run_id"]: dict(row) for row in rows}


def _cordis_counts(db_url: str) -> dict[str, int]:
    engine = make_engine(db_url)
    with engine.connect() as conn:

        def count(table, *where) -> int:
            return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()

        counts = {
            "stg_cordis__projects": count(stg_cordis__projects),
            "stg_cordis__participations": count(stg_cordis__participations),
            "mart_inventory": count(mart_inventory, mart_inventory.c.source == "cordis"),
            "mart_participations": count(mart_participations, mart_participations.c.source == "cordis"),
        }
    engine.dispose()
    return counts


@pytest.mark.e2e
def test_a_deployed_backfill_fills_the_warehouse_and_runs_triggered_at_once_are_serialised(
    deployed: Server, worker: Worker
) -> None:
    deployments = {d["name"]: d for d in _api(deployed, "POST", "/deployments/filter", {})}
    nightly, backfill = deployments["inventory-nightly"], deployments["inventory-backfill"]
    schedule = nightly["schedules"][0]
    assert schedule["schedule"]["cron"] == "0 2 * * *"
    assert schedule["schedule"]["timezone"] == "Europe/Brussels"
    assert schedule["active"] is True and schedule["slug"] == "inventory-nightly-0200"
    assert backfill["entrypoint"] == "flows/refresh.py:backfill_inventory"
    for deployment in (nightly, backfill):
        assert deployment["global_concurrency_limit"]["limit"] == 1
        assert deployment["work_pool_name"] == POOL
        assert deployment["pull_steps"][0]["prefect.deployments.steps.set_working_directory"] == {
            "directory": str(REPO_ROOT)
        }

    # one backfill, with the operator's command, fills the warehouse through the worker
    first = _trigger(deployed, BACKFILL, {"params": {"sources": ["cordis", "vlaio"]}})
    runs = _wait_final(deployed, worker, [first], timeout_s=180)
    assert runs[first]["state_type"] == "COMPLETED", (runs[first]["state"]["message"], _tail(worker.log))
    ledger = _ledger(worker.db_url)
    assert ledger[first]["status"] == "succeeded" and ledger[first]["flow_name"] == "backfill-inventory"
    expected = expected_from_sources()
    filled = {
        "stg_cordis__projects": len(expected.projects),
        "stg_cordis__participations": expected.participations,
        "mart_inventory": len(expected.projects),
        "mart_participations": expected.participations,
    }
    assert _cordis_counts(worker.db_url) == filled

    # two backfills and a nightly at once (through the API: no Python start-up between them)
    second, third = (
        _create_run(deployed, backfill, {"params": {"sources": ["cordis", "vlaio"]}}) for _ in "ab"
    )
    night = _create_run(deployed, nightly, {})
    runs = _wait_final(deployed, worker, [second, third, night], timeout_s=240)
    assert {run["state_type"] for run in runs.values()} == {"COMPLETED"}, (
        {run_id: run["state"]["message"] for run_id, run in runs.items()},
        _tail(worker.log),
    )
    ledger = _ledger(worker.db_url)
    assert {run_id: ledger[run_id]["status"] for run_id in runs} == dict.fromkeys(runs, "succeeded")
    assert ledger[night]["flow_name"] == "refresh-inventory"
    # the backfill deployment runs one flow run at a time: one of the two waited for the other's slot
    assert any("AwaitingConcurrencySlot" in _state_names(deployed, run_id) for run_id in (second, third))
    backfills = [(ledger[run_id]["started_at"], ledger[run_id]["finished_at"]) for run_id in (second, third)]
    assert _disjoint(backfills), backfills
    # the nightly (another deployment) ran alongside, but no two runs ever wrote the warehouse together
    windows = [_write_window(deployed, run_id) for run_id in (first, second, third, night)]
    assert _disjoint(windows), windows

    # nothing duplicated, nothing lost
    assert _cordis_counts(worker.db_url) == filled
    assert duplicate_keys(worker.db_url, mart_inventory, ("project_key",)) == 0
    for table, key in STAGING_KEYS.items():
        assert duplicate_keys(worker.db_url, table, key) == 0, table.name


@contextmanager
def _webhook_receiver() -> Iterator[tuple[str, list[dict]]]:
    """A loopback HTTP endpoint that records the JSON bodies POSTed to it."""
    received: list[dict] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/alerts", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.e2e
def test_a_failed_deployed_run_sends_one_alert_naming_the_run_and_its_error(
    deployed: Server, worker: Worker
) -> None:
    from flows.alerts import AUTOMATION_NAME
    from flows.refresh import BACKFILL_FLOW_NAME, FLOW_NAME

    assert (FLOW_NAME, BACKFILL_FLOW_NAME) == ("refresh-inventory", "backfill-inventory")
    with _webhook_receiver() as (url, received):
        env = {**deployed.env, "INVENTORY_ALERT_WEBHOOK_URL": url, "INVENTORY_ALERT_KIND": "webhook"}
        for _ in range(2):  # idempotent: the second install replaces the first
            done = subprocess.run(
                [sys.executable, "-m", "flows.alerts"], env=env, cwd=REPO_ROOT, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stdout + done.stderr
        automations = _api(deployed, "POST", "/automations/filter", {})
        assert [a["name"] for a in automations].count(AUTOMATION_NAME) == 1

        backfill = {d["name"]: d for d in _api(deployed, "POST", "/deployments/filter", {})}[
            "inventory-backfill"
        ]
        failing = _create_run(deployed, backfill, {"params": {"programmes": ["FP9"]}})
        runs = _wait_final(deployed, worker, [failing], timeout_s=120)
        assert runs[failing]["state_type"] == "FAILED"
        deadline = time.monotonic() + 60
        while not received and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(2)  # a second alert for the same failure would arrive now
    assert len(received) == 1, received
    text = received[0]["text"]
    assert text.startswith(f"Inventory: backfill-inventory run {runs[failing]['name']} ended Failed")
    assert failing in text and "params.programmes" in text and "FP9" in text
