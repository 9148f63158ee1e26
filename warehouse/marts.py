"""Reads of the staging layer and the atomic publish of the marts."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.engine import Engine

from warehouse.loads import _chunks
from warehouse.schema import MARTS, mart_inventory, stg_cordis__participations, stg_cordis__projects


def _read(engine: Engine, table: Table) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(select(table))
        return pd.DataFrame(result.mappings().all(), columns=list(result.keys()), dtype=object)


def read_staged_cordis(engine: Engine) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every staged CORDIS project and participation (money as Decimal, dates as date)."""
    return _read(engine, stg_cordis__projects), _read(engine, stg_cordis__participations)


def publish_mart_inventory(engine: Engine, frame: pd.DataFrame) -> int:
    """Replace ``mart_inventory`` with ``frame`` in one transaction: readers see the old or the new mart."""
    rows = [dict(row) for row in frame.astype(object).where(frame.notna(), None).to_dict("records")]
    with engine.begin() as conn:
        conn.execute(delete(mart_inventory))
        for chunk in _chunks(rows, 5000):
            conn.execute(insert(mart_inventory), list(chunk))
    return len(rows)


def mart_row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one() for table in MARTS
        }
