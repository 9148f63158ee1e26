"""The one place that reads the environment.

Every setting has a production default; the environment overrides it and CLI flags override the
environment (the CLI writes its flags into the environment before the flow reads them). Secrets never
live in committed files: a password belongs in ``INVENTORY_DB_URL`` set by the operator.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

DEFAULTS: dict[str, str] = {
    "INVENTORY_DATA_DIR": str(REPO_ROOT / "data"),
    "CORDIS_BASE_URL": "https://cordis.europa.eu",
    "VLAIO_BASE_URL": "https://www.vlaio.be",
    "INDUSTRIE40_BASE_URL": "https://www.industrie40vlaanderen.be",
    "CORDIS_PROGRAMMES": "HORIZON,H2020",
    "INVENTORY_SOURCES": "cordis,vlaio",
    "INVENTORY_HTTP_TIMEOUT_S": "60",
    "INVENTORY_HTTP_RETRIES": "4",
    "INVENTORY_EXTRACT_TASK_RETRIES": "2",
    "INVENTORY_LOCK_WAIT_S": "1800",
    "INVENTORY_EXTRACT_TIMEOUT_S": "3600",
    # CORDIS dump format per programme ("" = each programme's default: XML for HORIZON, JSON for H2020 and FP7)
    "CORDIS_FORMAT": "",
    # CORDIS search query whose listing gives the nightly delta ("" = bulk dumps only)
    "CORDIS_LISTING_QUERY": "",
    "CORDIS_LISTING_PAGE_SIZE": "100",
    "INVENTORY_HTTP_RATE_PER_HOST": "2.0",
    "VLAIO_CRAWL_DELAY_S": "1.0",
    "VLAIO_PAGE_BUDGET": "60",
    # the gate: the largest share of rows a source may lose against the previous successful run, and the
    # largest share of records read that may be quarantined
    "INVENTORY_MAX_DROP": "0.10",
    "INVENTORY_MAX_QUARANTINE": "0.01",
}

# Prefect and GX read these at import time; they must be in place before either is imported.
_QUIET_ENV: dict[str, str] = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """Resolved configuration for one run."""

    db_url: str
    data_dir: Path
    cordis_base_url: str
    vlaio_base_url: str
    cordis_programmes: tuple[str, ...]
    sources: tuple[str, ...]
    http_timeout_s: float
    http_retries: int
    extract_task_retries: int
    lock_wait_s: float
    # a whole extract task (every dump, or the crawl): a server that drips bytes slower than the per-read
    # timeout ever notices would otherwise hold the nightly run, and the writer lock, without end
    extract_timeout_s: float = float(DEFAULTS["INVENTORY_EXTRACT_TIMEOUT_S"])
    industrie40_base_url: str = DEFAULTS["INDUSTRIE40_BASE_URL"]
    cordis_format: str | None = None
    cordis_listing_query: str | None = None
    cordis_listing_page_size: int = 100
    http_rate_per_host: float = 2.0
    vlaio_crawl_delay_s: float = 1.0
    vlaio_page_budget: int = 60
    max_drop: float = 0.10
    max_quarantine: float = 0.01

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def prefect_home(self) -> Path:
        return self.data_dir / "prefect"


def _get(name: str) -> str:
    return os.environ.get(name) or DEFAULTS[name]


def load_settings() -> Settings:
    """Read the settings from the environment (call it at run time, not at import time)."""
    data_dir = Path(_get("INVENTORY_DATA_DIR")).resolve()
    db_url = os.environ.get("INVENTORY_DB_URL") or f"sqlite:///{data_dir / 'warehouse.sqlite'}"
    return Settings(
        db_url=db_url,
        data_dir=data_dir,
        cordis_base_url=_get("CORDIS_BASE_URL").rstrip("/"),
        vlaio_base_url=_get("VLAIO_BASE_URL").rstrip("/"),
        cordis_programmes=tuple(p.upper() for p in _split(_get("CORDIS_PROGRAMMES"))),
        sources=_split(_get("INVENTORY_SOURCES")),
        http_timeout_s=float(_get("INVENTORY_HTTP_TIMEOUT_S")),
        http_retries=int(_get("INVENTORY_HTTP_RETRIES")),
        extract_task_retries=int(_get("INVENTORY_EXTRACT_TASK_RETRIES")),
        lock_wait_s=float(_get("INVENTORY_LOCK_WAIT_S")),
        extract_timeout_s=float(_get("INVENTORY_EXTRACT_TIMEOUT_S")),
        industrie40_base_url=_get("INDUSTRIE40_BASE_URL").rstrip("/"),
        cordis_format=_get("CORDIS_FORMAT").lower() or None,
        cordis_listing_query=_get("CORDIS_LISTING_QUERY") or None,
        cordis_listing_page_size=int(_get("CORDIS_LISTING_PAGE_SIZE")),
        http_rate_per_host=float(_get("INVENTORY_HTTP_RATE_PER_HOST")),
        vlaio_crawl_delay_s=float(_get("VLAIO_CRAWL_DELAY_S")),
        vlaio_page_budget=int(_get("VLAIO_PAGE_BUDGET")),
        max_drop=float(_get("INVENTORY_MAX_DROP")),
        max_quarantine=float(_get("INVENTORY_MAX_QUARANTINE")),
    )


def prepare_runtime_environment(settings: Settings | None = None) -> Settings:
    """Point Prefect's home into the data dir and switch analytics off, before Prefect is imported."""
    settings = settings or load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    for key, value in _QUIET_ENV.items():
        os.environ.setdefault(key, value)
    return settings
