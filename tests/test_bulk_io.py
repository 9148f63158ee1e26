"""Bulk writes and reads of frames, chunk by chunk (warehouse/bulk.py, warehouse/publish.py): every row and
value survives a frame larger than one chunk, on SQLite and on PostgreSQL; equal strings read back are one
object (inventory/interning.py). The chunk sizes are made tiny so that a handful of constructed rows spans
several chunks."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    insert,
    select,
)

from inventory.interning import prefixed, shared_text
from transforms.values import MAX_MONEY_DIGITS, parse_money
from warehouse import bulk, publish
from warehouse.schema import Money

METADATA = MetaData()
ROWS = Table(
    "bulk_rows",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("role", String(20)),
    Column("amount", Numeric(18, 2)),
    Column("day", Date),
    Column("flag", Boolean),
    Column("run_id", String(40)),
)


def _frame(n: int) -> pd.DataFrame:
    """Constructed rows: a repeated role, exact money (a cent, a large amount, a missing one), dates."""
    return pd.DataFrame(
        {
            "id": list(range(n)),
            "role": ["coordinator" if i % 3 == 0 else "participant" for i in range(n)],
            "amount": [None if i % 4 == 3 else Decimal("1234567890123.45") + i for i in range(n)],
            "day": [date(2020, 1, 1 + i % 28) for i in range(n)],
            "flag": [i % 2 == 0 for i in range(n)],
        },
        dtype=object,
    )


@pytest.fixture
def engine(db_url: str):
    engine = create_engine(db_url)
    METADATA.create_all(engine)
    yield engine
    engine.dispose()


def test_a_frame_larger_than_a_chunk_is_written_and_read_back_whole_and_exact(engine, monkeypatch) -> None:
    monkeypatch.setattr(bulk, "CHUNK", 3)
    monkeypatch.setattr(publish, "READ_CHUNK", 4)
    frame = _frame(11)
    with engine.begin() as conn:
        assert bulk.insert_frame(conn, ROWS, frame, {"run_id": "run-1"}) == 11

    with engine.connect() as conn:
        back = publish._read(conn, ROWS).sort_values("id", ignore_index=True)
    assert len(back) == 11
    assert back["id"].tolist() == frame["id"].tolist()
    assert back["role"].tolist() == frame["role"].tolist()
    assert back["amount"].tolist() == frame["amount"].tolist()  # Decimal to the cent, None kept
    assert back["day"].tolist() == frame["day"].tolist()
    assert back["flag"].tolist() == frame["flag"].tolist()
    assert set(back["run_id"]) == {"run-1"}
    # read in three chunks, and still one object per distinct repeated string
    assert len({id(v) for v in back["role"]}) == 2
    assert len({id(v) for v in back["run_id"]}) == 1


def test_positions_insert_those_rows_in_that_order_across_chunks(engine, monkeypatch) -> None:
    """``positions`` (the merge's changed rows): only those rows, each with its own values, taken a chunk at
    a time from positions out of order."""
    monkeypatch.setattr(bulk, "CHUNK", 3)
    frame = _frame(11)
    positions = [9, 2, 5, 0, 10, 7, 4]
    with engine.begin() as conn:
        assert bulk.insert_frame(conn, ROWS, frame, {"run_id": "run-1"}, positions=positions) == 7
        assert bulk.insert_frame(conn, ROWS, frame, {"run_id": "run-2"}, positions=[]) == 0
    with engine.connect() as conn:
        back = publish._read(conn, ROWS).sort_values("id", ignore_index=True)
    assert back["id"].tolist() == sorted(positions)
    expected = frame.iloc[sorted(positions)].reset_index(drop=True)
    for column in ("role", "amount", "day", "flag"):
        assert back[column].tolist() == expected[column].tolist(), column
    assert set(back["run_id"]) == {"run-1"}


def test_inserting_leaves_no_utf8_copy_inside_the_frames_text(engine, monkeypatch) -> None:
    """sqlite3 and psycopg's COPY cache the UTF-8 of each non-ASCII str they bind inside that str; the frame's
    own strings are not given to them (a merge would otherwise grow the staged objectives by their UTF-8
    while the staged frames are held), and the text arrives whole."""
    monkeypatch.setattr(bulk, "CHUNK", 3)
    roles = ["".join(["coördinator ", "–", str(i)]) for i in range(7)] + ["".join(["plain", "-ascii"])]
    frame = _frame(8).assign(role=pd.Series(roles, dtype=object))
    assert all(a is b for a, b in zip(frame["role"], roles, strict=True))
    sizes = [sys.getsizeof(role) for role in roles]
    with engine.begin() as conn:
        assert bulk.insert_frame(conn, ROWS, frame, chunk=2) == 8
    assert [sys.getsizeof(role) for role in frame["role"]] == sizes
    with engine.connect() as conn:
        back = publish._read(conn, ROWS).sort_values("id", ignore_index=True)
    assert back["role"].tolist() == roles


def test_an_empty_frame_writes_nothing(engine) -> None:
    with engine.begin() as conn:
        assert bulk.insert_frame(conn, ROWS, _frame(0)) == 0
    with engine.connect() as conn:
        assert publish._read(conn, ROWS).empty


def test_shared_text_shares_equal_strings_and_leaves_other_values_alone() -> None:
    first, second = "".join(["part", "icipant"]), "".join(["partic", "ipant"])
    assert first is not second
    values = [first, second, Decimal("1.0"), Decimal("1.00"), True, 1, None]
    shared = shared_text(values)
    assert shared == values
    assert shared[0] is shared[1]
    # equal but not the same value: a Decimal keeps its exponent, True stays a bool
    assert str(shared[3]) == "1.00" and shared[4] is True and type(shared[5]) is int


def test_prefixed_makes_one_string_per_distinct_value() -> None:
    keys = prefixed("cordis:", ["101", "102", "101"])
    assert keys == ["cordis:101", "cordis:102", "cordis:101"]
    assert keys[0] is keys[2]


LIMIT = Decimal(10**MAX_MONEY_DIGITS) - Decimal("0.01")
AMOUNTS = Table(
    "amounts", MetaData(), Column("id", Integer, primary_key=True), Money("amount", "constructed")
)


def test_the_largest_amounts_the_parser_accepts_are_stored_to_the_cent(engine) -> None:
    """SQLite keeps NUMERIC as a double: the parser's limit is where a double is still exact to the cent."""
    assert parse_money(str(LIMIT)) == LIMIT and parse_money(str(-LIMIT)) == -LIMIT
    values = [LIMIT, -LIMIT, Decimal("9007199254740.99"), Decimal("1234567890123.45"), Decimal("0.01")]
    AMOUNTS.create(engine)
    with engine.begin() as conn:
        conn.execute(insert(AMOUNTS), [{"id": i, "amount": v} for i, v in enumerate(values)])
        back = [row.amount for row in conn.execute(select(AMOUNTS).order_by(AMOUNTS.c.id))]
    assert back == values


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=-LIMIT, max_value=LIMIT, places=2, allow_nan=False, allow_infinity=False))
def test_every_accepted_amount_round_trips_through_sqlite_exactly(amount: Decimal) -> None:
    engine = create_engine("sqlite://")
    AMOUNTS.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(AMOUNTS), [{"id": 1, "amount": parse_money(str(amount))}])
        assert conn.execute(select(AMOUNTS.c.amount)).scalar_one() == amount


def test_object_frame_fills_one_block_and_drops_each_column_once_copied() -> None:
    """``transforms.frames.object_frame`` (the staged read's frames, the participation mart): every value
    as it is (a tuple stays one value, a frame's column is taken as it is), the lists emptied, one block."""
    from transforms.frames import object_frame

    amounts = pd.Series([Decimal("1.50"), None, Decimal("2")], dtype=object).to_numpy(dtype=object)
    columns = [["a", "b", "a"], [(1, 2), None, ()], amounts]
    frame = object_frame(["text", "pair", "amount"], columns)
    assert frame["text"].tolist() == ["a", "b", "a"]
    assert frame["pair"].tolist() == [(1, 2), None, ()]
    assert [str(v) for v in frame["amount"]] == ["1.50", "None", "2"]
    assert frame._mgr.nblocks == 1 and {str(dtype) for dtype in frame.dtypes} == {"object"}
    assert columns == [(), (), ()]
    with pytest.raises(ValueError, match="column short holds 1 values, not 2"):
        object_frame(["long", "short"], [[1, 2], [1]])
