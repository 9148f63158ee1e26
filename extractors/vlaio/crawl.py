"""The VLAIO crawl: breadth first from the start points of every allow-listed site, one request at a time,
robots.txt asked before every fetch, a delay between two requests to the same host, every page landed with
its hash, and every URL it did not fetch recorded with the reason.

What is followed: links whose text or URL names a proeftuin, living lab or Industrie 4.0, and the pager
links (``?page=N`` or ``.../page/N``) of the listing being read. What is never fetched: a URL outside the
allow-list (also when a redirect points there), a path robots.txt disallows, a document (PDF, ...), anything
beyond the page budget.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import requests

from extractors.landing import LandedFile, land, landing_dir
from extractors.robots import RobotsCache, RobotsPolicy, fetch_robots
from extractors.vlaio.errors import RedirectRefused
from extractors.vlaio.html import decode_html, looks_like_html
from extractors.vlaio.pages import page_links
from extractors.vlaio.settings import CRAWL_DELAY_S, LINK_TERMS, PAGE_BUDGET
from extractors.vlaio.sites import (
    Site,
    has_facets,
    is_document,
    is_pager_link,
    make_sites,
    normalise_url,
    resolve_link,
    site_of,
)
from inventory.errors import BadSourceFileError, SourceUnavailableError

if TYPE_CHECKING:
    from extractors.landing import PreviousFetch

SOURCE = "vlaio"
_GONE = re.compile(r"HTTP (404|410)")


@dataclass(frozen=True)
class Skip:
    """A URL the crawl (or the reader) did not use, and why — one row of the run summary."""

    url: str
    reason: str

    def as_row(self) -> dict[str, str]:
        return {"url": self.url, "reason": self.reason}


@dataclass
class CrawlResult:
    """What a crawl fetched and what it left out.

    Iterating over it (or ``len``) gives the usable HTML pages, so code written for the earlier
    ``crawl() -> list[LandedFile]`` keeps working; ``manifest_files`` is what belongs in ``raw_manifest``."""

    pages: list[LandedFile] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    support_files: list[LandedFile] = field(default_factory=list)  # robots.txt, landed but unusable pages
    sites: tuple[Site, ...] = ()
    redirects: dict[str, str] = field(default_factory=dict)  # fetched URL -> same-site target
    discovered_from: dict[str, str] = field(default_factory=dict)  # URL -> the page that linked it

    @property
    def manifest_files(self) -> list[LandedFile]:
        return [*self.pages, *self.support_files]

    def __iter__(self) -> Iterator[LandedFile]:
        return iter(self.pages)

    def __len__(self) -> int:
        return len(self.pages)

    def __getitem__(self, index: int) -> LandedFile:
        return self.pages[index]


class HostThrottle:
    """At least ``delay_s`` seconds between the starts of two requests to one host (more when robots.txt
    asks for a longer Crawl-delay). The clock and sleep are injectable so tests need not wait."""

    def __init__(
        self,
        delay_s: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.delay_s = max(delay_s, 0.0)
        self._clock, self._sleep = clock, sleep
        self._last: dict[str, float] = {}

    def wait(self, url: str, robots_delay: float | None = None) -> float:
        """Sleep until ``url``'s host may be asked again; returns the seconds slept."""
        host = urlsplit(url).netloc.lower()
        delay = max(self.delay_s, robots_delay or 0.0)
        slept = 0.0
        if host in self._last:
            slept = max(0.0, self._last[host] + delay - self._clock())
            if slept > 0:
                self._sleep(slept)
        self._last[host] = self._clock()
        return slept


def _is_relevant(url: str, text: str) -> bool:
    haystack = f"{url} {text}".lower()
    return any(term in haystack for term in LINK_TERMS)


def _filename(url: str) -> str:
    path = urlsplit(url).path.strip("/").replace("/", "__") or "index"
    return f"{path[:150]}.{hashlib.sha256(url.encode()).hexdigest()[:8]}.html"


@contextmanager
def _redirects_refused(session: requests.Session) -> Iterator[None]:
    """While active, a redirect response raises ``RedirectRefused`` before the session follows it, so that no
    request ever reaches a host outside the allow-list; the crawl then decides what to do with the target."""

    def refuse(response: requests.Response, *args: object, **kwargs: object) -> requests.Response:
        if response.is_redirect:
            location = urljoin(response.url, response.headers.get("Location", ""))
            status = response.status_code
            response.close()
            raise RedirectRefused(response.url, location, status)
        return response

    hooks = session.hooks.setdefault("response", [])
    hooks.append(refuse)
    try:
        yield
    finally:
        hooks.remove(refuse)


def _land_robots(policy: RobotsPolicy, dest: Path) -> LandedFile | None:
    """robots.txt as read, into the landing zone (the run's decisions can be replayed from it)."""
    if policy.content is None:
        return None
    name = f"robots.{hashlib.sha256(policy.url.encode()).hexdigest()[:8]}.txt"
    dest.mkdir(parents=True, exist_ok=True)
    (dest / name).write_bytes(policy.content)
    return LandedFile(
        source=SOURCE,
        url=policy.url,
        path=str(dest / name),
        sha256=hashlib.sha256(policy.content).hexdigest(),
        size_bytes=len(policy.content),
        http_status=200,
        content_type="text/plain",
        etag=None,
        last_modified=None,
        fetched_at=datetime.now(UTC),
    )


