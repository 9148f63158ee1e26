"""The nightly delta through the loopback mirror: the constructed listing (5 real HORIZON projects, pages of
2, the last page a single ``hit`` object) is paged to its end, only new or changed projects get their detail
fetched, and a run that dies on a page resumes there."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import requests

from extractors.cordis import fetch_listing_delta, listing_hash, read_project_details
from extractors.cordis.listing import STATE_FILE, listing_url, parse_listing_page
from extractors.http import make_session
from inventory.errors import BadSourceFileError, SourceUnavailableError
from inventory.mirror import CORDIS_HOST, query_variant, serve_mirror

DAY = date(2026, 11, 27)
IDS = ["101069359", "101058384", "101091792", "101138782", "101178524"]  # listing order (by rcn)


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    """One server over the recorded mirror, read only, for the tests that do not change what it serves."""
    with serve_mirror() as bases:
        yield bases[CORDIS_HOST]


def _session(requested: list[str]) -> requests.Session:
    session = make_session(retries=0, rate_per_host=None)
    session.hooks["response"].append(lambda response, *args, **kwargs: requested.append(response.url))
    return session


def _pages(requested: list[str]) -> list[str]:
    return [url.split("&p=", 1)[1].split("&", 1)[0] for url in requested if "/search?" in url]


def _details(requested: list[str]) -> list[str]:
    return [url.split("/project/id/", 1)[1].split("?", 1)[0] for url in requested if "/project/id/" in url]


def test_the_listing_is_paged_to_its_end_and_every_new_project_is_fetched(base: str, tmp_path: Path) -> None:
    requested: list[str] = []
    delta = fetch_listing_delta(
        _session(requested), base, tmp_path / "raw", DAY, 10, known_hashes={}, page_size=2
    )
    assert (delta.total_hits, delta.pages) == (5, 3)
    assert _pages(requested) == ["1", "2", "3"]
    assert list(delta.hashes) == IDS and delta.changed == IDS
    assert sorted(_details(requested)) == sorted(IDS)
    assert len(delta.landed) == 3 + 5 and len(delta.details) == 5
    assert all(f.http_status == 200 and len(f.sha256) == 64 for f in delta.landed)
    root = tmp_path / "raw" / "cordis" / DAY.isoformat()
    assert sorted(p.name for p in (root / "listing").iterdir()) == [
        "page-0001.json",
        "page-0002.json",
        "page-0003.json",
        STATE_FILE,
    ]
    assert sorted(p.name for p in (root / "detail").iterdir()) == sorted(f"project-{i}.xml" for i in IDS)
    records = read_project_details(delta.details)
    assert sorted(p["id"] for p in records.projects) == sorted(IDS)
    assert records.quarantined == [] and len(records.participations) == 74
    assert delta.quarantined == []


def test_only_new_or_changed_projects_get_their_detail_fetched(base: str, tmp_path: Path) -> None:
    first = fetch_listing_delta(_session([]), base, tmp_path / "raw", DAY, 10, known_hashes={}, page_size=2)

    requested: list[str] = []
    known = dict(first.hashes)
    known["101091792"] = "an older hash"
    del known["101178524"]
    second = fetch_listing_delta(
        _session(requested), base, tmp_path / "raw", date(2026, 11, 28), 10, known_hashes=known, page_size=2
    )
    assert second.hashes == first.hashes
    assert second.changed == ["101091792", "101178524"]
    assert _details(requested) == ["101091792", "101178524"]

    requested.clear()
    third = fetch_listing_delta(
        _session(requested),
        base,
        tmp_path / "raw",
        date(2026, 11, 29),
        10,
        known_hashes=first.hashes,
        page_size=2,
    )
    assert third.changed == [] and third.details == [] and _details(requested) == []


def test_a_run_that_dies_on_a_page_resumes_there(
    served_mirror: dict[str, str], mirror_root: Path, tmp_path: Path
) -> None:
    base = served_mirror["CORDIS_BASE_URL"]
    page2 = mirror_root / "cordis.europa.eu" / "search__num=2&p=2.json"
    saved = page2.read_bytes()
    page2.unlink()  # the server fails on page 2
    requested: list[str] = []
    with pytest.raises(SourceUnavailableError, match=r"p=2.*HTTP 404"):
        fetch_listing_delta(
            _session(requested), base, tmp_path / "raw", DAY, 10, known_hashes={}, page_size=2
        )
    state_path = tmp_path / "raw" / "cordis" / DAY.isoformat() / "listing" / STATE_FILE
    state = json.loads(state_path.read_text(encoding="utf-8"))
    assert state["last_completed_page"] == 1 and list(state["hashes"]) == IDS[:2]

    page2.write_bytes(saved)
    requested.clear()
    delta = fetch_listing_delta(
        _session(requested), base, tmp_path / "raw", DAY, 10, known_hashes={}, page_size=2
    )
    assert _pages(requested) == ["2", "3"]  # page 1 is not fetched again
    assert delta.pages == 3 and list(delta.hashes) == IDS
    assert (
        len([f for f in delta.landed if "/search?" in f.url]) == 3
    )  # page 1 still reported for the manifest

    requested.clear()
    again = fetch_listing_delta(
        _session(requested), base, tmp_path / "raw", DAY, 10, known_hashes={}, page_size=2
    )
    assert requested == [] and again.hashes == delta.hashes  # a finished pass is not repeated that day


def test_a_detail_that_fails_is_the_only_one_fetched_on_resume(
    served_mirror: dict[str, str], mirror_root: Path, tmp_path: Path
) -> None:
    base = served_mirror["CORDIS_BASE_URL"]
    detail = mirror_root / "cordis.europa.eu" / "project" / "id" / f"{IDS[2]}.xml"
    saved = detail.read_bytes()
    detail.unlink()
    with pytest.raises(SourceUnavailableError, match=rf"{IDS[2]}\?format=xml.*HTTP 404"):
        fetch_listing_delta(_session([]), base, tmp_path / "raw", DAY, 10, known_hashes={}, page_size=2)
    detail.write_bytes(saved)
    requested: list[str] = []
    delta = fetch_listing_delta(
        _session(requested), base, tmp_path / "raw", DAY, 10, known_hashes={}, page_size=2
    )
    assert _details(requested) == IDS[2:] and _pages(requested) == []
    assert len(delta.details) == 5


def test_a_different_query_starts_afresh(base: str, tmp_path: Path) -> None:
    fetch_listing_delta(_session([]), base, tmp_path / "raw", DAY, 10, known_hashes={}, page_size=2)
    requested: list[str] = []
    delta = fetch_listing_delta(
        _session(requested),
        base,
        tmp_path / "raw",
        DAY,
        10,
        known_hashes={},
        query="contenttype='project'",
        page_size=2,
    )
    assert _pages(requested) == ["1", "2", "3"] and delta.query == "contenttype='project'"


def test_listing_page_shapes() -> None:
    single = {
        "result": {"header": {"numHits": "1", "totalHits": "7"}},
        "hits": {"hit": {"project": {"id": "1"}}},
    }
    total, projects, quarantined = parse_listing_page(json.dumps(single).encode(), "page")
    assert (total, projects, quarantined) == (7, [{"id": "1"}], [])
    nested = {
        "result": {"header": {"totalHits": 2}, "hits": {"hit": [{"project": {"id": 5}}, {"other": {}}]}}
    }
    total, projects, quarantined = parse_listing_page(json.dumps(nested).encode(), "page")
    assert total == 2 and projects == [{"id": "5"}]
    assert quarantined == [
        {
            "source": "cordis",
            "entity": "listing",
            "source_file": "page",
            "record_key": "hit 1",
            "reason": "hit without a project id",
        }
    ]
    empty = {"result": {"header": {"numHits": "0", "totalHits": "0"}}, "hits": {}}
    assert parse_listing_page(json.dumps(empty).encode(), "page") == (0, [], [])
    with pytest.raises(BadSourceFileError, match=r"page.*totalHits"):
        parse_listing_page(b'{"hits": {"hit": []}}', "page")
    with pytest.raises(BadSourceFileError, match=r"page.*not valid JSON"):
        parse_listing_page(b"<html>maintenance</html>", "page")


def test_listing_hash_is_canonical() -> None:
    assert listing_hash({"id": "1", "title": "a"}) == listing_hash({"title": "a", "id": "1"})
    assert listing_hash({"id": "1", "lastUpdateDate": "x"}) != listing_hash(
        {"id": "1", "lastUpdateDate": "y"}
    )


def test_urls_and_the_mirror_query_rule() -> None:
    url = listing_url("https://cordis.europa.eu/", "contenttype='project' AND 'digital twin'", 3, 100)
    assert url == (
        "https://cordis.europa.eu/search?q=contenttype%3D%27project%27%20AND%20%27digital%20twin%27"
        "&format=json&p=3&num=100&srt=Relevance:decreasing&archived=true"
    )
    assert query_variant(url.split("?", 1)[1]) == "__num=100&p=3.json"
    assert query_variant("format=xml") == ".xml"
    assert query_variant("p=../../x&format=../json") == "__p=..%2F..%2Fx.json"


def test_page_size_is_bounded(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="page_size"):
        fetch_listing_delta(
            _session([]), "http://127.0.0.1:9", tmp_path, DAY, 10, known_hashes={}, page_size=101
        )


def test_listing_only_seeds_the_hashes_without_fetching_details(base: str, tmp_path: Path) -> None:
    requested: list[str] = []
    delta = fetch_listing_delta(
        _session(requested),
        base,
        tmp_path / "raw",
        DAY,
        10,
        known_hashes={},
        page_size=2,
        fetch_details=False,
    )
    assert list(delta.hashes) == IDS and delta.changed == IDS
    assert delta.details == [] and _details(requested) == []
