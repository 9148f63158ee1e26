"""Reading a frame's columns as Python lists: the transforms build rows column by column, not from a dict
per row (``to_dict`` and ``itertuples`` box every value)."""

from __future__ import annotations

import pandas as pd


def column_list(frame: pd.DataFrame, name: str) -> list:
    """The column's values as a list; None in every row when ``frame`` has no such column."""
    return frame[name].tolist() if name in frame else [None] * len(frame)
