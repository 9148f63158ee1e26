"""The staged objectives are held as UTF-8 in an Arrow array from staging to the merge
(``transforms.cordis.LONG_TEXT``): the values are the real recorded ones, every character kept, and they
reach the warehouse exactly, on SQLite and on PostgreSQL; no Python string of them stays in the frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import select

from extractors.cordis import read_dump
from inventory.memory import arrow_on_system_malloc
from tests.loading import RECORDED_DUMPS
from transforms.cordis import LONG_TEXT, stage_participations, stage_projects
from warehouse.bulk import _rows
from warehouse.loads import merge_cordis
from warehouse.schema import stg_cordis__projects


def _recorded_projects() -> list[dict]:
    """The real projects of both recorded dumps, plus (constructed) one without an objective and one whose
    objective is outside the Basic Multilingual Plane and holds a newline."""
    projects = [dict(p) for dump in RECORDED_DUMPS for p in read_dump(dump).projects]
    template = projects[0]
    projects.append({**template, "id": "990001", "objective": None})
    projects.append({**template, "id": "990002", "objective": "Zo’n fabriek 🏭\nmet twee regels – “klaar”."})
    return projects


def _object_blocks_hold(frame: pd.DataFrame, text: str) -> bool:
    """Whether an object array of the frame's blocks, or an array one of them is a view on, holds ``text``
    (a column converted in place leaves the first block a view on the array that still holds it)."""
    for block in frame._mgr.blocks:
        array = block.values
        while isinstance(array, np.ndarray):
            if array.dtype == object and any(value is text for value in array.ravel()):
                return True
            array = array.base
    return False


def test_staged_objectives_are_utf8_text_equal_to_the_records_and_no_str_of_them_is_kept() -> None:
    projects = _recorded_projects()
    frame, quarantined = stage_projects(projects)
    assert quarantined.empty
    assert frame["objective"].dtype == LONG_TEXT
    values = frame["objective"].tolist()
    expected = [p["objective"] for p in projects]
    assert [None if v is pd.NA else v for v in values] == expected
    assert sum(not t.isascii() for t in expected if t) >= 2  # the real texts hold non-ASCII characters
    # the frame holds the text as UTF-8 only: none of the records' str objects is referenced by its blocks
    assert not any(_object_blocks_hold(frame, p["objective"]) for p in projects if p["objective"])
    # the other columns are as they were: Python objects
    assert frame["title"].dtype == object and frame["title"].tolist() == [p["title"] for p in projects]


def test_staged_objectives_reach_the_warehouse_exactly(migrated_engine) -> None:
    projects = _recorded_projects()
    participations = [dict(p) for dump in RECORDED_DUMPS for p in read_dump(dump).participations]
    staged, _ = stage_projects(projects)
    merge_cordis(migrated_engine, "run-1", staged, stage_participations(participations)[0])
    table = stg_cordis__projects
    with migrated_engine.connect() as conn:
        stored = dict(conn.execute(select(table.c.source_id, table.c.objective)).all())
    assert stored == {p["id"]: p["objective"] for p in projects}


def test_a_run_of_positions_is_a_slice_of_the_frame_and_other_positions_keep_their_order() -> None:
    """``warehouse.bulk`` inserts a run of consecutive positions (a full load's) as a slice of the frame, a
    view on its data (taking rows of an Arrow column held in chunks first copies every chunk); positions in
    any other order are taken in that order."""
    chunks = [pd.Series(["a’", None, "c"], dtype=LONG_TEXT), pd.Series(["d", "e’", "f"], dtype=LONG_TEXT)]
    frame = pd.DataFrame({"n": np.arange(6, dtype=np.int64), "text": pd.concat(chunks, ignore_index=True)})
    assert frame["text"].array.__arrow_array__().num_chunks == 2

    run = _rows(frame, 0, 4, [1, 2, 3, 4])
    assert run["n"].tolist() == [1, 2, 3, 4]
    assert run["text"].tolist()[1:] == ["c", "d", "e’"]
    assert np.shares_memory(run["n"].to_numpy(), frame["n"].to_numpy())  # a view: nothing copied

    for positions in ([3, 2, 1], [0, 2, 4], [5, 5]):
        taken = _rows(frame, 0, 4, positions)
        assert taken["n"].tolist() == positions
        assert taken["text"].tolist() == [frame["text"].iloc[p] for p in positions]
        assert not np.shares_memory(taken["n"].to_numpy(), frame["n"].to_numpy())
    assert _rows(frame, 2, 2, None)["n"].tolist() == [2, 3]


def test_arrow_buffers_come_from_the_c_librarys_malloc_once_a_run_starts() -> None:
    arrow_on_system_malloc()
    assert pa.default_memory_pool().backend_name == "system"
    arrow_on_system_malloc()  # a second call changes nothing
    assert pa.default_memory_pool().backend_name == "system"
