"""Reading a frame's columns as Python lists: the transforms build rows column by column, not from a dict
per row (``to_dict`` and ``itertuples`` box every value)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def column_list(frame: pd.DataFrame, name: str) -> list:
    """The column's values as a list; None in every row when ``frame`` has no such column."""
    return frame[name].tolist() if name in frame else [None] * len(frame)


def object_frame(names: list[str], columns: list[Sequence]) -> pd.DataFrame:
    """A frame of object columns holding ``columns`` (emptied: each is dropped once copied). One 2-D object
    array is filled column by column and handed to pandas as its block, without a copy: a dict of lists or
    Series is copied into pandas' block whole, so every list and the block are held at once (+106 MB for the
    409k staged participations the core build reads, +33 MB for the participation mart)."""
    rows = len(columns[0]) if columns else 0
    block = np.empty((len(names), rows), dtype=object)
    for index, column in enumerate(columns):
        if len(column) != rows:
            raise ValueError(f"column {names[index]} holds {len(column)} values, not {rows}")
        if isinstance(column, np.ndarray) and column.dtype == object:
            block[index] = column  # a frame's column as it is
        else:
            block[index] = np.fromiter(column, dtype=object, count=rows)  # each value as it is, a tuple too
        columns[index] = ()
    return pd.DataFrame(block.T, columns=names, dtype=object, copy=False)
