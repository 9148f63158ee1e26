"""One shared HTTP session for every extractor: timeouts, retries with backoff on 429/5xx honouring
Retry-After (urllib3's Retry does this), an identifying User-Agent, at most N requests per second per host,
and conditional GETs (If-None-Match / If-Modified-Since) for callers that know a previous fetch.

Politeness: ``make_session(rate_per_host=...)`` spaces the requests *sent through that session* to one host
by at least ``1 / rate_per_host`` seconds (default 2 requests/s), across threads: each request reserves the
next free slot of its host under a lock and sleeps outside it. The first request to a host goes at once.
Retries made inside urllib3 after a 429/5xx are spaced by its backoff and the server's Retry-After instead;
a Retry-After is obeyed up to ``RETRY_AFTER_MAX_S`` (urllib3's own cap is six hours), and one that is not a
number or a date is ignored (the backoff applies) rather than failing the request.
``rate_per_host=None`` (or <= 0) switches the limiter off (tests against loopback may do so)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader
from urllib3.util.retry import Retry

from inventory.errors import SourceUnavailableError

USER_AGENT = "flemish-industry40-inventory/0.1 (+https://github.com/; nightly open-data inventory)"
RETRY_STATUSES = (429, 500, 502, 503, 504)
DEFAULT_RATE_PER_HOST = 2.0  # requests per second per host
# The longest wait a server's Retry-After can impose before one retry (seconds); a nightly run must not stall
# for hours because a server asks it to.
RETRY_AFTER_MAX_S = 60


class PatientRetry(Retry):
    """urllib3's ``Retry``, except that an unreadable Retry-After ("soon") counts as absent: the retry still
    happens, after the usual backoff, instead of the request failing at once."""

    def parse_retry_after(self, retry_after: str) -> float:
        try:
            return super().parse_retry_after(retry_after)
        except InvalidHeader:
            return 0.0


class HostRateLimiter:
    """Thread-safe pacing: at most ``rate_per_s`` request starts per second for each host."""

    def __init__(
        self,
        rate_per_s: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_s <= 0:
            raise ValueError(f"rate_per_s must be positive, got {rate_per_s}")
        self.interval = 1.0 / rate_per_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot: dict[str, float] = {}

    def wait(self, url: str) -> float:
        """Block until a request to ``url``'s host may start; returns the seconds waited."""
        host = urlsplit(url).netloc.lower()
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot.get(host, now))
            self._next_slot[host] = slot + self.interval
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return max(delay, 0.0)


class PoliteAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` that waits for its host's rate-limiter slot before each request."""

    def __init__(self, limiter: HostRateLimiter | None, **kwargs: Any) -> None:
        self.limiter = limiter
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if self.limiter is not None and request.url:
            self.limiter.wait(request.url)
        return super().send(request, **kwargs)


def make_session(
    retries: int = 4,
    backoff_factor: float = 0.5,
    rate_per_host: float | None = DEFAULT_RATE_PER_HOST,
) -> requests.Session:
    """A session that retries idempotent requests on connection errors and on 429/5xx, and sends at most
    ``rate_per_host`` requests per second to any one host (None or <= 0: unlimited)."""
    retry = PatientRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff_factor,
        backoff_max=60,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        retry_after_max=RETRY_AFTER_MAX_S,
        raise_on_status=False,
    )
    limiter = HostRateLimiter(rate_per_host) if rate_per_host and rate_per_host > 0 else None
    session = requests.Session()
    # One adapter (one limiter) for both schemes, so the pacing of a host holds whatever the scheme.
    adapter = PoliteAdapter(limiter, max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """Validators of a previous fetch as request headers (If-None-Match wins where both are known)."""
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def get(
    session: requests.Session,
    url: str,
    timeout_s: float,
    stream: bool = False,
    headers: Mapping[str, str] | None = None,
) -> requests.Response:
    """GET ``url``; any failure left after the retries becomes a ``SourceUnavailableError`` naming the URL
    and the HTTP status. A 304 is returned (not raised) when ``headers`` made the request conditional."""
    try:
        response = session.get(
            url, timeout=(min(timeout_s, 15.0), timeout_s), stream=stream, headers=dict(headers or {})
        )
    except requests.RequestException as exc:
        raise SourceUnavailableError(url, f"{type(exc).__name__}: {exc}") from exc
    conditional = any(name.lower() in {"if-none-match", "if-modified-since"} for name in headers or {})
    if response.status_code == 200 or (response.status_code == 304 and conditional):
        return response
    response.close()
    raise SourceUnavailableError(url, f"HTTP {response.status_code}")
