"""The GX Data Docs of a run: built by GX, self-contained (no CDN), and opening in a real browser."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from quality import docs, gx_engine
from quality.gate import GateResult, build_data_docs, check_quarantine, check_volume, validate_staging
from tests.test_quality_layers import clean_results, staged_frames

CHROMIUM = shutil.which("chromium")
_EXTERNAL = re.compile(
    r"""<(?:script|img)\b[^>]*\bsrc=["']https?://|<link\b[^>]*\bhref=["']https?://|url\(\s*["']?https?://""",
    re.I,
)


@functools.cache
def _run_results() -> tuple[GateResult, ...]:
    """A clean run's results, the run-level checks (one failing) and one failed staging validation."""
    projects = staged_frames()["stg_cordis__projects"]
    projects.at[0, "total_cost_eur"] = Decimal("-1.00")
    return (
        *clean_results(),
        check_volume({"cordis.projects": 31}, {"cordis.projects": 30}),
        check_quarantine(3, 100),
        *validate_staging({"stg_cordis__projects": projects}),
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = build_data_docs(list(_run_results()), tmp_path_factory.mktemp("data") / "docs", run_id="run-42")
    assert index.name == "index.html" and index.is_file()
    return index.parent


def _suites(results: tuple[GateResult, ...]) -> set[str]:
    return {r.suite for r in results}


def test_index_lists_every_suite_and_each_validation_has_a_page(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")

    for name in _suites(_run_results()):
        assert f"'_expectation_suite_name_sort': '{name}'" in index, name
        assert (site / "expectations" / f"{name}.html").is_file(), name
        assert list((site / "validations" / name / "run-42").glob("*/*.html")), name
    assert len(list((site / "validations").glob("*/run-42/*/*.html"))) == len(_run_results())


def test_pages_show_failures_and_the_observed_values(site: Path) -> None:
    (failed,) = [
        page.read_text(encoding="utf-8")
        for page in (site / "validations" / "stg_cordis__projects" / "run-42").glob("*/*.html")
        if "fa-times" in page.read_text(encoding="utf-8")
    ]
    assert "total_cost_eur" in failed and "-1.0" in failed

    (volume,) = (site / "validations" / "run__volume" / "run-42").glob("*/*.html")
    assert "cordis.projects: at least 27 rows" in volume.read_text(encoding="utf-8")


def test_the_site_loads_nothing_from_outside(site: Path) -> None:
    pages = list(site.rglob("*.html")) + list(site.rglob("*.css"))
    assert len(pages) > 20

    offenders = {
        p.relative_to(site).as_posix() for p in pages if _EXTERNAL.search(p.read_text(encoding="utf-8"))
    }

    assert offenders == set()
    assert (site / docs.OFFLINE_SCRIPT).is_file() and (site / docs.OFFLINE_STYLES).is_file()
    assert (site / "static" / "images" / "logo-long.png").is_file()


def test_a_rebuild_replaces_the_site_and_a_failed_build_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "docs"
    build_data_docs([check_quarantine(0, 10)], target, run_id="first")
    build_data_docs([check_volume({"a": 1}, None)], target, run_id="second")

    assert [p.name for p in (target / "validations").iterdir()] == ["run__volume"]
    assert [p.name for p in (target / "validations" / "run__volume").iterdir()] == ["second"]

    def broken(*args: object, **kwargs: object) -> Path:
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(gx_engine, "build_site", broken)
    with pytest.raises(RuntimeError, match="renderer exploded"):
        build_data_docs([check_quarantine(0, 10)], target, run_id="third")

    assert (target / "validations" / "run__volume" / "second").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs"]  # no half-built folder left


def test_results_made_by_hand_are_left_out(tmp_path: Path) -> None:
    index = build_data_docs([GateResult("by_hand", ())], tmp_path / "docs")

    assert index.is_file()
    assert not (tmp_path / "docs" / "validations").exists()


def _open(page: Path, profile: Path) -> subprocess.CompletedProcess[str]:
    """Open ``page`` in headless Chromium with every host unresolvable (nothing outside can load); the DOM
    after the page's scripts ran is on stdout, the browser log (console messages included) on stderr."""
    assert CHROMIUM is not None
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0",
        "--dump-dom", page.as_uri(),
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)


def _console_errors(log: str) -> list[str]:
    return [line for line in log.splitlines() if ":CONSOLE" in line and re.search(r"Uncaught|rror", line)]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_index_opens_in_a_browser_and_renders_the_suites(site: Path, tmp_path: Path) -> None:
    opened = _open(site / "index.html", tmp_path / "profile")

    assert opened.returncode == 0, opened.stderr[-2000:]
    assert _console_errors(opened.stderr) == []
    rendered = re.sub(r"<script\b.*?</script>", "", opened.stdout, flags=re.S | re.I)  # what the table shows
    rows = re.findall(r'<tr class="clickable-row" data-href="(validations/[^"]+)">(.*?)</tr>', rendered, re.S)
    assert len(rows) == len(_run_results())
    for name in _suites(_run_results()):
        assert re.search(
            rf'class="ge-index-page-table-expectation-suite-link"[^>]*>\s*{name}\s*</a>', rendered
        ), name
    assert all((site / link).is_file() for link, _ in rows)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_a_validation_page_opens_without_errors(site: Path, tmp_path: Path) -> None:
    (page,) = (site / "validations" / "core_yearly_funding" / "run-42").glob("*/*.html")

    opened = _open(page, tmp_path / "profile")

    assert opened.returncode == 0, opened.stderr[-2000:]
    assert _console_errors(opened.stderr) == []
    assert "eu_difference_cents" in opened.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_without_the_offline_fix_the_gx_index_breaks(site: Path, tmp_path: Path) -> None:
    """Why quality.docs rewrites the pages: GX's own index needs jQuery from a CDN to show anything."""
    raw = tmp_path / "raw"
    gx_engine.build_site([r.validation for r in _run_results()[:2] if r.validation], raw, "raw")

    opened = _open(raw / "index.html", tmp_path / "profile")

    assert any("$ is not defined" in line for line in _console_errors(opened.stderr)), opened.stderr[-2000:]
    assert 'class="clickable-row"' not in opened.stdout
