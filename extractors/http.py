"""One shared HTTP session for every extractor: timeouts, retries with backoff on 429/5xx honouring
Retry-After (urllib3's Retry does this), and an identifying User-Agent."""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from inventory.errors import SourceUnavailableError

USER_AGENT = "flemish-industry40-inventory/0.1 (+https://github.com/; nightly open-data inventory)"
RETRY_STATUSES = (429, 500, 502, 503, 504)


def make_session(retries: int = 4, backoff_factor: float = 0.5) -> requests.Session:
    """A session that retries idempotent requests on connection errors and on 429/5xx."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff_factor,
        backoff_max=60,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def get(session: requests.Session, url: str, timeout_s: float, stream: bool = False) -> requests.Response:
    """GET ``url``; any failure left after the retries becomes a ``SourceUnavailableError`` naming the URL."""
    try:
        response = session.get(url, timeout=(min(timeout_s, 15.0), timeout_s), stream=stream)
    except requests.RequestException as exc:
        raise SourceUnavailableError(url, f"{type(exc).__name__}: {exc}") from exc
    if response.status_code != 200:
        response.close()
        raise SourceUnavailableError(url, f"HTTP {response.status_code}")
    return response
