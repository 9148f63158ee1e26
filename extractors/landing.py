"""The raw landing zone: every fetched file is written to ``<data_dir>/raw/<source>/<run_date>/`` with its
SHA-256, size and HTTP validators, so any run can be replayed from what was actually read."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import requests

from extractors.http import get
from inventory.errors import SourceUnavailableError

CHUNK = 1 << 20


@dataclass(frozen=True)
class LandedFile:
    """One file in the landing zone and how it was fetched."""

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

    def as_row(self) -> dict[str, object]:
        return asdict(self)


def landing_dir(raw_dir: Path, source: str, run_date: date) -> Path:
    return raw_dir / source / run_date.isoformat()


def land(
    session: requests.Session,
    url: str,
    source: str,
    dest_dir: Path,
    filename: str,
    timeout_s: float,
) -> LandedFile:
    """Stream ``url`` into ``dest_dir/filename`` (atomically: temp file, then rename) and hash it."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    response = get(session, url, timeout_s, stream=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=dest_dir, prefix=f".{filename}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, response:
            for chunk in response.iter_content(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        os.replace(tmp_name, dest_dir / filename)
    except requests.RequestException as exc:
        Path(tmp_name).unlink(missing_ok=True)
        raise SourceUnavailableError(url, f"download interrupted: {type(exc).__name__}: {exc}") from exc
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return LandedFile(
        source=source,
        url=url,
        path=str(dest_dir / filename),
        sha256=digest.hexdigest(),
        size_bytes=size,
        http_status=response.status_code,
        content_type=response.headers.get("Content-Type"),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        fetched_at=datetime.now(UTC),
    )
