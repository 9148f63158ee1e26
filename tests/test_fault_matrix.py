"""The HTTP fault matrix at the extractor level: every fetch function (CORDIS dump + reading it, CORDIS listing
delta, VLAIO crawl) against every fault a real server can produce, served on loopback by ``tests.faults``.

A transient fault (5xx, 429, reset, timeout) is retried by the shared session and either recovers when the
fault clears or ends in ``SourceUnavailableError``; a broken body (truncated, too slow) ends in
``SourceUnavailableError`` without anything landed; wrong content ends in ``BadSourceFileError`` (CORDIS) or a
skip with its reason (VLAIO). The requests the server saw are counted: retries are real, and bounded.

The session retries ``RETRIES`` times with a tiny backoff and a short read timeout, so the whole matrix runs
in seconds; Retry-After is honoured (1 s) and capped (``extractors.http.RETRY_AFTER_MAX_S``)."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests

from extractors import http
from extractors.cordis import fetch_dump, fetch_listing_delta, read_dump, read_project_details
from extractors.http import make_session
from extractors.vlaio import crawl, read_projects
from inventory.errors import BadSourceFileError, SourceUnavailableError
from inventory.mirror import CORDIS_HOST, RECORDED_MIRROR, VLAIO_HOST
from tests.faults import FAULTS, FaultServer, fault_mirror, fault_server

RUN_DATE = date(2026, 11, 27)
RETRIES = 2
TIMEOUT_S = 1.0  # the client's read timeout; "timeout" and the slow drip wait longer than this
STALL_S = 2.5
DUMP = "/data/cordis-h2020projects-json.zip"
DUMP_FILE = RECORDED_MIRROR / CORDIS_HOST / DUMP.lstrip("/")
SEARCH, DETAIL = "/search", "/project/id/"
START = "/nl/andere-doelgroepen/industrie-40"
I40_HOST = "www.industrie40vlaanderen.be"
IDS = ["101069359", "101058384", "101091792", "101138782", "101178524"]
MAX_REDIRECTS = requests.Session().max_redirects  # requests gives up after this many


@dataclass(frozen=True)
class Case:
    """One cell of the matrix: the fault at ``path`` for ``times`` requests (None: always), what must come
    out (``"recovered"``, an error class, or ``"skipped"`` for the crawl) and how many requests ``path``
    must have received."""

    path: str
    fault: str
    times: int | None
    outcome: str
    hits: int
    match: str = ""
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        times = "always" if self.times is None else f"x{self.times}"
        return f"{self.path.strip('/').split('/')[0]}-{self.fault}-{times}-{self.outcome}"


ALL_TRIES = RETRIES + 1
SLOW = {"delay_s": STALL_S, "chunk": 4096}
FAST = {"delay_s": 0.01, "chunk": 16384}
BAD, GONE = "BadSourceFileError", "SourceUnavailableError"

DUMP_CASES = [
    Case(DUMP, "http_500", 2, "recovered", 3),
    Case(DUMP, "http_500", None, GONE, ALL_TRIES, r"HTTP 500"),
    Case(DUMP, "http_503", 1, "recovered", 2, options={"retry_after": "1"}),
    Case(DUMP, "http_503", None, GONE, ALL_TRIES, r"HTTP 503", {"retry_after": "soon"}),
    Case(DUMP, "http_429", 1, "recovered", 2),
    Case(DUMP, "http_429", None, GONE, ALL_TRIES, r"HTTP 429"),
    Case(DUMP, "reset", 2, "recovered", 3),
    Case(DUMP, "reset", None, GONE, ALL_TRIES, r"ConnectionError"),
    Case(DUMP, "timeout", 1, "recovered", 2, options={"delay_s": STALL_S}),
    Case(DUMP, "timeout", None, GONE, ALL_TRIES, r"timed out", {"delay_s": STALL_S}),
    Case(DUMP, "drip", None, "recovered", 1, options=FAST),
    Case(DUMP, "drip", None, GONE, 1, r"download interrupted.*timed out", SLOW),
    Case(DUMP, "truncated", None, GONE, 1, r"download interrupted.*IncompleteRead"),
    Case(DUMP, "truncated_zip", None, BAD, 1, r"not a readable zip archive"),
    Case(DUMP, "wrong_member", None, BAD, 1, r"no member named project\.json.*readme\.txt"),
    Case(DUMP, "html", None, BAD, 1, r"not a readable zip archive"),
    Case(DUMP, "empty", None, BAD, 1, r"not a readable zip archive"),
    Case(DUMP, "redirect_loop", None, GONE, MAX_REDIRECTS + 1, r"TooManyRedirects"),
]

LISTING_CASES = [
    Case(SEARCH, "http_500", 2, "recovered", 3 + 2),
    Case(SEARCH, "http_503", None, GONE, ALL_TRIES, r"p=1.*HTTP 503"),
    Case(DETAIL, "http_429", 1, "recovered", 5 + 1, options={"retry_after": "1"}),
    Case(SEARCH, "reset", 1, "recovered", 3 + 1),
    Case(DETAIL, "reset", None, GONE, ALL_TRIES, r"ConnectionError"),
    Case(SEARCH, "timeout", 1, "recovered", 3 + 1, options={"delay_s": STALL_S}),
    Case(DETAIL, "timeout", None, GONE, ALL_TRIES, r"format=xml.*timed out", {"delay_s": STALL_S}),
    Case(DETAIL, "drip", None, GONE, 1, r"download interrupted", SLOW),
    Case(SEARCH, "truncated", None, GONE, 1, r"download interrupted"),
    Case(SEARCH, "html", None, BAD, 1, r"page-0001\.json.*not valid JSON"),
    Case(SEARCH, "json", None, BAD, 1, r"no numeric result\.header\.totalHits"),
    Case(SEARCH, "empty", None, BAD, 1, r"not valid JSON"),
    Case(SEARCH, "redirect_loop", None, GONE, MAX_REDIRECTS + 1, r"TooManyRedirects"),
    Case(DETAIL, "html", None, BAD, 5, r"root element is <html>, expected <project>"),
    Case(DETAIL, "empty", None, BAD, 5, r"not well-formed XML"),
]

CRAWL_CASES = [
    Case(START, "http_500", 2, "recovered", 3),
    Case(START, "http_500", None, GONE, ALL_TRIES, r"industrie-40: HTTP 500"),
    Case(START, "http_503", 1, "recovered", 2, options={"retry_after": "1"}),
    Case(START, "http_429", None, GONE, ALL_TRIES, r"HTTP 429"),
    Case(START, "reset", 1, "recovered", 2),
    Case(START, "reset", None, GONE, ALL_TRIES, r"ConnectionError"),
    Case(START, "timeout", 1, "recovered", 2, options={"delay_s": STALL_S}),
    Case(START, "timeout", None, GONE, ALL_TRIES, r"timed out", {"delay_s": STALL_S}),
    Case(START, "drip", None, "recovered", 1, options={"delay_s": 0.01, "chunk": 256}),
    Case(START, "drip", None, GONE, 1, r"download interrupted", {"delay_s": STALL_S, "chunk": 512}),
    Case(START, "truncated", None, GONE, 1, r"download interrupted"),
    Case(START, "json", None, "skipped", 1, r"^not an HTML page \(Content-Type application/json\)$"),
    Case(START, "empty", None, "skipped", 1, r"^empty response \(HTTP 200, 0 bytes\)"),
    Case(
        START, "redirect_loop", None, "skipped", 1, r"redirects \(HTTP 302\) to .*already queued or fetched"
    ),
    Case("/robots.txt", "http_503", None, "skipped", ALL_TRIES, r"robots\.txt.*HTTP 503.*assuming disallow"),
]


def _session() -> requests.Session:
    return make_session(retries=RETRIES, backoff_factor=0.01, rate_per_host=None)


def _landed_files(raw: Path) -> list[Path]:
    return [path for path in raw.rglob("*") if path.is_file()] if raw.exists() else []


@pytest.fixture(scope="module")
def cordis() -> Iterator[FaultServer]:
    with fault_server(RECORDED_MIRROR / CORDIS_HOST) as server:
        yield server


@pytest.fixture
def server(cordis: FaultServer) -> Iterator[FaultServer]:
    """The CORDIS server with no fault and a fresh request log."""
    cordis.clear_faults()
    cordis.requests.clear()
    yield cordis
    cordis.clear_faults()


def _arm(server: FaultServer, case: Case) -> None:
    server.set_fault(case.path, case.fault, case.times, **case.options)


def test_the_matrix_covers_every_fault_the_server_can_produce() -> None:
    used = {case.fault for case in DUMP_CASES + LISTING_CASES + CRAWL_CASES}
    assert used | {"redirect"} == FAULTS  # "redirect" (to another host) has tests of its own below


# --- CORDIS bulk dump -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", DUMP_CASES, ids=lambda case: case.id)
def test_cordis_dump_fetch_under_fault(case: Case, server: FaultServer, tmp_path: Path) -> None:
    _arm(server, case)
    raw = tmp_path / "raw"
    started = time.monotonic()
    if case.outcome == GONE:
        with pytest.raises(SourceUnavailableError, match=case.match) as caught:
            fetch_dump(_session(), server.base_url, "H2020", raw, RUN_DATE, TIMEOUT_S)
        assert caught.value.url == server.url(DUMP)
        assert _landed_files(raw) == []  # no partial file, no temporary file left behind
    else:
        landed = fetch_dump(_session(), server.base_url, "H2020", raw, RUN_DATE, TIMEOUT_S)
        if case.outcome == BAD:
            with pytest.raises(BadSourceFileError, match=case.match) as caught:
                read_dump(Path(landed.path))
            assert caught.value.file.startswith(landed.path)
        else:
            assert landed.sha256 == hashlib.sha256(DUMP_FILE.read_bytes()).hexdigest()
            assert len(read_dump(Path(landed.path)).projects) == len(read_dump(DUMP_FILE).projects)
    assert server.hits(case.path) == case.hits
    if case.options.get("retry_after") == "1":
        assert time.monotonic() - started >= 1.0  # the server's Retry-After was waited for


def test_a_retry_after_beyond_the_cap_waits_only_the_cap(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http, "RETRY_AFTER_MAX_S", 1)
    server.set_fault(DUMP, "http_503", times=1, retry_after="30")  # urllib3 alone would wait all of it
    started = time.monotonic()
    landed = fetch_dump(_session(), server.base_url, "H2020", tmp_path / "raw", RUN_DATE, TIMEOUT_S)
    waited = time.monotonic() - started
    assert 1.0 <= waited < 5.0  # honoured (a wait happened), capped (not 30 s)
    assert landed.http_status == 200 and server.hits(DUMP) == 2


def test_the_production_session_caps_retry_after_at_a_minute() -> None:
    adapter = make_session().get_adapter("https://cordis.europa.eu/")
    assert adapter.max_retries.retry_after_max == http.RETRY_AFTER_MAX_S == 60
    assert adapter.max_retries.respect_retry_after_header


def test_a_cordis_redirect_to_another_host_is_followed_and_lands_under_the_asked_url(
    server: FaultServer, tmp_path: Path
) -> None:
    """CORDIS has no allow-list: it is trusted to say where its dump lives (a CDN, a new path). What lands is
    the bytes of the final URL, recorded under the URL asked for."""
    with fault_server(RECORDED_MIRROR / CORDIS_HOST) as other:
        server.set_fault(DUMP, "redirect", location=other.url(DUMP))
        landed = fetch_dump(_session(), server.base_url, "H2020", tmp_path / "raw", RUN_DATE, TIMEOUT_S)
        assert other.requests == [DUMP]
    assert landed.url == server.url(DUMP)
    assert landed.sha256 == hashlib.sha256(DUMP_FILE.read_bytes()).hexdigest()


# --- CORDIS listing delta ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", LISTING_CASES, ids=lambda case: case.id)
def test_cordis_listing_delta_under_fault(case: Case, server: FaultServer, tmp_path: Path) -> None:
    _arm(server, case)
    raw = tmp_path / "raw"

    def run():
        return fetch_listing_delta(
            _session(), server.base_url, raw, RUN_DATE, TIMEOUT_S, known_hashes={}, page_size=2
        )

    if case.outcome == GONE:
        with pytest.raises(SourceUnavailableError, match=case.match):
            run()
        assert not [path for path in _landed_files(raw) if path.name.endswith(".part")]
    elif case.outcome == BAD and case.path == DETAIL:
        delta = run()  # the details land; reading them is where a wrong body shows
        assert len(delta.details) == 5
        with pytest.raises(BadSourceFileError, match=case.match):
            read_project_details(delta.details)
    elif case.outcome == BAD:
        with pytest.raises(BadSourceFileError, match=case.match):
            run()
    else:
        delta = run()
        assert (delta.total_hits, delta.pages, delta.changed) == (5, 3, IDS)
        assert len(read_project_details(delta.details).projects) == 5
    assert server.hits(case.path) == case.hits


def test_a_listing_that_failed_on_a_transient_fault_resumes_after_the_last_page(
    server: FaultServer, tmp_path: Path
) -> None:
    server.set_fault(SEARCH, "http_503", times=ALL_TRIES)  # the first run's page 1 and its retries
    server.set_fault(f"{DETAIL}{IDS[0]}", "http_503")  # every request for this detail
    args = (server.base_url, tmp_path / "raw", RUN_DATE, TIMEOUT_S)
    with pytest.raises(SourceUnavailableError, match=r"p=1.*HTTP 503"):
        fetch_listing_delta(_session(), *args, known_hashes={}, page_size=2)
    with pytest.raises(SourceUnavailableError, match=rf"{IDS[0]}\?format=xml.*HTTP 503"):
        fetch_listing_delta(_session(), *args, known_hashes={}, page_size=2)
    state_file = tmp_path / "raw" / "cordis" / RUN_DATE.isoformat() / "listing" / "state.json"
    state = json.loads(state_file.read_text(encoding="utf-8"))
    assert state["last_completed_page"] == 3 and state["details_done"] == []
    server.clear_faults()
    server.requests.clear()
    delta = fetch_listing_delta(_session(), *args, known_hashes={}, page_size=2)
    assert server.hits(SEARCH) == 0 and server.hits(DETAIL) == 5  # no page fetched twice
    assert delta.changed == IDS


# --- VLAIO crawl -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vlaio_sites() -> Iterator[dict[str, FaultServer]]:
    with fault_mirror(RECORDED_MIRROR) as servers:
        yield servers


@pytest.fixture
def sites(vlaio_sites: dict[str, FaultServer]) -> Iterator[dict[str, FaultServer]]:
    for site in vlaio_sites.values():
        site.clear_faults()
        site.requests.clear()
    yield vlaio_sites
    for site in vlaio_sites.values():
        site.clear_faults()


def _crawl(sites: dict[str, FaultServer], raw: Path):
    return crawl(
        _session(),
        sites[VLAIO_HOST].base_url,
        raw,
        RUN_DATE,
        TIMEOUT_S,
        industrie40_base_url=sites[I40_HOST].base_url,
        delay_s=0,
    )


@pytest.mark.parametrize("case", CRAWL_CASES, ids=lambda case: case.id)
def test_vlaio_crawl_under_fault(case: Case, sites: dict[str, FaultServer], tmp_path: Path) -> None:
    vlaio = sites[VLAIO_HOST]
    _arm(vlaio, case)
    if case.outcome == GONE:
        with pytest.raises(SourceUnavailableError, match=case.match) as caught:
            _crawl(sites, tmp_path / "raw")
        assert caught.value.url == vlaio.url(START)
        assert not [path for path in _landed_files(tmp_path / "raw") if path.name.endswith(".part")]
    else:
        result = _crawl(sites, tmp_path / "raw")
        urls = [page.url for page in result.pages]
        if case.outcome == "recovered":
            assert urls[0] == vlaio.url(START) and len(urls) == 15
        else:
            assert vlaio.url(START) not in urls
            reasons = [skip.reason for skip in result.skipped if skip.url == vlaio.url(START)]
            assert len(reasons) == 1 and re.search(case.match, reasons[0]), reasons
        # the other site still gives its proeftuinen: one broken start page is not "there are none"
        assert read_projects(result).proeftuin_count >= 8
    assert vlaio.hits(case.path) == case.hits
    if case.path == "/robots.txt":
        assert vlaio.hits(START) == 0  # unreadable robots.txt: nothing of that site is fetched


def test_vlaio_redirect_to_another_host_is_never_fetched(
    sites: dict[str, FaultServer], tmp_path: Path
) -> None:
    vlaio = sites[VLAIO_HOST]
    with fault_server() as other:
        vlaio.set_fault(START, "redirect", location=other.url("/nl/andere-doelgroepen/industrie-40"))
        result = _crawl(sites, tmp_path / "raw")
        assert other.requests == []  # not one request reached the host outside the allow-list
    [reason] = [skip.reason for skip in result.skipped if skip.url == vlaio.url(START)]
    assert reason == f"redirects (HTTP 302) to {other.url(START)}, outside the allow-list"
    assert vlaio.hits(START) == 1
