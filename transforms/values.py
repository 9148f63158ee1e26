"""Parsing of single source values: exact money, ISO dates, booleans, canonical record hashes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


class ValueParseError(ValueError):
    """A source value that cannot be read as the type its field promises."""


def parse_money(text: str | None) -> Decimal | None:
    """Exact euro amount, rounded to the cent: '1.732084396E7' -> Decimal('17320843.96'); '' -> None.

    A decimal comma is accepted when there is no decimal point ('1234,5' -> 1234.50)."""
    if text is None or not text.strip():
        return None
    cleaned = text.strip()
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueParseError(f"not an amount: {text!r}") from exc
    if not amount.is_finite():
        raise ValueParseError(f"not a finite amount: {text!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_date(text: str | None) -> date | None:
    """ISO date ('2018-10-31'; a trailing time is ignored) or None for empty."""
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError as exc:
        raise ValueParseError(f"not an ISO date: {text!r}") from exc


def parse_int(text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    try:
        return int(Decimal(text.strip()))
    except (InvalidOperation, ValueError) as exc:
        raise ValueParseError(f"not an integer: {text!r}") from exc


def parse_bool(text: str | None) -> bool | None:
    if text is None or not text.strip():
        return None
    lowered = text.strip().lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise ValueParseError(f"not a boolean: {text!r}")


def content_hash(record: Mapping[str, object], exclude: Iterable[str] = ()) -> str:
    """SHA-256 of a record's content: sorted keys, trimmed text, excluded (volatile) fields left out."""
    skip = set(exclude)
    canonical = {
        key: (value.strip() if isinstance(value, str) else value)
        for key, value in record.items()
        if key not in skip
    }
    payload = json.dumps(canonical, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
