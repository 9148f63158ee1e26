"""The exports: read back with ordinary tools, every file gives its mart's rows and types — money exact to
the cent as Decimal, dates as dates — and the data dictionary comes along. On PostgreSQL the files (and the
report) are the same as on SQLite."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import Boolean, Date, Integer, Numeric, Table, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from reports.exports import export_marts
from reports.render import build_report
from tests.loading import load
from tests.report_warehouse import recorded_warehouse
from warehouse.engine import make_engine
from warehouse.schema import MARTS


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    engine = make_engine(
        f"sqlite:///{recorded_warehouse(tmp_path_factory.getbasetemp() / 'recorded-warehouse')}"
    )
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def marts(engine: Engine) -> dict[str, list[dict]]:
    """Every mart's rows as SQLAlchemy reads them, in key order."""
    with engine.connect() as conn:
        return {
            t.name: [dict(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns)).mappings()]
            for t in MARTS
        }


def _sorted(rows: list[dict], table: Table) -> list[dict]:
    keys = [c.name for c in table.primary_key.columns]
    return sorted(rows, key=lambda r: tuple(r[k] for k in keys))


def _from_text(text: str, table: Table, name: str) -> object:
    """A CSV cell back to the warehouse's type, by the schema."""
    kind = table.c[name].type
    if text == "":
        return None
    if isinstance(kind, Numeric):
        return Decimal(text)
    if isinstance(kind, Boolean):
        return {"true": True, "false": False}[text]
    if isinstance(kind, Integer):
        return int(text)
    if isinstance(kind, Date):
        return date.fromisoformat(text)
    return text


def test_vlaio_batch_rows_are_exported_too(marts: dict[str, list[dict]]) -> None:
    assert [r for r in marts["mart_inventory"] if r["source"] == "vlaio"]
    assert [r for r in marts["mart_funding_by_year"] if r["project_key"] == "vlaio:batch-1"]


def test_csv_gives_back_every_mart_row_exactly(engine: Engine, marts: dict, tmp_path: Path) -> None:
    written = export_marts(engine, tmp_path, "csv")
    assert [p.name for p in written] == [f"{t.name}.csv" for t in MARTS] + ["data_dictionary.csv"]
    for table in MARTS:
        frame = pd.read_csv(tmp_path / f"{table.name}.csv", dtype=str, keep_default_na=False)
        assert list(frame.columns) == [c.name for c in table.columns]
        rows = [
            {name: _from_text(value, table, name) for name, value in record.items()}
            for record in frame.to_dict("records")
        ]
        assert _sorted(rows, table) == marts[table.name], table.name
    money = pd.read_csv(tmp_path / "mart_funding_by_year.csv", dtype=str)["vlaio_subsidy_eur"]
    assert money.str.fullmatch(r"-?\d+\.\d{2}").all()
    assert "1138562.48" in set(money)


def test_parquet_keeps_decimal_money_dates_and_booleans(engine: Engine, marts: dict, tmp_path: Path) -> None:
    written = export_marts(engine, tmp_path, "parquet")
    assert [p.name for p in written] == [f"{t.name}.parquet" for t in MARTS] + ["data_dictionary.csv"]
    for table in MARTS:
        arrow = pq.read_table(tmp_path / f"{table.name}.parquet")
        for column in table.columns:
            field = arrow.schema.field(column.name)
            if isinstance(column.type, Numeric):
                assert field.type == pa.decimal128(18, 2), column.name
            elif isinstance(column.type, Date):
                assert field.type == pa.date32(), column.name
            elif isinstance(column.type, Boolean):
                assert field.type == pa.bool_(), column.name
            assert field.metadata[b"comment"].decode() == (column.comment or "")
        assert _sorted(arrow.to_pylist(), table) == marts[table.name], table.name
        frame = pd.read_parquet(tmp_path / f"{table.name}.parquet")
        assert len(frame) == len(marts[table.name]) and list(frame.columns) == [c.name for c in table.columns]
    batch = pd.read_parquet(tmp_path / "mart_funding_by_year.parquet")
    batch = batch[batch["project_key"] == "vlaio:batch-1"]
    assert sum(batch["vlaio_subsidy_eur"]) == Decimal("3415687.44")


