"""Parsing of single source values: exact money, ISO dates, booleans, canonical record hashes."""

from __future__ import annotations

import hashlib
import json
from binascii import hexlify
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa

from inventory.interning import encodable_copy

CENT = Decimal("0.01")
# The warehouse keeps money as NUMERIC(18, 2) and counts as INTEGER: a value outside those ranges is not a
# value of its field. It is refused here (the record is quarantined) instead of failing the whole load.
# Digits before the decimal point: 13, not the 16 NUMERIC(18, 2) holds, because SQLite (the default
# warehouse) stores NUMERIC as a double, exact to the cent for 15 significant digits only: 1234567890123456.78
# came back as ...456.75. extractors/vlaio/amounts.MAX_AMOUNT_DIGITS is the same limit.
MAX_MONEY_DIGITS = 13
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class ValueParseError(ValueError):
    """A source value that cannot be read as the type its field promises."""


def parse_money(text: str | None) -> Decimal | None:
    """Exact euro amount, rounded to the cent: '1.732084396E7' -> Decimal('17320843.96'); '' -> None.

    A decimal comma is accepted when there is no decimal point ('1234,5' -> 1234.50). An amount of more than
    ``MAX_MONEY_DIGITS`` digits before the decimal point ('1E+30') is a ``ValueParseError``."""
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
    # checked before quantize, which would need more than the context's 28 digits for '1E+30'
    if amount.adjusted() >= MAX_MONEY_DIGITS:
        raise ValueParseError(f"amount out of range (over {MAX_MONEY_DIGITS} digits): {text!r}")
    rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if rounded.adjusted() >= MAX_MONEY_DIGITS:  # 9999999999999999.995 rounds up to 17 digits
        raise ValueParseError(f"amount out of range (over {MAX_MONEY_DIGITS} digits): {text!r}")
    return rounded


def parse_date(text: str | None) -> date | None:
    """ISO date ('2018-10-31'; a trailing time is ignored) or None for empty."""
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError as exc:
        raise ValueParseError(f"not an ISO date: {text!r}") from exc


def parse_int(text: str | None) -> int | None:
    """A whole number within the warehouse's INTEGER range ('3', '3.0', '3E0'); None for empty. A fraction
    ('1.5'), an infinity or an out-of-range number is a ``ValueParseError``, never truncated."""
    if text is None or not text.strip():
        return None
    try:
        number = Decimal(text.strip())
    except InvalidOperation as exc:
        raise ValueParseError(f"not an integer: {text!r}") from exc
    # range first: int() of '1E+99999999999' would try to build a number of that many digits
    if not number.is_finite() or not INT_MIN <= number <= INT_MAX:
        raise ValueParseError(f"not an integer in {INT_MIN}..{INT_MAX}: {text!r}")
    if number != number.to_integral_value():
        raise ValueParseError(f"not a whole number: {text!r}")
    return int(number)


def parse_bool(text: str | None) -> bool | None:
    if text is None or not text.strip():
        return None
    lowered = text.strip().lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise ValueParseError(f"not a boolean: {text!r}")


# The canonical text of a record: JSON with sorted keys and no blanks, non-ASCII as is, any other value as
# its str(). orjson writes it (several times faster) for the value types it writes exactly as json.dumps
# does; any other record (a float, a nested value, an unpaired surrogate, an int past 64 bits) takes json.
_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
_ORJSON_TYPES = frozenset({str, type(None), bool, int, Decimal, date, datetime})


def canonical_json(record: Mapping[str, object]) -> bytes:
    """The UTF-8 bytes the record hash is taken of (see ``content_hash``)."""
    if all(type(value) in _ORJSON_TYPES for value in record.values()):
        try:
            return orjson.dumps(record, default=str, option=_ORJSON_OPTIONS)
        except orjson.JSONEncodeError:
            pass  # an unpaired surrogate, an int past 64 bits, a key that is not text
    return _JSON.encode(record).encode("utf-8", "surrogatepass")


