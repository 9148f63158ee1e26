"""VLAIO extractor: crawls the Industrie 4.0 pages of vlaio.be and of the Vlaanderen Industrie 4.0 platform
(industrie40vlaanderen.be) from their start points, lands every page in the raw landing zone, and reads the
pages into page records and the proeftuin detail pages into project records.

Load rules:
- entity ``page``: key URL; change signal: hash of the visible text; write mode: merge.
- entity ``project`` (a proeftuin): key ``source_id`` (site key + URL path, the same on the real site and the
  mirror); change signal: per-field hashes against the raw page hash (``changes.classify_change``); write
  mode: merge.

Politeness: robots.txt asked before every fetch, one request at a time, ``delay_s`` between two requests to
one host, backoff on 429/5xx by the shared session. Discovery stays on the allow-list (the configured base
URLs); what it leaves out is returned as ``Skip`` rows with the reason.
"""

from __future__ import annotations

from pathlib import Path

from extractors.landing import LandedFile
from extractors.vlaio.changes import classify_change, field_hashes
from extractors.vlaio.crawl import SOURCE, CrawlResult, Skip, crawl
from extractors.vlaio.errors import NoProeftuinenFoundError
from extractors.vlaio.pages import parse_page
from extractors.vlaio.projects import ProjectExtraction, parse_project, read_projects
from extractors.vlaio.quality import check_proeftuin_count, claimed_living_labs

PRIMARY_KEYS = {"page": ("url",), "project": ("source", "source_id")}


def read_page(landed: LandedFile) -> dict[str, object]:
    """Parse one landed page into its page record (decoded as the page declares its encoding)."""
    record = parse_page(Path(landed.path).read_bytes(), landed.url, landed.content_type)
    record["source_file"] = landed.path
    record["fetched_at"] = landed.fetched_at.isoformat()
    record["page_sha256"] = landed.sha256
    return record


__all__ = [
    "PRIMARY_KEYS",
    "SOURCE",
    "CrawlResult",
    "NoProeftuinenFoundError",
    "ProjectExtraction",
    "Skip",
    "check_proeftuin_count",
    "claimed_living_labs",
    "classify_change",
    "crawl",
    "field_hashes",
    "parse_project",
    "read_page",
    "read_projects",
]
