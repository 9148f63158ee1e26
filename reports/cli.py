"""The ``inventory report`` and ``inventory export`` commands, as plain functions with typer annotations;
``inventory/cli.py`` registers them (``app.command()(report)``, ``app.command()(export)``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from inventory.config import load_settings
from reports.exports import Format, export_marts
from reports.render import build_report
from warehouse.engine import make_engine

REPORT_DIR = "report"
EXPORT_DIR = "exports"


def report(
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for index.html (default: <data dir>/report)")
    ] = None,
    data_docs_url: Annotated[
        str | None,
        typer.Option("--data-docs-url", help="Link to the run's Data Docs, e.g. ../data-docs/index.html"),
    ] = None,
) -> None:
    """Write the HTML report of the inventory (self-contained index.html) from the marts."""
    settings = load_settings()
    engine = make_engine(settings.db_url)
    try:
        path = build_report(engine, out or settings.data_dir / REPORT_DIR, data_docs_url=data_docs_url)
    finally:
        engine.dispose()
    typer.echo(f"report: {path}")


def export(
    fmt: Annotated[Format, typer.Option("--format", help="File format of the exports")] = "csv",
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for the files (default: <data dir>/exports)")
    ] = None,
) -> None:
    """Export every mart, with the data dictionary, as CSV, Parquet or Excel files."""
    settings = load_settings()
    engine = make_engine(settings.db_url)
    try:
        written = export_marts(engine, out or settings.data_dir / EXPORT_DIR, fmt)
    finally:
        engine.dispose()
    for path in written:
        typer.echo(f"wrote {path}")
