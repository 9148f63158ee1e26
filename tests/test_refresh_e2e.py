"""The refresh flow end to end on the recorded sources served on loopback, on a real (temporary) Prefect
server: warehouse content against figures computed independently from the real files, reruns without
duplicates, and bad input that fails the run while the published marts stay as they were."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.independent import expected_from_sources
from warehouse.engine import make_engine
from warehouse.schema import (
    etl_run,
    mart_funding_by_year,
    mart_inventory,
    mart_participations,
    raw_manifest,
    stg_cordis__participations,
    stg_vlaio__pages,
)

pytestmark = pytest.mark.e2e

JSON_ZIP = Path("cordis.europa.eu/data/cordis-h2020projects-json.zip")


def _refresh():
    from flows.refresh import refresh_inventory

    return refresh_inventory(return_state=True)


def _mart(db_url: str) -> list[dict]:
    with make_engine(db_url).connect() as conn:
        rows = conn.execute(select(mart_inventory).order_by(mart_inventory.c.project_key)).mappings().all()
    return [dict(row) for row in rows]


def _count(db_url: str, table) -> int:
    with make_engine(db_url).connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _assert_mart_matches_sources(db_url: str) -> None:
    expected = expected_from_sources()
    mart = {row["source_id"]: row for row in _mart(db_url) if row["source"] == "cordis"}
    assert set(mart) == set(expected.projects)
    for source_id, (eu, total, flemish, flemish_orgs) in expected.projects.items():
        row = mart[source_id]
        assert (row["eu_contribution_eur"], row["total_cost_eur"]) == (eu, total), source_id
        assert row["flemish_contribution_eur"] == flemish, source_id
        assert row["flemish_organisations"] == flemish_orgs, source_id
    with make_engine(db_url).connect() as conn:
        belgian = conn.execute(
            select(func.count(), func.sum(stg_cordis__participations.c.ec_contribution_eur)).where(
                stg_cordis__participations.c.country == "BE"
            )
        ).one()
    assert belgian[0] == expected.belgian_participations
    assert Decimal(str(belgian[1])).quantize(Decimal("0.01")) == expected.belgian_ec_contribution
    assert sum(1 for row in mart.values() if row["flemish_organisations"]) > 0


def _assert_yearly_funding_matches_sources(db_url: str) -> None:
    """Per project and year: the EU and Flemish amounts equal an independent pro-rata-by-days split (within
    the one cent that rounding may move), and the years sum to the totals exactly."""
    expected = expected_from_sources()
    with make_engine(db_url).connect() as conn:
        rows = (
            conn.execute(select(mart_funding_by_year).where(mart_funding_by_year.c.source == "cordis"))
            .mappings()
            .all()
        )
        periods = dict(
            (row.source_id, (row.start_date, row.end_date))
            for row in conn.execute(
                select(mart_inventory.c.source_id, mart_inventory.c.start_date, mart_inventory.c.end_date)
            )
        )
    by_project: dict[str, list] = {}
    for row in rows:
        by_project.setdefault(row["project_key"].split(":", 1)[1], []).append(row)
    assert set(by_project) == set(expected.projects)
    for source_id, (eu, _total, flemish, _orgs) in expected.projects.items():
        years = by_project[source_id]
        assert sum(r["eu_contribution_eur"] for r in years) == eu, source_id
        assert sum(r["flemish_contribution_eur"] for r in years) == flemish, source_id
        start, end = periods[source_id]
        days = (end - start).days + 1
        for r in years:
            first, last = max(start, date(r["year"], 1, 1)), min(end, date(r["year"], 12, 31))
            share = Fraction((last - first).days + 1, days)
            assert abs(Fraction(r["eu_contribution_eur"]) - Fraction(eu) * share) <= Fraction(1, 100), (
                source_id
            )


def test_refresh_fills_the_warehouse_with_the_source_figures_and_reruns_without_duplicates(
    prefect_api_url: str, inventory_env: Path
) -> None:
    db_url = os.environ["INVENTORY_DB_URL"]
    state = _refresh()
    assert state.is_completed(), state.message
    summary = state.result()
    # every CORDIS project of the dumps, and the 9 proeftuin pages of the recorded mirror (8 Dutch pages of
    # the platform's proeftuinen, 1 English living-lab page)
    assert summary["mart_rows"]["mart_inventory"] == len(expected_from_sources().projects) + 9
    with make_engine(db_url).connect() as conn:
        cordis_participations = conn.execute(
            select(func.count())
            .select_from(mart_participations)
            .where(mart_participations.c.source == "cordis")
        ).scalar_one()
    assert cordis_participations == expected_from_sources().participations
    assert summary["dq_passed"] is True and summary["quarantined"] == 0
    _assert_mart_matches_sources(db_url)
    _assert_yearly_funding_matches_sources(db_url)

    relevant = {row["acronym"]: row for row in _mart(db_url) if row["is_industry40"]}
    assert "TWIN-TRANSITION" in relevant["RAASCEMAN"]["industry40_reasons"]
    assert _count(db_url, stg_vlaio__pages) == 15
    landed = _count(db_url, raw_manifest)
    assert landed >= 2 + 15  # 2 dumps, 15 pages, and the robots.txt of each host

    counts = {table.name: _count(db_url, table) for table in (mart_inventory, stg_cordis__participations)}
    second = _refresh()
    assert second.is_completed(), second.message
    rerun = second.result()
    # conditional GETs: both dumps come back unchanged and are not parsed again; nothing is written
    assert len(rerun["unchanged_files"]) == 2 and rerun["rows_written"] == 0 and not rerun["published"]
    assert rerun["mart_rows"] == summary["mart_rows"]
    assert {
        table.name: _count(db_url, table) for table in (mart_inventory, stg_cordis__participations)
    } == counts
    with make_engine(db_url).connect() as conn:
        runs = conn.execute(select(etl_run.c.status, etl_run.c.dq_passed)).all()
    assert [tuple(run) for run in runs] == [("succeeded", True), ("succeeded", True)]


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


BAD_INPUTS = {
    "not-a-zip": (b"<html><body>Service temporarily unavailable</body></html>", "not a readable zip"),
    "json-not-an-array": (
        _zip_bytes({"project.json": json.dumps({"id": 1}).encode(), "organization.json": b"[]"}),
        "expected a JSON array",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_fails_the_run_naming_the_file_and_keeps_the_published_marts(
    case: str, prefect_api_url: str, inventory_env: Path, mirror_root: Path
) -> None:
    db_url = os.environ["INVENTORY_DB_URL"]
    assert _refresh().is_completed()
    before = _mart(db_url)

    content, message = BAD_INPUTS[case]
    (mirror_root / JSON_ZIP).write_bytes(content)
    state = _refresh()
    assert state.is_failed()
    assert _mart(db_url) == before
    with make_engine(db_url).connect() as conn:
        last = conn.execute(select(etl_run).order_by(etl_run.c.started_at.desc()).limit(1)).mappings().one()
    assert last["status"] == "failed"
    assert "cordis-h2020projects-json.zip" in last["error"] and message in last["error"]


def test_quality_gate_blocks_publishing_duplicate_projects(
    prefect_api_url: str, inventory_env: Path, mirror_root: Path
) -> None:
    db_url = os.environ["INVENTORY_DB_URL"]
    assert _refresh().is_completed()
    before = _mart(db_url)

    with zipfile.ZipFile(mirror_root / JSON_ZIP) as archive:
        projects = archive.read("project.json")
        organisations = archive.read("organization.json")
    duplicated = json.loads(projects)
    duplicated.append(duplicated[0])  # constructed: the first real project twice
    (mirror_root / JSON_ZIP).write_bytes(
        _zip_bytes({"project.json": json.dumps(duplicated).encode(), "organization.json": organisations})
    )
    state = _refresh()
    assert state.is_failed()
    assert _mart(db_url) == before
    with make_engine(db_url).connect() as conn:
        last = conn.execute(select(etl_run).order_by(etl_run.c.started_at.desc()).limit(1)).mappings().one()
    assert (last["status"], last["dq_passed"]) == ("blocked", False)
    assert "unique" in last["error"] and "source_id" in last["error"]


def test_refresh_on_postgres_gives_the_same_mart(
    prefect_api_url: str, inventory_env: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVENTORY_DB_URL", postgres_url)
    state = _refresh()
    assert state.is_completed(), state.message
    _assert_mart_matches_sources(postgres_url)


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "inventory.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_cli_demo_prints_a_summary_and_a_failed_refresh_exits_non_zero(
    prefect_api_url: str, tmp_path: Path, mirror_root: Path, served_mirror: dict[str, str]
) -> None:
    env = {**os.environ, "PREFECT_API_URL": prefect_api_url, "INVENTORY_DATA_DIR": str(tmp_path / "cli")}
    env.pop("INVENTORY_DB_URL", None)
    demo = _cli(["demo"], env)
    assert demo.returncode == 0, demo.stderr
    assert f"mart_inventory: {len(expected_from_sources().projects) + 9} rows" in demo.stdout
    assert "data quality: passed" in demo.stdout
    assert (tmp_path / "cli" / "warehouse.sqlite").is_file()

    (mirror_root / JSON_ZIP).write_bytes(b"not a zip")
    failed = _cli(["refresh", "--sources", "cordis"], {**env, **served_mirror})
    assert failed.returncode == 1
    assert "cordis-h2020projects-json.zip" in failed.stderr
    assert "left as they were" in failed.stderr


def test_an_unreachable_source_fails_the_run_with_the_url(
    prefect_api_url: str, inventory_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("CORDIS_BASE_URL", f"http://127.0.0.1:{closed}")
    monkeypatch.setenv("INVENTORY_SOURCES", "cordis")
    state = _refresh()
    assert state.is_failed()
    with make_engine(os.environ["INVENTORY_DB_URL"]).connect() as conn:
        last = conn.execute(select(etl_run)).mappings().one()
    assert last["status"] == "failed"
    assert "source unavailable" in last["error"]
    assert f"127.0.0.1:{closed}/data/cordis-HORIZONprojects-xml.zip" in last["error"]
