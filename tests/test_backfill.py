"""The backfill flow: its parameters are validated before anything runs; ``from_raw`` rebuilds a new
warehouse from the landing zone alone (the sources offline) with marts identical to the run that landed it;
a date window narrows the CORDIS projects loaded."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import requests
from pydantic import ValidationError
from sqlalchemy import select

from flows.parameters import BackfillParameters
from tests.mart_rows import assert_same_marts
from warehouse.engine import make_engine
from warehouse.schema import etl_run, mart_inventory, raw_manifest, stg_cordis__projects

# --- parameters -------------------------------------------------------------------------------------------


def _error_of(**fields) -> dict:
    with pytest.raises(ValidationError) as caught:
        BackfillParameters(**fields)
    errors = caught.value.errors()
    assert len(errors) == 1, errors
    return errors[0]


def test_an_unknown_programme_is_rejected_naming_the_field_and_the_programme() -> None:
    error = _error_of(programmes=["H2020", "FP9"])
    assert error["loc"] == ("programmes",)
    assert "FP9" in error["msg"]


def test_a_window_that_ends_before_it_starts_is_rejected_naming_both_bounds() -> None:
    error = _error_of(window_start=date(2024, 1, 1), window_end=date(2023, 12, 31))
    assert "window_end 2023-12-31 is before window_start 2024-01-01" in error["msg"]


def test_a_snapshot_without_from_raw_is_rejected() -> None:
    error = _error_of(snapshot=date(2026, 11, 1))
    assert "snapshot" in error["msg"] and "from_raw" in error["msg"]


def test_unknown_fields_and_sources_are_rejected() -> None:
    assert _error_of(sources=["cordis", "ckan"])["loc"] == ("sources", 1)
    assert _error_of(window="2024")["loc"] == ("window",)


def test_valid_parameters_are_normalised() -> None:
    params = BackfillParameters(programmes=[" horizon", "H2020"], window_start="2021-06-01")
    assert params.programmes == ["HORIZON", "H2020"]
    assert params.window_start == date(2021, 6, 1)
    assert BackfillParameters().model_dump() == {
        "sources": None,
        "programmes": None,
        "window_start": None,
        "window_end": None,
        "from_raw": False,
        "snapshot": None,
        "accept_drift": None,
    }


@pytest.mark.e2e
def test_the_flow_refuses_bad_parameters_before_touching_the_warehouse(
    prefect_api_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.refresh import backfill_inventory

    data_dir = tmp_path / "data"
    monkeypatch.setenv("INVENTORY_DATA_DIR", str(data_dir))
    monkeypatch.setenv("INVENTORY_DB_URL", f"sqlite:///{data_dir / 'warehouse.sqlite'}")
    state = backfill_inventory(params={"programmes": ["FP9"]}, return_state=True)
    assert state.is_failed()
    assert "params.programmes" in state.message and "FP9" in state.message
    assert not data_dir.exists()


# --- runs -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Landed:
    """A data folder whose landing zone a normal run filled, and that run's warehouse."""

    data_dir: Path
    db_url: str
    bases: dict[str, str]


def _run_backfill(params: BackfillParameters) -> dict:
    from flows.refresh import backfill_inventory

    state = backfill_inventory(params, return_state=True)
    assert state.is_completed(), state.message
    return state.result()


@pytest.fixture(scope="module")
def landed(prefect_api_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Landed]:
    """One normal backfill on the recorded mirror served on loopback; the mirror is stopped afterwards."""
    from inventory.mirror import RECORDED_MIRROR, serve_mirror, source_urls

    data_dir = tmp_path_factory.mktemp("landed") / "data"
    db_url = f"sqlite:///{data_dir / 'original.sqlite'}"
    with pytest.MonkeyPatch.context() as patch, serve_mirror(RECORDED_MIRROR) as bases:
        urls = source_urls(bases)
        for name, value in {
            "INVENTORY_DATA_DIR": str(data_dir),
            "INVENTORY_DB_URL": db_url,
            "INVENTORY_HTTP_RETRIES": "1",
            "INVENTORY_EXTRACT_TASK_RETRIES": "0",
            **urls,
        }.items():
            patch.setenv(name, value)
        summary = _run_backfill(BackfillParameters())
        assert summary["from_raw"] is False and summary["dq_passed"] is True
    yield Landed(data_dir=data_dir, db_url=db_url, bases=urls)


