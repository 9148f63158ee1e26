"""Spreading an amount over calendar years, exact to the cent.

Pro rata by days between start and end date (both inclusive), unless the source states another split
(the origin document's batch of proeftuinen: "gelijk verdeeld over de drie jaar" → ``even``). Cents are
conserved: the parts are whole cents and always sum to the total (largest-remainder rounding)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_FLOOR, Decimal

CENT = Decimal("0.01")


def _allocate(total: Decimal, weights: dict[int, int]) -> dict[int, Decimal]:
    """Split ``total`` in proportion to integer ``weights``; parts in whole cents summing to ``total``."""
    cents = int((total / CENT).to_integral_value())
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        raise ValueError("weights must sum to a positive number")
    exact = {key: Decimal(cents) * weight / weight_sum for key, weight in weights.items()}
    floors = {key: int(value.to_integral_value(rounding=ROUND_FLOOR)) for key, value in exact.items()}
    leftover = cents - sum(floors.values())
    # the largest fractional parts get the remaining cents; ties go to the earlier year
    order = sorted(weights, key=lambda key: (-(exact[key] - floors[key]), key))
    for key in order[:leftover]:
        floors[key] += 1
    return {key: Decimal(value) * CENT for key, value in sorted(floors.items())}


def days_per_year(start: date, end: date) -> dict[int, int]:
    """Days of the period [start, end] falling in each calendar year."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    days: dict[int, int] = {}
    for year in range(start.year, end.year + 1):
        first = max(start, date(year, 1, 1))
        last = min(end, date(year, 12, 31))
        days[year] = (last - first).days + 1
    return days


def split_pro_rata(total: Decimal, start: date, end: date) -> dict[int, Decimal]:
    """``total`` over the calendar years of [start, end], in proportion to the days in each year."""
    return _allocate(total, days_per_year(start, end))


def split_evenly(total: Decimal, years: list[int]) -> dict[int, Decimal]:
    """``total`` in equal parts over ``years`` (the remainder cents go to the earliest years)."""
    if not years:
        raise ValueError("no years to split over")
    return _allocate(total, dict.fromkeys(years, 1))
