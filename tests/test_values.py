"""Parsing of single values: money exact to the cent, dates, booleans, regions, hashes."""

from __future__ import annotations

import hashlib
import sys
from datetime import UTC, date
from decimal import Decimal

import orjson
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.interning import encodable_copy, share_equal_amounts
from transforms import values
from transforms.regions import belgian_region
from transforms.values import (
    ValueParseError,
    canonical_json,
    content_hash,
    content_hash_text,
    content_hashes,
    parse_bool,
    parse_date,
    parse_money,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.732084396E7", Decimal("17320843.96")),  # Java E-notation, as in the real project.json
        ("5.240167584E7", Decimal("52401675.84")),
        ("101058.75", Decimal("101058.75")),
        ("88000000", Decimal("88000000.00")),
        ("642942.5", Decimal("642942.50")),
        ("1234,5", Decimal("1234.50")),
        ("0", Decimal("0.00")),
        ("", None),
        (None, None),
    ],
)
def test_parse_money_is_exact_to_the_cent(text: str | None, expected: Decimal | None) -> None:
    assert parse_money(text) == expected


@pytest.mark.parametrize("text", ["xxxxx", "12.3.4", "NaN", "Infinity"])
def test_parse_money_rejects_non_amounts_with_a_typed_error(text: str) -> None:
    with pytest.raises(ValueParseError, match="amount"):
        parse_money(text)


def test_parse_date_reads_iso_dates_and_rejects_others() -> None:
    assert parse_date("2018-10-31") == date(2018, 10, 31)
    assert parse_date("2025-08-26 16:19:52") == date(2025, 8, 26)
    assert parse_date("") is None
    with pytest.raises(ValueParseError):
        parse_date("31/10/2018")


def test_parse_bool() -> None:
    assert parse_bool("true") is True
    assert parse_bool("false") is False
    assert parse_bool("") is None
    with pytest.raises(ValueParseError):
        parse_bool("maybe")


@pytest.mark.parametrize(
    ("country", "nuts", "postcode", "region"),
    [
        ("BE", "BE242", "3000", "flanders"),  # KU Leuven in RE4DY
        ("BE", "BE100", "1040", "brussels"),  # SolDAC's Brussels participant
        ("BE", None, "3001", "flanders"),  # no NUTS (2021 JSON export): by postcode
        ("BE", None, "9000", "flanders"),
        ("BE", None, "1000", "brussels"),
        ("BE", None, "1348", "wallonia"),
        ("BE", None, "4000", "wallonia"),
        ("BE", "BE310", None, "wallonia"),
        ("NL", None, "5600", None),
        ("BE", None, None, None),
    ],
)
def test_belgian_region_by_nuts_then_postcode(
    country: str, nuts: str | None, postcode: str | None, region: str | None
) -> None:
    assert belgian_region(country, nuts, postcode) == region


def test_content_hash_ignores_key_order_whitespace_and_volatile_fields() -> None:
    a = {"id": "1", "title": "Twin ", "contentUpdateDate": "2025-01-01"}
    b = {"contentUpdateDate": "2025-12-06", "title": "Twin", "id": "1"}
    assert content_hash(a, exclude=["contentUpdateDate"]) == content_hash(b, exclude=["contentUpdateDate"])
    assert content_hash(a) != content_hash(b)


# every kind of value a core frame holds, and the ones that take the slow path (floats, NaN, big ints,
# unpaired surrogates, nested values)
_CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(),
    st.sampled_from(["  padded  ", "\ud800 lone surrogate", "é ☃ \n\t", ""]),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([None, UTC])),
    st.floats(allow_nan=True),
    st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0, 1e16]),  # json's own spellings
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_CELLS, _CELLS, _CELLS), min_size=1, max_size=8), st.integers(1, 4))
def test_content_hashes_are_content_hash_of_each_row(rows: list[tuple], chunk: int) -> None:
    """Over every value kind, and rows taken a few at a time (``HASH_CHUNK`` made small: chunk borders)."""
    names = ["b_key", "a_key", "ü_key"]  # not in sorted order: the digests sort the keys
    columns = {name: [row[i] for row in rows] for i, name in enumerate(names)}
    expected = [content_hash(dict(zip(names, row, strict=True))) for row in rows]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(values, "HASH_CHUNK", chunk)
        assert content_hashes(columns) == expected
        # the same digests as the text column a frame makes of a list of them, without the list
        text = content_hash_text(columns)
        assert list(text) == expected
        assert text.dtype == pd.Series(expected).dtype  # pandas' str, as frame["record_hash"] = [...] gives
    assert content_hashes({}) == []


# a column of one kind of value, or of one kind and None (how most core columns are): each takes its own
# conversion in ``content_hashes``
_KINDS = [st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.text(),
          st.sampled_from(["  padded  ", "\ud800 lone surrogate", "é ☃ \n\t", "", "plain"]),
          st.decimals(allow_nan=False, allow_infinity=False, places=2), st.dates(), st.datetimes(),
          st.floats(allow_nan=True)]  # fmt: skip


