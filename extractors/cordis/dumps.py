"""The bulk dumps: fetch one programme's dump into the landing zone (conditionally, when the previous
fetch is known), and read a landed dump in any format into batches of raw records."""

from __future__ import annotations

from collections.abc import Container, Iterator
from datetime import date
from pathlib import Path

import requests

from extractors.cordis import settings
from extractors.cordis.csv_dump import iter_csv_dump
from extractors.cordis.json_dump import iter_json_dump
from extractors.cordis.records import SOURCE, CordisRecords
from extractors.cordis.xml_dump import iter_xml_dump, xml_member_signatures
from extractors.landing import LandedFile, PreviousFetch, land, landing_dir
from inventory.errors import SourceUnavailableError


def fetch_dump(
    session: requests.Session,
    base_url: str,
    programme: str,
    raw_dir: Path,
    run_date: date,
    timeout_s: float,
    fmt: str | None = None,
    previous: PreviousFetch | None = None,
) -> LandedFile:
    """Download one programme's dump (``fmt`` or the programme's default format) into
    ``raw_dir/cordis/<run_date>/``.

    ``previous`` is the last successful fetch of the same URL (from ``raw_manifest``): the GET is then
    conditional, and on 304 or an equal SHA-256 the result has ``unchanged=True`` and the previous path;
    do not parse it again. A dump the server does not have (404) raises ``SourceUnavailableError`` naming
    the URL and "HTTP 404"."""
    fmt = settings.resolve_format(programme, fmt)
    url = settings.dump_url(base_url, programme, fmt)
    try:
        return land(
            session,
            url,
            SOURCE,
            landing_dir(raw_dir, SOURCE, run_date),
            url.rsplit("/", 1)[-1],
            timeout_s,
            previous=previous,
        )
    except SourceUnavailableError as exc:
        if exc.reason == "HTTP 404":
            raise SourceUnavailableError(
                url, f"HTTP 404: CORDIS publishes no {fmt} dump of {programme} at this URL"
            ) from exc
        raise


def dump_format(path: Path) -> str:
    """The format of a dump from its file name (``cordis-h2020projects-json.zip`` -> ``json``)."""
    fmt = path.name.removesuffix(".zip").rsplit("-", 1)[-1].lower()
    if fmt not in settings.FORMATS:
        raise ValueError(f"{path.name}: unsupported CORDIS dump format {fmt!r}")
    return fmt


def iter_dump(
    path: Path,
    batch_size: int = settings.BATCH_PROJECTS,
    spool_dir: Path | None = None,
    skip_members: Container[str] = frozenset(),
) -> Iterator[CordisRecords]:
    """Read a landed dump as batches of at most ``batch_size`` projects, each with all the participations
    and companion rows of its projects; the reader is chosen from the file name. Memory stays bounded by
    one batch whatever the dump size; rows that could not be read are in the batches' ``quarantined``
    (all of a JSON/CSV dump's in the first batch). JSON/CSV dumps are regrouped through temporary files
    under ``spool_dir`` (default: the system's temporary folder). ``skip_members``: the members of an XML
    dump (one project document each) not to open because they are known to be unchanged (see
    :func:`member_signatures`); the JSON and CSV dumps hold one member per table and skip nothing."""
    fmt = dump_format(path)
    if fmt == "xml":
        return iter_xml_dump(path, batch_size, skip=skip_members)
    if fmt == "csv":
        return iter_csv_dump(path, batch_size, spool_dir)
    return iter_json_dump(path, batch_size, spool_dir)


def member_signatures(path: Path) -> dict[str, tuple[int, int]]:
    """The (CRC-32, size) of every project document of a landed dump, by zip member name: for an XML dump
    one per project; empty for the JSON and CSV dumps, whose members are whole tables."""
    return xml_member_signatures(path) if dump_format(path) == "xml" else {}


def read_dump(path: Path) -> CordisRecords:
    """Every record of a landed dump in one ``CordisRecords``: a convenience for small dumps (tests,
    samples); use ``iter_dump`` for a full programme."""
    records = CordisRecords()
    for batch in iter_dump(path):
        records.extend(batch)
    return records


def dump_programme(path: Path) -> str:
    """The programme of a dump from its file name (``cordis-h2020projects-json.zip`` -> ``H2020``); the
    file's stem when it does not follow CORDIS's naming."""
    stem = path.name.removesuffix(".zip")
    slug = stem.split("-")[1] if stem.startswith("cordis-") and stem.count("-") >= 2 else stem
    by_slug = {value.lower(): key for key, value in settings.DUMP_PROGRAMME_SLUG.items()}
    return by_slug.get(slug.lower().removesuffix("projects"), slug.upper())