@pytest.fixture
def offline_env(landed: Landed, monkeypatch: pytest.MonkeyPatch) -> Landed:
    """The landed data folder, the base URLs of the stopped mirror (so any HTTP request fails) and no retries."""
    monkeypatch.setenv("INVENTORY_DATA_DIR", str(landed.data_dir))
    monkeypatch.setenv("INVENTORY_HTTP_RETRIES", "0")
    monkeypatch.setenv("INVENTORY_EXTRACT_TASK_RETRIES", "0")
    for name, value in landed.bases.items():
        monkeypatch.setenv(name, value)
    for base in (landed.bases["CORDIS_BASE_URL"], landed.bases["VLAIO_BASE_URL"]):
        with pytest.raises(requests.ConnectionError):
            requests.get(base, timeout=2)
    return landed


@pytest.mark.e2e
def test_from_raw_rebuilds_a_new_warehouse_with_identical_marts_while_the_sources_are_offline(
    offline_env: Landed, monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuilt_url = f"sqlite:///{offline_env.data_dir / 'rebuilt.sqlite'}"
    monkeypatch.setenv("INVENTORY_DB_URL", rebuilt_url)
    summary = _run_backfill(BackfillParameters(from_raw=True))
    assert summary["from_raw"] is True and summary["published"] is True

    counts = assert_same_marts(offline_env.db_url, rebuilt_url)
    assert counts["mart_inventory"] == summary["mart_rows"]["mart_inventory"]
    rebuilt = make_engine(rebuilt_url)
    with rebuilt.connect() as conn:
        runs = conn.execute(select(etl_run.c.flow_name, etl_run.c.status, etl_run.c.dq_passed)).all()
        # nothing was fetched, so nothing new was landed
        manifest = conn.execute(select(raw_manifest.c.url)).all()
    rebuilt.dispose()
    assert [tuple(run) for run in runs] == [("backfill-inventory", "succeeded", True)]
    assert manifest == []


def _overlaps(start: date | None, end: date | None, window: tuple[date, date]) -> bool:
    if start is None:
        return False
    return start <= window[1] and (end or start) >= window[0]


@pytest.mark.e2e
def test_a_date_window_loads_only_the_cordis_projects_running_in_it(
    offline_env: Landed, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = (date(2021, 6, 1), date(2022, 12, 31))
    original = make_engine(offline_env.db_url)
    with original.connect() as conn:
        projects = stg_cordis__projects.c
        periods = conn.execute(select(projects.source_id, projects.start_date, projects.end_date)).all()
    original.dispose()
    expected = {source_id for source_id, start, end in periods if _overlaps(start, end, window)}
    assert 0 < len(expected) < len(periods), "the window must split the recorded projects to prove anything"

    windowed_url = f"sqlite:///{offline_env.data_dir / 'windowed.sqlite'}"
    monkeypatch.setenv("INVENTORY_DB_URL", windowed_url)
    _run_backfill(
        BackfillParameters(sources=["cordis"], from_raw=True, window_start=window[0], window_end=window[1])
    )
    windowed = make_engine(windowed_url)
    with windowed.connect() as conn:
        staged = {row[0] for row in conn.execute(select(stg_cordis__projects.c.source_id))}
        in_mart = conn.execute(select(mart_inventory.c.source, mart_inventory.c.source_id)).all()
    windowed.dispose()
    assert staged == expected
    assert {source for source, _ in in_mart} == {"cordis"}
    assert {source_id for _, source_id in in_mart} == expected


@pytest.mark.e2e
def test_from_raw_without_a_landing_zone_fails_naming_the_folder(
    prefect_api_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.refresh import backfill_inventory

    data_dir = tmp_path / "empty"
    monkeypatch.setenv("INVENTORY_DATA_DIR", str(data_dir))
    monkeypatch.setenv("INVENTORY_DB_URL", f"sqlite:///{tmp_path / 'w.sqlite'}")
    state = backfill_inventory(BackfillParameters(sources=["cordis"], from_raw=True), return_state=True)
    assert state.is_failed()
    assert str(data_dir / "raw" / "cordis") in state.message
    engine = make_engine(os.environ["INVENTORY_DB_URL"])
    with engine.connect() as conn:
        runs = conn.execute(select(etl_run.c.status, etl_run.c.error)).all()
    engine.dispose()
    assert len(runs) == 1 and runs[0].status == "failed" and "no landed snapshot" in runs[0].error
