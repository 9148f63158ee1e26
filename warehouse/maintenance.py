"""Upkeep after a publish: planner statistics for the marts on PostgreSQL (a publish replaces every mart row;
without fresh statistics the planner guesses, and an analyst's query can take ten times longer). SQLite
plans from its indexes and needs nothing here."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from warehouse.schema import MARTS


def analyze_marts(engine: Engine) -> list[str]:
    """``ANALYZE`` every mart on PostgreSQL; returns the tables analysed (none on SQLite)."""
    if engine.dialect.name != "postgresql":
        return []
    names = [table.name for table in MARTS]
    with engine.begin() as conn:
        for name in names:
            conn.execute(text(f'ANALYZE "{name}"'))
    return names
