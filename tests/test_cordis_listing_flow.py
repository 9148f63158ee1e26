"""The CORDIS listing as the nightly delta, inside the flow: the first run fetches the detail of every project
the listing shows, the next run none (the listing hashes of the last successful run are the baseline), and
the listed projects reach the marts even when no bulk dump holds them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from warehouse.engine import make_engine
from warehouse.schema import mart_inventory

pytestmark = pytest.mark.e2e

# the five Horizon Europe projects of the recorded listing (recorded/mirror/cordis.europa.eu/search__*.json)
LISTED = {"101058384", "101069359", "101091792", "101138782", "101178524"}


def test_the_listing_delta_fetches_new_projects_once(
    prefect_api_url: str, inventory_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.refresh import refresh_inventory

    monkeypatch.setenv("INVENTORY_SOURCES", "cordis")
    monkeypatch.setenv("CORDIS_PROGRAMMES", "H2020")  # the Horizon Europe projects come from the listing only
    monkeypatch.setenv("CORDIS_LISTING_QUERY", "contenttype='project' AND programme/code='HORIZON'")
    monkeypatch.setenv("CORDIS_LISTING_PAGE_SIZE", "2")  # the recorded listing has pages of 2

    first = refresh_inventory(return_state=True)
    assert first.is_completed(), first.message
    summary = first.result()
    assert summary["listing_changed"] == len(LISTED)
    with make_engine(os.environ["INVENTORY_DB_URL"]).connect() as conn:
        rows = conn.execute(select(mart_inventory.c.source_id, mart_inventory.c.programme)).all()
    horizon = {source_id for source_id, programme in rows if programme == "HORIZON"}
    assert horizon == LISTED

    second = refresh_inventory(return_state=True)
    assert second.is_completed(), second.message
    rerun = second.result()
    assert rerun["listing_changed"] == 0 and rerun["rows_written"] == 0
    assert rerun["mart_rows"] == summary["mart_rows"]
