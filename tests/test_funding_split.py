"""Yearly funding: pro rata by days or evenly, whole cents that always sum to the total."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from transforms.funding import days_per_year, split_evenly, split_pro_rata


def test_origin_document_batch_split_evenly_over_three_years() -> None:
    # "De totale subsidie ... bedraagt 3.415.687,44 euro. De voorziene kosten zijn gelijk verdeeld over de drie jaar."
    split = split_evenly(Decimal("3415687.44"), [2018, 2019, 2020])
    assert split == {2018: Decimal("1138562.48"), 2019: Decimal("1138562.48"), 2020: Decimal("1138562.48")}


def test_pro_rata_by_days_for_raasceman() -> None:
    # RAASCEMAN: 4,637,300 EUR from 2024-09-01 to 2027-08-31 (real XML)
    split = split_pro_rata(Decimal("4637300"), date(2024, 9, 1), date(2027, 8, 31))
    assert days_per_year(date(2024, 9, 1), date(2027, 8, 31)) == {2024: 122, 2025: 365, 2026: 365, 2027: 243}
    assert sum(split.values()) == Decimal("4637300.00")
    assert split[2025] == split[2026] == Decimal("1545766.67")


def test_one_day_project_gets_everything_in_its_year() -> None:
    assert split_pro_rata(Decimal("10.00"), date(2020, 5, 5), date(2020, 5, 5)) == {2020: Decimal("10.00")}


@given(
    cents=st.integers(min_value=0, max_value=10**13),
    start=st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 1, 1)),
    length=st.integers(min_value=0, max_value=4000),
)
def test_pro_rata_parts_are_whole_cents_summing_to_the_total(cents: int, start: date, length: int) -> None:
    total = Decimal(cents) / 100
    split = split_pro_rata(total, start, start + timedelta(days=length))
    assert sum(split.values()) == total
    assert all(part == part.quantize(Decimal("0.01")) and part >= 0 for part in split.values())
    assert list(split) == list(range(start.year, (start + timedelta(days=length)).year + 1))


@given(cents=st.integers(min_value=0, max_value=10**12), n=st.integers(min_value=1, max_value=12))
def test_even_parts_differ_by_at_most_a_cent(cents: int, n: int) -> None:
    split = split_evenly(Decimal(cents) / 100, list(range(2000, 2000 + n)))
    assert sum(split.values()) == Decimal(cents) / 100
    assert max(split.values()) - min(split.values()) <= Decimal("0.01")


def test_equal_shares_of_a_cent_go_to_the_earlier_years() -> None:
    # 7,640,327.17 from 2022-03-04 to 2026-01-29 (a generated project): 2023, 2025 and 2026 have the same
    # fraction of a cent (833/1428) and two of the three leftover cents after 2022's larger one. The
    # earlier years take them. Until the split was done in integers, 2026 took 2025's: its Decimal quotient
    # had one integer digit less, so one more digit of the same fraction.
    split = split_pro_rata(Decimal("7640327.17"), date(2022, 3, 4), date(2026, 1, 29))
    assert split == {
        2022: Decimal("1621161.86"),
        2023: Decimal("1952884.75"),
        2024: Decimal("1958235.11"),
        2025: Decimal("1952884.75"),
        2026: Decimal("155160.70"),
    }


def _exact_split(cents: int, weights: dict[int, int]) -> dict[int, int]:
    """The rule in exact fractions: floors of the shares, the leftover cents to the largest fractions,
    equal fractions to the earlier year."""
    shares = {year: Fraction(cents * weight, sum(weights.values())) for year, weight in weights.items()}
    parts = {year: math.floor(share) for year, share in shares.items()}
    order = sorted(shares, key=lambda year: (-(shares[year] - parts[year]), year))
    for year in order[: cents - sum(parts.values())]:
        parts[year] += 1
    return parts


@given(
    cents=st.integers(min_value=-(10**13), max_value=10**13),
    start=st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 1, 1)),
    length=st.integers(min_value=0, max_value=4000),
)
def test_pro_rata_split_is_the_exact_rule(cents: int, start: date, length: int) -> None:
    end = start + timedelta(days=length)
    days = {
        year: (min(end, date(year, 12, 31)) - max(start, date(year, 1, 1))).days + 1
        for year in range(start.year, end.year + 1)
    }
    assert days_per_year(start, end) == days
    split = split_pro_rata(Decimal(cents) / 100, start, end)
    assert {year: int(part * 100) for year, part in split.items()} == _exact_split(cents, days)
