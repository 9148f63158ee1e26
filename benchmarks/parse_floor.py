"""How long parsing the generated dumps takes in Python, and nothing else: the lower bound of any Python
pipeline that reads the project's default formats (H2020 as JSON, HORIZON as XML).

Three levels, each timed on its own in this process (run it on a quiet machine):

* ``inflate``: every zip member read and inflated, the bytes dropped;
* ``parse``: every member parsed by the C parser the project uses and the result dropped: ``json.loads``
  of each JSON member whole (one array per table), ``lxml.etree.fromstring`` of each XML member (one
  project document each), with the project's own parser options;
* ``records``: the project's reader (``extractors.cordis.dumps.iter_dump``) making its records, batch by
  batch, as the refresh and the dlt contender get them (no typing, hashing or staging).

``python -m benchmarks.parse_floor --work /tmp/bench60k`` (a ``benchmarks.run`` work folder: its unchanged
dumps are generated there unless they already are). The targets it bears on are in ``benchmarks/README.md``, "Not done, and why".
"""

from __future__ import annotations

import argparse
import gc
import json
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from benchmarks.run import CORDIS_HOST, generated_dumps
from extractors.cordis.dumps import iter_dump
from extractors.cordis.xml_dump import _PARSER

DUMPS = {
    "json": "cordis-h2020projects-json.zip",
    "xml": "cordis-HORIZONprojects-xml.zip",
}


def _members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    return [info for info in archive.infolist() if not info.is_dir()]


def inflate(path: Path) -> int:
    """Every member inflated; the bytes inflated."""
    total = 0
    with zipfile.ZipFile(path) as archive:
        for info in _members(archive):
            total += len(archive.read(info))
    return total


def parse(path: Path, fmt: str) -> int:
    """Every member parsed whole by the C parser and dropped; the number of members parsed."""
    parsed = 0
    with zipfile.ZipFile(path) as archive:
        for info in _members(archive):
            content = archive.read(info)
            if fmt == "json":
                if info.filename.endswith(".json"):
                    json.loads(content)
                    parsed += 1
            elif info.filename.endswith(".xml"):
                etree.fromstring(content, parser=_PARSER)
                parsed += 1
    return parsed


def records(path: Path) -> int:
    """The project's reader, batch by batch; the projects and participations it made."""
    made = 0
    with tempfile.TemporaryDirectory() as spool:
        for batch in iter_dump(path, spool_dir=Path(spool)):
            made += len(batch.projects) + len(batch.participations)
    return made


def _timed(step: Callable[[], int]) -> tuple[float, int]:
    gc.collect()
    start = time.perf_counter()
    result = step()
    return time.perf_counter() - start, result


def measure(data: Path) -> dict[str, dict[str, float | int]]:
    """Each level of each dump in ``data`` (a mirror's ``cordis.europa.eu/data``), timed on its own:
    ``{"json_parse": {"seconds": s, "result": n}, ...}``; the result is the level's count (bytes inflated,
    members parsed, records made)."""
    results: dict[str, dict[str, float | int]] = {}
    for fmt, name in DUMPS.items():
        path = data / name
        steps: dict[str, Callable[[], int]] = {
            "inflate": lambda path=path: inflate(path),
            "parse": lambda path=path, fmt=fmt: parse(path, fmt),
            "records": lambda path=path: records(path),
        }
        for level, step in steps.items():
            seconds, result = _timed(step)
            results[f"{fmt}_{level}"] = {"seconds": round(seconds, 2), "result": result}
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, required=True, help="a benchmarks.run work folder")
    parser.add_argument("--projects", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--results", type=Path, help="write the timings there as JSON")
    args = parser.parse_args(argv)
    root = args.work / "base"  # where benchmarks.run keeps the unchanged dumps, reused when they are there
    generated = generated_dumps(root, args.projects, args.seed, None, jobs=2)
    results = measure(root / CORDIS_HOST / "data")
    print(f"{generated['projects']:,} projects, {generated['participations']:,} participations")
    print(f"{'dump':<5} {'level':<8} {'seconds':>8}  result")
    for key, value in results.items():
        fmt, level = key.split("_", 1)
        print(f"{fmt:<5} {level:<8} {value['seconds']:>8.2f}  {value['result']:,}")
    for level in ("inflate", "parse", "records"):
        both = results[f"json_{level}"]["seconds"] + results[f"xml_{level}"]["seconds"]
        print(f"both  {level:<8} {both:>8.2f}")
    if args.results:
        args.results.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
