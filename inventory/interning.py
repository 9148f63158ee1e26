"""One string object per distinct value in a column: a driver or a JSON decoder makes a new string for every
cell, so 400k participations hold 400k copies of "participant", of the run id, of each organisation's name.
Sharing them changes no value (and no dtype); it is the difference between repeated text costing ≈60 bytes a
cell and costing the 8 of a pointer."""

from __future__ import annotations

from collections.abc import Iterable


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
