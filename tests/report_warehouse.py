"""The warehouse the report and export tests read: the recorded CORDIS dumps and VLAIO proeftuinen loaded by
``tests.loading.load``, plus raw-manifest rows for the recorded dumps (that loader lands no manifest). Built
once per test session (the VLAIO crawl of the mirror takes several seconds) and copied when a test needs to
change it."""

from __future__ import annotations

import functools
import hashlib
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from tests.loading import RECORDED_DUMPS, load
from warehouse.engine import make_engine
from warehouse.schema import raw_manifest

RUN_ID = "run-report"
OLDER_RUN_ID = "run-report-older"
FETCHED_AT = datetime(2026, 11, 27, 2, 0, 5, tzinfo=UTC)
OLDER_FETCHED_AT = datetime(2026, 11, 26, 2, 0, 5, tzinfo=UTC)
CORDIS_DATA_URL = "https://cordis.europa.eu/data/"


def _manifest_rows(run_id: str, fetched_at: datetime) -> list[dict]:
    return [
        {
            "run_id": run_id,
            "source": "cordis",
            "url": CORDIS_DATA_URL + dump.name,
            "path": str(dump),
            "sha256": hashlib.sha256(dump.read_bytes()).hexdigest(),
            "size_bytes": dump.stat().st_size,
            "http_status": 200,
            "content_type": "application/zip",
            "etag": None,
            "last_modified": None,
            "fetched_at": fetched_at,
        }
        for dump in RECORDED_DUMPS
    ]


@functools.cache
def recorded_warehouse(folder: Path) -> Path:
    """The SQLite file of the recorded warehouse, built in ``folder`` on the first call."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "warehouse.sqlite"
    db_url = f"sqlite:///{path}"
    load(db_url, RUN_ID, vlaio_raw_dir=folder / "raw")
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            insert(raw_manifest),
            _manifest_rows(OLDER_RUN_ID, OLDER_FETCHED_AT) + _manifest_rows(RUN_ID, FETCHED_AT),
        )
    engine.dispose()
    return path


def copy_of(path: Path, target: Path) -> str:
    """A private copy of the warehouse that a test may change (through SQLite's backup, so that nothing
    still in the write-ahead log is lost); its URL."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    return f"sqlite:///{target}"
