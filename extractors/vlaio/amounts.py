"""Amounts, dates and periods as Dutch and English pages write them, read exactly.

``"3.415.687,44 euro"`` -> ``Decimal("3415687.44")``; ``"€ 450.000"`` -> ``Decimal("450000.00")``;
``"3,5 miljoen euro"`` -> ``Decimal("3500000.00")``; ``"€4 million"`` -> ``Decimal("4000000.00")``.
Amounts are Decimals rounded to the cent; nothing passes through a float."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# Digits before the decimal point the warehouse stores exactly to the cent on SQLite as on PostgreSQL (see
# transforms/values.MAX_MONEY_DIGITS); a larger "amount" is not read.
MAX_AMOUNT_DIGITS = 13

_MULTIPLIERS: dict[str, Decimal] = {
    "miljard": Decimal(10) ** 9,
    "billion": Decimal(10) ** 9,
    "miljoen": Decimal(10) ** 6,
    "million": Decimal(10) ** 6,
    "mio": Decimal(10) ** 6,
    "meur": Decimal(10) ** 6,
    "m€": Decimal(10) ** 6,
    "m": Decimal(10) ** 6,
    "duizend": Decimal(10) ** 3,
    "thousand": Decimal(10) ** 3,
    "keur": Decimal(10) ** 3,
    "k€": Decimal(10) ** 3,
    "k": Decimal(10) ** 3,
}
_MULTIPLIER_WORDS = "|".join(sorted((re.escape(w) for w in _MULTIPLIERS), key=len, reverse=True))
_CURRENCY = r"(?:€|eur\b|euro\b)"
# a number with optional group separators (dot, comma, space, no-break or thin space) and decimals
_NUMBER = r"\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_AMOUNT = re.compile(
    rf"(?P<pre>{_CURRENCY})?\s*(?P<number>{_NUMBER})\s*(?P<mult>(?:{_MULTIPLIER_WORDS})(?![a-z]))?\s*"
    rf"(?P<post>{_CURRENCY})?",
    re.IGNORECASE,
)

MONTHS: dict[str, int] = {
    "januari": 1, "january": 1, "jan": 1, "februari": 2, "february": 2, "feb": 2, "maart": 3, "march": 3,
    "mrt": 3, "mar": 3, "april": 4, "apr": 4, "mei": 5, "may": 5, "juni": 6, "june": 6, "jun": 6, "juli": 7,
    "july": 7, "jul": 7, "augustus": 8, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE_TOKEN = re.compile(
    rf"(?P<iso>(?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}}))"
    rf"|(?P<num>(?P<nd>\d{{1,2}})[/.-](?P<nm>\d{{1,2}})[/.-](?P<ny>\d{{4}}))"
    rf"|(?P<long>(?:(?P<ld>\d{{1,2}})(?:e|de|st|nd|rd|th)?\s+)?(?P<lm>{_MONTH_WORDS})\.?\s+(?P<ly>\d{{4}}))"
    rf"|(?P<year>(?<![\d.,])(?P<yy>(?:19|20)\d{{2}})(?!\d|[.,]\d))",
    re.IGNORECASE,
)


def _number(text: str, language: str, has_multiplier: bool) -> Decimal:
    digits = re.sub(r"[\u00a0\u202f ]", "", text)
    if "." in digits and "," in digits:
        decimal_mark = "," if digits.rfind(",") > digits.rfind(".") else "."
    elif digits.count(".") > 1 or digits.count(",") > 1:
        decimal_mark = None  # "1.234.567": only group separators
    elif "." in digits or "," in digits:
        mark = "." if "." in digits else ","
        decimals = len(digits.rsplit(mark, 1)[1])
        if decimals != 3:
            decimal_mark = mark  # "3,5", "12.50": a group always has three digits
        elif language == "en":
            # English groups with commas ("450,000"); a dot before three digits is a decimal only with a
            # multiplier ("1.250 million"), else a European-style group ("450.000")
            decimal_mark = "." if mark == "." and has_multiplier else None
        else:
            # Dutch groups with dots ("450.000") and writes decimals with a comma ("1,250 miljoen")
            decimal_mark = "," if mark == "," else None
    else:
        decimal_mark = None
    if decimal_mark is None:
        return Decimal(digits.replace(".", "").replace(",", ""))
    group_mark = "." if decimal_mark == "," else ","
    return Decimal(digits.replace(group_mark, "").replace(decimal_mark, "."))


def parse_amount(text: str | None, language: str = "nl") -> Decimal | None:
    """The first euro amount in ``text`` (a number with a currency or a multiplier word), to the cent.

    None when the text holds no amount at all; a bare number without currency or multiplier is not an
    amount (a page's "Budget: zie oproepdocument 2018" must not become 2018 euro). None too for an amount of
    more than ``MAX_AMOUNT_DIGITS`` digits before the decimal point: no budget is that large, and the
    warehouse could not store it."""
    if text is None:
        return None
    for match in _AMOUNT.finditer(text):
        if not (match["pre"] or match["post"] or match["mult"]):
            continue
        mult_word = (match["mult"] or "").lower()
        if mult_word in ("m", "k") and not (match["pre"] or match["post"]):
            continue  # "5 m" is five metres, not five million euro
        value = _number(match["number"], language, bool(mult_word))
        if mult_word:
            value *= _MULTIPLIERS[mult_word]
        # checked before quantize, which would need more than the context's 28 digits
        if value.adjusted() >= MAX_AMOUNT_DIGITS:
            return None
        rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
        return rounded if rounded.adjusted() < MAX_AMOUNT_DIGITS else None
    return None


@dataclass(frozen=True)
class DateToken:
    """One date as written: day precision (``date``), month precision or only a year."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    def first_day(self) -> date | None:
        return date(self.year, self.month, self.day or 1) if self.month else None

    def last_day(self) -> date | None:
        if not self.month:
            return None
        return date(self.year, self.month, self.day or calendar.monthrange(self.year, self.month)[1])


def date_tokens(text: str) -> list[DateToken]:
    """Every date written in ``text``, in order: ISO, dd/mm/yyyy (also with - or .), '1 april 2019',
    'april 2019', '2019'. Impossible dates (31/02/2019) are left out."""
    tokens: list[DateToken] = []
    for m in _DATE_TOKEN.finditer(text):
        if m["iso"]:
            year, month, day = int(m["iy"]), int(m["im"]), int(m["id"])
        elif m["num"]:
            year, month, day = int(m["ny"]), int(m["nm"]), int(m["nd"])
        elif m["long"]:
            year, month, day = int(m["ly"]), MONTHS[m["lm"].lower()], int(m["ld"]) if m["ld"] else None
        else:
            tokens.append(DateToken(int(m["yy"])))
            continue
        try:
            date(year, month, day or 1)
        except ValueError:
            continue
        tokens.append(DateToken(year, month, day))
    return tokens


def parse_day(text: str | None) -> date | None:
    """A date to the day ('12 maart 2018', '12/03/2018', '2018-03-12'); None when ``text`` holds none."""
    for token in date_tokens(text or ""):
        if token.precision == "day":
            return token.first_day()
    return None


@dataclass(frozen=True)
class Period:
    """A project period as read: dates where the page gives at least a month, years always."""

    start_date: date | None
    end_date: date | None
    start_year: int | None
    end_year: int | None
    precision: str | None  # precision of the less precise end: "day" | "month" | "year"; None when unread


def parse_period(text: str | None) -> Period:
    """'1 april 2019 – 31 maart 2021', '01/04/2019 - 31/03/2021', 'april 2019 - maart 2021', '2018-2020'.

    A month without a day gives its first day as start and its last day as end (precision "month"); a year
    alone gives years but no dates (precision "year"): no day is invented."""
    tokens = date_tokens(text or "")
    if not tokens:
        return Period(None, None, None, None, None)
    start, end = tokens[0], tokens[1] if len(tokens) > 1 else None
    order = ("year", "month", "day")
    precisions = [t.precision for t in (start, end) if t is not None]
    return Period(
        start_date=start.first_day(),
        end_date=end.last_day() if end else None,
        start_year=start.year,
        end_year=end.year if end else None,
        precision=min(precisions, key=order.index),
    )


__all__ = ["Period", "date_tokens", "parse_amount", "parse_day", "parse_period"]
