"""Crash consistency: a refresh killed with SIGKILL at each stage — during the download, the parse, the merge
transaction, the publish transaction, and just after the publish committed — leaves the warehouse either as
it was before the run or (killed after the commit) as the run made it, never a mix; leaves no lock that
stops the next run; and the next run converges to the marts of a clean run.

The refresh runs in a process of its own (forked by ``tests.crash_runner``) on a warehouse that already holds
a succeeded VLAIO-only run (the previous consistent state), so that the killed run has CORDIS to download,
parse, merge and publish. It is held where it must be killed by a slow drip from the loopback server
(download) or by a test hook of the runner that announces the stage and waits: after the first batch of a
dump was parsed, and at the COMMIT of the merge and of the publish transactions (every row written, none
committed; the runner reports how many rows the transaction saw). Nothing can record a SIGKILL: the killed
run's ``etl_run`` row stays ``running`` until the next run takes the writer lock and closes it as
``abandoned`` (it held the lock, so its process is gone)."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from inventory.mirror import CORDIS_HOST
from tests.faults import FaultServer
from tests.flow_runs import (
    advisory_lock_holders,
    copy_sqlite,
    duplicates,
    fork_server,
    lock_rows,
    refresh_here,
    run_env,
    runs,
    wait_until,
)
from tests.mart_rows import assert_marts_equal, mart_rows
from warehouse.engine import make_engine
from warehouse.schema import stg_cordis__participations, stg_cordis__projects

pytestmark = pytest.mark.e2e

HORIZON_DUMP = "/data/cordis-HORIZONprojects-xml.zip"  # the first dump the run downloads
# stage -> whether the kill comes after the publish committed (the warehouse then holds the new marts)
STAGES = {"download": False, "parse": False, "merge": False, "publish": False, "published": True}


def _staged_cordis(db_url: str) -> tuple[int, int]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return tuple(
                conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (stg_cordis__projects, stg_cordis__participations)
            )
    finally:
        engine.dispose()


def _reference_projects(reference: dict[str, list[str]]) -> list[str]:
    return [row for row in reference["mart_inventory"] if row.startswith("('cordis:")]


def _killed_run(db_url: str) -> dict:
    """The one ledger row a killed run leaves: still ``running``, never finished, but it took the lock."""
    killed = [run for run in runs(db_url) if run["status"] == "running"]
    assert len(killed) == 1, runs(db_url)
    assert killed[0]["finished_at"] is None and killed[0]["error"] is None
    assert killed[0]["locked_at"] is not None
    return killed[0]


def _closed_as_abandoned(db_url: str, killed: dict) -> None:
    """After the next run: the killed run is ``abandoned``, closed by that run, which succeeded."""
    ledger = runs(db_url)
    assert [run["status"] for run in ledger] == ["succeeded", "abandoned", "succeeded"]
    assert ledger[1]["run_id"] == killed["run_id"] and ledger[1]["finished_at"] is not None
    assert f"found by run {ledger[2]['run_id']}" in ledger[1]["error"]


def _kill_at(
    stage: str, mirror: dict[str, FaultServer], prefect_api_url: str, env: dict[str, str], tmp_path: Path
) -> dict:
    """Start the refresh in a process of its own, wait until it is in ``stage``, SIGKILL it; returns what
    the run announced on reaching the stage (its pid, and for a COMMIT pause the rows its transaction saw)."""
    server, marker = fork_server(prefect_api_url), tmp_path / "reached"
    if stage == "download":
        cordis = mirror[CORDIS_HOST]
        cordis.set_fault(HORIZON_DUMP, "drip", times=1, delay_s=0.5, chunk=1024)
        runner = server.start(env, tmp_path / "logs", stage)
    else:
        runner = server.start(env, tmp_path / "logs", stage, CRASH_PAUSE_AT=stage, CRASH_MARKER=str(marker))
    try:
        if stage == "download":
            wait_until(lambda: cordis.hits(HORIZON_DUMP) >= 1, runner, "the dump request")
            landing = Path(env["INVENTORY_DATA_DIR"]) / "raw" / "cordis"
            # the temporary file exists once the answer's headers are in: the body is still dripping in
            wait_until(lambda: any(landing.rglob("*.part")), runner, "the download's temporary file")
            reached = {"stage": stage, "pid": runner.pid}
        else:
            wait_until(marker.exists, runner, f"the {stage} stage")
            reached = json.loads(marker.read_text())
            assert (reached["stage"], reached["pid"]) == (stage, runner.pid)
    finally:
        killed = runner.kill()
    assert killed == -signal.SIGKILL, runner.output()
    return reached


@pytest.mark.parametrize("stage", list(STAGES))
def test_a_run_killed_mid_stage_leaves_whole_marts_and_no_lock_and_the_next_run_converges(
    stage: str,
    prefect_api_url: str,
    reference: dict[str, list[str]],
    vlaio_only: str,
    mirror: dict[str, FaultServer],
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    db_url = copy_sqlite(vlaio_only, data_dir)
    env = run_env(data_dir, db_url, INVENTORY_LOCK_WAIT_S="5")
    before = mart_rows(db_url, ignore=())  # every column: "as it was" means exactly as it was
    assert mart_rows(db_url) != reference, "the killed run must have something to change"

    reached = _kill_at(stage, mirror, prefect_api_url, env, tmp_path)

    if STAGES[stage]:
        assert_marts_equal(reference, db_url)
    else:
        assert_marts_equal(before, db_url, ignore=())
    killed = _killed_run(db_url)
    # the dead run's lock row is still there: the next run must see that its pid is gone and take it over
    assert [(row["holder"], row["pid"]) for row in lock_rows(db_url)] == [(killed["run_id"], reached["pid"])]
    if stage == "download":
        folder = next((data_dir / "raw" / "cordis").iterdir())
        assert not (folder / HORIZON_DUMP.rsplit("/", 1)[1]).exists()  # only the temporary file was written
        assert list(folder.glob("*.part"))  # ... and the killed process left it behind
    if stage == "merge":
        assert reached["rows"] == len(_reference_projects(reference))  # written in the transaction ...
    if stage in ("parse", "merge"):
        assert _staged_cordis(db_url) == (0, 0)  # ... and gone with the process
    if stage == "publish":
        # the transaction held the whole new mart_inventory; the warehouse still has the old one
        assert reached["rows"] == len(reference["mart_inventory"]) != len(before["mart_inventory"])

    state = refresh_here(env)  # INVENTORY_LOCK_WAIT_S=5: a lock not taken over would fail it
    assert state.is_completed(), state.message
    assert_marts_equal(reference, db_url)
    assert lock_rows(db_url) == []
    assert not list((data_dir / "raw").rglob("*.part"))  # the killed download's temporary file is gone
    _closed_as_abandoned(db_url, killed)
    assert duplicates(db_url) == {"stg_cordis__projects": 0, "core_projects": 0}


def test_a_run_killed_inside_the_publish_transaction_on_postgres_leaves_the_marts_and_frees_the_lock(
    prefect_api_url: str,
    reference: dict[str, list[str]],
    mirror: dict[str, FaultServer],
    postgres_url: str,
    tmp_path: Path,
) -> None:
    env = run_env(tmp_path / "data", postgres_url, INVENTORY_SOURCES="vlaio")
    assert refresh_here(env).is_completed()
    before = mart_rows(postgres_url, ignore=())
    env = run_env(tmp_path / "data", postgres_url, INVENTORY_LOCK_WAIT_S="5")

    reached = _kill_at("publish", mirror, prefect_api_url, env, tmp_path)

    assert reached["rows"] == len(reference["mart_inventory"]) != len(before["mart_inventory"])
    assert_marts_equal(before, postgres_url, ignore=())
    killed = _killed_run(postgres_url)
    # the server ends the dead client's session (and frees its advisory lock) when it sees the socket close
    deadline = time.monotonic() + 10
    while advisory_lock_holders(postgres_url) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert advisory_lock_holders(postgres_url) == 0

    state = refresh_here(env)
    assert state.is_completed(), state.message
    assert_marts_equal(reference, postgres_url)
    _closed_as_abandoned(postgres_url, killed)
    assert duplicates(postgres_url) == {"stg_cordis__projects": 0, "core_projects": 0}
