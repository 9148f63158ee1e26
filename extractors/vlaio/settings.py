"""VLAIO start points, link vocabulary and crawl limits: constants only."""

from __future__ import annotations

START_PATHS: tuple[str, ...] = ("/nl/andere-doelgroepen/industrie-40",)

# A link is followed when its text or URL names one of these (lower-cased, accents kept).
LINK_TERMS: tuple[str, ...] = (
    "proeftuin",
    "living lab",
    "living-lab",
    "industrie 4.0",
    "industrie-40",
    "industry 4.0",
)

PAGE_BUDGET = 25

# Stable anchors a VLAIO page must carry; none of them is a presentational class.
FIELD_LABELS: tuple[str, ...] = (
    "Uitvoerder(s)", "Uitvoerders", "Uitvoerder", "Partners", "Projectorganisator", "In samenwerking met",
    "Looptijd", "Budget", "Subsidie", "Publicatiedatum", "Contact",
)  # fmt: skip
