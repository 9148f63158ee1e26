"""The task runner choice (flows/runners.py): the Dask runner really runs the tasks on a Dask cluster and
builds, from the same sources, marts identical row by row to the default runner's."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from flows.parameters import BackfillParameters
from flows.runners import LOCAL_CLUSTER_KWARGS, with_runner
from tests.mart_rows import assert_same_marts


def test_the_runner_is_chosen_by_name_and_keeps_the_flow() -> None:
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    from flows.refresh import backfill_inventory

    default = with_runner(backfill_inventory, "default", None)
    assert isinstance(default.task_runner, ThreadPoolTaskRunner)
    assert default.name == backfill_inventory.name == "backfill-inventory"

    local = with_runner(backfill_inventory, "dask", None).task_runner
    assert isinstance(local, DaskTaskRunner)
    assert local.address is None and local.cluster_kwargs == LOCAL_CLUSTER_KWARGS
    remote = with_runner(backfill_inventory, "dask", "tcp://10.0.0.5:8786").task_runner
    assert remote.address == "tcp://10.0.0.5:8786" and remote.cluster_kwargs == {}
    # with_options gives a copy: the module's flow keeps its default runner
    assert isinstance(backfill_inventory.task_runner, ThreadPoolTaskRunner)


def test_an_unknown_runner_or_an_address_without_dask_is_refused() -> None:
    from flows.refresh import backfill_inventory

    with pytest.raises(ValueError, match="unknown task runner 'ray'"):
        with_runner(backfill_inventory, "ray", None)
    with pytest.raises(ValueError, match="only meaningful with the dask"):
        with_runner(backfill_inventory, "default", "tcp://10.0.0.5:8786")


@pytest.mark.e2e
def test_the_dask_runner_builds_the_same_marts_as_the_default_runner(
    prefect_api_url: str,
    served_mirror: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from flows.refresh import backfill_inventory

    # Dask's worker processes inherit this process's environment when the cluster starts: all set first
    for name, value in served_mirror.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("INVENTORY_HTTP_RETRIES", "1")
    monkeypatch.setenv("INVENTORY_EXTRACT_TASK_RETRIES", "0")
    db_urls = {}
    for runner in ("default", "dask"):
        data_dir = tmp_path / runner
        db_urls[runner] = f"sqlite:///{data_dir / 'warehouse.sqlite'}"
        monkeypatch.setenv("INVENTORY_DATA_DIR", str(data_dir))
        monkeypatch.setenv("INVENTORY_DB_URL", db_urls[runner])
        with caplog.at_level(logging.INFO, logger="prefect.task_runner.dask"):
            state = with_runner(backfill_inventory, runner, None)(BackfillParameters(), return_state=True)
        assert state.is_completed(), f"{runner}: {state.message}"
        assert state.result()["dq_passed"] is True
        created = [r for r in caplog.records if "Creating a new Dask cluster" in r.getMessage()]
        assert len(created) == (1 if runner == "dask" else 0), runner
        caplog.clear()

    counts = assert_same_marts(db_urls["default"], db_urls["dask"])
    assert counts["mart_inventory"] > 0 and counts["mart_participations"] > 0


def test_an_unknown_task_runner_is_a_usage_error_naming_the_choices() -> None:
    from typer.testing import CliRunner

    from flows.runners import RUNNERS
    from inventory.cli import TASK_RUNNERS, app

    assert TASK_RUNNERS == RUNNERS  # the CLI's list (kept free of the Prefect import) is the flow's
    for command in (["refresh"], ["backfill", "--from-raw"]):
        result = CliRunner().invoke(app, [*command, "--task-runner", "ray"])
        assert result.exit_code == 2, result.output
        assert "'ray' is not one of default, dask" in result.output
        assert "Traceback" not in result.output
