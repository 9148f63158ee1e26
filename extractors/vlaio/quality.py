"""Pure data-quality checks of the VLAIO slice, for the lead's gate."""

from __future__ import annotations

import re
from decimal import Decimal

from extractors.vlaio.amounts import parse_amount

# "17 living labs were set up" (industrie40vlaanderen.be, EN landing) / "17 verschillende proeftuinen"
_CLAIMED = re.compile(
    r"(?<![\d.,])\b(?P<n>\d{1,3})\s+(?:\w+\s+){0,2}?(?:living[ -]labs|proeftuinen|testbeds|proeftuinprojecten)\b",
    re.IGNORECASE,
)


def check_proeftuin_count(current: int, previous: int | None, reference: int, margin: float) -> str | None:
    """The failure message when the crawl counted too few proeftuinen, else None.

    The baseline is ``previous`` (the last successful run's count) or, on a first run, ``reference`` (the
    count the sources state: 17 on the platform's landing page; 7 + 10 in the reference seed). Fewer than
    ``baseline * (1 - margin)`` fails; zero always fails (a crawl that finds nothing must not publish "none").
    More than the baseline is not a failure: new proeftuinen are possible."""
    if not 0 <= margin < 1:
        raise ValueError(f"margin must be in [0, 1), got {margin}")
    if current == 0:
        return "0 proeftuinen found: the VLAIO crawl yielded nothing (layout drift or unreachable pages?)"
    baseline, what = (previous, "the previous run") if previous is not None else (reference, "the reference")
    floor = baseline * (1 - margin)
    if current < floor:
        return (
            f"{current} proeftuinen found, fewer than {what}'s {baseline} by more than {margin:.0%} "
            f"(at least {floor:g} expected)"
        )
    return None


def claimed_living_labs(text: str) -> int | None:
    """The number of living labs / proeftuinen a page's text claims ("In 2018 and 2019, 17 living labs were
    set up"), for comparison with the crawled count; None when the text claims no number."""
    match = _CLAIMED.search(text)
    return int(match["n"]) if match else None


def claimed_budget_eur(text: str, language: str = "en") -> Decimal | None:
    """The budget figure next to "budget" in a page's text ("an overall budget of 8 million euro")."""
    at = text.lower().find("budget")
    return parse_amount(text[at:], language) if at >= 0 else None


__all__ = ["check_proeftuin_count", "claimed_budget_eur", "claimed_living_labs"]
