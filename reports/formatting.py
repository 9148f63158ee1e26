"""How values read in the report: Dutch (Belgian) number and date notation, exact for money.

Every value the report shows is also written, machine-readable, into a ``data-value`` attribute; these
functions only make the visible text."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from urllib.parse import urlsplit

CENT = Decimal("0.01")
MISSING = "–"


def cents(value: Decimal | float | int | None) -> Decimal | None:
    """The amount rounded to the cent (the warehouse already stores cents; this guards the type)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_EVEN)


def plain_amount(value: Decimal | float | int | None) -> str:
    """'3415687.44': the machine-readable form (data-value attributes, CSV)."""
    amount = cents(value)
    return "" if amount is None else format(amount, "f")


def _group_thousands(digits: str) -> str:
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return ".".join([digits, *groups])


def euro(value: Decimal | float | int | None) -> str:
    """'€ 3.415.687,44' (Dutch notation: dot for thousands, comma for cents)."""
    amount = cents(value)
    if amount is None:
        return MISSING
    sign = "-" if amount < 0 else ""
    whole, _, fraction = format(abs(amount), "f").partition(".")
    return f"{sign}€ {_group_thousands(whole)},{fraction}"


def euro_short(value: Decimal | float | int | None) -> str:
    """'€ 3,4 mln' or '€ 250 k': for chart labels where space is short."""
    amount = cents(value)
    if amount is None:
        return MISSING
    if amount == 0:
        return "€ 0"
    if abs(amount) >= 1_000_000:
        return f"€ {format(amount / 1_000_000, '.1f').replace('.', ',')} mln"
    if abs(amount) >= 1_000:
        return f"€ {amount / 1_000:.0f} k"
    return euro(amount)


def count(value: int | None) -> str:
    return MISSING if value is None else _group_thousands(str(int(value)))


def day(value: date | datetime | None) -> str:
    """'2018-01-31' (ISO: unambiguous in Dutch and English)."""
    if value is None:
        return MISSING
    if isinstance(value, datetime):
        # the ledger writes UTC; SQLite hands it back without a zone
        utc = value.astimezone(UTC) if value.tzinfo else value
        return utc.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


LINK_SCHEMES = frozenset({"http", "https", "file", ""})


def safe_url(value: str | None) -> str | None:
    """The URL when following it cannot run code (http, https, file or relative), else None: escaping does
    not stop a ``javascript:`` link, so a URL from a source is checked before it becomes an href."""
    if not value:
        return None
    url = str(value).strip()
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in url):
        return None
    return url if urlsplit(url).scheme.lower() in LINK_SCHEMES else None
