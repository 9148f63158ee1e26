"""Fetching dumps through the loopback mirror: every format lands and reads to the same staged rows, a
second fetch of an unchanged dump is answered 304 (or skipped on an equal SHA-256) and writes nothing, a
missing dump is a clear 404, and the shared session paces its requests per host."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from extractors.cordis import PreviousFetch, fetch_dump, fetch_listing_delta, read_dump, read_project_details
from extractors.http import USER_AGENT, HostRateLimiter, make_session
from inventory.errors import SourceUnavailableError
from inventory.mirror import CORDIS_HOST, serve_mirror
from transforms.cordis import stage_participations, stage_projects

DAY1, DAY2 = date(2026, 11, 27), date(2026, 11, 28)


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    """One server over the recorded mirror, read only, for the tests that do not change what it serves."""
    with serve_mirror() as bases:
        yield bases[CORDIS_HOST]


def _staged(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    records = read_dump(path)
    assert records.quarantined == []
    projects, bad_projects = stage_projects(records.projects)
    participations, bad_participations = stage_participations(records.participations)
    assert bad_projects.empty and bad_participations.empty
    return projects.drop(columns="source_file"), participations.drop(columns="source_file")


def _previous(landed) -> PreviousFetch:
    return PreviousFetch(
        url=landed.url,
        sha256=landed.sha256,
        etag=landed.etag,
        last_modified=landed.last_modified,
        path=landed.path,
        size_bytes=landed.size_bytes,
    )


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_every_format_lands_through_the_mirror_and_stages_the_same(base: str, tmp_path: Path) -> None:
    session = make_session(retries=0, rate_per_host=None)
    raw = tmp_path / "raw"
    json_dump = fetch_dump(session, base, "H2020", raw, DAY1, 10, fmt="json")
    csv_dump = fetch_dump(session, base, "H2020", raw, DAY1, 10, fmt="csv")
    xml_dump = fetch_dump(session, base, "HORIZON", raw, DAY1, 10)  # HORIZON's default format
    for landed in (json_dump, csv_dump, xml_dump):
        assert landed.http_status == 200 and not landed.unchanged
        assert Path(landed.path).parent == raw / "cordis" / DAY1.isoformat()
        assert len(landed.sha256) == 64 and landed.size_bytes == Path(landed.path).stat().st_size
        assert landed.last_modified  # the mirror sends Last-Modified; CORDIS may not
    assert xml_dump.url.endswith("/data/cordis-HORIZONprojects-xml.zip")

    json_staged, csv_staged = _staged(Path(json_dump.path)), _staged(Path(csv_dump.path))
    pd.testing.assert_frame_equal(csv_staged[0], json_staged[0])
    pd.testing.assert_frame_equal(csv_staged[1], json_staged[1])

    # HORIZON: the per-project detail documents read exactly like the XML dump
    delta = fetch_listing_delta(session, base, raw, DAY1, 10, known_hashes={}, page_size=2)
    details = read_project_details(delta.details)
    dump = read_dump(Path(xml_dump.path))

    def strip(rows: list[dict]) -> list[dict]:
        return sorted(
            ({k: v for k, v in r.items() if k != "source_file"} for r in rows),
            key=lambda r: sorted(r.items()),
        )

    assert strip(details.projects) == strip(dump.projects)
    assert strip(details.participations) == strip(dump.participations)
    for name in ("topics", "legalBasis", "euroSciVoc"):
        assert strip(details.companions[name]) == strip(dump.companions[name])


@pytest.mark.parametrize(("programme", "fmt"), [("H2020", "json"), ("H2020", "csv"), ("HORIZON", "xml")])
def test_a_second_fetch_of_an_unchanged_dump_is_a_304_and_writes_nothing(
    base: str, tmp_path: Path, programme: str, fmt: str
) -> None:
    session = make_session(retries=0, rate_per_host=None)
    raw = tmp_path / "raw"
    first = fetch_dump(session, base, programme, raw, DAY1, 10, fmt=fmt)
    second = fetch_dump(session, base, programme, raw, DAY2, 10, fmt=fmt, previous=_previous(first))
    assert second.unchanged and second.http_status == 304
    assert (second.path, second.sha256, second.size_bytes) == (first.path, first.sha256, first.size_bytes)
    assert _files(raw / "cordis" / DAY2.isoformat()) == []
    assert set(second.as_row()) == set(first.as_row())  # the raw_manifest row shape
    assert "unchanged" not in second.as_row()


def test_without_validators_an_equal_hash_skips_the_dump(base: str, tmp_path: Path) -> None:
    session = make_session(retries=0, rate_per_host=None)
    raw = tmp_path / "raw"
    first = fetch_dump(session, base, "H2020", raw, DAY1, 10)
    previous = PreviousFetch(url=first.url, sha256=first.sha256, path=first.path)  # no ETag/Last-Modified
    second = fetch_dump(session, base, "H2020", raw, DAY2, 10, previous=previous)
    assert second.unchanged and second.http_status == 200 and second.path == first.path
    assert _files(raw / "cordis" / DAY2.isoformat()) == []


def test_a_changed_dump_is_landed_again(
    served_mirror: dict[str, str], mirror_root: Path, tmp_path: Path
) -> None:
    base = served_mirror["CORDIS_BASE_URL"]
    session = make_session(retries=0, rate_per_host=None)
    raw = tmp_path / "raw"
    first = fetch_dump(session, base, "H2020", raw, DAY1, 10)
    target = mirror_root / "cordis.europa.eu" / "data" / "cordis-h2020projects-json.zip"
    target.write_bytes(
        (mirror_root / "cordis.europa.eu" / "data" / "cordis-h2020projects-csv.zip").read_bytes()
    )
    stamp = time.time() + 5  # a newer Last-Modified than the first fetch saw
    os.utime(target, (stamp, stamp))
    second = fetch_dump(session, base, "H2020", raw, DAY2, 10, previous=_previous(first))
    assert not second.unchanged and second.http_status == 200 and second.sha256 != first.sha256
    assert Path(second.path).parent == raw / "cordis" / DAY2.isoformat()


def test_a_dump_the_server_does_not_have_fails_with_its_url_and_404(base: str, tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailableError, match=r"cordis-fp7projects-json\.zip: HTTP 404") as caught:
        fetch_dump(make_session(retries=0, rate_per_host=None), base, "FP7", tmp_path, DAY1, 10)
    assert caught.value.url == f"{base}/data/cordis-fp7projects-json.zip"
    assert caught.value.reason.startswith("HTTP 404")


def test_unknown_programme_or_format_is_refused_before_any_request(tmp_path: Path) -> None:
    session = make_session(retries=0)
    with pytest.raises(ValueError, match="unknown CORDIS programme 'FP6'"):
        fetch_dump(session, "http://127.0.0.1:9", "FP6", tmp_path, DAY1, 10)
    with pytest.raises(ValueError, match="unknown CORDIS dump format 'xlsx'"):
        fetch_dump(session, "http://127.0.0.1:9", "H2020", tmp_path, DAY1, 10, fmt="xlsx")


def test_the_rate_limiter_spaces_requests_per_host_across_threads() -> None:
    now = [100.0]
    slept: list[float] = []
    limiter = HostRateLimiter(2.0, clock=lambda: now[0], sleep=slept.append)
    waits = [limiter.wait("http://a.example/x") for _ in range(3)]
    assert waits == [0.0, 0.5, 1.0]
    assert limiter.wait("http://b.example/x") == 0.0  # another host has its own pace
    assert slept == [0.5, 1.0]

    real = HostRateLimiter(20.0)
    starts: list[float] = []
    lock = threading.Lock()

    def call() -> None:
        real.wait("http://c.example/")
        with lock:
            starts.append(time.monotonic())

    threads = [threading.Thread(target=call) for _ in range(6)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # six starts at 20/s reserve slots 0.05 s apart: the last one cannot start before 5 intervals
    assert max(starts) - started >= 0.24


def test_the_session_paces_requests_and_identifies_itself(base: str) -> None:
    session = make_session(retries=0, rate_per_host=10.0)
    started = time.monotonic()
    for _ in range(4):
        response = session.get(f"{base}/project/id/101069359?format=xml", timeout=10)
        assert response.status_code == 200
        assert response.request.headers["User-Agent"] == USER_AGENT
    assert time.monotonic() - started >= 0.3  # 4 requests at 10/s: at least 3 intervals of 0.1 s
