"""Frames derived for validation only (GX-free, pure): the input frames are never modified.

* :func:`comparable` — money (``Decimal``) as float and dates (``datetime.date``) as datetime64, because GX
  compares columns with pandas operators, which cannot order ``Decimal``/``date`` objects against its bounds.
  A column that cannot be converted is kept as it is, so the expectations on it fail visibly.
* :func:`participations_with_references` — referential integrity as data: the derived columns
  ``unknown_project_key`` / ``unknown_organisation_key`` hold the key when the referenced table lacks it.
* :func:`yearly_against_totals` — one row per project of ``core_yearly_funding`` with the difference, in
  cents, between the project's total and the sum of its years.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

from transforms.core import BATCH_PREFIX  # yearly funding of VLAIO batches: no project row by design

ZERO = Decimal(0)

YEARLY_AMOUNTS = {  # derived column -> (yearly column, core_projects column)
    "eu_difference_cents": ("eu_contribution_eur", "eu_contribution_eur"),
    "vlaio_difference_cents": ("vlaio_subsidy_eur", "vlaio_subsidy_eur"),
}


def comparable(
    df: pd.DataFrame,
    money: Iterable[str] = (),
    dates: Iterable[str] = (),
    read: Collection[str] | None = None,
) -> pd.DataFrame:
    """A frame of ``df``'s columns, in its order, with ``money`` columns as float and ``dates`` columns as
    datetime64; the other columns are ``df``'s own arrays, not copies.

    ``read``: the columns the expectations read (:meth:`quality.catalog.Suite.read_columns`). Any other
    column keeps its name but holds a one-byte placeholder (``False``): a check of the column set sees
    it, no expectation reads it, and GX, which copies a frame's every column as it narrows it to an
    expectation's rows, copies one byte a row of it instead of a pointer (at 60k projects that was ≈ 45 MB
    of the staging gate's working memory)."""
    money, dates = set(money), set(dates)
    placeholder = np.zeros(len(df), dtype=bool)
    columns = {}
    for column in df.columns:
        if read is not None and column not in read:
            columns[column] = placeholder
        elif column in money:
            columns[column] = _converted(df[column], pd.to_numeric)
        elif column in dates:
            columns[column] = _converted(df[column], pd.to_datetime)
        else:
            columns[column] = df[column]
    return pd.DataFrame(columns, index=df.index, columns=df.columns, copy=False)


def _converted(series: pd.Series, convert: Callable[[pd.Series], pd.Series]) -> pd.Series:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return convert(series)
    except (TypeError, ValueError, OverflowError):
        return series


def participations_with_references(
    participations: pd.DataFrame,
    projects: pd.DataFrame,
    organisations: pd.DataFrame,
    other_organisations: Collection[str] = (),
) -> pd.DataFrame:
    """``participations`` plus ``unknown_project_key`` and ``unknown_organisation_key`` (a key neither of
    ``organisations`` nor among ``other_organisations``)."""
    derived = participations.copy(deep=False)
    derived["unknown_project_key"] = _unknown(derived, "project_key", set(projects["project_key"]))
    derived["unknown_organisation_key"] = _unknown(
        derived, "organisation_key", set(organisations["organisation_key"]) | set(other_organisations)
    )
    return derived


def _unknown(frame: pd.DataFrame, column: str, known: set[Any]) -> pd.Series:
    if column not in frame.columns:  # the missing column fails the not-null expectation on it
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    values = frame[column].astype(object)
    unknown = values.notna() & ~values.isin(known)
    return values.where(unknown, None).astype(object)


def yearly_against_totals(yearly: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """project_key, eu_difference_cents, vlaio_difference_cents, unknown_project_key: one row per project_key
    of ``yearly`` (in first-seen order).

    A difference is (core_projects total - sum of the years), in cents, computed on ``Decimal`` (exact); None
    counts as 0 on both sides. It is null (not checked) for a project without a core_projects row that has
    both dates (no yearly split is made then) and for a VLAIO batch; ``unknown_project_key`` names a key
    that is neither a project nor a batch."""
    keys = list(dict.fromkeys(yearly["project_key"]))
    dated = projects["start_date"].notna() & projects["end_date"].notna()
    project_keys = set(projects["project_key"])
    checked = set(projects.loc[dated, "project_key"])
    frame = pd.DataFrame({"project_key": pd.Series(keys, dtype=object)})
    for derived, (yearly_column, project_column) in YEARLY_AMOUNTS.items():
        sums = _sums(yearly["project_key"], yearly[yearly_column])
        totals = dict(zip(projects["project_key"], projects[project_column], strict=True))
        frame[derived] = pd.Series(
            [_cents(_decimal(totals[k]) - sums.get(k, ZERO)) if k in checked else None for k in keys],
            dtype="float64",
        )
    frame["unknown_project_key"] = pd.Series(
        [
            k if k not in project_keys and not (isinstance(k, str) and k.startswith(BATCH_PREFIX)) else None
            for k in keys
        ],
        dtype=object,
    )
    return frame


def _sums(keys: pd.Series, amounts: pd.Series) -> dict[Any, Decimal]:
    """Exact sum of ``amounts`` per key (missing amounts count as 0)."""
    sums: dict[Any, Decimal] = {}
    for key, amount in zip(keys, amounts, strict=True):
        if _present(amount):
            sums[key] = sums.get(key, ZERO) + (amount if type(amount) is Decimal else _decimal(amount))
    return sums


def _present(value: Any) -> bool:
    """Not None, NaN, NaT or pd.NA."""
    return not (value is None or value is pd.NA or value is pd.NaT or value != value)


def _decimal(value: Any) -> Decimal:
    """An amount as an exact Decimal; None/NaN count as 0. A float is taken as its shortest repr."""
    if not _present(value):
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("NaN")


def _cents(difference: Decimal) -> float:
    """The difference in cents; a sub-cent difference stays fractional (it is not zero: it fails too), and an
    amount that is not a number makes it infinite (a NaN would be skipped as missing)."""
    return float("inf") if difference.is_nan() else float(difference.scaleb(2))
