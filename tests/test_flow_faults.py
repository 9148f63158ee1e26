"""Source faults seen by the whole flow: a CORDIS dump that answers HTTP 500 through every retry, a dump cut in
half (a well-formed answer holding a truncated zip), an empty 200 for the VLAIO start page, and a VLAIO start
page that redirects to another host. Each run ends in the ledger as failed (or blocked by the quality gate)
with a typed error that names what to look at, the published marts stay exactly as they were, and once the
fault clears the next run converges to the marts of a clean run.

The faults are served on loopback by ``tests.faults``; the warehouse before each faulty run holds a succeeded
VLAIO-only run, so a faulty run that published anything would change the marts."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from inventory.mirror import CORDIS_HOST, VLAIO_HOST
from tests.faults import FaultServer, fault_server
from tests.flow_runs import (
    copy_sqlite,
    duplicates,
    refresh_here,
    reset_mirror,
    run_env,
    runs,
)
from tests.mart_rows import assert_marts_equal, mart_rows
from warehouse.engine import make_engine
from warehouse.schema import stg_vlaio__pages

pytestmark = pytest.mark.e2e

DUMP = "/data/cordis-h2020projects-json.zip"
START = "/nl/andere-doelgroepen/industrie-40"  # the VLAIO start page of the crawl
HTTP_RETRIES = 1  # as run_env sets INVENTORY_HTTP_RETRIES; the extract task is not retried


@dataclass(frozen=True)
class Fault:
    """A fault armed on one host (``always``), the ledger status it must end in and a pattern its error must
    match (``{url}``, ``{pages}``: the faulty URL, the pages staged before)."""

    host: str
    path: str
    kind: str
    status: str
    error: str
    requests: int | None = None  # how many requests the faulty path must have had


FAULTS = {
    "dump-http-500-after-retries": Fault(
        CORDIS_HOST,
        DUMP,
        "http_500",
        "failed",
        r"^SourceUnavailableError: source unavailable: {url}: HTTP 500$",
        requests=HTTP_RETRIES + 1,
    ),
    "dump-truncated-zip": Fault(
        CORDIS_HOST,
        DUMP,
        "truncated_zip",
        "failed",
        r"^BadSourceFileError: bad source file \S+/raw/cordis/\S+/cordis-h2020projects-json\.zip: "
        r"not a readable zip archive",
        requests=1,
    ),
    # one start page skipped: fewer pages than the last successful run, which the volume check blocks
    "vlaio-start-page-empty-200": Fault(
        VLAIO_HOST,
        START,
        "empty",
        "blocked",
        r"^quality gate blocked publishing: .*vlaio\.pages\) failed — \d+ rows, {pages} in the previous",
        requests=1,
    ),
    "vlaio-start-page-redirects-to-another-host": Fault(
        VLAIO_HOST,
        START,
        "redirect",
        "blocked",
        r"^quality gate blocked publishing: .*vlaio\.pages\) failed — \d+ rows, {pages} in the previous",
        requests=1,
    ),
}


def _pages(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(stg_vlaio__pages)).scalar_one()
    finally:
        engine.dispose()


@pytest.mark.parametrize("case", list(FAULTS))
def test_a_source_fault_fails_the_run_with_a_typed_error_keeps_the_marts_and_a_rerun_converges(
    case: str,
    reference: dict[str, list[str]],
    vlaio_only: str,
    mirror: dict[str, FaultServer],
    tmp_path: Path,
) -> None:
    fault = FAULTS[case]
    data_dir = tmp_path / "data"
    db_url = copy_sqlite(vlaio_only, data_dir)
    env = run_env(data_dir, db_url)
    before = mart_rows(db_url, ignore=())
    assert mart_rows(db_url) != reference, "the faulty run must have something to change"
    pages_before = _pages(db_url)
    server = mirror[fault.host]

    with fault_server() as elsewhere:  # another host, outside the VLAIO allow-list
        options: dict[str, str] = {"location": elsewhere.url(fault.path)} if fault.kind == "redirect" else {}
        server.set_fault(fault.path, fault.kind, **options)
        state = refresh_here(env)
        assert elsewhere.requests == []

    assert state.is_failed()
    last = runs(db_url)[-1]
    assert last["status"] == fault.status
    pattern = fault.error.format(url=re.escape(server.url(fault.path)), pages=pages_before)
    assert re.search(pattern, last["error"]), last["error"]
    if fault.requests is not None:
        assert server.hits(fault.path) == fault.requests
    assert_marts_equal(before, db_url, ignore=())

    reset_mirror()
    state = refresh_here(env)
    assert state.is_completed(), state.message
    assert [run["status"] for run in runs(db_url)] == ["succeeded", fault.status, "succeeded"]
    assert_marts_equal(reference, db_url)
    assert duplicates(db_url) == {"stg_cordis__projects": 0, "core_projects": 0}


def test_a_dump_dripping_past_the_extract_deadline_fails_the_run_and_leaves_no_partial_file(
    reference: dict[str, list[str]], vlaio_only: str, mirror: dict[str, FaultServer], tmp_path: Path
) -> None:
    """Every read gets a byte well within the read timeout, so only the whole task's deadline
    (INVENTORY_EXTRACT_TIMEOUT_S, Prefect's task timeout) stops the download: 147 KB at 1 KB per 0.5 s would
    take 70 s; it is cut at 3 s."""
    data_dir = tmp_path / "data"
    db_url = copy_sqlite(vlaio_only, data_dir)
    env = run_env(data_dir, db_url, INVENTORY_EXTRACT_TIMEOUT_S="3")
    before = mart_rows(db_url, ignore=())
    server = mirror[CORDIS_HOST]
    server.set_fault(DUMP, "drip", times=1, delay_s=0.5, chunk=1024)

    started = time.monotonic()
    state = refresh_here(env)
    elapsed = time.monotonic() - started

    assert state.is_failed()
    last = runs(db_url)[-1]
    assert last["status"] == "failed"
    assert re.search(r"Timeout\w*Error: .*3\.0 second", last["error"]), last["error"]
    assert elapsed < 40, f"the run took {elapsed:.0f} s: the deadline did not stop the download"
    assert_marts_equal(before, db_url, ignore=())
    assert not list((data_dir / "raw").rglob("*.part"))  # the cancelled download's temporary file is gone

    reset_mirror()
    assert refresh_here(env).is_completed()
    assert_marts_equal(reference, db_url)
