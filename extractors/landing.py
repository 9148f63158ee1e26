"""The raw landing zone: every fetched file is written to ``<data_dir>/raw/<source>/<run_date>/`` with its
SHA-256, size and HTTP validators, so any run can be replayed from what was actually read.

A fetch may know the previous successful fetch of the same URL (``PreviousFetch``, filled by the caller from
the warehouse's ``raw_manifest``). Its validators make the GET conditional; on ``304 Not Modified``, or when
the body's SHA-256 equals the previous one, nothing new is kept and the returned ``LandedFile`` says
``unchanged=True`` and points at the previous file: the caller skips parsing it."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import requests

from extractors.http import conditional_headers, get
from inventory.errors import SourceUnavailableError

CHUNK = 1 << 20


@dataclass(frozen=True)
class PreviousFetch:
    """What the last successful run landed for one URL (a ``raw_manifest`` row)."""

    url: str
    sha256: str
    etag: str | None = None
    last_modified: str | None = None
    path: str | None = None
    size_bytes: int | None = None


@dataclass(frozen=True)
class LandedFile:
    """One file in the landing zone and how it was fetched.

    ``unchanged`` is True when the server answered 304 or sent the same bytes as ``PreviousFetch``; then
    ``path`` and ``sha256`` are the previous file's and ``http_status`` is what the server answered."""

    source: str
    url: str
    path: str
    sha256: str
    size_bytes: int
    http_status: int
    content_type: str | None
    etag: str | None
    last_modified: str | None
    fetched_at: datetime
    unchanged: bool = False

    def as_row(self) -> dict[str, object]:
        """The ``raw_manifest`` columns (``unchanged`` is not one of them)."""
        row = asdict(self)
        row.pop("unchanged")
        return row


def landing_dir(raw_dir: Path, source: str, run_date: date) -> Path:
    return raw_dir / source / run_date.isoformat()


def remove_partial_files(raw_dir: Path) -> list[Path]:
    """Remove the temporary files (``*.part``) that a run killed while downloading left in the landing zone
    (an error or a timeout removes its own). Only while holding the writer lock: no other run is downloading
    then. Returns the files removed."""
    removed = []
    for path in sorted(raw_dir.rglob("*.part")) if raw_dir.is_dir() else []:
        if path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _previous_size(previous: PreviousFetch) -> int:
    if previous.size_bytes is not None:
        return previous.size_bytes
    if previous.path and os.path.isfile(previous.path):
        return os.path.getsize(previous.path)
    return 0


def land(
    session: requests.Session,
    url: str,
    source: str,
    dest_dir: Path,
    filename: str,
    timeout_s: float,
    previous: PreviousFetch | None = None,
) -> LandedFile:
    """Stream ``url`` into ``dest_dir/filename`` (atomically: temp file, then rename) and hash it.

    With ``previous`` for the same URL, the GET is conditional and an unchanged body is not kept (see the
    module docstring); a ``previous`` for another URL is ignored."""
    if previous is not None and previous.url != url:
        previous = None
    headers = conditional_headers(previous.etag, previous.last_modified) if previous else None
    response = get(session, url, timeout_s, stream=True, headers=headers)
    if response.status_code == 304 and previous is not None:
        response.close()
        return LandedFile(
            source=source,
            url=url,
            path=previous.path or "",
            sha256=previous.sha256,
            size_bytes=_previous_size(previous),
            http_status=304,
            content_type=response.headers.get("Content-Type"),
            etag=response.headers.get("ETag") or previous.etag,
            last_modified=response.headers.get("Last-Modified") or previous.last_modified,
            fetched_at=datetime.now(UTC),
            unchanged=True,
        )
    dest_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=dest_dir, prefix=f".{filename}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, response:
            for chunk in response.iter_content(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        sha256 = digest.hexdigest()
        unchanged = previous is not None and previous.sha256 == sha256
        if unchanged and previous is not None and previous.path and os.path.isfile(previous.path):
            Path(tmp_name).unlink()  # same bytes as the file already landed: keep that one only
            path = previous.path
        else:
            os.replace(tmp_name, dest_dir / filename)
            path = str(dest_dir / filename)
    except requests.RequestException as exc:
        Path(tmp_name).unlink(missing_ok=True)
        raise SourceUnavailableError(url, f"download interrupted: {type(exc).__name__}: {exc}") from exc
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return LandedFile(
        source=source,
        url=url,
        path=path,
        sha256=sha256,
        size_bytes=size,
        http_status=response.status_code,
        content_type=response.headers.get("Content-Type"),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        fetched_at=datetime.now(UTC),
        unchanged=unchanged,
    )


INDEX_FILE = "_landed.jsonl"


def write_landing_index(
    raw_dir: Path, source: str, run_date: date, files: list[LandedFile], meta: dict[str, str] | None = None
) -> Path:
    """Record in ``raw/<source>/<date>/_landed.jsonl`` what a run landed (URL, path, hash, validators) and
    ``meta`` (e.g. the base URLs crawled), so the landing zone alone can rebuild the warehouse
    (``read_landing_index``, a ``from_raw`` backfill) without the warehouse or the network."""
    folder = landing_dir(raw_dir, source, run_date)
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"meta": meta or {}}, sort_keys=True)]
    for landed in files:
        row = {**asdict(landed), "fetched_at": landed.fetched_at.isoformat()}
        lines.append(json.dumps(row, sort_keys=True))
    target = folder / INDEX_FILE
    tmp = target.with_suffix(".part")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, target)
    return target


def latest_snapshot(raw_dir: Path, source: str, on_or_before: date | None = None) -> date | None:
    """The latest date folder of ``source`` holding a landing index (at or before ``on_or_before``)."""
    root = raw_dir / source
    dates = sorted(
        date.fromisoformat(folder.name)
        for folder in (root.iterdir() if root.is_dir() else [])
        if (folder / INDEX_FILE).is_file() and _is_iso_date(folder.name)
    )
    eligible = [d for d in dates if on_or_before is None or d <= on_or_before]
    return eligible[-1] if eligible else None


def _is_iso_date(name: str) -> bool:
    try:
        date.fromisoformat(name)
    except ValueError:
        return False
    return True


def read_landing_index(raw_dir: Path, source: str, snapshot: date) -> tuple[list[LandedFile], dict[str, str]]:
    """The files a run landed for ``source`` on ``snapshot`` and the index's meta; ``SourceUnavailableError``
    when that snapshot has no index or a file it lists is gone."""
    index = landing_dir(raw_dir, source, snapshot) / INDEX_FILE
    if not index.is_file():
        raise SourceUnavailableError(
            str(index), "no landing index for this snapshot: nothing to rebuild from"
        )
    lines = [json.loads(line) for line in index.read_text(encoding="utf-8").splitlines() if line.strip()]
    meta, rows = lines[0].get("meta", {}), lines[1:]
    files = []
    for row in rows:
        row["fetched_at"] = datetime.fromisoformat(row["fetched_at"])
        landed = LandedFile(**row)
        if not os.path.isfile(landed.path):
            raise SourceUnavailableError(
                landed.url, f"landed file {landed.path} is missing from the landing zone"
            )
        files.append(landed)
    return files, meta
