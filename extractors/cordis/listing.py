"""The nightly delta from the CORDIS search listing and the per-project detail.

1. Page through ``{base}/search?q=<query>&format=json&p=<page>&num=<n>&srt=...&archived=true`` until
   ``totalHits``; every page is landed (``raw/cordis/<date>/listing/page-NNNN.json``).
2. Hash each hit's ``project`` object (``listing_hash``) and fetch ``{base}/project/id/<id>?format=xml``
   only for the projects that are new or whose hash differs from ``known_hashes`` (what the caller stored
   from the previous run); each detail is landed as ``raw/cordis/<date>/detail/project-<id>.xml`` and read
   with ``read_project_details`` (the same reader as the XML dump).
3. Progress (query, last completed page, hashes, details done, files landed) is saved after every request
   to ``raw/cordis/<date>/listing/state.json``, so a run that dies on page 37 resumes at page 38 and does
   not fetch a detail twice; a finished run on the same date is not repeated.

The response shape is reconstructed from public client code, not from a real sample:
``{"result": {"header": {"numHits": "10", "totalHits": "3324"}}, "hits": {"hit": [{"project": {...}}]}}``;
counts may be strings, ``hit`` may be one object instead of a list, and ``hits`` is also accepted under
``result``. No ETag/Last-Modified is documented and ``contentUpdateDate`` is not a reliable change signal,
hence the content hash of the whole hit (nothing left out: a listing field that changes, e.g.
``lastUpdateDate``, costs one extra detail request, while a missed change would cost a stale record)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import requests

from extractors.cordis import settings
from extractors.cordis.records import SOURCE, CordisRecords, as_text, quarantine_entry
from extractors.cordis.xml_dump import read_project_files
from extractors.landing import LandedFile, land, landing_dir
from inventory.errors import BadSourceFileError

STATE_FILE = "state.json"
# The state is saved after every listing page, but only every this many details (and at the end): a
# resumed run fetches at most this many details twice, and a 3,000-detail pass does not rewrite the
# state file 3,000 times.
DETAILS_PER_SAVE = 20
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass
class ListingDelta:
    """What one listing pass found and fetched.

    ``hashes``: the listing hash of every project id seen (store them; they are next run's
    ``known_hashes``). ``changed``: ids that were new or changed (their details were fetched unless
    ``fetch_details=False``). ``landed``: every file fetched (pages and details) for ``raw_manifest``;
    ``details``: the detail documents only. ``quarantined``: hits that could not be read."""

    query: str
    total_hits: int
    pages: int
    hashes: dict[str, str]
    changed: list[str]
    landed: list[LandedFile]
    details: list[LandedFile]
    quarantined: list[dict[str, str | None]] = field(default_factory=list)


def listing_url(base_url: str, query: str, page: int, page_size: int) -> str:
    """The search URL of one listing page (``p`` is 1-based)."""
    params = {
        "q": query,
        "format": "json",
        "p": str(page),
        "num": str(page_size),
        "srt": settings.LISTING_SORT,
        "archived": "true",
    }
    return f"{base_url.rstrip('/')}{settings.SEARCH_PATH}?{urlencode(params, quote_via=quote, safe=':')}"


def detail_url(base_url: str, project_id: str) -> str:
    """The per-project XML URL (same schema as the XML dump)."""
    return f"{base_url.rstrip('/')}{settings.DETAIL_PATH.format(id=quote(project_id, safe=''))}?format=xml"


def listing_hash(project: Mapping[str, Any]) -> str:
    """SHA-256 of a hit's ``project`` object: sorted keys, compact JSON, values as published."""
    payload = json.dumps(project, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _storable(project: Mapping[str, Any]) -> bool:
    """False when the hit holds text that is not Unicode (its hash, and the saved state, need UTF-8)."""
    try:
        listing_hash(project)
    except UnicodeEncodeError:
        return False
    return True


def parse_listing_page(
    content: bytes, label: str
) -> tuple[int, list[dict[str, Any]], list[dict[str, str | None]]]:
    """(totalHits, the hits' ``project`` objects, quarantined hits) of one listing page."""
    try:
        data = json.loads(content, parse_float=str, parse_int=str)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadSourceFileError(label, f"listing page is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise BadSourceFileError(label, "listing page is JSON nested too deeply") from exc
    if not isinstance(data, dict):
        raise BadSourceFileError(label, f"listing page is a JSON {type(data).__name__}, not an object")
    result = data.get("result") if isinstance(data.get("result"), dict) else {}
    header = result.get("header") or data.get("header") or {}
    try:
        total_hits = int(str(header["totalHits"]).strip())
    except (KeyError, TypeError, ValueError) as exc:
        raise BadSourceFileError(
            label, f"listing page has no numeric result.header.totalHits ({exc!r})"
        ) from exc
    container = data.get("hits") or result.get("hits") or {}
    hit = container.get("hit") if isinstance(container, dict) else None
    hits = [] if hit is None else hit if isinstance(hit, list) else [hit]
    projects: list[dict[str, Any]] = []
    quarantined: list[dict[str, str | None]] = []
    for position, item in enumerate(hits):
        project = item.get("project") if isinstance(item, dict) else None
        if not (isinstance(project, dict) and as_text(project.get("id"))):
            reason = "hit without a project id"
        elif not _storable(project):
            reason = "hit with an unpaired surrogate escape (\\uD800-\\uDFFF): not Unicode"
        else:
            projects.append(project)
            continue
        quarantined.append(quarantine_entry("listing", label, f"hit {position}", reason))
    return total_hits, projects, quarantined


# --- resumable state ---------------------------------------------------------------------------------------


def _landed_to_json(landed: LandedFile) -> dict[str, Any]:
    row = asdict(landed)
    row["fetched_at"] = landed.fetched_at.isoformat()
    return row


def _landed_from_json(row: Mapping[str, Any]) -> LandedFile:
    return LandedFile(**{**row, "fetched_at": datetime.fromisoformat(row["fetched_at"])})


def _fresh_state(query: str, page_size: int) -> dict[str, Any]:
    return {
        "query": query,
        "page_size": page_size,
        "total_hits": None,
        "last_completed_page": 0,
        "hashes": {},
        "details_done": [],
        "pages": [],
        "details": [],
        "quarantined": [],
        "complete": False,
    }


def _load_state(path: Path, query: str, page_size: int) -> dict[str, Any]:
    """The saved progress of the same query and page size, else a fresh start."""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return _fresh_state(query, page_size)
    if not isinstance(state, dict) or (state.get("query"), state.get("page_size")) != (query, page_size):
        return _fresh_state(query, page_size)
    return state


def _save_state(path: Path, state: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(state, out, ensure_ascii=False, indent=1)
    os.replace(tmp, path)


# --- the pass ------------------------------------------------------------------------------------------------


def fetch_listing_delta(
    session: requests.Session,
    base_url: str,
    raw_dir: Path,
    run_date: date,
    timeout_s: float,
    known_hashes: Mapping[str, str],
    query: str = settings.DEFAULT_LISTING_QUERY,
    page_size: int = settings.LISTING_PAGE_SIZE,
    fetch_details: bool = True,
) -> ListingDelta:
    """Page through the listing of ``query`` and land the details of new or changed projects (see the
    module docstring). Resumes from ``raw/cordis/<run_date>/listing/state.json`` when it exists for the
    same query and page size. With ``fetch_details=False`` only the listing is read (e.g. to seed the
    hashes right after a bulk-dump load, instead of fetching every detail once). Errors:
    ``SourceUnavailableError`` (HTTP), ``BadSourceFileError`` (a page that is not the expected JSON); the
    progress made so far stays saved."""
    if not 1 <= page_size <= settings.LISTING_PAGE_SIZE:
        raise ValueError(f"page_size must be within 1..{settings.LISTING_PAGE_SIZE}, got {page_size}")
    root = landing_dir(raw_dir, SOURCE, run_date)
    state_path = root / "listing" / STATE_FILE
    state = _load_state(state_path, query, page_size)

    while not state["complete"]:
        total = state["total_hits"]
        page = state["last_completed_page"] + 1
        if total is not None and (page - 1) * page_size >= total:
            break
        url = listing_url(base_url, query, page, page_size)
        landed = land(session, url, SOURCE, root / "listing", f"page-{page:04d}.json", timeout_s)
        total, projects, quarantined = parse_listing_page(Path(landed.path).read_bytes(), landed.path)
        for project in projects:
            state["hashes"][as_text(project["id"])] = listing_hash(project)
        state["total_hits"] = total
        state["last_completed_page"] = page
        state["pages"].append(_landed_to_json(landed))
        state["quarantined"].extend(quarantined)
        _save_state(state_path, state)
        if not projects and not quarantined:
            break  # an empty page ends the listing even if totalHits promised more

    done = set(state["details_done"])
    changed = [pid for pid, digest in state["hashes"].items() if known_hashes.get(pid) != digest]
    try:
        for project_id in changed if fetch_details else ():
            if project_id in done:
                continue
            landed = land(
                session,
                detail_url(base_url, project_id),
                SOURCE,
                root / "detail",
                f"project-{_UNSAFE_FILENAME.sub('_', project_id)}.xml",
                timeout_s,
            )
            state["details"].append(_landed_to_json(landed))
            state["details_done"].append(project_id)
            done.add(project_id)
            if len(state["details_done"]) % DETAILS_PER_SAVE == 0:
                _save_state(state_path, state)
        if fetch_details:
            state["complete"] = True
    finally:
        _save_state(state_path, state)  # also when a detail failed: the next attempt starts after it

    pages = [_landed_from_json(row) for row in state["pages"]]
    details = [_landed_from_json(row) for row in state["details"]]
    return ListingDelta(
        query=query,
        total_hits=state["total_hits"] or 0,
        pages=state["last_completed_page"],
        hashes=dict(state["hashes"]),
        changed=changed,
        landed=pages + details,
        details=details,
        quarantined=list(state["quarantined"]),
    )


def read_project_details(details: Iterable[LandedFile]) -> CordisRecords:
    """Read the landed detail documents of a ``ListingDelta`` into raw records (the XML dump's reader)."""
    return read_project_files(Path(landed.path) for landed in details)
