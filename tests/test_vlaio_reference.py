"""The curated reference seeds reproduce the origin document (and quote the press where it disagrees), the
even yearly split conserves cents, the matcher pairs scraped proeftuinen with the reference and reports
conflicts as rows; staging gives the CORDIS-like project shape and one row per named organisation."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.vlaio.reference import (
    batch_conflicts,
    batch_totals,
    load_batches,
    load_reference,
    match_to_reference,
    years_of,
)
from inventory.errors import BadSourceFileError
from transforms.funding import split_evenly
from transforms.vlaio import (
    STG_ORGANISATION_COLUMNS,
    STG_PROJECT_COLUMNS,
    stage_organisations,
    stage_pages,
    stage_projects,
    stage_skips,
)

SOURCES = Path(__file__).resolve().parents[1] / "recorded" / "sources"
ORIGIN = SOURCES / "origin/vlaams-parlement-schriftelijke-vraag-684-2018.txt"


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_reference_lists_the_seven_batch_1_proeftuinen_as_the_origin_writes_them() -> None:
    reference = load_reference()
    assert list(reference["reference_id"]) == [f"b1-0{i}" for i in range(1, 8)]
    assert list(reference["executing_organisations"]) == [
        "Flanders’ FOOD & ILVO",
        "LSEC-3IF",
        "Flanders Make & imec",
        "imec, Flanders Make & EUKA",
        "Sirris",
        "Sirris",
        "Flanders Make & imec",
    ]
    assert set(reference["batch"]) == {"1"} and set(reference["start_year"]) == {2018}
    origin = _collapse(ORIGIN.read_text(encoding="utf-8"))
    for row in reference.to_dict("records"):
        assert row["focus"] in origin  # verbatim, line breaks joined
        assert row["focus"].startswith(row["title"])
        assert f"{row['executor_label']}: {row['executing_organisations']}" in origin
        assert row["source_file"] == "origin/vlaams-parlement-schriftelijke-vraag-684-2018.txt"
        assert (SOURCES / row["source_file"]).is_file() and row["source_location"].startswith(
            "answer 1, lines"
        )


def test_every_batch_claim_quotes_its_source_verbatim() -> None:
    batches = load_batches()
    for claim in batches.to_dict("records"):
        assert _collapse(claim["quote"]) in _collapse(
            (SOURCES / claim["source_file"]).read_text(encoding="utf-8")
        )


def test_batch_1_total_and_years_reproduce_the_origin() -> None:
    totals = batch_totals(load_batches())
    assert totals.to_dict("records") == [
        {
            "batch": "1",
            "title": "Proeftuinen Industrie 4.0, oproep 2017 (7 projecten)",
            "total_subsidy_eur": Decimal("3415687.44"),
            "years": "2018-2020",
            "split": "even",
            "source": "origin/vlaams-parlement-schriftelijke-vraag-684-2018.txt (answer 1, lines 69 and 120-122)",
        }
    ]
    split = split_evenly(totals.loc[0, "total_subsidy_eur"], years_of("2018-2020"))
    assert split == {year: Decimal("1138562.48") for year in (2018, 2019, 2020)}
    assert sum(split.values()) == Decimal("3415687.44")


def test_sources_that_disagree_about_a_batch_are_reported_not_resolved() -> None:
    conflicts = batch_conflicts(load_batches())
    rows = {(r["batch"], r["value"]): r["sources"] for r in conflicts.to_dict("records")}
    assert rows == {
        ("1", Decimal("3415687.44")): "origin-684",
        ("1", Decimal("3500000.00")): "flanderstoday; metrotime",
        ("2", Decimal("3500000.00")): "origin-684; sirris",
        ("2", Decimal("4000000.00")): "flanderstoday; metrotime",
    }
    assert set(conflicts["field"]) == {"amount_eur"}  # 7 and 10 projects: no source disagrees


def test_the_split_conserves_cents() -> None:
    assert split_evenly(Decimal("100.00"), [2020, 2018, 2019]) == {
        2018: Decimal("33.34"),
        2019: Decimal("33.33"),
        2020: Decimal("33.33"),
    }
    assert split_evenly(Decimal("0.02"), [2018, 2019, 2020]) == {
        2018: Decimal("0.01"),
        2019: Decimal("0.01"),
        2020: Decimal("0.00"),
    }
    with pytest.raises(ValueError, match="no years"):
        split_evenly(Decimal("1.00"), [])
    with pytest.raises(ValueError, match="whole number of cents"):
        split_evenly(Decimal("1.005"), [2018])


@given(
    cents=st.integers(min_value=0, max_value=10**12),
    first=st.integers(min_value=2000, max_value=2030),
    n=st.integers(min_value=1, max_value=12),
)
def test_split_parts_always_sum_to_the_total(cents: int, first: int, n: int) -> None:
    total = Decimal(cents) / 100
    parts = split_evenly(total, range(first, first + n))
    assert sum(parts.values()) == total
    assert max(parts.values()) - min(parts.values()) <= Decimal("0.01")
    assert all(part == part.quantize(Decimal("0.01")) for part in parts.values())


def test_a_broken_seed_is_a_typed_error(tmp_path: Path) -> None:
    broken = tmp_path / "seed.csv"
    broken.write_text("reference_id,title\nb1-01,X\n", encoding="utf-8")
    with pytest.raises(BadSourceFileError, match="seed lacks the columns"):
        load_reference(broken)


def _record(source_id: str, title: str, executors: list[str], **extra: object) -> dict[str, object]:
    return {
        "source_id": source_id,
        "url": f"https://www.industrie40vlaanderen.be/{source_id.split(':', 1)[1]}",
        "title": title,
        "executors": executors,
        "partners": extra.pop("partners", []),
        "field_hashes": {"title": "x"},
        **extra,
    }


SCRAPED = [
    _record(
        "industrie40:nl/proeftuinen/a", "Proeftuin Smart Connectivity", ["imec", "Flanders Make", "EUKA"]
    ),
    _record("industrie40:nl/proeftuinen/b", "Digitale servitisatie", ["Sirris", "Howest"]),
    _record(
        "industrie40:nl/proeftuinen/c", "Operator\u00adondersteuning", ["Sirris"], start_date=date(2019, 4, 1)
    ),
    _record(
        "industrie40:nl/proeftuinen/d",
        "Smart Factories",
        ["Flanders Make"],
        partners=["imec"],
        subsidy_eur=Decimal("450000.00"),
    ),
    _record("industrie40:en/living-labs/e", "Training 4.0", ["Catalisti"], partners=["Acta vzw"]),
]


def test_matcher_pairs_by_normalised_title_and_reports_conflicts_as_rows() -> None:
    reference = load_reference()
    matches, conflicts = match_to_reference(stage_projects(SCRAPED), reference)
    by_source = {m["source_id"]: m for m in matches.to_dict("records") if m["source_id"]}
    assert by_source["industrie40:nl/proeftuinen/a"]["reference_id"] == "b1-04"
    assert by_source["industrie40:nl/proeftuinen/c"]["reference_id"] == "b1-06"  # soft hyphen, case
    assert (
        by_source["industrie40:nl/proeftuinen/d"]["reference_id"],
        by_source["industrie40:nl/proeftuinen/d"]["method"],
    ) == ("b1-07", "prefix")
    assert by_source["industrie40:en/living-labs/e"]["status"] == "scraped_only"
    reference_only = sorted(
        m["reference_id"] for m in matches.to_dict("records") if m["status"] == "reference_only"
    )
    assert reference_only == ["b1-01", "b1-02", "b1-03"]
    rows = {(c["reference_id"], c["field"]): c for c in conflicts.to_dict("records")}
    assert set(rows) == {
        ("b1-05", "executing_organisations"),
        ("b1-06", "start_year"),
        ("b1-07", "executing_organisations"),
    }
    assert rows[("b1-05", "executing_organisations")]["scraped_value"] == "Sirris; Howest"
    assert rows[("b1-05", "executing_organisations")]["reference_value"] == "Sirris"
    assert (
        rows[("b1-06", "start_year")]["scraped_value"],
        rows[("b1-06", "start_year")]["reference_value"],
    ) == (2019, 2018)
    assert "lines 108-112" in rows[("b1-06", "start_year")]["reference_source"]


def test_staged_projects_have_the_cordis_like_shape() -> None:
    staged = stage_projects(SCRAPED, reference=load_reference())
    assert list(staged.columns) == STG_PROJECT_COLUMNS
    row = staged.set_index("source_id").loc["industrie40:nl/proeftuinen/d"]
    assert (row["source"], row["acronym"], row["programme"]) == ("vlaio", None, "VLAIO-PROEFTUIN")
    assert row["funding_scheme"] == "proeftuin Industrie 4.0" and row["subsidy_eur"] == Decimal("450000.00")
    assert row["batch"] == "1" and row["executors"] == "Flanders Make" and row["partners"] == "imec"
    assert staged.set_index("source_id").loc["industrie40:en/living-labs/e", "batch"] is None
    assert row["field_hashes"] == '{"title": "x"}'
    assert len(row["record_hash"]) == 64
    again = stage_projects(
        [{**r, "fetched_at": "later", "source_file": "other"} for r in SCRAPED], load_reference()
    )
    assert list(again["record_hash"]) == list(staged["record_hash"])  # volatile fields are not hashed
    changed = stage_projects([{**SCRAPED[0], "title": "Smart Connectivity 2"}])
    assert (
        changed.loc[0, "record_hash"]
        != staged.set_index("source_id").loc["industrie40:nl/proeftuinen/a", "record_hash"]
    )


def test_staged_organisations_keep_names_roles_and_order() -> None:
    staged = stage_organisations(SCRAPED)
    assert list(staged.columns) == STG_ORGANISATION_COLUMNS
    d = staged[staged["project_source_id"] == "industrie40:nl/proeftuinen/d"]
    assert d[["name", "role", "order"]].to_dict("records") == [
        {"name": "Flanders Make", "role": "uitvoerder", "order": 1},
        {"name": "imec", "role": "partner", "order": 2},
    ]
    assert len(staged) == 3 + 2 + 1 + 2 + 2


def test_empty_inputs_stage_to_empty_frames_with_columns() -> None:
    assert list(stage_projects([]).columns) == STG_PROJECT_COLUMNS
    assert stage_organisations([]).empty
    assert list(stage_skips([]).columns) == ["source", "url", "reason"]
    assert stage_pages([]).empty


def test_skips_stage_for_the_run_summary() -> None:
    from extractors.vlaio import Skip

    frame = stage_skips([Skip("https://x/a", "HTTP 404: page gone"), {"url": "https://x/b", "reason": "r"}])
    assert frame.to_dict("records") == [
        {"source": "vlaio", "url": "https://x/a", "reason": "HTTP 404: page gone"},
        {"source": "vlaio", "url": "https://x/b", "reason": "r"},
    ]
    assert isinstance(frame, pd.DataFrame)
