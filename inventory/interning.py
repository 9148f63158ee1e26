"""One string object per distinct value in a column: a driver or a JSON decoder makes a new string for every
cell, so 400k participations hold 400k copies of "participant", of the run id, of each organisation's name.
Sharing them changes no value (and no dtype); it is the difference between repeated text costing ≈60 bytes a
cell and costing the 8 of a pointer. The same for amounts: a row's ``Decimal``s written alike are one object.
Encoders get copies of non-ASCII text (``encodable_copy``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal


def shared_text(values: Iterable[object], seen: dict[str, str] | None = None) -> list[object]:
    """``values`` as a list in which equal strings are one object (other values as they are); pass ``seen``
    to share across several columns or batches."""
    seen = {} if seen is None else seen
    return [seen.setdefault(value, value) if type(value) is str else value for value in values]


def prefixed(prefix: str, values: Iterable[object]) -> list[str]:
    """``f"{prefix}{value}"`` for each value, one string object per distinct value (see ``shared_text``)."""
    made: dict[object, str] = {}
    out = []
    for value in values:
        text = made.get(value)
        if text is None:
            text = made[value] = f"{prefix}{value}"
        out.append(text)
    return out


def encodable_copy(text: str) -> str:
    """``text`` itself when it is ASCII; else an equal new string, to hand to an encoder in its place.

    CPython keeps the UTF-8 that a C extension asks of a non-ASCII string inside that string (the str's
    UTF-8 cache, as large as the text again, freed only with the string), and orjson, sqlite3 and psycopg's
    COPY all ask for it. Hashed and inserted as they are, the 60k staged objectives grew from 209 to 310 MB;
    given a copy, the encoder caches its UTF-8 on the copy, freed as soon as it is encoded. (An ASCII
    string's UTF-8 is its own text: nothing is cached.) Copying costs one memcpy: 15 ms for 60k objectives."""
    return text if text.isascii() else "".join((text, ""))


def share_equal_amounts(*columns: list) -> None:
    """In place, row by row: where a later column holds the same amount as an earlier column of that row,
    digit for digit and sign for sign (``Decimal('1.50')`` and ``Decimal('1.5')`` are equal but not the
    same), it now holds that same ``Decimal`` object. No value or representation changes.

    A participation's net EU contribution is most often its EU contribution, and its total cost often is
    too: at 60k projects, 365k of the 1.03M staged amounts of the participations were a second object equal
    to the first (a ``Decimal`` costs 104 bytes, a shared one the 8 of a pointer)."""
    for later in range(1, len(columns)):
        target = columns[later]
        for earlier in columns[:later]:
            for row, (mine, theirs) in enumerate(zip(target, earlier, strict=True)):
                if mine is not theirs and _same_amount(mine, theirs):
                    target[row] = theirs


def _same_amount(a: object, b: object) -> bool:
    return type(a) is Decimal and type(b) is Decimal and a == b and not a.compare_total(b)


def share_amount_columns(columns: Sequence[list]) -> None:
    """``share_equal_amounts`` over those of ``columns`` (lists, one per column, of the same rows) whose first
    value that is not None is a ``Decimal``: a read's money columns, whichever they are."""
    amounts = [
        column for column in columns if type(next((v for v in column if v is not None), None)) is Decimal
    ]
    if len(amounts) > 1:
        share_equal_amounts(*amounts)