def crawl(
    session: requests.Session,
    base_url: str,
    raw_dir: Path,
    run_date: date,
    timeout_s: float,
    page_budget: int = PAGE_BUDGET,
    *,
    industrie40_base_url: str | None = None,
    delay_s: float = CRAWL_DELAY_S,
    start_urls: Sequence[str] | None = None,
    previous: Mapping[str, PreviousFetch] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> CrawlResult:
    """Crawl vlaio.be (``base_url``) and, when ``industrie40_base_url`` is given, industrie40vlaanderen.be.

    ``page_budget`` caps the pages fetched (robots.txt files not counted); ``delay_s`` spaces two requests to
    one host (0 in tests); ``start_urls`` replaces the sites' start points (they must be allow-listed);
    ``previous`` (URL -> last fetch) makes fetches conditional (``extractors.landing``).

    ``session`` is the shared one (``extractors.http.make_session``: User-Agent, retries with backoff on
    429/5xx); while a page is fetched a response hook on it refuses redirects, so it must not be used by
    another thread during the crawl (each extract task makes its own).

    Raises ``SourceUnavailableError`` when a start page cannot be fetched or any page fails with something
    else than 404/410 (the task's retries handle transient failures); every other URL not used ends in
    ``CrawlResult.skipped`` with its reason."""
    sites = make_sites(base_url, industrie40_base_url)
    result = CrawlResult(sites=sites)
    dest = landing_dir(raw_dir, SOURCE, run_date)
    throttle = HostThrottle(delay_s, clock, sleep)

    def robots_for(url: str) -> RobotsPolicy:
        throttle.wait(url)
        policy = fetch_robots(session, url, timeout_s)
        landed = _land_robots(policy, dest)
        if landed is not None:
            result.support_files.append(landed)
        return policy

    robots = RobotsCache(robots_for)
    starts = [normalise_url(u) for u in (start_urls or [u for site in sites for u in site.start_urls()])]
    queue: deque[str] = deque(dict.fromkeys(starts))
    seen: set[str] = set(queue)
    start_set = set(queue)
    fetched = 0

    def skip(url: str, reason: str) -> None:
        result.skipped.append(Skip(url, reason))

    def enqueue(url: str, parent: str, front: bool = False) -> None:
        seen.add(url)
        result.discovered_from.setdefault(url, parent)
        if front:
            queue.appendleft(url)
        else:
            queue.append(url)

    while queue:
        url = queue.popleft()
        site = site_of(url, sites)
        if site is None:
            skip(url, "outside the allow-list: not fetched")
            continue
        if fetched >= page_budget:
            skip(url, f"page budget of {page_budget} pages reached: not fetched")
            continue
        policy = robots.policy_for(url)
        if not policy.allows(url):
            skip(url, policy.why_not(url))
            continue
        throttle.wait(url, policy.crawl_delay())
        fetched += 1
        prior = (previous or {}).get(url)
        if prior is not None and not (prior.path and Path(prior.path).is_file()):
            prior = None  # an unchanged answer must point at a file we can still read links from
        try:
            # ``previous`` only when there is one: the conditional GET is an optional extra of land()
            conditional = {"previous": prior} if prior is not None else {}
            with _redirects_refused(session):
                landed = land(session, url, SOURCE, dest, _filename(url), timeout_s, **conditional)
        except RedirectRefused as redirect:
            target = resolve_link(url, redirect.location, site, sites)
            if target is None or site_of(target, sites) is None:
                skip(
                    url, f"redirects (HTTP {redirect.status}) to {redirect.location}, outside the allow-list"
                )
            elif target in seen:
                skip(url, f"redirects (HTTP {redirect.status}) to {target}, already queued or fetched")
            else:
                result.redirects[url] = target
                if url in start_set:
                    start_set.add(target)
                enqueue(target, url, front=True)
            continue
        except SourceUnavailableError as exc:
            if url not in start_set and _GONE.fullmatch(exc.reason):
                skip(url, f"{exc.reason}: page gone")
                continue
            raise
        content = Path(landed.path).read_bytes()
        if not content.strip():
            result.support_files.append(landed)
            skip(
                url, f"empty response (HTTP {landed.http_status}, {landed.size_bytes} bytes): nothing to read"
            )
            continue
        if not looks_like_html(content, landed.content_type):
            result.support_files.append(landed)
            skip(url, f"not an HTML page (Content-Type {landed.content_type})")
            continue
        try:
            html = decode_html(content, landed.content_type, url)
        except BadSourceFileError as exc:
            result.support_files.append(landed)
            skip(url, exc.reason)
            continue
        result.pages.append(landed)
        for href, text in page_links(html, url):
            target = resolve_link(url, href, site, sites)
            if target is None or target in seen:
                continue
            pager = is_pager_link(url, target)
            if not pager and (has_facets(target) or not _is_relevant(target, text)):
                continue  # facet links multiply one listing into many; irrelevant links are not ours
            if site_of(target, sites) is None:
                seen.add(target)
                skip(target, f"outside the allow-list (linked from {url}): not fetched")
            elif is_document(target):
                seen.add(target)
                skip(target, "a document, not a page: not fetched")
            else:
                enqueue(target, url)
    return result


__all__ = ["SOURCE", "CrawlResult", "HostThrottle", "Skip", "crawl"]
