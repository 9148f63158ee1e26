"""The ``inventory`` command: ``refresh`` runs the Prefect flow against the configured sources, ``demo``
runs it against the recorded sources served on loopback."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Annotated

import typer

from inventory.config import load_settings, prepare_runtime_environment

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help=__doc__, pretty_exceptions_show_locals=False
)

SourcesOpt = Annotated[str | None, typer.Option(help="Comma-separated sources: cordis,vlaio")]
ProgrammesOpt = Annotated[
    str | None, typer.Option(help="Comma-separated CORDIS programmes: HORIZON,H2020,FP7")
]
DbUrlOpt = Annotated[str | None, typer.Option("--db-url", help="SQLAlchemy URL (overrides INVENTORY_DB_URL)")]
DataDirOpt = Annotated[
    str | None, typer.Option("--data-dir", help="Data folder (overrides INVENTORY_DATA_DIR)")
]


def _apply_overrides(
    db_url: str | None, data_dir: str | None, sources: str | None, programmes: str | None
) -> None:
    overrides = {
        "INVENTORY_DB_URL": db_url,
        "INVENTORY_DATA_DIR": data_dir,
        "INVENTORY_SOURCES": sources,
        "CORDIS_PROGRAMMES": programmes,
    }
    os.environ.update({name: value for name, value in overrides.items() if value})


def _split(value: str | None) -> list[str] | None:
    return [part.strip() for part in value.split(",") if part.strip()] if value else None


def _print_summary(summary: dict) -> None:
    typer.echo(f"run {summary['run_id']}: {summary['status']} in {summary['duration_s']} s")
    typer.echo(f"  sources: {', '.join(summary['sources'])}; programmes: {', '.join(summary['programmes'])}")
    typer.echo(f"  rows read: {summary['rows_read']}, written: {summary['rows_written']}, "
               f"quarantined: {summary['quarantined']}")  # fmt: skip
    history = sum((summary.get("history_rows") or {}).values())
    if history:
        typer.echo(
            f"  core history rows: {history} (versions opened and closed, apart from the records written)"
        )
    if summary.get("projects_scoped") is not None:
        typer.echo(
            f"  core compared for {summary['projects_scoped']} projects that can differ from the last publish "
            "(the others kept as published)"
        )
    verdict = {True: "passed", False: "FAILED", None: "not run"}[summary["dq_passed"]]
    typer.echo(f"  data quality: {verdict}")
    if summary.get("accepted_drift_by"):
        typer.echo(f"  volume drop accepted by {summary['accepted_drift_by']} (kept in etl_run)")
    for url in summary.get("unchanged_files", []):
        typer.echo(f"  unchanged since the last run, not parsed again: {url}")
    skipped = summary.get("skipped", [])
    if skipped:
        typer.echo(f"  pages skipped: {len(skipped)}")
        for skip in skipped[:10]:
            typer.echo(f"    {skip['url']}: {skip['reason']}")
    if summary.get("report"):
        typer.echo(f"  report: {summary['report']}")
    if not summary.get("published", True):
        typer.echo("  nothing changed in the sources: marts left as they were")
    for mart, count in summary["mart_rows"].items():
        typer.echo(f"  {mart}: {count} rows")


AcceptDriftOpt = Annotated[
    str | None,
    typer.Option(
        "--accept-drift", help="Your name: publish despite a volume drop the gate would block (logged)"
    ),
]


TASK_RUNNERS = (
    "default",
    "dask",
)  # flows.runners.RUNNERS (not imported here: the CLI starts without Prefect)


def _task_runner_name(value: str) -> str:
    if value not in TASK_RUNNERS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(TASK_RUNNERS)}")
    return value


RunnerOpt = Annotated[
    str,
    typer.Option(
        "--task-runner",
        callback=_task_runner_name,
        help="default (threads) or dask (dump partitions in parallel on Dask)",
    ),
]
DaskAddressOpt = Annotated[
    str | None, typer.Option("--dask-address", help="Dask scheduler address (default: a local cluster)")
]


def _refresh(
    accept_drift: str | None = None,
    backfill: dict | None = None,
    runner: str = "default",
    dask_address: str | None = None,
) -> None:
    settings = prepare_runtime_environment()
    # Prefect must be imported after PREFECT_HOME and the analytics switches are set.
    from sqlalchemy.exc import SQLAlchemyError

    from flows.parameters import BackfillParameters
    from flows.refresh import backfill_inventory, refresh_inventory
    from flows.runners import with_runner
    from inventory.progress import flow_progress
    from warehouse.engine import make_engine
    from warehouse.ledger import get_run

    with flow_progress():
        if backfill is not None:
            params = BackfillParameters(accept_drift=accept_drift, **backfill)
            state = with_runner(backfill_inventory, runner, dask_address)(params, return_state=True)
        else:
            flow = with_runner(refresh_inventory, runner, dask_address)
            state = flow(accept_drift=accept_drift, return_state=True)
    if state.is_completed():
        _print_summary(state.result())
        return
    run_id = str(state.state_details.flow_run_id)
    try:
        run = get_run(make_engine(settings.db_url), run_id) or {}
    except SQLAlchemyError:  # the warehouse itself is unreachable: the flow's message says why
        run = {}
    typer.echo(f"run {run_id}: {run.get('status', state.type.value.lower())}", err=True)
    typer.echo(f"  error: {run.get('error') or state.message}", err=True)
    typer.echo("  the published marts were left as they were", err=True)
    raise typer.Exit(code=1)


@app.command()
def refresh(
    sources: SourcesOpt = None,
    programmes: ProgrammesOpt = None,
    db_url: DbUrlOpt = None,
    data_dir: DataDirOpt = None,
    accept_drift: AcceptDriftOpt = None,
    task_runner: RunnerOpt = "default",
    dask_address: DaskAddressOpt = None,
) -> None:
    """Run the refresh once against the live sources (or whatever the base URLs point at)."""
    _apply_overrides(db_url, data_dir, sources, programmes)
    _refresh(accept_drift, runner=task_runner, dask_address=dask_address)


@app.command()
def backfill(
    sources: SourcesOpt = None,
    programmes: ProgrammesOpt = None,
    window_start: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Only projects ending on or after this day")
    ] = None,
    window_end: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Only projects starting on or before this day"),
    ] = None,
    from_raw: Annotated[
        bool, typer.Option("--from-raw", help="Rebuild from the raw landing zone, without any HTTP request")
    ] = False,
    snapshot: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="With --from-raw: the landing date to use")
    ] = None,
    db_url: DbUrlOpt = None,
    data_dir: DataDirOpt = None,
    accept_drift: AcceptDriftOpt = None,
    task_runner: RunnerOpt = "default",
    dask_address: DaskAddressOpt = None,
) -> None:
    """A parameterised refresh: a date window, a rebuild from the landing zone, an accepted drift."""
    _apply_overrides(db_url, data_dir, None, None)
    params = {
        "sources": _split(sources),
        "programmes": _split(programmes),
        "window_start": window_start.date() if window_start else None,
        "window_end": window_end.date() if window_end else None,
        "from_raw": from_raw,
        "snapshot": snapshot.date() if snapshot else None,
    }
    _refresh(accept_drift, backfill=params, runner=task_runner, dask_address=dask_address)


@app.command()
def demo(
    sources: SourcesOpt = None,
    programmes: ProgrammesOpt = None,
    db_url: DbUrlOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Run the refresh against the recorded sources, served on loopback for the duration of the run."""
    from inventory.mirror import serve_mirror, source_urls

    _apply_overrides(db_url, data_dir, sources, programmes)
    with serve_mirror() as bases:
        os.environ.update(source_urls(bases))
        typer.echo("serving recorded sources: " + ", ".join(f"{h} at {u}" for h, u in bases.items()))
        _refresh()


@app.command()
def config() -> None:
    """Print the resolved configuration (passwords hidden)."""
    from sqlalchemy.engine import make_url

    settings = load_settings()
    for name, value in vars(settings).items():
        shown = make_url(value).render_as_string(hide_password=True) if name == "db_url" else value
        typer.echo(f"{name} = {shown}")


def _register_report_commands() -> None:
    from reports.cli import export, report

    app.command()(report)
    app.command()(export)


_register_report_commands()

if __name__ == "__main__":
    app()
