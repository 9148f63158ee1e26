"""The curated reference source (dbt-seed style, ``seeds/``): the proeftuinen and batch figures as the
origin document and the press state them, a loader, the even yearly split of a batch total, and a pure
matcher of scraped proeftuinen against the reference that reports conflicts instead of resolving them."""

from __future__ import annotations

import csv
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import pandas as pd

from extractors.vlaio.fields import split_names
from extractors.vlaio.settings import TITLE_PREFIXES
from inventory.errors import BadSourceFileError

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
PROEFTUINEN_SEED = SEEDS / "vlaio_proeftuinen.csv"
BATCHES_SEED = SEEDS / "vlaio_proeftuin_batches.csv"
CENT = Decimal("0.01")

REFERENCE_COLUMNS = [
    "reference_id", "batch", "call", "title", "focus", "executing_organisations", "executor_label",
    "approved", "start_year", "source_file", "source_location", "seed_version",
]  # fmt: skip
BATCH_COLUMNS = [
    "batch", "call", "claim_source", "source_file", "source_location", "n_projects", "amount_eur",
    "amount_kind", "years", "split", "start", "quote", "note", "seed_version",
]  # fmt: skip
MATCH_COLUMNS = [
    "status", "method", "reference_id", "source_id", "source_url", "scraped_title", "reference_title", "batch",
]  # fmt: skip
CONFLICT_COLUMNS = [
    "reference_id", "source_id", "field", "scraped_value", "reference_value", "reference_source", "note",
]  # fmt: skip
BATCH_TOTAL_COLUMNS = ["batch", "title", "total_subsidy_eur", "years", "split", "source"]
BATCH_CONFLICT_COLUMNS = ["batch", "field", "value", "sources", "amount_kinds"]


