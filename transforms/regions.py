"""Which Belgian region an organisation sits in: NUTS code first, Belgian postcode otherwise."""

from __future__ import annotations

FLANDERS, BRUSSELS, WALLONIA = "flanders", "brussels", "wallonia"

_NUTS_REGION = {"BE1": BRUSSELS, "BE2": FLANDERS, "BE3": WALLONIA}


def _postcode_region(postcode: str) -> str | None:
    digits = postcode.strip().replace(" ", "")
    if not (digits.isascii() and digits.isdigit() and len(digits) == 4):
        return None
    number = int(digits)
    if 1000 <= number <= 1299:
        return BRUSSELS
    if 1500 <= number <= 3999 or 8000 <= number <= 9999:
        return FLANDERS
    if 1300 <= number <= 1499 or 4000 <= number <= 7999:
        return WALLONIA
    return None


def belgian_region(country: str | None, nuts_code: str | None, postcode: str | None) -> str | None:
    """'flanders', 'brussels', 'wallonia', or None (not Belgian, or not decidable)."""
    if nuts_code and nuts_code[:3].upper() in _NUTS_REGION:
        return _NUTS_REGION[nuts_code[:3].upper()]
    first_country = (country or "").split(";")[0].strip().upper()
    if first_country != "BE" or not postcode:
        return None
    return _postcode_region(postcode)
