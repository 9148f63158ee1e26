"""Parsing of VLAIO pages, anchored on stable things: ``<h1>``/``og:title``, headings, ``<time datetime>``,
``og:url`` and link texts — never on CSS classes."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urldefrag, urljoin

from bs4 import BeautifulSoup

from inventory.errors import LayoutDriftError

_SPACE = re.compile(r"\s+")


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    collapsed = _SPACE.sub(" ", text).strip()
    return collapsed or None


def _meta(soup: BeautifulSoup, prop: str) -> str | None:
    tag = soup.find("meta", attrs={"property": prop})
    return _clean(tag.get("content")) if tag else None


def _published(soup: BeautifulSoup) -> str | None:
    time_tag = soup.find("time", attrs={"datetime": True})
    if time_tag:
        return time_tag["datetime"].strip()
    return _meta(soup, "article:published_time")


def parse_page(content: bytes, url: str) -> dict[str, str | int | None]:
    """One page record; raises ``LayoutDriftError`` when the page has no title anchor or no text."""
    soup = BeautifulSoup(content, "lxml")
    for hidden in soup(["script", "style", "noscript", "template"]):
        hidden.decompose()
    h1 = soup.find("h1")
    title = _clean(h1.get_text(" ")) if h1 else None
    og_title = _meta(soup, "og:title")
    body = soup.find("main") or soup.find("article") or soup.body or soup
    text = _clean(body.get_text(" ")) or ""
    missing = [
        name for name, value in (("h1 or og:title", title or og_title), ("body text", text)) if not value
    ]
    if missing:
        raise LayoutDriftError(url, missing)
    html = soup.find("html")
    headings = [_clean(h.get_text(" ")) for h in body.find_all(["h2", "h3"])]
    return {
        "url": url,
        "canonical_url": _meta(soup, "og:url"),
        "language": html.get("lang") if html else None,
        "title": title or og_title,
        "published": _published(soup),
        "headings": " | ".join(h for h in headings if h) or None,
        "n_links": len(soup.find_all("a", href=True)),
        "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "text": text,
    }


def page_links(content: bytes, url: str) -> list[tuple[str, str]]:
    """(absolute URL without fragment, link text) for every link on the page."""
    soup = BeautifulSoup(content, "lxml")
    links = []
    for anchor in soup.find_all("a", href=True):
        target, _ = urldefrag(urljoin(url, anchor["href"]))
        links.append((target, _clean(anchor.get_text(" ")) or ""))
    return links
