"""Where a flow's submitted and mapped tasks run: Prefect's default thread pool, or Dask.

With Dask the unit of parallel work is one CORDIS dump (``stage_cordis_dump.map``): each is parsed and
staged in a worker process, so two dumps use two cores instead of sharing one interpreter. Without an
address a local cluster is started for the run (two single-threaded worker processes, one per core of the
machine the nightly runs on); with ``address`` the run connects to a running scheduler
(``dask scheduler`` + ``dask worker`` on other machines, see docs/scaling.md).

Dask worker processes are started by the flow run: settings they read from the environment (Prefect's,
``INVENTORY_*``) must be set before the run starts, and every argument of a task sent to them is pickled."""

from __future__ import annotations

from typing import Literal, TypeVar

from prefect import Flow
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

Runner = Literal["default", "dask"]
RUNNERS: tuple[str, ...] = ("default", "dask")
# dashboard on a free port: two runs on one machine (a nightly and a backfill) must not fight over 8787
LOCAL_CLUSTER_KWARGS = {"n_workers": 2, "threads_per_worker": 1, "processes": True, "dashboard_address": ":0"}

F = TypeVar("F", bound=Flow)


def task_runner(runner: str, address: str | None = None) -> TaskRunner:
    """A new task runner of the kind asked: ``default`` (Prefect's thread pool) or ``dask`` (the scheduler
    at ``address``, else a local cluster of ``LOCAL_CLUSTER_KWARGS``)."""
    if runner == "default":
        if address:
            raise ValueError("--dask-address is only meaningful with the dask task runner")
        return ThreadPoolTaskRunner()
    if runner == "dask":
        # imported here: dask/distributed cost a second of import time that the default runner does not need
        from prefect_dask import DaskTaskRunner

        if address:
            return DaskTaskRunner(address=address)
        return DaskTaskRunner(
            cluster_class="distributed.LocalCluster", cluster_kwargs=dict(LOCAL_CLUSTER_KWARGS)
        )
    raise ValueError(f"unknown task runner {runner!r}; expected one of {', '.join(RUNNERS)}")


def with_runner(flow: F, runner: str, address: str | None = None) -> F:
    """``flow`` with its tasks run by ``runner`` (see ``task_runner``); the flow's name, parameters and
    everything else stay the same, so its runs are the same flow's runs in the UI and the ledger."""
    return flow.with_options(task_runner=task_runner(runner, address))
