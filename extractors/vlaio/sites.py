"""The allow-list of the VLAIO crawl: the configured base URLs of vlaio.be and industrie40vlaanderen.be, the
real host names that map onto them, URL normalisation, pager recognition and stable source ids."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit, urlunsplit

from extractors.vlaio.settings import (
    DOCUMENT_SUFFIXES,
    INDUSTRIE40,
    INDUSTRIE40_START_PATHS,
    SITE_ALIASES,
    START_PATHS,
    VLAIO,
)

_PATH_PAGER = re.compile(r"^(?P<listing>.*?)/page/(?P<n>\d+)/?$")
_TRACKING = re.compile(r"^(utm_[a-z]+|fbclid|gclid)$")


@dataclass(frozen=True)
class Site:
    """One allow-listed site: its key, its configured base URL and its start paths."""

    key: str
    base_url: str
    start_paths: tuple[str, ...]

    @property
    def _base(self) -> tuple[str, str, str]:
        parts = urlsplit(self.base_url)
        return parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/")

    def owns(self, url: str) -> bool:
        """True when ``url`` lies under this site's base URL (same scheme, host, port and path prefix)."""
        scheme, netloc, prefix = self._base
        parts = urlsplit(url)
        if (parts.scheme.lower(), parts.netloc.lower()) != (scheme, netloc):
            return False
        return parts.path == prefix or parts.path.startswith(prefix + "/") or not prefix

    def start_urls(self) -> list[str]:
        return [self.base_url.rstrip("/") + path for path in self.start_paths]

    def relative_path(self, url: str) -> str:
        """The URL's path below the base URL, without leading or trailing slash."""
        prefix = self._base[2]
        return urlsplit(url).path.removeprefix(prefix).strip("/")

    def rebase(self, url: str) -> str | None:
        """``url`` on a real host name of this site, moved onto the configured base URL; else None."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host not in SITE_ALIASES.get(self.key, ()):
            return None
        scheme, netloc, prefix = self._base
        return urlunsplit((scheme, netloc, prefix + (parts.path or "/"), parts.query, ""))


def make_sites(vlaio_base_url: str, industrie40_base_url: str | None = None) -> tuple[Site, ...]:
    """The allow-list: vlaio.be always, industrie40vlaanderen.be when its base URL is configured."""
    sites = [Site(VLAIO, vlaio_base_url.rstrip("/"), START_PATHS)]
    if industrie40_base_url:
        sites.append(Site(INDUSTRIE40, industrie40_base_url.rstrip("/"), INDUSTRIE40_START_PATHS))
    return tuple(sites)


def normalise_url(url: str) -> str:
    """One spelling per page: no fragment, lower-case scheme and host, tracking parameters dropped and the
    other query parameters sorted (so ``?page=1&f[0]=x`` and ``?f[0]=x&page=1`` are one page)."""
    url, _ = urldefrag(url)
    parts = urlsplit(url)
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    )
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), ""))


def resolve_link(page_url: str, href: str, page_site: Site, sites: tuple[Site, ...]) -> str | None:
    """Absolute, normalised URL of a link, with real host names moved onto the configured base URLs.

    A root-relative link (``/nl/...``, as on a Drupal site) is resolved against the page's site base URL, so
    that a base URL with a path prefix (one loopback server for several hosts) keeps working."""
    href = href.strip()
    if href.startswith("/") and not href.startswith("//"):
        absolute = page_site.base_url.rstrip("/") + href
    else:
        absolute = urljoin(page_url, href)
    if urlsplit(absolute).scheme not in ("http", "https"):
        return None  # mailto:, tel:, javascript:
    for site in sites:
        rebased = site.rebase(absolute)
        if rebased is not None:
            absolute = rebased
            break
    return normalise_url(absolute)


def site_of(url: str, sites: tuple[Site, ...]) -> Site | None:
    """The allow-listed site that owns ``url``, or None when the URL is outside the allow-list."""
    return next((site for site in sites if site.owns(url)), None)


def is_document(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(DOCUMENT_SUFFIXES)


def pager_number(url: str) -> int | None:
    """The zero-based page number of a listing URL: Drupal's ``?page=N`` or a path pager ``.../page/N``."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if key == "page" and value.isdigit():
            return int(value)
    match = _PATH_PAGER.match(parts.path)
    return int(match["n"]) if match else None


def listing_key(url: str) -> tuple[str, str]:
    """What identifies a listing across its pages: the path without the path pager, and the query without
    ``page`` (the facets ``f[0]=...`` stay: another facet is another listing)."""
    parts = urlsplit(url)
    match = _PATH_PAGER.match(parts.path)
    path = (match["listing"] if match else parts.path).rstrip("/")
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if k != "page"))
    return f"{parts.scheme}://{parts.netloc}{path}", query


def is_pager_link(page_url: str, target: str) -> bool:
    """True when ``target`` is another page of the listing ``page_url`` shows."""
    return pager_number(target) is not None and listing_key(target) == listing_key(page_url)


def has_facets(url: str) -> bool:
    return any(key.startswith("f[") for key, _ in parse_qsl(urlsplit(url).query))


def source_id(url: str, site: Site) -> str:
    """Stable id of a page: the site key and the path below the site's base URL
    (``industrie40:nl/proeftuinen/smart-connectivity``); the same on the real site and on the mirror."""
    return f"{site.key}:{site.relative_path(url)}"


__all__ = [
    "Site",
    "has_facets",
    "is_document",
    "is_pager_link",
    "make_sites",
    "normalise_url",
    "pager_number",
    "resolve_link",
    "site_of",
    "source_id",
]
