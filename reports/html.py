"""HTML for the report's two long tables (the inventory, the Flemish-Dutch projects), made in Python rather
than by the template row by row: at 60k projects they are 6.8k and 5.1k rows and were most of the report's
rendering (1.28 -> 0.76 s, one process), which every night pays, changed or not.

The text is the template's: values escaped as Jinja2's autoescape escapes them (``markupsafe``), and
``money`` and ``link`` are the macros of ``templates/_macros.html.j2`` (tests/test_report_tables.py renders
both, and the template text these tables replaced, and compares)."""

from __future__ import annotations

import re
from decimal import Decimal

from markupsafe import escape

from reports.formatting import euro, plain_amount, safe_url

_SPECIAL = re.compile("[&<>\"']")  # what markupsafe.escape replaces


def text(value: object) -> str:
    """``value`` as the template writes ``{{ value }}``: its str, escaped. Most values have nothing to escape;
    looking first costs less than escaping (and wrapping in ``Markup``) each of the 230k values of the tables
    at 60k projects."""
    string = value if type(value) is str else str(value)
    return str(escape(string)) if _SPECIAL.search(string) else string


def money(value: Decimal | float | int | None, field: str | None = None) -> str:
    """The ``money`` macro: the amount's visible text, with its machine-readable value."""
    attribute = f' data-field="{text(field)}"' if field else ""
    return (
        f'<span class="money"{attribute} data-value="{text(plain_amount(value))}">{text(euro(value))}</span>'
    )


def link(url: str | None, label: object) -> str:
    """The ``link`` macro: an anchor when following the URL cannot run code, else the label alone."""
    href = safe_url(url)
    if href:
        return f'<a href="{text(href)}" rel="noopener noreferrer">{text(label)}</a>'
    return text(label)
