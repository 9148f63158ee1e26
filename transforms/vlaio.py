"""Staging of VLAIO records: pages, proeftuin projects (in the shape of the CORDIS staged projects where it
applies), their organisations as the pages name them, and the crawl's skips. Pure: records in, frames out."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from extractors.vlaio.fields import split_names
from extractors.vlaio.reference import match_to_reference
from extractors.vlaio.settings import FUNDING_SCHEME, PROGRAMME
from transforms.values import content_hash

SOURCE = "vlaio"

STG_PAGE_COLUMNS = [
    "source", "url", "canonical_url", "language", "title", "published", "headings", "n_links",
    "text_sha256", "text", "source_file", "fetched_at",
]  # fmt: skip

STG_PROJECT_COLUMNS = [
    "source", "source_id", "acronym", "title", "programme", "funding_scheme", "status", "start_date",
    "end_date", "total_cost_eur", "subsidy_eur", "themes", "sectors", "focus", "source_url", "language",
    "batch", "proeftuin_label", "executors", "partners", "period_text", "canonical_url", "page_sha256",
    "field_hashes", "source_file", "fetched_at", "record_hash",
]  # fmt: skip
# Volatile or derived columns left out of record_hash: a re-fetch of the same content keeps its hash.
_NOT_HASHED = ("page_sha256", "field_hashes", "source_file", "fetched_at", "record_hash")

STG_ORGANISATION_COLUMNS = ["source", "project_source_id", "name", "role", "order", "source_url"]
SKIP_COLUMNS = ["source", "url", "reason"]

LIST_SEPARATOR = "; "


def stage_pages(records: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """stg_vlaio__pages rows: one per page, keyed by URL (the last fetch of a URL wins)."""
    rows = [{**record, "source": SOURCE} for record in records]
    frame = pd.DataFrame(rows, columns=STG_PAGE_COLUMNS, dtype=object)
    return frame.drop_duplicates(subset=["url"], keep="last").reset_index(drop=True)


def _joined(values: object) -> str | None:
    if isinstance(values, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in values) or None
    return str(values) if values else None


def _project_row(record: Mapping[str, Any]) -> dict[str, Any]:
    hashes = record.get("field_hashes")
    row = {
        "source": SOURCE,
        "source_id": record["source_id"],
        "acronym": None,  # proeftuinen have no acronym
        "title": record.get("title"),
        "programme": PROGRAMME,
        "funding_scheme": FUNDING_SCHEME,
        "status": record.get("status"),
        "start_date": record.get("start_date"),
        "end_date": record.get("end_date"),
        "total_cost_eur": record.get("budget_eur"),
        "subsidy_eur": record.get("subsidy_eur"),
        "themes": _joined(record.get("themes")),
        "sectors": _joined(record.get("sectors")),
        "focus": record.get("focus"),
        "source_url": record.get("url"),
        "language": record.get("language"),
        "batch": record.get("batch"),
        "proeftuin_label": record.get("proeftuin_label"),
        "executors": _joined(record.get("executors")),
        "partners": _joined(record.get("partners")),
        "period_text": record.get("period_text"),
        "canonical_url": record.get("canonical_url"),
        "page_sha256": record.get("page_sha256"),
        "field_hashes": json.dumps(hashes, sort_keys=True) if isinstance(hashes, Mapping) else hashes,
        "source_file": record.get("source_file"),
        "fetched_at": record.get("fetched_at"),
    }
    return row


def stage_projects(
    records: Iterable[Mapping[str, Any]], reference: pd.DataFrame | None = None
) -> pd.DataFrame:
    """stg_vlaio__projects rows: one per proeftuin page, keyed by ``source_id`` (the last record wins).

    Values as the page states them (amounts Decimal, dates ``datetime.date``, lists joined with "; ").
    ``batch`` comes from the page when it states one, else — when ``reference`` (``load_reference()``) is
    given — from the reference proeftuin the title matches; otherwise None. ``record_hash``: SHA-256 of the
    canonical values of every column except the volatile ones."""
    rows = [_project_row(record) for record in records]
    frame = pd.DataFrame(rows, columns=STG_PROJECT_COLUMNS, dtype=object)
    frame = frame.drop_duplicates(subset=["source_id"], keep="last").reset_index(drop=True)
    if reference is not None and not frame.empty:
        matches, _ = match_to_reference(frame, reference)
        batch_of = {
            m["source_id"]: m["batch"] for m in matches.to_dict("records") if m["status"] == "matched"
        }
        batches = [
            batch if batch is not None else batch_of.get(sid)
            for sid, batch in zip(frame["source_id"], frame["batch"], strict=True)
        ]
        frame["batch"] = pd.Series(batches, dtype=object)
    hashes = [
        content_hash({k: v for k, v in row.items() if k not in _NOT_HASHED})
        for row in frame.to_dict("records")
    ]
    frame["record_hash"] = pd.Series(hashes, dtype=object)
    return frame


def stage_organisations(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """stg_vlaio__organisations rows: per project, each organisation as the page names it, role
    "uitvoerder" (executing) or "partner", ``order`` 1, 2, ... in page order (executors first).

    Names are not normalised here: organisation resolution is the core layer's job."""
    rows = []
    latest = {record["source_id"]: record for record in records}  # the last record of a page wins
    for source_id, record in latest.items():
        order = 0
        for role, key in (("uitvoerder", "executors"), ("partner", "partners")):
            for name in record.get(key) or []:
                order += 1
                rows.append(
                    {
                        "source": SOURCE,
                        "project_source_id": source_id,
                        "name": name,
                        "role": role,
                        "order": order,
                        "source_url": record.get("url"),
                    }
                )
    return pd.DataFrame(rows, columns=STG_ORGANISATION_COLUMNS, dtype=object)


def stage_skips(skips: Iterable[Any]) -> pd.DataFrame:
    """The URLs a crawl did not use, with the reason (``Skip`` objects or ``{url, reason}`` mappings), for the
    run summary."""
    rows = [
        {"source": SOURCE, "url": s["url"], "reason": s["reason"]}
        if isinstance(s, Mapping)
        else {"source": SOURCE, "url": s.url, "reason": s.reason}
        for s in skips
    ]
    return pd.DataFrame(rows, columns=SKIP_COLUMNS, dtype=object)


def reference_only(reference: pd.DataFrame, staged: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The reference proeftuinen (``extractors.vlaio.reference.load_reference``) that no crawled page matched,
    as staged projects (``source_id`` 'reference:<reference_id>', title, focus, batch, start year, no URL) and
    their executing organisations, so the inventory lists every proeftuin the origin document names even when
    the site no longer shows it. Empty frames when every reference proeftuin was found."""
    matches, _ = match_to_reference(staged.reindex(columns=STG_PROJECT_COLUMNS), reference)
    missing = set(matches.loc[matches["status"] == "reference_only", "reference_id"])
    records = []
    for row in reference.to_dict("records"):
        if row["reference_id"] not in missing:
            continue
        records.append(
            {
                "source_id": f"reference:{row['reference_id']}",
                "title": row["title"],
                "focus": row["focus"],
                "batch": str(row["batch"]),
                "executors": split_names(row["executing_organisations"]),
                "period_text": f"start {row['start_year']}" if row.get("start_year") else None,
                "source_file": row["source_file"],
                "url": None,
            }
        )
    return stage_projects(records), stage_organisations(records)
