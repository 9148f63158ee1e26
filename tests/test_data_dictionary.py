"""The committed data dictionary is the one the schema generates, and every mart column is explained."""

from __future__ import annotations

from warehouse.dictionary import DICTIONARY_MD, render
from warehouse.schema import MARTS


def test_committed_dictionary_is_current() -> None:
    assert DICTIONARY_MD.read_text(encoding="utf-8") == render(), "run: python -m warehouse.dictionary"


def test_every_mart_column_has_a_meaning() -> None:
    missing = [f"{t.name}.{c.name}" for t in MARTS for c in t.columns if not c.comment]
    assert missing == []
