"""Staging of VLAIO page records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

STG_PAGE_COLUMNS = [
    "source", "url", "canonical_url", "language", "title", "published", "headings", "n_links",
    "text_sha256", "text", "source_file", "fetched_at",
]  # fmt: skip


def stage_pages(records: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """stg_vlaio__pages rows: one per page, keyed by URL (the last fetch of a URL wins)."""
    rows = [{**record, "source": "vlaio"} for record in records]
    frame = pd.DataFrame(rows, columns=STG_PAGE_COLUMNS, dtype=object)
    return frame.drop_duplicates(subset=["url"], keep="last").reset_index(drop=True)
