"""The data-quality gate inside the flow: each class of bad data blocks publishing, leaves every mart exactly
as it was (row by row) and names the failing expectation in the run's error; a clean run records every
result in ``dq_result`` and builds the Data Docs; ``accept_drift`` publishes a legitimate drop and the ledger
keeps who accepted it.

Bad data reaches the flow two ways: through a constructed dump in the served mirror (a real record changed,
as a broken source would send it), or — for faults no source can produce on its own (a mart with a
duplicate key, yearly sums off by a cent) — by wrapping the pure transform the task calls."""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from tests.chromium import CHROMIUM, Browser
from warehouse.engine import make_engine
from warehouse.schema import MARTS, dq_result, etl_run

pytestmark = pytest.mark.e2e

JSON_ZIP = Path("cordis.europa.eu/data/cordis-h2020projects-json.zip")


def _refresh(**parameters: object):
    from flows.refresh import refresh_inventory

    return refresh_inventory(return_state=True, **parameters)


def _marts(db_url: str) -> dict[str, list[dict]]:
    with make_engine(db_url).connect() as conn:
        return {table.name: [dict(row) for row in conn.execute(select(table)).mappings()] for table in MARTS}


def _last_run(db_url: str) -> dict:
    with make_engine(db_url).connect() as conn:
        query = select(etl_run).order_by(etl_run.c.started_at.desc()).limit(1)
        return dict(conn.execute(query).mappings().one())


def _rewrite_projects(mirror_root: Path, change: Callable[[list[dict]], list[dict]]) -> None:
    """Replace the H2020 dump's project.json by ``change(projects)`` (a constructed dump from real records)."""
    path = mirror_root / JSON_ZIP
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["project.json"] = json.dumps(change(json.loads(members["project.json"]))).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)


