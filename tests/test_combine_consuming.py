"""The staged frames of several batches or dumps combined a column at a time (``flows.tasks._concat_consuming``):
the same frame ``pd.concat`` gives, one block per column, and the inputs consumed as it goes, so that the
combined frame never sits beside a whole copy of its inputs. Constructed frames in the staged shapes (object
columns holding text, ``Decimal`` money and dates, an Arrow column like the staged objectives, None)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from flows.tasks import _concat_consuming
from transforms.frames import object_frame

ARROW_TEXT = pd.ArrowDtype(pa.large_string())


def _part(ids: list[str]) -> pd.DataFrame:
    frame = object_frame(
        ["source_id", "total_cost_eur", "start_date"],
        [
            list(ids),
            [Decimal(f"{n}.50") if n % 2 else None for n in range(len(ids))],
            [date(2020, 1, 1 + n % 28) for n in range(len(ids))],
        ],
    )
    frame.insert(1, "objective", pd.array([f"objective of {i} – é" for i in ids], dtype=ARROW_TEXT))
    return frame


def test_the_same_frame_as_pd_concat_with_a_block_per_column_and_the_inputs_consumed() -> None:
    parts = [_part(["1", "2", "3"]), _part([]), _part(["4", "5"])]
    expected = pd.concat([p.copy() for p in parts if not p.empty], ignore_index=True)
    assert all(p._mgr.nblocks == 2 for p in parts)  # a two-dimensional object block, and the Arrow column

    combined = _concat_consuming(parts)

    pd.testing.assert_frame_equal(combined, expected)
    assert combined.dtypes.to_dict() == expected.dtypes.to_dict()
    assert combined["total_cost_eur"].tolist()[:2] == [None, Decimal("1.50")]
    assert combined._mgr.nblocks == len(combined.columns) == 4
    assert [list(p.columns) for p in parts] == [[], [], []]  # consumed, the empty one too


def test_columns_in_another_order_follow_the_first_frame_and_other_columns_are_refused() -> None:
    first, second = _part(["1"]), _part(["2"])
    second = second[list(reversed(second.columns))]
    combined = _concat_consuming([first, second])
    assert list(combined.columns) == ["source_id", "objective", "total_cost_eur", "start_date"]
    assert combined["source_id"].tolist() == ["1", "2"]

    other = _part(["3"]).rename(columns={"start_date": "end_date"})
    with pytest.raises(ValueError, match="differ in columns"):
        _concat_consuming([_part(["4"]), other])


def test_frames_without_rows_or_columns() -> None:
    empty = _part([])
    combined = _concat_consuming([pd.DataFrame(), empty])  # a released frame has no columns: it adds nothing
    assert list(combined.columns) == ["source_id", "objective", "total_cost_eur", "start_date"]
    assert combined.empty
    assert _concat_consuming([]).empty and _concat_consuming([pd.DataFrame()]).empty
