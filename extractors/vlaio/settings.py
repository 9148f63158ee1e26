"""VLAIO start points, link vocabulary, field labels and crawl limits: constants only."""

from __future__ import annotations

# Site keys: the stable first half of every VLAIO ``source_id`` (the host part of a URL changes between the
# real site and the loopback mirror, the site key does not).
VLAIO = "vlaio"
INDUSTRIE40 = "industrie40"

# The lead adds INDUSTRIE40_BASE_URL with this default to inventory/config.py; until then ``crawl`` takes
# the base URL as a parameter and crawls only vlaio.be when it is not given.
INDUSTRIE40_BASE_URL_DEFAULT = "https://www.industrie40vlaanderen.be"

START_PATHS: tuple[str, ...] = ("/nl/andere-doelgroepen/industrie-40",)
# The platform's root is the start point the brief names; the EN landing page is the one real page known
# (recorded/sources/vlaio/industrie40vlaanderen.be__industry-40-flanders.en.excerpt.txt), so it is a start
# point too, in case the root stops linking to it.
INDUSTRIE40_START_PATHS: tuple[str, ...] = ("/", "/industry-40-flanders")

# Host names under which the real sites publish. A link to one of them is resolved against the configured
# base URL of that site: identical in production, the loopback mirror in tests and demos.
SITE_ALIASES: dict[str, tuple[str, ...]] = {
    VLAIO: ("www.vlaio.be", "vlaio.be"),
    INDUSTRIE40: ("www.industrie40vlaanderen.be", "industrie40vlaanderen.be"),
}

# A link is followed when its text or URL names one of these (lower-cased, accents kept).
LINK_TERMS: tuple[str, ...] = (
    "proeftuin",
    "living lab",
    "living-lab",
    "industrie 4.0",
    "industrie-40",
    "industry 4.0",
    "industry-40",
)

# Links to documents are never fetched: they are not pages and the call pages link PDFs named "Proeftuin".
DOCUMENT_SUFFIXES: tuple[str, ...] = (
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".odt", ".ods", ".jpg", ".jpeg",
    ".png", ".gif", ".svg", ".mp4",
)  # fmt: skip

PAGE_BUDGET = 60
# Seconds between two requests to the same host (robots.txt's Crawl-delay wins when it is longer).
CRAWL_DELAY_S = 1.0

# Programme and scheme of every proeftuin in the staged projects (the CORDIS columns of the same name).
PROGRAMME = "VLAIO-PROEFTUIN"
FUNDING_SCHEME = "proeftuin Industrie 4.0"

# Field labels, Dutch and English, lower-cased, without the trailing colon -> the record field they fill.
# These are the scraper's anchors; none of them is a presentational class.
FIELD_LABELS: dict[str, str] = {
    "uitvoerder(s)": "executors",
    "uitvoerders": "executors",
    "uitvoerder": "executors",
    "projectorganisator": "executors",
    "projectorganisatoren": "executors",
    "executed by": "executors",
    "executing organisations": "executors",
    "executing organisation": "executors",
    "executor(s)": "executors",
    "partners": "partners",
    "partner(s)": "partners",
    "in samenwerking met": "partners",
    "in collaboration with": "partners",
    "looptijd": "period",
    "periode": "period",
    "projectperiode": "period",
    "duration": "period",
    "period": "period",
    "budget": "budget",
    "totaal budget": "budget",
    "projectbudget": "budget",
    "total budget": "budget",
    "subsidie": "subsidy",
    "toegekende steun": "subsidy",
    "subsidy": "subsidy",
    "grant": "subsidy",
    "publicatiedatum": "published",
    "published": "published",
    "publication date": "published",
    "contact": "contact",
    "contactpersoon": "contact",
    "sector": "sectors",
    "sectoren": "sectors",
    "sector(en)": "sectors",
    "sectors": "sectors",
    "sector(s)": "sectors",
    "thema": "themes",
    "thema's": "themes",
    "themas": "themes",
    "themes": "themes",
    "theme(s)": "themes",
    "technologieën": "themes",
    "technologies": "themes",
    "status": "status",
}

# The fields whose label alone marks a page as a proeftuin detail page.
PROJECT_ANCHOR_FIELDS: tuple[str, ...] = ("executors", "partners", "period", "budget", "subsidy")

# Headings whose section holds a proeftuin's focus text.
FOCUS_HEADINGS: tuple[str, ...] = (
    "inhoudelijke focus", "focus", "centrale onderzoeksvraag/doel", "doel", "doelstelling", "doelstellingen",
    "objective", "objectives", "about", "about the living lab", "over de proeftuin",
)  # fmt: skip

# Status labels as pages show them -> the staged status (the CORDIS column holds SIGNED/CLOSED-like codes).
STATUS_LABELS: dict[str, str] = {
    "in uitvoering": "ONGOING",
    "lopend": "ONGOING",
    "ongoing": "ONGOING",
    "running": "ONGOING",
    "afgelopen": "CLOSED",
    "afgerond": "CLOSED",
    "beëindigd": "CLOSED",
    "completed": "CLOSED",
    "finished": "CLOSED",
    "closed": "CLOSED",
}

# Prefixes dropped from titles before matching scraped proeftuinen to the reference (after normalisation).
TITLE_PREFIXES: tuple[str, ...] = (
    "proeftuin industrie 4 0", "proeftuinen", "proeftuin", "industrie 4 0 living lab", "industry 4 0 living lab",
    "living labs", "living lab", "onderzoeksproject",
)  # fmt: skip