def _read_seed(path: Path, columns: list[str], key: list[str]) -> pd.DataFrame:
    """The seed as strings exactly as written ('' -> None), read with the csv module so that no value is
    guessed into a float or a NaN."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise BadSourceFileError(str(path), f"seed lacks the columns {', '.join(missing)}")
        rows = [{c: (row[c] if row[c] != "" else None) for c in columns} for row in reader]
    keys = [tuple(row[k] for k in key) for row in rows]
    if len(set(keys)) != len(keys):
        raise BadSourceFileError(str(path), f"duplicate rows for the key {', '.join(key)}")
    return pd.DataFrame(rows, columns=columns, dtype=object)


def load_reference(path: Path = PROEFTUINEN_SEED) -> pd.DataFrame:
    """``seeds/vlaio_proeftuinen.csv``: one row per proeftuin as the origin document states it (strings as
    written; ``start_year`` an int). No per-proeftuin amount: the document gives only the batch total."""
    frame = _read_seed(path, REFERENCE_COLUMNS, ["reference_id"])
    frame["start_year"] = pd.Series([int(v) if v else None for v in frame["start_year"]], dtype=object)
    return frame


def load_batches(path: Path = BATCHES_SEED) -> pd.DataFrame:
    """``seeds/vlaio_proeftuin_batches.csv``: one row per claim (batch, source) with its quote; the sources
    disagree, so a batch can have several rows. ``amount_eur`` is an exact Decimal, ``n_projects`` an int."""
    frame = _read_seed(path, BATCH_COLUMNS, ["batch", "claim_source"])
    frame["amount_eur"] = pd.Series(
        [Decimal(v).quantize(CENT) if v else None for v in frame["amount_eur"]], dtype=object
    )
    frame["n_projects"] = pd.Series([int(v) if v else None for v in frame["n_projects"]], dtype=object)
    return frame


def years_of(span: str) -> list[int]:
    """'2018-2020' -> [2018, 2019, 2020]."""
    first, _, last = span.partition("-")
    return list(range(int(first), int(last or first) + 1))


def batch_totals(batches: pd.DataFrame) -> pd.DataFrame:
    """One row per batch whose total subsidy and years a source states (the origin document for batch 1):
    batch, title, total_subsidy_eur, years ('YYYY-YYYY'), split ('even'), source. A batch known only by
    conflicting budgets (batch 2: 3.5 vs 4 MEUR) is left out rather than resolved."""
    rows = [
        {
            "batch": row["batch"],
            "title": f"Proeftuinen Industrie 4.0, oproep {row['call']} ({row['n_projects']} projecten)",
            "total_subsidy_eur": row["amount_eur"],
            "years": row["years"],
            "split": row["split"] or "pro_rata",
            "source": f"{row['source_file']} ({row['source_location']})",
        }
        for row in batches.to_dict("records")
        if row["amount_kind"] == "total_subsidy" and row["amount_eur"] is not None and row["years"]
    ]
    return pd.DataFrame(rows, columns=BATCH_TOTAL_COLUMNS, dtype=object)


def batch_conflicts(batches: pd.DataFrame) -> pd.DataFrame:
    """Where the sources disagree about a batch (number of projects, amount): one row per value stated,
    with the sources that state it. Nothing is resolved."""
    rows = []
    for (batch,), claims in batches.groupby(["batch"], sort=True):
        for column in ("n_projects", "amount_eur"):
            stated = [c for c in claims.to_dict("records") if c[column] is not None]
            values = sorted({c[column] for c in stated})
            if len(values) < 2:
                continue
            for value in values:
                holders = [c for c in stated if c[column] == value]
                rows.append(
                    {
                        "batch": batch,
                        "field": column,
                        "value": value,
                        "sources": "; ".join(c["claim_source"] for c in holders),
                        "amount_kinds": "; ".join(sorted({c["amount_kind"] or "" for c in holders})),
                    }
                )
    return pd.DataFrame(rows, columns=BATCH_CONFLICT_COLUMNS, dtype=object)


def normalise_title(title: str | None) -> str:
    """Matching form of a proeftuin title: accents, case and punctuation dropped, and the prefixes
    "proeftuin", "living lab", ... removed ('PROEFTUIN SMART FARMING 4.0' -> 'smart farming 4 0')."""
    if not title:
        return ""
    decomposed = unicodedata.normalize("NFKD", title.replace("\u00ad", ""))  # soft hyphens are invisible
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    words = re.sub(r"[\W_]+", " ", plain).split()
    stripped = True
    while stripped:
        stripped = False
        for prefix in TITLE_PREFIXES:
            cut = prefix.split()
            if words[: len(cut)] == cut and len(words) > len(cut):
                words, stripped = words[len(cut) :], True
                break
    return " ".join(words)


def _org_key(name: str) -> str:
    """Comparison form of an organisation name (for conflict detection only, not resolution)."""
    return re.sub(r"\s+", " ", name.replace("’", "'").replace("‘", "'")).strip().casefold()


def _names(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return split_names(str(value))


def _compact(key: str) -> str:
    return key.replace(" ", "")


def _match_key(row: dict) -> str:
    return normalise_title(row.get("proeftuin_label") or row.get("title"))


def _pair(scraped: list[dict], reference: list[dict]) -> list[tuple[int | None, int | None, str | None]]:
    """(scraped index, reference index, method): exact normalised title first, then a unique word-prefix."""
    keys = {i: _match_key(r) for i, r in enumerate(scraped)}
    ref_keys = {j: normalise_title(r["title"]) for j, r in enumerate(reference)}
    pairs: list[tuple[int | None, int | None, str | None]] = []
    free_refs = set(ref_keys)
    unmatched = []
    for i, key in keys.items():
        # equal, or equal once spaces are dropped ("operator-ondersteuning" / "operatorondersteuning")
        exact = [j for j in sorted(free_refs) if key and _compact(ref_keys[j]) == _compact(key)]
        if exact:
            pairs.append((i, exact[0], "exact"))
            free_refs.discard(exact[0])
        else:
            unmatched.append(i)
    for i in unmatched:
        key = keys[i]
        candidates = [
            j
            for j in sorted(free_refs)
            if len(key.split()) >= 2
            and len(ref_keys[j].split()) >= 2
            and (ref_keys[j].startswith(key + " ") or key.startswith(ref_keys[j] + " "))
        ]
        if len(candidates) == 1:
            pairs.append((i, candidates[0], "prefix"))
            free_refs.discard(candidates[0])
        else:
            pairs.append((i, None, None))
    pairs += [(None, j, None) for j in sorted(free_refs)]
    return pairs


def match_to_reference(scraped: pd.DataFrame, reference: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Match staged proeftuinen (``transforms.vlaio.stage_projects``) to the reference by normalised title.

    Returns ``(matches, conflicts)``. ``matches``: one row per pair, plus ``reference_only`` rows (a
    reference proeftuin not found on the site) and ``scraped_only`` rows (a proeftuin the reference does not
    list: batch 2, which the origin document predates). ``conflicts``: one row per field on which a matched
    pair disagrees — executing organisations (as sets, compared without case or quote-style differences) and
    start year; a field one side does not state is not a conflict."""
    scraped_rows = scraped.to_dict("records")
    reference_rows = reference.to_dict("records")
    matches, conflicts = [], []
    for i, j, method in _pair(scraped_rows, reference_rows):
        s = scraped_rows[i] if i is not None else {}
        r = reference_rows[j] if j is not None else {}
        status = (
            "matched"
            if i is not None and j is not None
            else "scraped_only"
            if j is None
            else "reference_only"
        )
        matches.append(
            {
                "status": status,
                "method": method,
                "reference_id": r.get("reference_id"),
                "source_id": s.get("source_id"),
                "source_url": s.get("source_url"),
                "scraped_title": s.get("title"),
                "reference_title": r.get("title"),
                "batch": r.get("batch"),
            }
        )
        if status == "matched":
            conflicts += _conflicts(s, r)
    return (
        pd.DataFrame(matches, columns=MATCH_COLUMNS, dtype=object),
        pd.DataFrame(conflicts, columns=CONFLICT_COLUMNS, dtype=object),
    )


def _conflicts(scraped: dict, reference: dict) -> list[dict]:
    found = []
    source = f"{reference['source_file']} ({reference['source_location']})"

    def conflict(name: str, scraped_value: object, reference_value: object, note: str) -> None:
        found.append(
            {
                "reference_id": reference["reference_id"],
                "source_id": scraped.get("source_id"),
                "field": name,
                "scraped_value": scraped_value,
                "reference_value": reference_value,
                "reference_source": source,
                "note": note,
            }
        )

    page_orgs = _names(scraped.get("executors"))
    reference_orgs = _names(reference.get("executing_organisations"))
    if (
        page_orgs
        and reference_orgs
        and {_org_key(n) for n in page_orgs} != {_org_key(n) for n in reference_orgs}
    ):
        conflict(
            "executing_organisations",
            "; ".join(page_orgs),
            reference.get("executing_organisations"),
            "the page and the reference name different executing organisations",
        )
    start = scraped.get("start_date")
    start_year = getattr(start, "year", None) or scraped.get("start_year")
    if start_year and reference.get("start_year") and int(start_year) != int(reference["start_year"]):
        conflict("start_year", int(start_year), int(reference["start_year"]), "different start year")
    return found


__all__ = [
    "batch_conflicts",
    "batch_totals",
    "load_batches",
    "load_reference",
    "match_to_reference",
    "normalise_title",
    "years_of",
]
