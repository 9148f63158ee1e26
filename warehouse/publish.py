"""Reading the staging layer, and the publish: core history merge plus every mart, in ONE transaction, so a
reader sees the previous inventory or the new one, never a mix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Select, Table, delete, func, select
from sqlalchemy.engine import Connection, CursorResult, Engine

from inventory.interning import shared_text
from warehouse.bulk import insert_frame
from warehouse.history import merge_history
from warehouse.schema import (
    HISTORY_KEYS,
    MARTS,
    core_organisations,
    core_participations,
    core_project_themes,
    core_projects,
    core_yearly_funding,
    etl_run,
    metadata,
    org_near_matches,
    org_resolution,
    stg_cordis__participations,
    stg_cordis__projects,
    stg_vlaio__organisations,
    stg_vlaio__projects,
)
from warehouse.snapshot import connected

STAGED_TABLES = (
    stg_cordis__projects,
    stg_cordis__participations,
    stg_vlaio__projects,
    stg_vlaio__organisations,
)


@dataclass(frozen=True)
class Staged:
    cordis_projects: pd.DataFrame
    cordis_participations: pd.DataFrame
    vlaio_projects: pd.DataFrame
    vlaio_organisations: pd.DataFrame  # with ``order`` (the staging column is ``order_no``)


@dataclass(frozen=True)
class PublishResult:
    history_rows: dict[str, int]
    mart_rows: dict[str, int]
    published: bool = True


def _read(conn: Connection, table: Table) -> pd.DataFrame:
    return _frame(conn.execute(select(table)))


READ_CHUNK = 50_000


def _frame(result: CursorResult) -> pd.DataFrame:
    """The rows of ``result`` as a frame of object columns (money as Decimal, dates as date).

    Read ``READ_CHUNK`` rows at a time, equal strings made one object (``inventory.interning``): the driver
    makes a new string per cell, and holding every row of the 60k staging at once cost 1.2 GB of RSS. A column
    whose first chunk is nearly all distinct text (hashes, titles) is not shared: that would only grow the dict."""
    columns = list(result.keys())
    values: list[list] = [[] for _ in columns]
    seen: list[dict | None] = [{} for _ in columns]
    for number, part in enumerate(result.partitions(READ_CHUNK)):
        for index, column in enumerate(zip(*part, strict=True)):
            cache = seen[index]
            values[index].extend(column if cache is None else shared_text(column, cache))
            if number == 0 and cache is not None and len(cache) > len(part) * 0.9:
                seen[index] = None
    return pd.DataFrame(
        {name: pd.Series(column, dtype=object) for name, column in zip(columns, values, strict=True)},
        columns=columns,
    )


def read_staged(engine: Engine) -> Staged:
    """Every staged record (money as Decimal, dates as date), from one consistent snapshot."""
    with engine.connect() as conn:
        return Staged(
            _read(conn, stg_cordis__projects),
            _read(conn, stg_cordis__participations),
            _read(conn, stg_vlaio__projects),
            _read(conn, stg_vlaio__organisations)
            .rename(columns={"order_no": "order"})
            .sort_values(["project_source_id", "order"], ignore_index=True),
        )


def _replace(conn: Connection, table: Table, frame: pd.DataFrame) -> int:
    conn.execute(delete(table))
    return insert_frame(conn, table, frame)


def publish(
    engine: Engine, run_id: str, core: dict[str, pd.DataFrame], marts: dict[str, pd.DataFrame]
) -> PublishResult:
    """Merge the core entities with history, replace the derived core tables and every mart, atomically.

    ``core`` maps core table names to frames (core_projects, core_organisations, core_participations,
    core_project_themes, core_yearly_funding, org_resolution, org_near_matches)."""
    now = datetime.now(UTC)
    history: dict[str, int] = {}
    mart_rows: dict[str, int] = {}
    with engine.begin() as conn:
        for table in (core_projects, core_organisations, core_participations):
            change = merge_history(conn, table, HISTORY_KEYS[table.name], core[table.name], run_id, now)
            history[table.name] = change.rows_written
        for table in (core_project_themes, core_yearly_funding, org_resolution, org_near_matches):
            _replace(conn, table, core[table.name])
        for table in MARTS:
            mart_rows[table.name] = _replace(conn, table, marts[table.name])
    return PublishResult(history_rows=history, mart_rows=mart_rows)


def needs_publish(engine: Engine) -> bool:
    """True when staging holds rows that no successful run has published yet (written by this run or left by
    a run that failed after staging), or a mart is empty while staging is not."""
    published_runs = select(etl_run.c.run_id).where(etl_run.c.status == "succeeded")
    with engine.connect() as conn:
        for table in STAGED_TABLES:
            pending = select(func.count()).select_from(table).where(table.c.run_id.not_in(published_runs))
            if conn.execute(pending).scalar_one():
                return True
        staged = sum(
            conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (stg_cordis__projects, stg_vlaio__projects)
        )
        empty_marts = any(not conn.execute(select(func.count()).select_from(t)).scalar_one() for t in MARTS)
    return bool(staged) and empty_marts


def mart_row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one() for table in MARTS
        }


def read_table(bind: Engine | Connection, name: str) -> pd.DataFrame:
    """A whole table as a frame (for exports, the report and tests); ``bind`` may be a snapshot's
    connection (``warehouse.snapshot``)."""
    with connected(bind) as conn:
        return _read(conn, metadata.tables[name])


def read_query(bind: Engine | Connection, query: Select) -> pd.DataFrame:
    """The rows of ``query`` as a frame built like ``read_table``'s: selecting a table's columns gives the
    same columns and values as ``read_table`` gives for that table."""
    with connected(bind) as conn:
        return _frame(conn.execute(query))
