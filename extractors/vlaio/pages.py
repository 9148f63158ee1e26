"""Parsing of VLAIO pages, anchored on stable things: ``<h1>``/``og:title``, headings, ``<time datetime>``,
``og:url``, ``article:*`` meta, field labels and link texts — never on CSS classes."""

from __future__ import annotations

import hashlib

from bs4 import BeautifulSoup, Tag

from extractors.vlaio.amounts import parse_day
from extractors.vlaio.changes import field_hashes
from extractors.vlaio.fields import labelled_values, text_of
from extractors.vlaio.html import canonical_url, clean, decode_html, main_region, meta, soup_of
from extractors.vlaio.sites import pager_number
from inventory.errors import LayoutDriftError

_HIDDEN = ["script", "style", "noscript", "template"]


def load_soup(content: bytes | str, url: str, content_type: str | None = None) -> BeautifulSoup:
    """The parsed page; bytes are decoded as the page declares (see ``html.decode_html``)."""
    html = content if isinstance(content, str) else decode_html(content, content_type, url)
    return soup_of(html)


def _published(soup: BeautifulSoup, region: Tag) -> str | None:
    """ISO publication date: ``<time datetime>``, ``article:published_time``, else a "Publicatiedatum" /
    "Published" label whose value really is a date (the real news page prints the label and no date)."""
    time_tag = region.find("time", attrs={"datetime": True}) or soup.find("time", attrs={"datetime": True})
    if isinstance(time_tag, Tag):
        return str(time_tag["datetime"]).strip()
    from_meta = meta(soup, "article:published_time")
    if from_meta:
        return from_meta
    for value in labelled_values(region).values.get("published", []):
        day = parse_day(value)
        if day:
            return day.isoformat()
    return None


def page_kind(url: str, soup: BeautifulSoup) -> str:
    """news | call | subsidy | listing | page — from the URL shape the sites use (recorded/sources/vlaio/
    source_inventory.csv) and, for listings, the pager links."""
    path = url.lower()
    if "/nieuws/" in path or "/news/" in path:
        return "news"
    if "-oproep-" in path or "/oproep" in path:
        return "call"
    if "/subsidies-financiering/" in path:
        return "subsidy"
    if pager_number(url) is not None or any(
        pager_number(str(a["href"])) is not None for a in soup.find_all("a", href=True)
    ):
        return "listing"
    return "page"


def parse_page(content: bytes | str, url: str, content_type: str | None = None) -> dict[str, object]:
    """One page record; raises ``LayoutDriftError`` when the page has no title anchor or no text."""
    soup = load_soup(content, url, content_type)
    region = main_region(soup)
    published = _published(soup, region)  # before the scripts go: JSON-LD and <time> are read first
    for hidden in soup(_HIDDEN):
        hidden.decompose()
    h1 = soup.find("h1")
    title = clean(h1.get_text(" ")) if h1 else None
    og_title = meta(soup, "og:title")
    text = clean(region.get_text(" ")) or ""
    missing = [
        name for name, value in (("h1 or og:title", title or og_title), ("body text", text)) if not value
    ]
    if missing:
        raise LayoutDriftError(url, missing)
    html = soup.find("html")
    headings = [clean(h.get_text(" ")) for h in region.find_all(["h2", "h3"])]
    fields = {
        "title": title or og_title,
        "published": published,
        "modified": meta(soup, "article:modified_time"),
        "text": text,
    }
    return {
        "url": url,
        "canonical_url": canonical_url(soup),
        "language": (html.get("lang") if isinstance(html, Tag) else None) or meta(soup, "og:locale"),
        "title": fields["title"],
        "published": published,
        "modified": fields["modified"],
        "kind": page_kind(url, soup),
        "headings": " | ".join(h for h in headings if h) or None,
        "n_links": len(soup.find_all("a", href=True)),
        "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "text": text,
        "field_hashes": field_hashes(fields),
    }


def page_links(content: bytes | str, url: str, content_type: str | None = None) -> list[tuple[str, str]]:
    """(href as written, link text) for every link on the page, in page order."""
    soup = load_soup(content, url, content_type)
    return [(str(a["href"]), clean(text_of(a)) or "") for a in soup.find_all("a", href=True)]


__all__ = ["load_soup", "page_kind", "page_links", "parse_page"]