@st.composite
def _columns(draw: st.DrawFn) -> dict[str, list]:
    rows = draw(st.integers(1, 6))
    columns = {}
    for index in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(_KINDS))
        cells = st.one_of(kind, st.none()) if draw(st.booleans()) else kind
        columns[f"c{index}"] = draw(st.lists(cells, min_size=rows, max_size=rows))
    return columns


@settings(max_examples=300, deadline=None)
@given(_columns())
def test_content_hashes_of_columns_of_one_kind_are_content_hash_of_each_row(columns: dict[str, list]) -> None:
    rows = len(next(iter(columns.values())))
    expected = [content_hash({name: columns[name][row] for name in columns}) for row in range(rows)]
    assert content_hashes(columns) == expected


class _Text(str):
    """A str subclass (what some parsers hand out for text): trimmed and hashed as the text it holds."""


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["id", "title", "é", "contentUpdateDate", "b"]), _CELLS | st.text().map(_Text)
    ),
    st.sampled_from([(), ("contentUpdateDate",), frozenset({"contentUpdateDate", "b"}), ["id"]]),
)
def test_content_hash_is_the_sha256_of_the_canonical_json_of_the_trimmed_record(
    record: dict, exclude: tuple | frozenset | list
) -> None:
    """The digest stays the one every stored record hash was taken with: SHA-256 of ``canonical_json`` of
    the record without the excluded keys, text trimmed (the staging and the core compare against it)."""
    skip = set(exclude)
    trimmed = {k: (str(v).strip() if isinstance(v, str) else v) for k, v in record.items() if k not in skip}
    assert content_hash(record, exclude=exclude) == hashlib.sha256(canonical_json(trimmed)).hexdigest()


def test_hashing_leaves_no_utf8_copy_inside_the_hashed_text() -> None:
    """orjson caches the UTF-8 of a non-ASCII str inside that str (CPython's UTF-8 cache); the hashes are
    taken of copies, so the staged and core text does not grow by its UTF-8 (the staged objectives of a
    60k refresh: 209 -> 310 MB before)."""
    title = "".join(["Fabriek van de toekomst – ", "robotica ", "•" * 50])
    name = "".join(["Université ", "catholique de Louvain"])  # Latin-1: a 1-byte kind, still not UTF-8
    plain = "".join(["ASCII ", "text"])
    sizes = [sys.getsizeof(text) for text in (title, name, plain)]
    record = {"title": title, "name": name, "plain": plain, "amount": Decimal("1.50")}
    digest = content_hash(record)
    assert content_hashes({key: [value] for key, value in record.items()}) == [digest]
    assert [sys.getsizeof(text) for text in (title, name, plain)] == sizes
    orjson.dumps(title)  # what the hash did before: the string itself grows by its UTF-8
    assert sys.getsizeof(title) > sizes[0] + len(title)


def test_encodable_copy_copies_only_text_an_encoder_would_cache_utf8_in() -> None:
    plain, wide = "".join(["only ", "ascii"]), "".join(["één ", "–"])
    assert encodable_copy(plain) is plain
    copy = encodable_copy(wide)
    assert copy == wide and copy is not wide


def test_equal_amounts_of_a_row_become_one_object_and_only_identical_ones() -> None:
    ec = [Decimal("100.00"), Decimal("1.50"), Decimal("0.00"), None, Decimal("7.00")]
    net = [Decimal("100.00"), Decimal("1.5"), Decimal("-0.00"), None, Decimal("8.00")]
    total = [Decimal("90.00"), Decimal("1.50"), Decimal("0.00"), Decimal("3.00"), Decimal("8.00")]
    share_equal_amounts(ec, net, total)
    assert net[0] is ec[0]
    assert net[1] is not ec[1] and str(net[1]) == "1.5"  # equal, but written otherwise: kept
    assert total[1] is ec[1]
    assert net[2] is not ec[2] and str(net[2]) == "-0.00" and total[2] is ec[2]
    assert total[4] is net[4] and total[4] is not ec[4]
    assert net[3] is None and total[3] == Decimal("3.00")


_AMOUNTS = st.one_of(
    st.none(),
    st.decimals(min_value=-5, max_value=5, places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal("1.5"), Decimal("1.50"), Decimal("-0.00"), Decimal("0"), Decimal("0.00")]),
)


@given(st.lists(st.tuples(_AMOUNTS, _AMOUNTS, _AMOUNTS), min_size=1, max_size=12))
def test_sharing_amounts_changes_no_value_nor_how_it_is_written(rows: list[tuple]) -> None:
    columns = [list(column) for column in zip(*rows, strict=True)]
    before = [[repr(value) for value in column] for column in columns]
    share_equal_amounts(*columns)
    assert [[repr(value) for value in column] for column in columns] == before
    for row in range(len(rows)):  # and any two written alike in a row are one object
        amounts = [column[row] for column in columns if isinstance(column[row], Decimal)]
        for first in amounts:
            assert all(first is other for other in amounts if repr(other) == repr(first))
