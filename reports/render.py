"""``build_report``: the static, self-contained HTML report of the inventory, from the marts and the ledger.

One ``index.html``: styles, script and charts (inline SVG) are inside it, and its Content-Security-Policy
allows nothing to be loaded from anywhere — the page works from a file share or a mail attachment, offline.
Jinja2 autoescapes every value; the inline script and style are allowed by their SHA-256 only, so markup
that slipped into a value could still not run a script."""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.engine import Engine

from reports import formatting, nl_cooperation
from reports.figures import figures, themes_without_projects
from reports.freshness import freshness
from reports.inventory_table import industry40_rows, sources_of, table_body, themes_of
from reports.marts import ReportData, read_report_data
from reports.proeftuinen import batches
from warehouse.dictionary import dictionary_rows

TEMPLATES = Path(__file__).resolve().parent / "templates"
INDEX = "index.html"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        euro=formatting.euro,
        plain=formatting.plain_amount,
        count=formatting.count,
        day=formatting.day,
        safe_url=formatting.safe_url,
    )
    return env


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _dictionary() -> list[dict]:
    """Layers, each with its tables, each with its column rows (from the schema's comments)."""
    layers = []
    for layer, rows in groupby(dictionary_rows(), key=lambda r: r.layer):
        tables = [
            {"name": name, "meaning": columns[0].table_meaning, "columns": columns}
            for name, group in groupby(rows, key=lambda r: r.table)
            for columns in [list(group)]
        ]
        layers.append({"title": layer, "tables": tables})
    return layers


def _key_figures(data: ReportData, inventory: list) -> dict[str, object]:
    orgs = data.organisations
    return {
        "n_projects": data.n_projects,
        "n_industry40": len(inventory),
        "n_proeftuinen": int((data.inventory["source"] == "vlaio").sum()),
        "n_flemish_organisations": int(
            ((orgs["region"] == "flanders") & (orgs["n_industry40_projects"] > 0)).sum()
        ),
        "n_nl_cooperation": len(data.nl_cooperation),
    }


def render_html(data: ReportData, *, data_docs_url: str | None = None) -> str:
    """The report's HTML for ``data`` (pure: no I/O)."""
    env = _environment()
    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    style = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    inventory = industry40_rows(data)
    return env.get_template("report.html.j2").render(
        generated_at=datetime.now(UTC),
        key_figures=_key_figures(data, inventory),
        batches=batches(data),
        inventory=inventory,
        inventory_body=table_body(inventory),
        inventory_sources=sources_of(inventory),
        inventory_themes=themes_of(inventory),
        figures=figures(data),
        themes_without_projects=themes_without_projects(data),
        nl_cooperation_body=nl_cooperation.table_body(nl_cooperation.nl_cooperation_rows(data)),
        freshness=freshness(data, data_docs_url),
        dictionary=_dictionary(),
        script=script,
        style=style,
        script_hash=_csp_hash(script),
        style_hash=_csp_hash(style),
    )


def build_report(engine: Engine, out_dir: Path, *, data_docs_url: str | None = None) -> Path:
    """Write ``index.html`` into ``out_dir`` (created if missing) from the marts and the run ledger; returns
    its path. The file is replaced in one step, so a reader never sees half a report."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html = render_html(read_report_data(engine), data_docs_url=data_docs_url)
    target = out_dir / INDEX
    partial = out_dir / f".{INDEX}.{os.getpid()}.tmp"
    partial.write_text(html, encoding="utf-8")
    partial.replace(target)
    return target
