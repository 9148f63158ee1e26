"""Project-coherent batches from table dumps, in bounded memory.

The JSON and CSV dumps keep projects, participations and companions in separate members, in no common
order. A consumer that merges batch by batch (replacing a project's participations with those in the batch)
needs every batch to hold some projects *with all* their participations and companions. The spool reads the
project member first (assigning consecutive projects to batches), then writes every row as one JSON line (orjson) to
its batch's file on disk, and finally reads the batch files back one at a time. Rows whose project is not in
the project member (orphans) come in a last batch of their own."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import orjson

from extractors.cordis.records import CordisRecords, Record

ORPHANS = -1


def _loads(line: bytes) -> list:
    """One spooled line back, exactly as written (orjson's, or json's for text orjson refuses)."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line.decode("utf-8", "surrogatepass"))


class BatchSpool:
    """Temporary per-batch files in a new folder under ``parent`` (default: the system's temporary
    folder), removed by ``close``."""

    def __init__(self, batch_size: int, parent: Path | None = None) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self._dir = Path(tempfile.mkdtemp(prefix="cordis-spool-", dir=parent))
        self._batch_size = batch_size
        self._files: dict[int, IO[bytes]] = {}
        self._batch_of: dict[str, int] = {}
        self._projects = 0

    def _write(self, batch: int, kind: str, record: Record) -> None:
        handle = self._files.get(batch)
        if handle is None:
            handle = self._files[batch] = (self._dir / f"{batch}.jsonl").open("wb")
        try:
            line = orjson.dumps([kind, record])
        except orjson.JSONEncodeError:  # text orjson refuses (an unpaired surrogate) goes through json
            line = json.dumps([kind, record], ensure_ascii=False, separators=(",", ":"))
            line = line.encode("utf-8", "surrogatepass")
        handle.write(line + b"\n")

    def add_project(self, record: Record) -> None:
        """Put a project into the current batch (the first occurrence of an id decides its batch)."""
        batch = self._projects // self._batch_size
        self._projects += 1
        project_id = record.get("id")
        if project_id is not None:
            self._batch_of.setdefault(project_id, batch)
        self._write(batch, "project", record)

    def add(self, kind: str, project_id: str | None, record: Record) -> None:
        """Put a participation (``kind`` "participation") or companion row (``kind`` its table name) into
        its project's batch."""
        self._write(self._batch_of.get(project_id or "", ORPHANS), kind, record)

    def batches(self) -> Iterator[CordisRecords]:
        """Yield the batches in project order, orphans last; each file is deleted once read."""
        for handle in self._files.values():
            handle.close()
        for batch in sorted(self._files, key=lambda b: (b == ORPHANS, b)):
            path = self._dir / f"{batch}.jsonl"
            records = CordisRecords()
            with path.open("rb") as handle:
                for line in handle:
                    kind, record = _loads(line)
                    if kind == "project":
                        records.projects.append(record)
                    elif kind == "participation":
                        records.participations.append(record)
                    else:
                        records.companions.setdefault(kind, []).append(record)
            path.unlink()
            yield records

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()
        shutil.rmtree(self._dir, ignore_errors=True)