def content_hash(record: Mapping[str, object], exclude: Iterable[str] = ()) -> str:
    """SHA-256 of a record's content: sorted keys, trimmed text, excluded (volatile) fields left out.

    Text that is not valid Unicode (an unpaired surrogate, as a JSON escape can produce) still hashes."""
    skip = exclude if isinstance(exclude, frozenset | set) else set(exclude)
    canonical: dict[str, object] = {}
    plain = True  # every value one orjson writes as canonical_json would (its type checked here, once)
    for key, value in record.items():
        if key in skip:
            continue
        kind = type(value)
        if kind is str or (kind not in _ORJSON_TYPES and isinstance(value, str)):
            value = value.strip()  # type: ignore[union-attr]  (a str subclass's strip() is a str)
            # a copy for the encoder (``encodable_copy``), called for non-ASCII text only: this line runs
            # for every field of every record
            if not value.isascii():
                value = encodable_copy(value)
        elif kind not in _ORJSON_TYPES:
            plain = False
        canonical[key] = value
    if plain:
        try:
            return hashlib.sha256(orjson.dumps(canonical, default=str, option=_ORJSON_OPTIONS)).hexdigest()
        except orjson.JSONEncodeError:
            pass  # an unpaired surrogate, an int past 64 bits, a key that is not text
    return hashlib.sha256(_JSON.encode(canonical).encode("utf-8", "surrogatepass")).hexdigest()


# What a value becomes in the canonical JSON when orjson writes it: text trimmed (content_hash trims it), a
# Decimal, date or datetime as its str() (orjson's ``default=str``); None, bool and int as they are.
_AS_TEXT = frozenset({Decimal, date, datetime})
_AS_IS = frozenset({type(None), bool, int})
_FALLBACK = object()
_NAN = orjson.Fragment(_JSON.encode(float("nan")))
HASH_CHUNK = 20_000
HASH_TEXT_LENGTH = 64  # a SHA-256 as hex text


def _canonical_values(values: list[object]) -> list[object]:
    out: list[object] = []
    for value in values:
        kind = type(value)
        if kind is str:
            value = value.strip()  # and a copy for the encoder if it is not ASCII (``encodable_copy``)
            out.append(value if value.isascii() else encodable_copy(value))
        elif kind in _AS_IS:
            out.append(value)
        elif kind in _AS_TEXT:
            out.append(str(value))
        elif kind is float:
            # a missing value in a frame (NaN: the CORDIS projects' VLAIO-only columns, every row of them):
            # the text json writes, handed to orjson as is
            out.append(_NAN if value != value else orjson.Fragment(_JSON.encode(value)))
        else:
            out.append(_FALLBACK)  # a nested value, a float subclass, …: that row takes content_hash itself
    return out


def content_hashes(columns: Mapping[str, list[object]]) -> list[str]:
    """``content_hash`` of every row of ``columns`` (name -> values, all of one length), the same digests,
    converted column by column: one dict per row instead of a dict, a trimmed copy and a type check per row
    (2x faster on the 470k core rows of a 60k refresh)."""
    return [row if type(row) is str else row.hexdigest() for row in _row_hashes(columns)]


def content_hash_text(columns: Mapping[str, list[object]]) -> pd.arrays.ArrowStringArray:
    """``content_hashes`` as pandas' text column (``str``, Arrow-backed, as a frame makes of a list of
    strings), written into one buffer of 64 bytes a row: no string per row. The 409k participations' hashes
    as a list of strings (46 MB) beside their copy in the column were the core build's high-water mark at 60k
    projects."""
    digests = bytearray()
    for row in _row_hashes(columns):
        digests += row.encode("ascii") if type(row) is str else hexlify(row.digest())
    rows = len(digests) // HASH_TEXT_LENGTH
    offsets = np.arange(0, (rows + 1) * HASH_TEXT_LENGTH, HASH_TEXT_LENGTH, dtype=np.int64)
    text = pa.LargeStringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(digests))
    return pd.arrays.ArrowStringArray(text, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _row_hashes(columns: Mapping[str, list[object]]) -> Iterator[Any]:
    """Each row's SHA-256 (a hash object), or its hex digest (a ``str``) where ``content_hash`` made it."""
    names = sorted(columns)
    rows = len(columns[names[0]]) if names else 0
    sha256, dumps = hashlib.sha256, orjson.dumps
    # HASH_CHUNK rows at a time: the canonical text of every row at once (an amount's str, a trimmed copy)
    # was ≈100 MB beside the 409k core participations of a 60k refresh
    for start in range(0, rows, HASH_CHUNK):
        stop = min(start + HASH_CHUNK, rows)
        canonical = [_canonical_values(list(columns[name][start:stop])) for name in names]
        for index, row in enumerate(zip(*canonical, strict=True), start=start):
            if _FALLBACK not in row:
                try:
                    yield sha256(dumps(dict(zip(names, row, strict=True))))
                    continue
                except orjson.JSONEncodeError:
                    pass  # an unpaired surrogate, an int past 64 bits: as content_hash does
            yield content_hash({name: columns[name][index] for name in names})
