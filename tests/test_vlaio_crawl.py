"""The VLAIO crawl over HTTP on loopback only: the recorded mirror of both sites, and small test servers for
what the mirror cannot show (robots.txt, redirects, encodings, empty pages, ``?page=N`` listings, a host
outside the allow-list that must never receive a request)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from extractors.http import make_session
from extractors.robots import fetch_robots
from extractors.vlaio import NoProeftuinenFoundError, crawl, read_page, read_projects
from extractors.vlaio.crawl import HostThrottle
from inventory.errors import LayoutDriftError, SourceUnavailableError
from inventory.mirror import RECORDED_MIRROR, serve_mirror

RUN_DATE = date(2026, 11, 27)
I40_HOST = "www.industrie40vlaanderen.be"
VLAIO_HOST = "www.vlaio.be"

Route = tuple[int, dict[str, str], bytes]


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, Route]
    log: list[str]

    def do_GET(self) -> None:
        self.log.append(self.path)
        status, headers, body = self.routes.get(
            self.path, (404, {"Content-Type": "text/plain"}, b"not found")
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def _server(routes: dict[str, Route]) -> Iterator[tuple[str, list[str]]]:
    """A loopback server answering ``routes`` (path with query -> status, headers, body); yields its base URL
    and the list of paths it was asked for."""
    log: list[str] = []
    handler = type("Handler", (_Handler,), {"routes": routes, "log": log})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _html(body: str, lang: str = "nl") -> Route:
    page = f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'></head><body><main>{body}</main></body></html>"
    return 200, {"Content-Type": "text/html; charset=utf-8"}, page.encode("utf-8")


START = "/nl/andere-doelgroepen/industrie-40"
DETAIL = "<h1>SMART CONNECTIVITY</h1><p>Uitvoerders: imec, Flanders Make &amp; EUKA</p>"


def _session():
    return make_session(retries=0, rate_per_host=None)


def _crawl(base: str, tmp_path: Path, **kwargs: object):
    kwargs.setdefault("delay_s", 0)
    return crawl(_session(), base, tmp_path / "raw", RUN_DATE, 10, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def mirror() -> Iterator[dict[str, str]]:
    """The recorded mirror, served once for this module (read only: these tests do not damage it)."""
    with serve_mirror(RECORDED_MIRROR) as bases:
        yield bases


def test_mirror_crawl_of_both_sites_finds_the_nine_proeftuinen(
    mirror: dict[str, str], tmp_path: Path
) -> None:
    result = _crawl(mirror[VLAIO_HOST], tmp_path, industrie40_base_url=mirror[I40_HOST])
    paths = [page.url.split("/", 3)[3] for page in result.pages]
    assert len(paths) == 15
    assert "en/living-labs/page/1" in paths  # the pager was followed
    assert all(page.url.startswith((mirror[VLAIO_HOST], mirror[I40_HOST])) for page in result.pages)
    assert all(len(page.sha256) == 64 and Path(page.path).is_file() for page in result.manifest_files)
    assert result.skipped == []  # the vlaio start page's link to the platform is on the allow-list now
    extraction = read_projects(result)
    assert extraction.proeftuin_count == 9
    ids = sorted(str(r["source_id"]) for r in extraction.projects)
    assert ids[0] == "industrie40:en/living-labs/training-40"
    assert "industrie40:nl/proeftuinen/smart-connectivity" in ids
    agro = next(r for r in extraction.projects if "agrovoeding" in str(r["source_id"]))
    assert agro["executors_text"] == "Flanders’ FOOD & ILVO" and agro["page_sha256"]


def test_mirror_crawl_of_vlaio_alone_keeps_to_vlaio(mirror: dict[str, str], tmp_path: Path) -> None:
    result = _crawl(mirror[VLAIO_HOST], tmp_path)
    assert [page.url.removeprefix(mirror[VLAIO_HOST]) for page in result] == [
        START,
        "/nl/andere-doelgroepen/proeftuin-industrie-40-oproep-2018/hoe-vraag-je-deze-subsidie-aan",
    ]
    assert [(s.url, s.reason.split(" (")[0]) for s in result.skipped] == [
        ("https://www.industrie40vlaanderen.be/", "outside the allow-list")
    ]
    with pytest.raises(NoProeftuinenFoundError, match="no proeftuin in 2 fetched pages"):
        read_projects(result)  # never "zero proeftuinen" as if none existed


def test_discovery_never_leaves_the_allow_list_and_respects_the_budget(tmp_path: Path) -> None:
    with _server({}) as (foreign, foreign_log):
        links = "".join(f"<a href='/nl/proeftuinen/p{i}'>Proeftuin {i}</a>" for i in range(10))
        routes = {
            START: _html(
                f"<h1>Industrie 4.0</h1>{links}"
                f"<a href='{foreign}/proeftuin-elders'>Proeftuin elders</a>"
                f"<a href='/nl/proeftuinen/weg'>Proeftuin die verhuisde</a>"
                "<a href='/documenten/proeftuin.pdf'>Proeftuin oproepdocument</a>"
                "<a href='mailto:industrie40@vlaio.be'>Proeftuin mail</a>"
            ),
            "/nl/proeftuinen/weg": (301, {"Location": f"{foreign}/proeftuin-verhuisd"}, b""),
            **{f"/nl/proeftuinen/p{i}": _html(DETAIL) for i in range(10)},
        }
        with _server(routes) as (base, log):
            result = _crawl(base, tmp_path, page_budget=4)
    assert foreign_log == []  # neither the off-site link nor the off-site redirect was fetched
    fetched = [path for path in log if path != "/robots.txt"]
    assert fetched == [START, "/nl/proeftuinen/p0", "/nl/proeftuinen/p1", "/nl/proeftuinen/p2"]
    assert len(result.pages) == 4
    reasons = {s.url.removeprefix(base): s.reason for s in result.skipped}
    assert reasons[f"{foreign}/proeftuin-elders"].startswith("outside the allow-list")
    assert reasons["/documenten/proeftuin.pdf"] == "a document, not a page: not fetched"
    assert reasons["/nl/proeftuinen/p9"] == "page budget of 4 pages reached: not fetched"
    assert "/nl/proeftuinen/weg" in reasons  # queued but beyond the budget


def test_a_redirect_to_another_host_is_skipped_with_its_reason_and_not_followed(tmp_path: Path) -> None:
    with _server({"/elders": _html(DETAIL)}) as (foreign, foreign_log):
        routes = {
            START: _html("<h1>Industrie 4.0</h1><a href='/nl/proeftuinen/a'>Proeftuin A</a>"),
            "/nl/proeftuinen/a": (302, {"Location": f"{foreign}/elders"}, b""),
        }
        with _server(routes) as (base, _):
            result = _crawl(base, tmp_path)
    assert foreign_log == []
    assert [(s.url.removeprefix(base), s.reason) for s in result.skipped] == [
        ("/nl/proeftuinen/a", f"redirects (HTTP 302) to {foreign}/elders, outside the allow-list")
    ]


def test_a_same_site_redirect_is_followed_as_a_new_page(mirror: dict[str, str], tmp_path: Path) -> None:
    base = mirror[I40_HOST]
    result = _crawl(
        mirror[VLAIO_HOST], tmp_path, industrie40_base_url=base, start_urls=[f"{base}/en/living-labs"]
    )
    assert result.redirects == {f"{base}/en/living-labs": f"{base}/en/living-labs/"}  # the directory's 301
    assert read_projects(result).proeftuin_count == 9


def test_robots_txt_disallow_is_obeyed_and_the_path_never_fetched(tmp_path: Path) -> None:
    robots = b"User-agent: *\nDisallow: /nl/proeftuinen/geheim\nDisallow: /*?sort=\n"
    routes = {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, robots),
        START: _html(
            "<h1>Industrie 4.0</h1><a href='/nl/proeftuinen/open'>Proeftuin open</a>"
            "<a href='/nl/proeftuinen/geheim'>Proeftuin geheim</a>"
            "<a href='/nl/proeftuinen/lijst?sort=titel'>Proeftuinen gesorteerd</a>"
        ),
        "/nl/proeftuinen/open": _html(DETAIL),
        "/nl/proeftuinen/geheim": _html(DETAIL),
    }
    with _server(routes) as (base, log):
        result = _crawl(base, tmp_path)
    assert "/nl/proeftuinen/geheim" not in log and not any("sort=" in path for path in log)
    assert log.count("/robots.txt") == 1  # once per host, not per page
    reasons = {s.url.removeprefix(base): s.reason for s in result.skipped}
    assert reasons["/nl/proeftuinen/geheim"].startswith(f"disallowed by robots.txt {base}/robots.txt")
    assert reasons["/nl/proeftuinen/lijst?sort=titel"].startswith("disallowed by robots.txt")  # wildcard rule
    assert [f.url for f in result.support_files] == [f"{base}/robots.txt"]  # landed with its hash
    assert read_projects(result).proeftuin_count == 1


def test_robots_txt_that_cannot_be_read_disallows_everything(tmp_path: Path) -> None:
    routes = {"/robots.txt": (503, {"Retry-After": "0"}, b""), START: _html("<h1>Industrie 4.0</h1>")}
    with _server(routes) as (base, log):
        result = _crawl(base, tmp_path)
    assert log == ["/robots.txt"]
    assert result.pages == [] and "HTTP 503" in result.skipped[0].reason


def test_robots_policy_answers_for_each_status() -> None:
    routes = {
        "/robots.txt": (200, {}, b"User-agent: flemish-industry40-inventory\nDisallow: /\nCrawl-delay: 7\n"),
    }
    with _server(routes) as (base, _):
        policy = fetch_robots(_session(), f"{base}/x", 5)
    assert not policy.allows(f"{base}/nl/x") and policy.crawl_delay() == 7.0
    for status, allowed in ((404, True), (410, True), (403, False), (401, False), (500, False)):
        with _server({"/robots.txt": (status, {}, b"")}) as (base, _):
            assert fetch_robots(_session(), base, 5).allows(f"{base}/nl/x") is allowed, status


def test_the_delay_spaces_requests_to_one_host_and_robots_crawl_delay_wins() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    throttle = HostThrottle(1.5, clock=lambda: now[0], sleep=sleep)
    throttle.wait("http://a.test/1")
    throttle.wait("http://b.test/1")  # another host: no wait
    now[0] += 0.5
    throttle.wait("http://a.test/2")
    throttle.wait("http://a.test/3", robots_delay=4.0)
    assert slept == [1.0, 4.0]


def test_crawl_sleeps_between_requests_to_one_host(tmp_path: Path) -> None:
    routes = {
        START: _html("<h1>Industrie 4.0</h1><a href='/nl/proeftuinen/a'>Proeftuin A</a>"),
        "/nl/proeftuinen/a": _html(DETAIL),
    }
    slept: list[float] = []
    with _server(routes) as (base, _):
        _crawl(base, tmp_path, delay_s=2.0, sleep=slept.append, clock=lambda: 0.0)
    assert slept == [2.0, 2.0]  # robots.txt, then the start page, then the detail page


def test_query_pager_listing_is_followed_page_by_page(tmp_path: Path) -> None:
    listing = "/nl/proeftuinen"
    routes = {
        START: _html(f"<h1>Industrie 4.0</h1><a href='{listing}'>Alle proeftuinen</a>"),
        listing: _html(
            f"<h1>Proeftuinen</h1><a href='/nl/p/a'>A</a><nav><a href='{listing}?page=1'>2</a></nav>"
        ),
        f"{listing}?page=1": _html(
            f"<h1>Proeftuinen</h1><a href='/nl/p/b'>B</a><nav><a href='{listing}?page=0'>1</a>"
            f"<a href='{listing}?f%5B0%5D=sector%3A1'>Proeftuin landbouw</a></nav>"
        ),
        f"{listing}?page=0": _html(
            f"<h1>Proeftuinen</h1><a href='/nl/p/a'>A</a><nav><a href='{listing}?page=1'>2</a></nav>"
        ),
    }
    with _server(routes) as (base, log):
        result = _crawl(base, tmp_path)
    assert f"{listing}?page=1" in log and f"{listing}?page=0" in log
    assert not any("f%5B0%5D" in path for path in log)  # facet links do not multiply the listing
    assert all(not path.startswith("/nl/p/") for path in log)  # "A" / "B" name no proeftuin: not followed
    assert result.skipped == []


def test_a_page_in_windows_1252_is_read_as_declared(tmp_path: Path) -> None:
    body = "<h1>Proeftuin Opérateur</h1><p>Uitvoerders: Flanders’ FOOD &amp; ILVO</p>"
    page = f"<html lang='nl'><body><main>{body}</main></body></html>".encode("cp1252")
    meta_page = page.replace(b"<body>", b"<head><meta charset='windows-1252'></head><body>")
    routes = {
        START: _html(
            "<h1>Industrie 4.0</h1><a href='/nl/proeftuinen/header'>Proeftuin 1</a>"
            "<a href='/nl/proeftuinen/meta'>Proeftuin 2</a>"
        ),
        "/nl/proeftuinen/header": (200, {"Content-Type": "text/html; charset=windows-1252"}, page),
        "/nl/proeftuinen/meta": (200, {"Content-Type": "text/html"}, meta_page),
    }
    with _server(routes) as (base, _):
        result = _crawl(base, tmp_path)
        records = read_projects(result).projects
    assert len(records) == 2
    for record in records:
        assert record["title"] == "Proeftuin Opérateur"
        assert record["executors"] == ["Flanders’ FOOD", "ILVO"]  # ’ is 0x92 in windows-1252


def test_empty_non_html_and_undecodable_pages_are_skipped_with_a_reason(tmp_path: Path) -> None:
    routes = {
        START: _html(
            "<h1>Industrie 4.0</h1><a href='/nl/proeftuinen/leeg'>Proeftuin leeg</a>"
            "<a href='/nl/proeftuinen/json'>Proeftuin json</a>"
            "<a href='/nl/proeftuinen/kapot'>Proeftuin kapot</a>"
            "<a href='/nl/proeftuinen/echt'>Proeftuin echt</a>"
        ),
        "/nl/proeftuinen/leeg": (200, {"Content-Type": "text/html; charset=utf-8"}, b""),
        "/nl/proeftuinen/json": (200, {"Content-Type": "application/json"}, b"{}"),
        "/nl/proeftuinen/kapot": (
            200,
            {"Content-Type": "text/html; charset=utf-8"},
            b"<h1>Op\xe9rateur</h1>",
        ),
        "/nl/proeftuinen/echt": _html(DETAIL),
    }
    with _server(routes) as (base, _):
        result = _crawl(base, tmp_path)
    reasons = {s.url.removeprefix(base): s.reason for s in result.skipped}
    assert reasons["/nl/proeftuinen/leeg"] == "empty response (HTTP 200, 0 bytes): nothing to read"
    assert reasons["/nl/proeftuinen/json"] == "not an HTML page (Content-Type application/json)"
    assert reasons["/nl/proeftuinen/kapot"].startswith(
        "bytes are not valid utf-8 (from the HTTP Content-Type header)"
    )
    assert len(result.support_files) == 3  # landed (in the manifest), but not read as pages
    assert [r["source_id"] for r in read_projects(result).projects] == ["vlaio:nl/proeftuinen/echt"]


def test_a_page_that_used_to_yield_a_proeftuin_and_lost_its_anchors_is_layout_drift(tmp_path: Path) -> None:
    routes = {
        START: _html(
            "<h1>Industrie 4.0</h1><a href='/nl/proeftuinen/a'>Proeftuin A</a>"
            "<a href='/nl/proeftuinen/b'>Proeftuin B</a>"
        ),
        "/nl/proeftuinen/a": _html(DETAIL),
        # the labels were renamed: "Uitvoerders" became "Uitvoerende partijen"
        "/nl/proeftuinen/b": _html(
            "<h1>SMART FACTORIES</h1><p>Uitvoerende partijen: Flanders Make &amp; imec</p>"
        ),
    }
    with _server(routes) as (base, _):
        result = _crawl(base, tmp_path)
    assert len(read_projects(result).projects) == 1  # unknown page without anchors: just not a proeftuin
    with pytest.raises(LayoutDriftError) as caught:
        read_projects(result, previous_source_ids={"vlaio:nl/proeftuinen/a", "vlaio:nl/proeftuinen/b"})
    assert caught.value.url == f"{base}/nl/proeftuinen/b"
    assert any("Uitvoerders" in anchor for anchor in caught.value.missing)
    assert "proeftuin tag ('PROEFTUIN <name>')" in caught.value.missing


def test_a_start_page_that_fails_fails_the_source(tmp_path: Path) -> None:
    with _server({}) as (base, _), pytest.raises(SourceUnavailableError, match="HTTP 404"):
        _crawl(base, tmp_path)


def test_a_missing_detail_page_is_skipped_and_a_known_one_reported(tmp_path: Path) -> None:
    routes = {
        START: _html(
            "<h1>Industrie 4.0</h1><a href='/nl/proeftuinen/weg'>Proeftuin weg</a>"
            "<a href='/nl/proeftuinen/a'>Proeftuin A</a>"
        ),
        "/nl/proeftuinen/a": _html(DETAIL),
    }
    with _server(routes) as (base, _):
        result = _crawl(base, tmp_path)
    assert [(s.url.removeprefix(base), s.reason) for s in result.skipped] == [
        ("/nl/proeftuinen/weg", "HTTP 404: page gone")
    ]
    extraction = read_projects(
        result, previous_source_ids={"vlaio:nl/proeftuinen/weg", "vlaio:nl/proeftuinen/a"}
    )
    assert [s.url for s in extraction.skipped] == ["vlaio:nl/proeftuinen/weg"]


def test_read_page_decodes_as_declared(mirror: dict[str, str], tmp_path: Path) -> None:
    result = _crawl(mirror[VLAIO_HOST], tmp_path)
    record = read_page(result.pages[1])
    assert record["title"] == "Hoe vraag je deze subsidie aan?" and "géén" in str(record["text"])
    assert record["page_sha256"] == result.pages[1].sha256 and set(record["field_hashes"]) >= {
        "title",
        "text",
    }


def test_a_second_crawl_with_the_previous_fetches_reads_links_from_unchanged_pages(tmp_path: Path) -> None:
    from extractors.landing import PreviousFetch

    routes = {
        START: _html("<h1>Industrie 4.0</h1><a href='/nl/proeftuinen/a'>Proeftuin A</a>"),
        "/nl/proeftuinen/a": _html(DETAIL),
    }
    with _server(routes) as (base, _):
        first = _crawl(base, tmp_path / "one")
        previous = {
            f.url: PreviousFetch(f.url, f.sha256, f.etag, f.last_modified, f.path, f.size_bytes)
            for f in first.pages
        }
        second = _crawl(base, tmp_path / "two", previous=previous)
    assert [f.url for f in second.pages] == [f.url for f in first.pages]  # links still read: nothing lost
    assert all(f.unchanged for f in second.pages)
    assert [r["source_id"] for r in read_projects(second).projects] == ["vlaio:nl/proeftuinen/a"]
