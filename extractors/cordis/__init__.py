"""CORDIS extractor: fetches the bulk dumps of the asked programmes (JSON, XML or CSV) into the landing
zone and reads them into raw project, participation and companion records; for the nightly delta, pages
through the search listing and fetches the detail of new or changed projects only.

Load rules (declared here, where a reader looks first):
- entity ``project``: key (source, id); change signal: content hash of the record (``contentUpdateDate``
  is not reliable; ``keywords`` and ``results`` are in the record so that they count); write mode: merge.
- entity ``participation``: key (projectID, organisationID, role, order) — the same organisation can take
  part twice (participant and thirdParty); same change signal and mode.
- companions ``topics``, ``legalBasis``, ``euroSciVoc``: rows keyed by projectID, replaced with their project.
- unchanged dump (HTTP 304 or same SHA-256 as the previous fetch): ``LandedFile.unchanged``; not parsed.
- unreadable rows (broken CSV quoting, wrong field count, a JSON element that is not an object) go to
  ``CordisRecords.quarantined`` with file, row and reason; a file that is not what it claims (not a zip,
  truncated, not JSON/XML/UTF-8, zip slip, zip bomb) raises ``BadSourceFileError`` naming it.
- schema drift in JSON/CSV: an unknown column loads and is reported once per member as a quarantine row
  with entity ``schema`` and reason ``unknown column X``; a missing key column likewise
  (``missing key column X``). Values stay text: a bad amount is for ``transforms`` to quarantine.

Modules: ``settings`` (URLs, programmes, formats, limits), ``dumps`` (fetch/read a dump), ``json_dump``,
``csv_dump``, ``xml_dump`` (one reader per format, same records), ``tables`` + ``spool`` (JSON/CSV rows into
project-coherent batches), ``zips`` (safe archives), ``listing`` (search listing + detail delta),
``records`` (the record shapes).
"""

from __future__ import annotations

from extractors.cordis.dumps import dump_format, fetch_dump, iter_dump, read_dump
from extractors.cordis.listing import ListingDelta, fetch_listing_delta, listing_hash, read_project_details
from extractors.cordis.records import SOURCE, CordisRecords
from extractors.cordis.settings import resolve_format
from extractors.landing import PreviousFetch

PRIMARY_KEYS = {
    "project": ("source", "id"),
    "participation": ("projectID", "organisationID", "role", "order"),
}

__all__ = [
    "PRIMARY_KEYS",
    "SOURCE",
    "CordisRecords",
    "ListingDelta",
    "PreviousFetch",
    "dump_format",
    "fetch_dump",
    "fetch_listing_delta",
    "iter_dump",
    "listing_hash",
    "read_dump",
    "read_project_details",
    "resolve_format",
]
