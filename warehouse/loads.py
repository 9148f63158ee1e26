"""Writes of the raw manifest, the quarantine and the staging layer. Each call is one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Table, delete, insert, tuple_
from sqlalchemy.engine import Connection, Engine

from warehouse.schema import (
    quarantine,
    raw_manifest,
    stg_cordis__participations,
    stg_cordis__projects,
    stg_vlaio__pages,
)

# Parameter lists are chunked so the IN (...) lists stay under every driver's limit.
CHUNK = 500


def _records(frame: pd.DataFrame, run_id: str) -> list[dict[str, Any]]:
    cleaned = frame.astype(object).where(frame.notna(), None)
    return [{**row, "run_id": run_id} for row in cleaned.to_dict("records")]


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _replace_by_key(conn: Connection, table: Table, key: Sequence[str], rows: list[dict[str, Any]]) -> None:
    """Delete the rows whose key is among ``rows``' keys, then insert ``rows``: an upsert that works the
    same on SQLite and PostgreSQL."""
    columns = [table.c[name] for name in key]
    keys = sorted({tuple(row[name] for name in key) for row in rows})
    for chunk in _chunks(keys):
        conn.execute(delete(table).where(tuple_(*columns).in_(chunk)))
    for chunk in _chunks(rows, 5000):
        conn.execute(insert(table), list(chunk))


def record_manifest(engine: Engine, run_id: str, landed: Iterable[Mapping[str, Any]]) -> int:
    rows = [{**row, "run_id": run_id} for row in landed]
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(raw_manifest), rows)
    return len(rows)


def record_quarantine(engine: Engine, run_id: str, frame: pd.DataFrame) -> int:
    if frame.empty:
        return 0
    with engine.begin() as conn:
        conn.execute(insert(quarantine), _records(frame, run_id))
    return len(frame)


def merge_cordis(engine: Engine, run_id: str, projects: pd.DataFrame, participations: pd.DataFrame) -> int:
    """Upsert staged CORDIS projects and replace the participations of those projects, in one transaction."""
    project_rows = _records(projects, run_id)
    participation_rows = _records(participations, run_id)
    with engine.begin() as conn:
        _replace_by_key(conn, stg_cordis__projects, ("source", "source_id"), project_rows)
        project_ids = sorted({row["source_id"] for row in project_rows})
        for chunk in _chunks(project_ids):
            conn.execute(
                delete(stg_cordis__participations).where(
                    stg_cordis__participations.c.project_source_id.in_(chunk)
                )
            )
        for chunk in _chunks(participation_rows, 5000):
            conn.execute(insert(stg_cordis__participations), list(chunk))
    return len(project_rows) + len(participation_rows)


def merge_vlaio_pages(engine: Engine, run_id: str, pages: pd.DataFrame) -> int:
    rows = _records(pages, run_id)
    if rows:
        with engine.begin() as conn:
            _replace_by_key(conn, stg_vlaio__pages, ("url",), rows)
    return len(rows)
