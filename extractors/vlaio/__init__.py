"""VLAIO extractor: crawls the Industrie 4.0 pages from the start points, lands every page in the raw
landing zone and reads each into a page record.

Load rules: entity ``page``; key: URL; change signal: hash of the visible text; write mode: merge.
Discovery follows only links on the VLAIO base URL's host whose text or URL names a proeftuin, living lab
or Industrie 4.0, up to a page budget.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import requests

from extractors.landing import LandedFile, land, landing_dir
from extractors.vlaio.pages import page_links, parse_page
from extractors.vlaio.settings import LINK_TERMS, PAGE_BUDGET, START_PATHS

SOURCE = "vlaio"
PRIMARY_KEYS = {"page": ("url",)}


def _is_relevant(url: str, text: str) -> bool:
    haystack = f"{url} {text}".lower()
    return any(term in haystack for term in LINK_TERMS)


def _same_site(url: str, base_url: str) -> bool:
    target, base = urlsplit(url), urlsplit(base_url)
    return (target.scheme, target.netloc) == (base.scheme, base.netloc) and target.path.startswith(base.path)


def _filename(url: str) -> str:
    path = urlsplit(url).path.strip("/").replace("/", "__") or "index"
    return f"{path[:150]}.{hashlib.sha256(url.encode()).hexdigest()[:8]}.html"


def crawl(
    session: requests.Session,
    base_url: str,
    raw_dir: Path,
    run_date: date,
    timeout_s: float,
    page_budget: int = PAGE_BUDGET,
) -> list[LandedFile]:
    """Fetch the start pages and the relevant same-site pages they link to, breadth first."""
    queue = [base_url.rstrip("/") + path for path in START_PATHS]
    seen = set(queue)
    landed: list[LandedFile] = []
    dest = landing_dir(raw_dir, SOURCE, run_date)
    while queue and len(landed) < page_budget:
        url = queue.pop(0)
        page = land(session, url, SOURCE, dest, _filename(url), timeout_s)
        landed.append(page)
        for target, text in page_links(Path(page.path).read_bytes(), url):
            if target not in seen and _same_site(target, base_url) and _is_relevant(target, text):
                seen.add(target)
                queue.append(target)
    return landed


def read_page(landed: LandedFile) -> dict[str, str | int | None]:
    """Parse one landed page into its record."""
    record = parse_page(Path(landed.path).read_bytes(), landed.url)
    record["source_file"] = landed.path
    record["fetched_at"] = landed.fetched_at.isoformat()
    return record


__all__ = ["PRIMARY_KEYS", "SOURCE", "crawl", "read_page"]