@pytest.fixture
def published(prefect_api_url: str, inventory_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A warehouse after one clean CORDIS refresh; yields its URL."""
    monkeypatch.setenv("INVENTORY_SOURCES", "cordis")
    state = _refresh()
    assert state.is_completed(), state.message
    yield os.environ["INVENTORY_DB_URL"]


def _built_by_other_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rebuild by other code than the published rows': every project's rows built, checked and published
    (the same code would build the projects staged since only, none here: ``transforms.core.Core.scope``)."""
    import flows.tasks as tasks

    monkeypatch.setattr(tasks, "build_fingerprint", lambda: "other code")


def _assert_blocked(db_url: str, before: dict, expectation: str, column: str) -> None:
    state = _refresh()
    assert state.is_failed()
    assert _marts(db_url) == before  # every mart, row by row
    run = _last_run(db_url)
    assert (run["status"], run["dq_passed"]) == ("blocked", False)
    assert expectation in run["error"] and column in run["error"], run["error"]
    with make_engine(db_url).connect() as conn:
        failed = conn.execute(
            select(dq_result.c.expectation, dq_result.c.column_name).where(
                dq_result.c.run_id == run["run_id"], dq_result.c.success.is_(False)
            )
        ).all()
    assert any(e == expectation and column in (c or "") for e, c in failed), failed


def test_a_null_key_in_staging_blocks_publishing(
    published: str, mirror_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _marts(published)
    import flows.tasks as tasks

    real = tasks.stage_projects

    def null_key(records):  # a staging bug that loses a key
        staged, bad = real(records)
        staged.loc[staged.index[:1], "source_id"] = None
        return staged, bad

    monkeypatch.setattr(tasks, "stage_projects", null_key)
    _rewrite_projects(mirror_root, lambda projects: projects)  # new bytes, same records: parsed again
    _assert_blocked(published, before, "expect_column_values_to_not_be_null", "source_id")


def test_duplicate_keys_block_publishing(published: str, mirror_root: Path) -> None:
    before = _marts(published)
    _rewrite_projects(mirror_root, lambda projects: [*projects, projects[0]])
    _assert_blocked(published, before, "expect_compound_columns_to_be_unique", "source_id")


def test_a_negative_amount_blocks_publishing(published: str, mirror_root: Path) -> None:
    before = _marts(published)

    def negative(projects: list[dict]) -> list[dict]:
        projects[0]["ecMaxContribution"] = "-" + str(projects[0]["ecMaxContribution"]).lstrip("-")
        return projects

    _rewrite_projects(mirror_root, negative)
    _assert_blocked(published, before, "expect_column_values_to_be_between", "ec_max_contribution_eur")


def test_an_end_before_the_start_blocks_publishing(published: str, mirror_root: Path) -> None:
    before = _marts(published)

    def inverted(projects: list[dict]) -> list[dict]:
        first = projects[0]
        first["startDate"], first["endDate"] = first["endDate"], first["startDate"]
        return projects

    _rewrite_projects(mirror_root, inverted)
    _assert_blocked(published, before, "expect_column_pair_values_a_to_be_greater_than_b", "end_date")


def test_a_60_percent_drop_blocks_publishing_unless_a_person_accepts_it(
    published: str, mirror_root: Path
) -> None:
    before = _marts(published)
    _rewrite_projects(mirror_root, lambda projects: projects[: int(len(projects) * 0.4)])
    _assert_blocked(published, before, "expect_table_row_count_to_be_between", "cordis.H2020.projects")

    state = _refresh(accept_drift="alice@example.org")
    assert state.is_completed(), state.message
    run = _last_run(published)
    assert run["status"] == "succeeded" and run["accepted_drift_by"] == "alice@example.org"
    assert run["accepted_drift_at"] is not None
    with make_engine(published).connect() as conn:
        accepted = conn.execute(
            select(dq_result.c.observed, dq_result.c.severity).where(
                dq_result.c.run_id == run["run_id"], dq_result.c.success.is_(False)
            )
        ).all()
    assert any(
        "accepted by --accept-drift" in observed and severity == "warning" for observed, severity in accepted
    )


def test_yearly_sums_off_by_a_cent_block_publishing(published: str, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _marts(published)
    import flows.tasks as tasks

    real = tasks.complete_core

    def off_by_a_cent(*args, **kwargs):
        core = real(*args, **kwargs)
        first = core.yearly_funding.index[0]
        core.yearly_funding.loc[first, "eu_contribution_eur"] += Decimal("0.01")
        return core

    monkeypatch.setattr(tasks, "complete_core", off_by_a_cent)
    # the core is rebuilt only when staging changed; the mirror's dumps are the same, so force the rebuild
    monkeypatch.setattr(tasks.publish, "needs_publish", lambda engine: True)
    _built_by_other_code(monkeypatch)
    _assert_blocked(published, before, "expect_column_values_to_be_between", "eu_difference_cents")


def test_a_mart_with_a_duplicate_project_key_blocks_publishing(
    published: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _marts(published)
    import flows.tasks as tasks

    real = tasks.build_marts

    def duplicated(core):
        marts = real(core)
        inventory = marts["mart_inventory"]
        marts["mart_inventory"] = pd.concat([inventory, inventory.iloc[:1]], ignore_index=True)
        return marts

    monkeypatch.setattr(tasks, "build_marts", duplicated)
    monkeypatch.setattr(tasks.publish, "needs_publish", lambda engine: True)
    _built_by_other_code(monkeypatch)
    _assert_blocked(published, before, "expect_column_values_to_be_unique", "project_key")


def test_a_clean_run_records_every_result_and_builds_the_data_docs(
    prefect_api_url: str, inventory_env: Path
) -> None:
    db_url = os.environ["INVENTORY_DB_URL"]
    state = _refresh()
    assert state.is_completed(), state.message
    run_id = state.result()["run_id"]
    with make_engine(db_url).connect() as conn:
        rows = conn.execute(select(dq_result).where(dq_result.c.run_id == run_id)).mappings().all()
    suites = {row["suite"] for row in rows}
    assert {"stg_cordis__projects", "stg_cordis__participations", "stg_vlaio__projects"} <= suites
    assert {"core_projects", "core_participations", "core_yearly_funding"} <= suites
    assert {table.name for table in MARTS} <= suites
    assert {"run__volume", "run__quarantine", "run__minimum"} <= suites
    assert all(row["success"] for row in rows if row["severity"] == "critical")
    docs = inventory_env / "docs" / "index.html"
    assert docs.is_file()
    html = docs.read_text(encoding="utf-8")
    assert run_id in html or "stg_cordis__projects" in html
    assert not any(host in html for host in ("cdn.jsdelivr", "fonts.googleapis", "unpkg.com"))

    if CHROMIUM is None:
        pytest.skip(
            "chromium is not installed (Debian package 'chromium'): Data Docs not opened in a browser"
        )
    with Browser(inventory_env / "chromium-profile") as browser:
        browser.open(docs.as_uri())
        assert browser.evaluate("document.title")
        assert browser.evaluate("document.body.innerText").strip()
        problems = browser.log.problems()
        outside = [url for url in browser.log.requests if not url.startswith(("file://", "data:"))]
    assert problems == [] and outside == [], (problems, outside)


def test_a_night_that_reads_nothing_new_records_its_checks_and_keeps_the_last_data_docs(
    published: str, inventory_env: Path
) -> None:
    """Both dumps unchanged: only the run-level checks run (dq_result has them), the Data Docs of the last
    validation are not rebuilt (≈2.5 s of a ≈10 s night), and the report still links to them."""
    docs = inventory_env / "docs" / "index.html"
    built = docs.read_bytes(), docs.stat().st_mtime_ns
    state = _refresh()
    assert state.is_completed(), state.message
    result = state.result()
    assert result["rows_read"] == 0 and len(result["unchanged_files"]) == 2
    with make_engine(published).connect() as conn:
        rows = conn.execute(select(dq_result).where(dq_result.c.run_id == result["run_id"])).mappings().all()
    assert {row["suite"] for row in rows} == {"run__volume"}
    assert (docs.read_bytes(), docs.stat().st_mtime_ns) == built
    assert result["data_docs"] == str(docs)
    report = Path(result["report"]).read_text(encoding="utf-8")
    assert "../docs/index.html" in report
