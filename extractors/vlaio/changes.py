"""Change detection per page and per extracted field.

A page is stored with two things: the SHA-256 of its raw bytes (``LandedFile.sha256``) and one hash per
extracted field. Comparing them with the previous run tells three cases apart:

* ``unchanged``: same bytes (so necessarily the same fields);
* ``layout``: other bytes but every field hash equal — the site changed its markup, menus, a timestamp;
  logged, no rows written;
* ``content``: at least one field hash differs, or the field set changed, or the page is new — rows updated.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

Change = Literal["unchanged", "layout", "content"]
PageState = tuple[str, Mapping[str, str]]  # (raw page sha256, {field: sha256 of its value})


def _canonical(value: object) -> object:
    """A JSON-able, order-stable form: Decimals as their exact string, dates ISO, text trimmed."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _canonical(item) for key, item in sorted(value.items())}
    return value


def value_hash(value: object) -> str:
    """SHA-256 of one field value in its canonical JSON form."""
    payload = json.dumps(_canonical(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def field_hashes(fields: Mapping[str, object]) -> dict[str, str]:
    """One hash per field, sorted by field name."""
    return {name: value_hash(fields[name]) for name in sorted(fields)}


def classify_change(previous: PageState | None, current: PageState) -> Change:
    """``unchanged`` | ``layout`` | ``content`` for one page (see the module docstring); a page without a
    previous state is ``content``."""
    if previous is None:
        return "content"
    previous_hash, previous_fields = previous
    current_hash, current_fields = current
    if dict(previous_fields) != dict(current_fields):
        return "content"
    return "unchanged" if previous_hash == current_hash else "layout"


def changed_fields(previous: Mapping[str, str] | None, current: Mapping[str, str]) -> list[str]:
    """The fields whose hash differs, was added or was removed (sorted); every field when new."""
    if previous is None:
        return sorted(current)
    names = set(previous) | set(current)
    return sorted(name for name in names if previous.get(name) != current.get(name))


__all__ = ["Change", "PageState", "changed_fields", "classify_change", "field_hashes", "value_hash"]
