"""CORDIS extractor: fetches the bulk dumps of the asked programmes into the landing zone and reads them
into raw project and participation records.

Load rules (declared here, where a reader looks first):
- entity ``project``: key (source, id); change signal: content hash of the record (``contentUpdateDate``
  is not reliable); write mode: merge.
- entity ``participation``: key (projectID, organisationID, role, order); same change signal and mode.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import requests

from extractors.cordis.json_dump import read_json_dump
from extractors.cordis.records import CordisRecords
from extractors.cordis.settings import DEFAULT_FORMAT, PROGRAMMES, dump_url
from extractors.cordis.xml_dump import read_xml_dump
from extractors.landing import LandedFile, land, landing_dir

SOURCE = "cordis"
PRIMARY_KEYS = {
    "project": ("source", "id"),
    "participation": ("projectID", "organisationID", "role", "order"),
}

_READERS = {"json": read_json_dump, "xml": read_xml_dump}


def fetch_dump(
    session: requests.Session,
    base_url: str,
    programme: str,
    raw_dir: Path,
    run_date: date,
    timeout_s: float,
    fmt: str | None = None,
) -> LandedFile:
    """Download one programme's dump into the landing zone."""
    if programme not in PROGRAMMES:
        raise ValueError(f"unknown CORDIS programme {programme!r}; expected one of {', '.join(PROGRAMMES)}")
    fmt = fmt or DEFAULT_FORMAT[programme]
    url = dump_url(base_url, programme, fmt)
    return land(
        session, url, SOURCE, landing_dir(raw_dir, SOURCE, run_date), url.rsplit("/", 1)[-1], timeout_s
    )


def read_dump(path: Path) -> CordisRecords:
    """Read a landed dump, choosing the reader from the file name (``...-json.zip`` / ``...-xml.zip``)."""
    fmt = path.stem.rsplit("-", 1)[-1]
    if fmt not in _READERS:
        raise ValueError(f"{path.name}: unsupported CORDIS dump format {fmt!r}")
    return _READERS[fmt](path)


__all__ = ["PRIMARY_KEYS", "SOURCE", "CordisRecords", "fetch_dump", "read_dump"]
