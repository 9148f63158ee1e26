"""Bytes to a parsed page: the character encoding as the page declares it, and helpers that read stable
things (``<main>``, ``<meta property>``, JSON-LD) — never presentational classes."""

from __future__ import annotations

import codecs
import json
import re
from email.message import Message

from bs4 import BeautifulSoup, Tag
from bs4.dammit import EncodingDetector

from inventory.errors import BadSourceFileError

_SPACE = re.compile(r"\s+")
_SURROGATE = re.compile("[\ud800-\udfff]")

# WHATWG Encoding Standard: these labels mean windows-1252 in a browser, so they do here.
_WINDOWS_1252_LABELS = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii", "cp819"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))

HTML_TYPES = ("text/html", "application/xhtml+xml")


def clean(text: str | None) -> str | None:
    """Whitespace collapsed; None for empty."""
    if text is None:
        return None
    collapsed = _SPACE.sub(" ", text).strip()
    return collapsed or None


def header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    message = Message()
    message["Content-Type"] = content_type
    charset = message.get_param("charset")
    return str(charset).strip() if charset else None


def media_type(content_type: str | None) -> str | None:
    return content_type.split(";", 1)[0].strip().lower() if content_type else None


def _codec(label: str) -> str | None:
    """The Python codec of a text-encoding label; None for an unknown label or a codec that does not decode
    bytes to text (``base64``, ``hex``, ``rot13``, ``zlib``: ``bytes.decode`` refuses them with a
    LookupError, though not on empty input, hence the probe byte)."""
    label = label.strip().lower()
    if label in _WINDOWS_1252_LABELS:
        return "cp1252"
    try:
        name = codecs.lookup(label).name
        b"x".decode(name, "ignore")
    except (LookupError, ValueError):  # ValueError: a label with a NUL character
        return None
    return name


def decode_html(content: bytes, content_type: str | None, url: str) -> str:
    """The page's text, decoded as the HTML standard orders it: byte-order mark, then the HTTP header's
    charset, then ``<meta charset>`` / ``http-equiv``, else UTF-8.

    ``requests``' ``response.text`` would fall back to ISO-8859-1 when the header has no charset (as
    ``http.server`` sends it); a page whose bytes do not fit its declared encoding is a
    ``BadSourceFileError`` naming the URL, never mojibake."""
    for bom, codec in _BOMS:
        if content.startswith(bom):
            declared, where = codec, "byte-order mark"
            break
    else:
        declared, where = header_charset(content_type), "HTTP Content-Type header"
        if not declared:
            declared, where = EncodingDetector.find_declared_encoding(content, is_html=True), "<meta> charset"
        if not declared:
            declared, where = "utf-8", "default (nothing declared)"
    codec = _codec(declared)
    if codec is None:
        raise BadSourceFileError(url, f"unknown character encoding {declared!r} (from the {where})")
    try:
        text = content.decode(codec)
    except UnicodeDecodeError as exc:
        raise BadSourceFileError(
            url, f"bytes are not valid {declared} (from the {where}) at byte {exc.start}"
        ) from exc
    unpaired = _SURROGATE.search(text)
    if unpaired:  # UTF-7 can encode one; such text cannot be hashed or stored as UTF-8
        raise BadSourceFileError(
            url,
            f"{declared} text (from the {where}) holds an unpaired surrogate at character {unpaired.start()}",
        )
    return text


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml")


def main_region(soup: BeautifulSoup) -> Tag:
    """The page's main content: ``<main>``, ``role="main"``, ``<article>``, else the body."""
    for candidate in (soup.find("main"), soup.find(attrs={"role": "main"}), soup.find("article"), soup.body):
        if isinstance(candidate, Tag):
            return candidate
    return soup


def meta(soup: BeautifulSoup, name: str) -> str | None:
    """``<meta property=name>`` (Open Graph, article:*) or ``<meta name=name>``."""
    tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
    return clean(tag.get("content")) if isinstance(tag, Tag) else None


def canonical_url(soup: BeautifulSoup) -> str | None:
    link = soup.find("link", attrs={"rel": "canonical", "href": True})
    return meta(soup, "og:url") or (clean(link["href"]) if isinstance(link, Tag) else None)


def jsonld_objects(soup: BeautifulSoup) -> list[dict]:
    """Every JSON-LD object of the page (``@graph`` flattened); a script that is not valid JSON is ignored,
    as a browser would."""
    found: list[dict] = []
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            data = json.loads(script.string or "")
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                found.append(item)
                stack.extend(g for g in item.get("@graph", []) if isinstance(g, dict))
    return found


def jsonld_types(item: dict) -> set[str]:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k) for k in kinds if k}


def looks_like_html(content: bytes, content_type: str | None) -> bool:
    """True for an HTML page: by its media type, or, without one, by its first bytes."""
    kind = media_type(content_type)
    if kind:
        return kind in HTML_TYPES
    head = content[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<!--", b"<head", b"<body"))
