"""The run ledger after a crash: the next run to take the writer lock closes the runs that took it and never
finished as ``abandoned``; a run still waiting for the lock is left running (warehouse/ledger.py)."""

from __future__ import annotations

import pytest

from warehouse import ledger


@pytest.fixture
def engine(migrated_engine):
    return migrated_engine


def test_the_next_lock_holder_closes_a_dead_writer_and_leaves_a_waiting_run(engine) -> None:
    for run_id in ("dead", "waiting", "finished", "next"):
        ledger.start_run(engine, run_id, "refresh-inventory", "cordis", "H2020")
    assert ledger.took_lock(engine, "finished") == []
    ledger.finish_run(engine, "finished", status="failed", error="boom")
    assert ledger.took_lock(engine, "dead") == []  # ... and was killed while it held the lock

    assert ledger.took_lock(engine, "next") == ["dead"]

    dead, waiting, finished, following = (
        ledger.get_run(engine, r) for r in ("dead", "waiting", "finished", "next")
    )
    assert dead["status"] == "abandoned" and dead["finished_at"] is not None
    assert dead["error"] == "its process ended while it held the writer lock (found by run next)"
    assert waiting["status"] == "running" and waiting["locked_at"] is None
    assert finished["status"] == "failed" and finished["error"] == "boom"
    assert following["status"] == "running" and following["locked_at"] is not None
    assert ledger.took_lock(engine, "next") == []  # nothing left to close
