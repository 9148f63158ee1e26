"""CORDIS URLs, programmes, formats and reader limits: constants only (the environment is read in
``inventory.config``; these are the defaults and the allowed values)."""

from __future__ import annotations

PROGRAMMES: tuple[str, ...] = ("HORIZON", "H2020", "FP7")
FORMATS: tuple[str, ...] = ("json", "xml", "csv")

# The dump file names use CORDIS's own spelling of each programme.
DUMP_PROGRAMME_SLUG: dict[str, str] = {"HORIZON": "HORIZON", "H2020": "h2020", "FP7": "fp7"}

# Default bulk format per programme; JSON for the older programmes, XML for Horizon Europe. The environment
# variable CORDIS_FORMAT (json|xml|csv, empty = these defaults) overrides it for every programme.
DEFAULT_FORMAT: dict[str, str] = {"HORIZON": "xml", "H2020": "json", "FP7": "json"}
FORMAT_ENV = "CORDIS_FORMAT"

DUMP_PATH = "/data/cordis-{slug}projects-{fmt}.zip"
PROJECT_URL = "https://cordis.europa.eu/project/id/{id}"

# --- listing (search API) and per-project detail --------------------------------------------------------
SEARCH_PATH = "/search"
DETAIL_PATH = "/project/id/{id}"
LISTING_PAGE_SIZE = 100  # the search API's maximum ``num``
LISTING_SORT = "Relevance:decreasing"
LISTING_QUERY_ENV = "CORDIS_LISTING_QUERY"
# Industry 4.0 themes with at least one Belgian participant. CORDIS's query language is ``contenttype=...
# AND (...)`` with quoted phrases and XPath-like field filters; the organisation-country path below follows
# the element names of the project XML (relations/associations/organization/address/country) and is NOT
# verified against the live search (no real response was available). CORDIS_LISTING_QUERY overrides it.
DEFAULT_LISTING_QUERY = (
    "contenttype='project'"
    " AND /project/relations/associations/organization/address/country='BE'"
    " AND ('industry 4.0' OR 'digital twin' OR 'smart manufacturing' OR 'advanced manufacturing'"
    " OR 'industrial internet of things' OR 'cyber-physical' OR 'predictive maintenance'"
    " OR 'collaborative robot' OR 'additive manufacturing' OR 'factory of the future')"
)

# --- reader limits (bounded memory whatever the dump) ----------------------------------------------------
# Projects per batch yielded by ``iter_dump``; one batch (projects + their participations + companions)
# is about 20 KB per project in memory, so 2,000 projects stay well under 100 MB.
BATCH_PROJECTS = 2000
# Zip-bomb guards, checked on every member before anything is read.
MAX_MEMBER_BYTES = 4 << 30  # uncompressed size of one member (the largest real member is a few 100 MB)
MAX_COMPRESSION_RATIO = 200  # uncompressed / compressed; text dumps deflate about 5-20x
MIN_RATIO_CHECK_BYTES = 1 << 20  # tiny members may compress absurdly well ("[]") and are harmless
# One XML project document is parsed in memory; a real one is < 1 MB.
MAX_XML_DOCUMENT_BYTES = 64 << 20
# One element of a JSON array is decoded in memory; a real one is a few KB.
MAX_JSON_ELEMENT_CHARS = 16 << 20
# A dump with more unparseable rows than this is broken as a whole, not row by row.
MAX_QUARANTINED_ROWS = 10_000

# --- table members of the JSON and CSV dumps -------------------------------------------------------------
PROJECT_TABLE = "project"
PARTICIPATION_TABLE = "organization"
# Companion tables read when present (others, e.g. webLink and policyPriorities, are ignored).
COMPANION_TABLES: tuple[str, ...] = ("topics", "euroSciVoc", "legalBasis")
# Candidate CSV delimiters, told apart on the header line (';' is CORDIS's own; tab is reported for the
# organisation files of old programmes).
CSV_DELIMITERS: tuple[str, ...] = (";", "\t", ",")


def dump_url(base_url: str, programme: str, fmt: str) -> str:
    """The bulk-dump URL of one programme in one format."""
    return base_url.rstrip("/") + DUMP_PATH.format(slug=DUMP_PROGRAMME_SLUG[programme], fmt=fmt)


def resolve_format(programme: str, fmt: str | None = None) -> str:
    """The dump format to read for ``programme``: ``fmt`` (e.g. CORDIS_FORMAT) when given, else the
    programme's default. Raises ``ValueError`` for an unknown programme or format."""
    if programme not in PROGRAMMES:
        raise ValueError(f"unknown CORDIS programme {programme!r}; expected one of {', '.join(PROGRAMMES)}")
    chosen = (fmt or "").strip().lower() or DEFAULT_FORMAT[programme]
    if chosen not in FORMATS:
        raise ValueError(f"unknown CORDIS dump format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return chosen
