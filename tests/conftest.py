"""Shared fixtures. One temporary Prefect server per test session (≈10 s); the recorded sources served on
loopback; a warehouse per test in a temporary folder; PostgreSQL when INVENTORY_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Prefect reads these at import time: set them before anything imports prefect.
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="inventory-tests-"))
os.environ["PREFECT_HOME"] = str(_SESSION_HOME / "prefect")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

REPO_ROOT = Path(__file__).resolve().parents[1]
RECORDED = REPO_ROOT / "recorded"
POSTGRES_URL = os.environ.get("INVENTORY_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def prefect_api_url() -> Iterator[str]:
    """A temporary Prefect server shared by the whole session; yields its API URL."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield str(PREFECT_API_URL.value())


@pytest.fixture
def mirror_root(tmp_path: Path) -> Path:
    """A private copy of the recorded mirror that a test may damage."""
    root = tmp_path / "mirror"
    shutil.copytree(RECORDED / "mirror", root)
    return root


@pytest.fixture
def served_mirror(mirror_root: Path) -> Iterator[dict[str, str]]:
    from inventory.mirror import serve_mirror, source_urls

    with serve_mirror(mirror_root) as bases:
        yield source_urls(bases)


@pytest.fixture
def inventory_env(tmp_path: Path, served_mirror: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """Environment for one refresh: data dir and SQLite warehouse under tmp_path, sources on loopback."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("INVENTORY_DATA_DIR", str(data_dir))
    monkeypatch.setenv("INVENTORY_DB_URL", f"sqlite:///{data_dir / 'warehouse.sqlite'}")
    monkeypatch.setenv("INVENTORY_HTTP_RETRIES", "1")
    monkeypatch.setenv("INVENTORY_EXTRACT_TASK_RETRIES", "0")
    for name, value in served_mirror.items():
        monkeypatch.setenv(name, value)
    return data_dir


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("INVENTORY_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(POSTGRES_URL)
    name = f"inventory_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty warehouse URL of each kind: a SQLite file, and a fresh PostgreSQL database (skipped with the
    reason when none answers)."""
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path / 'warehouse.sqlite'}"


@pytest.fixture
def migrated_engine(db_url: str):
    """An engine on ``db_url`` with every migration applied."""
    from warehouse.engine import make_engine
    from warehouse.migrate import upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


# --- the end-to-end fault, crash and concurrency tests (tests/flow_runs.py: one shared mirror per process) --


@pytest.fixture(scope="module")
def reference(prefect_api_url: str) -> dict[str, list[str]]:
    """The marts of a clean refresh of both sources."""
    from tests.flow_runs import clean_reference
    from tests.mart_rows import mart_rows

    return mart_rows(clean_reference(prefect_api_url))


@pytest.fixture(scope="module")
def vlaio_only(prefect_api_url: str) -> str:
    """A SQLite warehouse after one succeeded VLAIO-only refresh (copy it before use)."""
    from tests.flow_runs import reset_mirror, vlaio_only_warehouse

    reset_mirror()
    return vlaio_only_warehouse(prefect_api_url)


@pytest.fixture
def mirror() -> Iterator[dict]:
    """The shared fault-injecting mirror, with no fault armed before and after the test."""
    from tests.flow_runs import reset_mirror

    servers = reset_mirror()
    yield servers
    reset_mirror()
