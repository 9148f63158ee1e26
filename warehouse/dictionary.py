"""The data dictionary, generated from the schema's table and column comments.

``python -m warehouse.dictionary`` rewrites ``docs/data_dictionary.md``; a test checks that the committed
file is current."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Table

from warehouse.schema import MARTS, metadata

DICTIONARY_MD = Path(__file__).resolve().parents[1] / "docs" / "data_dictionary.md"

LAYERS = (
    ("Marts — what BI tools and the report query", lambda name: name.startswith("mart_")),
    ("Core — resolved entities with history", lambda name: name.startswith(("core_", "org_"))),
    ("Staging — typed source records", lambda name: name.startswith("stg_")),
    ("Ledger and landing", lambda name: name in {"etl_run", "raw_manifest", "quarantine"}),
)


def _type(column) -> str:  # a SQLAlchemy Column
    return str(column.type).replace("NUMERIC(18, 2)", "NUMERIC(18,2) euro")


def _table_section(table: Table) -> list[str]:
    lines = [f"### `{table.name}`", "", table.comment or "", ""]
    keys = ", ".join(f"`{c.name}`" for c in table.primary_key.columns)
    if keys:
        lines += [f"Key: {keys}.", ""]
    lines += ["| column | type | null | meaning |", "|---|---|---|---|"]
    for column in table.columns:
        meaning = (column.comment or "").replace("|", "\\|")
        lines.append(
            f"| `{column.name}` | {_type(column)} | {'yes' if column.nullable else 'no'} | {meaning} |"
        )
    return [*lines, ""]


def render() -> str:
    lines = [
        "# Data dictionary",
        "",
        "Generated from the warehouse schema (`warehouse/schema.py`) by `python -m warehouse.dictionary`;",
        "do not edit by hand. Money columns are euro amounts exact to the cent. The marts are the contract",
        f"with BI users: {', '.join(f'`{t.name}`' for t in MARTS)}.",
        "",
    ]
    for title, belongs in LAYERS:
        lines += [f"## {title}", ""]
        for table in sorted(metadata.tables.values(), key=lambda t: t.name):
            if belongs(table.name):
                lines += _table_section(table)
    return "\n".join(lines).rstrip() + "\n"


@dataclass(frozen=True)
class DictionaryRow:
    """One column of the data dictionary, as the schema documents it."""

    layer: str
    table: str
    table_meaning: str
    column: str
    type: str
    nullable: bool
    is_key: bool
    meaning: str


def dictionary_rows(tables: tuple[Table, ...] | None = None) -> list[DictionaryRow]:
    """The dictionary as rows, in the order ``render()`` writes it (layer, table name, column order);
    ``tables`` narrows it to those tables (e.g. ``MARTS``)."""
    wanted = {t.name for t in tables} if tables is not None else None
    rows = []
    for title, belongs in LAYERS:
        for table in sorted(metadata.tables.values(), key=lambda t: t.name):
            if not belongs(table.name) or (wanted is not None and table.name not in wanted):
                continue
            keys = {c.name for c in table.primary_key.columns}
            rows += [
                DictionaryRow(
                    layer=title,
                    table=table.name,
                    table_meaning=table.comment or "",
                    column=column.name,
                    type=_type(column),
                    nullable=bool(column.nullable),
                    is_key=column.name in keys,
                    meaning=column.comment or "",
                )
                for column in table.columns
            ]
    return rows


def main() -> None:
    DICTIONARY_MD.parent.mkdir(parents=True, exist_ok=True)
    DICTIONARY_MD.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {DICTIONARY_MD}\n")


if __name__ == "__main__":
    main()
