"""CORDIS URLs, programmes and formats: constants only."""

from __future__ import annotations

PROGRAMMES: tuple[str, ...] = ("HORIZON", "H2020", "FP7")

# The dump file names use CORDIS's own spelling of each programme.
DUMP_PROGRAMME_SLUG: dict[str, str] = {"HORIZON": "HORIZON", "H2020": "h2020", "FP7": "fp7"}

# Default bulk format per programme; JSON for the older programmes, XML for Horizon Europe.
DEFAULT_FORMAT: dict[str, str] = {"HORIZON": "xml", "H2020": "json", "FP7": "json"}

DUMP_PATH = "/data/cordis-{slug}projects-{fmt}.zip"

PROJECT_URL = "https://cordis.europa.eu/project/id/{id}"


def dump_url(base_url: str, programme: str, fmt: str) -> str:
    """The bulk-dump URL of one programme in one format."""
    return base_url.rstrip("/") + DUMP_PATH.format(slug=DUMP_PROGRAMME_SLUG[programme], fmt=fmt)