def test_xlsx_has_numbers_with_cents_dates_and_the_dictionary_sheet(
    engine: Engine, marts: dict, tmp_path: Path
) -> None:
    written = export_marts(engine, tmp_path, "xlsx")
    assert [p.name for p in written] == [f"{t.name}.xlsx" for t in MARTS]
    for table in MARTS:
        book = openpyxl.load_workbook(tmp_path / f"{table.name}.xlsx")
        assert book.sheetnames == [table.name, "data_dictionary"]
        sheet = book[table.name]
        header, *cells = list(sheet.iter_rows())
        assert [c.value for c in header] == [c.name for c in table.columns]
        rows = []
        for row in cells:
            record = {}
            for column, cell in zip(table.columns, row, strict=True):
                value = cell.value
                if isinstance(column.type, Numeric) and value is not None:
                    assert cell.data_type == "n" and cell.number_format == "#,##0.00", column.name
                    value = Decimal(str(value)).quantize(Decimal("0.01"))
                elif isinstance(column.type, Date) and value is not None:
                    assert cell.is_date and isinstance(value, datetime), column.name
                    value = value.date()
                record[column.name] = value
            rows.append(record)
        assert _sorted(rows, table) == marts[table.name], table.name
        meanings = {r[1]: r[5] for r in book["data_dictionary"].iter_rows(min_row=2, values_only=True)}
        assert meanings == {c.name: c.comment for c in table.columns}


def test_data_dictionary_csv_explains_every_exported_column(engine: Engine, tmp_path: Path) -> None:
    export_marts(engine, tmp_path, "csv")
    dictionary = pd.read_csv(tmp_path / "data_dictionary.csv", dtype=str, keep_default_na=False)
    assert list(dictionary.columns) == ["table", "column", "type", "nullable", "key", "meaning"]
    got = {(r["table"], r["column"]): (r["meaning"], r["key"]) for r in dictionary.to_dict("records")}
    keys = {(t.name, c.name) for t in MARTS for c in t.primary_key.columns}
    assert got == {
        (t.name, c.name): (c.comment, "true" if (t.name, c.name) in keys else "false")
        for t in MARTS
        for c in t.columns
    }


def test_an_unknown_format_is_refused(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown export format 'json'"):
        export_marts(engine, tmp_path, "json")  # type: ignore[arg-type]


def test_export_command_writes_into_the_data_dir_by_default(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer

    from reports.cli import export, report

    warehouse = recorded_warehouse(tmp_path_factory.getbasetemp() / "recorded-warehouse")
    monkeypatch.setenv("INVENTORY_DB_URL", f"sqlite:///{warehouse}")
    monkeypatch.setenv("INVENTORY_DATA_DIR", str(tmp_path / "data"))
    app = typer.Typer()
    app.command()(export)
    app.command()(report)
    runner = CliRunner()
    result = runner.invoke(app, ["export", "--format", "parquet"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "data" / "exports").iterdir()) == sorted(
        [f"{t.name}.parquet" for t in MARTS] + ["data_dictionary.csv"]
    )
    assert runner.invoke(app, ["export", "--format", "json"]).exit_code != 0
    result = runner.invoke(app, ["report", "--out", str(tmp_path / "r")])
    assert result.exit_code == 0 and (tmp_path / "r" / "index.html").is_file(), result.output


@pytest.mark.postgres
def test_postgres_gives_the_same_exports_and_report_as_sqlite(postgres_url: str, tmp_path: Path) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    report_sections = {}
    for url, folder in ((sqlite_url, "sqlite"), (postgres_url, "postgres")):
        load(url, "run-1")
        engine = make_engine(url)
        export_marts(engine, tmp_path / folder, "csv")
        export_marts(engine, tmp_path / folder, "parquet")
        page = BeautifulSoup(build_report(engine, tmp_path / folder).read_text(encoding="utf-8"), "lxml")
        engine.dispose()
        # the freshness section holds each load's own run times
        report_sections[folder] = [
            str(s) for s in page.select("section[data-section]") if s["id"] != "versheid"
        ]
    for name in (t.name for t in MARTS):
        csv_sqlite = (tmp_path / "sqlite" / f"{name}.csv").read_bytes()
        assert csv_sqlite == (tmp_path / "postgres" / f"{name}.csv").read_bytes(), name
        parquet_sqlite = pq.read_table(tmp_path / "sqlite" / f"{name}.parquet")
        assert parquet_sqlite.equals(pq.read_table(tmp_path / "postgres" / f"{name}.parquet")), name
    assert len(report_sections["sqlite"]) == 6
    assert report_sections["sqlite"] == report_sections["postgres"]
