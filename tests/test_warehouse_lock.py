"""The writer lock: a second writer waits then fails naming the holder; a dead holder's lock is freed."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from warehouse.engine import make_engine
from warehouse.lock import WarehouseLockedError, writer_lock
from warehouse.migrate import upgrade
from warehouse.schema import warehouse_lock


def _engine(db_url: str):
    engine = make_engine(db_url)
    upgrade(engine)
    return engine


def _second_writer_is_refused_then_admitted(db_url: str) -> None:
    first, second = _engine(db_url), _engine(db_url)
    with (
        writer_lock(first, "nightly-run"),
        pytest.raises(WarehouseLockedError, match="nightly-run"),
        writer_lock(second, "backfill", wait_s=0.6),
    ):
        pass
    with writer_lock(second, "backfill"):
        pass


def _waiting_writer_gets_the_lock_when_released(db_url: str) -> None:
    first, second = _engine(db_url), _engine(db_url)
    order: list[str] = []

    def hold() -> None:
        with writer_lock(first, "nightly-run"):
            order.append("first in")
            time.sleep(1.5)
            order.append("first out")

    thread = threading.Thread(target=hold)
    thread.start()
    time.sleep(0.3)
    with writer_lock(second, "backfill", wait_s=30):
        order.append("second in")
    thread.join()
    assert order == ["first in", "first out", "second in"]


def test_sqlite_second_writer_is_refused_then_admitted(tmp_path: Path) -> None:
    _second_writer_is_refused_then_admitted(f"sqlite:///{tmp_path / 'w.sqlite'}")


def test_sqlite_waiting_writer_gets_the_lock(tmp_path: Path) -> None:
    _waiting_writer_gets_the_lock_when_released(f"sqlite:///{tmp_path / 'w.sqlite'}")


def test_sqlite_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    engine = _engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    with engine.begin() as conn:
        conn.execute(
            insert(warehouse_lock).values(
                name="writer",
                holder="killed-run",
                host=socket.gethostname(),
                pid=int(dead.stdout),
                acquired_at=datetime.now(UTC),
            )
        )
    with writer_lock(engine, "next-run"):
        pass


def test_postgres_second_writer_is_refused_then_admitted(postgres_url: str) -> None:
    _second_writer_is_refused_then_admitted(postgres_url)


def test_postgres_waiting_writer_gets_the_lock(postgres_url: str) -> None:
    _waiting_writer_gets_the_lock_when_released(postgres_url)


def test_postgres_lock_dies_with_its_session(postgres_url: str) -> None:
    engine = _engine(postgres_url)
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import psycopg,time; c=psycopg.connect({url!r}, autocommit=True); "
         "c.execute('SELECT pg_advisory_lock(%s)', (0x1D402018,)); print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(WarehouseLockedError), writer_lock(engine, "next-run", wait_s=0.5):
        pass
    holder.kill()
    holder.wait()
    with writer_lock(engine, "next-run", wait_s=10):
        pass
