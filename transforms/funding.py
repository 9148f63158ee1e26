"""Spreading an amount over calendar years, exact to the cent.

Pro rata by days between start and end date (both inclusive), unless the source states another split
(the origin document's batch of proeftuinen: "gelijk verdeeld over de drie jaar" → ``even``). Cents are
conserved: the parts are whole cents and always sum to the total (largest-remainder rounding)."""

from __future__ import annotations

from calendar import isleap
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

CENT = Decimal("0.01")


def _allocate(total: Decimal, weights: dict[int, int]) -> dict[int, Decimal]:
    """Split ``total`` in proportion to integer ``weights``; parts in whole cents summing to ``total``.

    In integers: a part's exact share of the cents is ``cents * weight / weight_sum``, its floor and its
    fraction (the remainder over ``weight_sum``) come from one ``divmod``, with no rounding anywhere."""
    cents = int((total / CENT).to_integral_value())
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        raise ValueError("weights must sum to a positive number")
    floors: dict[int, int] = {}
    remainders: dict[int, int] = {}
    for key, weight in weights.items():
        floors[key], remainders[key] = divmod(cents * weight, weight_sum)
    leftover = cents - sum(floors.values())
    # the largest fractional parts get the remaining cents; ties go to the earlier year
    order = sorted(weights, key=lambda key: (-remainders[key], key))
    for key in order[:leftover]:
        floors[key] += 1
    return {key: Decimal(value) * CENT for key, value in sorted(floors.items())}


def days_per_year(start: date, end: date) -> dict[int, int]:
    """Days of the period [start, end] falling in each calendar year."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if start.year == end.year:
        return {start.year: (end - start).days + 1}
    days = {start.year: (date(start.year, 12, 31) - start).days + 1}
    for year in range(start.year + 1, end.year):
        days[year] = 366 if isleap(year) else 365
    days[end.year] = (end - date(end.year, 1, 1)).days + 1
    return days


def split_pro_rata(total: Decimal, start: date, end: date) -> dict[int, Decimal]:
    """``total`` over the calendar years of [start, end], in proportion to the days in each year."""
    return _allocate(total, days_per_year(start, end))


def split_evenly(total: Decimal, years: Iterable[int]) -> dict[int, Decimal]:
    """``total`` in equal whole-cent parts over ``years``; the parts always sum to ``total`` exactly (the
    cents that do not divide go one each to the earliest years). A total that is not a whole number of cents
    is refused: an even split of it would change the total.

    3,415,687.44 over 2018-2020 -> 1,138,562.48 each; 100.00 over three years -> 33.34, 33.33, 33.33."""
    weights = dict.fromkeys(years, 1)
    if not weights:
        raise ValueError("no years to split over")
    if Decimal(int((total / CENT).to_integral_value())) * CENT != total:
        raise ValueError(f"{total} is not a whole number of cents")
    return _allocate(total, weights)
