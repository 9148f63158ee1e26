"""VLAIO inside the flow: what the crawl leaves out is named in the run summary with its reason, and a page
that yielded a proeftuin before but lost its anchors fails the run (layout drift) with the marts unchanged.
The damaged pages and the robots.txt are constructed, in a private copy of the recorded mirror."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from warehouse.engine import make_engine
from warehouse.schema import MARTS, etl_run

pytestmark = pytest.mark.e2e

HOST = "www.industrie40vlaanderen.be"
FARMING = "/nl/proeftuinen/smart-farming-40"


def _refresh():
    from flows.refresh import refresh_inventory

    return refresh_inventory(return_state=True)


def _marts(db_url: str) -> dict[str, list[dict]]:
    with make_engine(db_url).connect() as conn:
        return {t.name: [dict(r) for r in conn.execute(select(t)).mappings()] for t in MARTS}


def test_a_page_robots_txt_disallows_is_skipped_with_its_reason_in_the_summary(
    prefect_api_url: str, inventory_env: Path, mirror_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVENTORY_SOURCES", "vlaio")
    (mirror_root / HOST / "robots.txt").write_text(f"User-agent: *\nDisallow: {FARMING}\n", encoding="utf-8")
    state = _refresh()
    assert state.is_completed(), state.message
    summary = state.result()
    skipped = {skip["url"].split("://", 1)[1].split("/", 1)[1]: skip["reason"] for skip in summary["skipped"]}
    assert "robots" in skipped[FARMING.lstrip("/")].lower()
    keys = [r["project_key"] for r in _marts(os.environ["INVENTORY_DB_URL"])["mart_inventory"]]
    assert not any(key.endswith("smart-farming-40") for key in keys)
    assert len(keys) == 8  # the 9 proeftuin pages of the mirror but the disallowed one


def test_a_proeftuin_page_that_lost_its_anchors_fails_the_run_and_keeps_the_marts(
    prefect_api_url: str, inventory_env: Path, mirror_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVENTORY_SOURCES", "vlaio")
    db_url = os.environ["INVENTORY_DB_URL"]
    assert _refresh().is_completed()
    before = _marts(db_url)

    page = mirror_root / HOST / (FARMING.lstrip("/") + ".html")
    page.write_text(  # constructed: the same URL after a redesign that renamed every label
        "<!doctype html><html lang='nl'><head><title>Smart Farming 4.0</title></head><body><main>"
        "<h1>Smart Farming 4.0</h1><p>Dit project loopt nog.</p></main></body></html>",
        encoding="utf-8",
    )
    state = _refresh()
    assert state.is_failed()
    assert _marts(db_url) == before
    with make_engine(db_url).connect() as conn:
        last = conn.execute(select(etl_run).order_by(etl_run.c.started_at.desc()).limit(1)).mappings().one()
    assert last["status"] == "failed"
    assert "LayoutDriftError" in last["error"] and "smart-farming-40" in last["error"]
