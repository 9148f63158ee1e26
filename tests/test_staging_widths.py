"""The widths staging enforces (transforms/cordis.py) are the warehouse's column widths, so a value too long
for its column is quarantined with its reason instead of failing a PostgreSQL load."""

from __future__ import annotations

from transforms.cordis import MAX_LENGTHS, stage_participations
from warehouse.schema import stg_cordis__participations, stg_cordis__projects


def test_every_bounded_staging_column_is_checked_at_its_width() -> None:
    widths = {}
    for table in (stg_cordis__projects, stg_cordis__participations):
        for column in table.columns:
            length = getattr(column.type, "length", None)
            if length and column.name not in ("source", "record_hash", "run_id", "region"):
                widths[column.name] = length
    assert widths == MAX_LENGTHS


def test_an_over_long_nuts_code_and_a_nul_are_quarantined_with_the_reason() -> None:
    base = {"projectID": "1", "organisationID": "2", "role": "participant", "order": "1"}
    staged, quarantined = stage_participations(
        [
            {**base, "nutsCode": "BE2" + "X" * 60},
            {**base, "order": "2", "name": "a\x00b"},
            {**base, "order": "3"},
        ]
    )
    assert len(staged) == 1
    reasons = list(quarantined["reason"])
    assert "nuts_code: 63 characters, more than the 10 the column holds" in reasons[0]
    assert "name: contains a NUL character" in reasons[1]
