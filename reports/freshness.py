"""The data-freshness section: the last successful run, whether a later run failed, the data-quality verdict,
and per source what was fetched when (``etl_run`` and ``raw_manifest``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from reports.marts import ReportData

VERDICTS = {
    True: ("passed", "geslaagd (passed)"),
    False: ("failed", "niet geslaagd (failed)"),
    None: ("unknown", "niet uitgevoerd (not run)"),
}


@dataclass(frozen=True)
class Fetch:
    url: str
    http_status: int
    size_bytes: int
    last_modified: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class SourceFreshness:
    source: str
    run_id: str
    last_fetched_at: datetime
    files: list[Fetch] = field(default_factory=list)


@dataclass(frozen=True)
class Freshness:
    last_success: dict[str, object] | None
    later_run: dict[str, object] | None
    dq_verdict: str
    dq_label: str
    sources: list[SourceFreshness]
    data_docs_url: str | None


def _sources(data: ReportData) -> list[SourceFreshness]:
    found = []
    for source, rows in data.fetches.groupby("source", sort=True):
        records = rows.to_dict("records")
        found.append(
            SourceFreshness(
                source=str(source),
                run_id=str(records[0]["run_id"]),
                last_fetched_at=max(r["fetched_at"] for r in records),
                files=[
                    Fetch(r["url"], r["http_status"], r["size_bytes"], r["last_modified"], r["fetched_at"])
                    for r in records
                ],
            )
        )
    return found


def freshness(data: ReportData, data_docs_url: str | None) -> Freshness:
    """``later_run`` is the latest run when it is not the last successful one (e.g. a failed or blocked
    refresh: the marts still hold the last successful run's data)."""
    success, latest = data.last_success, data.last_run
    later = latest if latest and (not success or latest["run_id"] != success["run_id"]) else None
    verdict, label = VERDICTS[success["dq_passed"] if success else None]
    return Freshness(
        last_success=success,
        later_run=later,
        dq_verdict=verdict,
        dq_label=label,
        sources=_sources(data),
        data_docs_url=data_docs_url,
    )
