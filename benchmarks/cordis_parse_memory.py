"""Peak memory of reading a large CORDIS XML dump with ``extractors.cordis.iter_dump``.

    python benchmarks/cordis_parse_memory.py --mb 500 [--batch-size 2000] [--limit-mib 500]

Generates, in a temporary folder, a ``cordis-HORIZONprojects-xml.zip`` of at least ``--mb`` MiB (compressed,
on disk) by repeating the five real HORIZON documents of ``recorded/sources/cordis/horizon_project_xml/``
with new project ids and rcns (deterministic), then reads it in a child process (so the generator's memory
does not count) batch by batch, as the flow would: each batch is counted and dropped. The child samples its
RSS every 20 ms (psutil) and reports the kernel's peak (``ru_maxrss``). Prints size, record counts, wall time
and peak RSS; exits 1 when the peak exceeds ``--limit-mib``.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCES = REPO_ROOT / "recorded" / "sources" / "cordis" / "horizon_project_xml"
MIB = 1 << 20
_RCN = re.compile(rb"<rcn>\d+</rcn>")
_ID = re.compile(rb"<id>\d+</id>")


def generate(target: Path, megabytes: float) -> dict[str, int]:
    """Write an XML dump zip of at least ``megabytes`` MiB; members ``project-rcn-<rcn>_en.xml``."""
    templates = [p.read_bytes() for p in sorted(SOURCES.glob("*.xml"))]
    documents = uncompressed = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        while target.stat().st_size < megabytes * MIB:
            for template in templates:
                rcn, project_id = 1_000_000 + documents, 900_000_000 + documents
                # the first <rcn> and <id> of a document are the project's own
                content = _RCN.sub(f"<rcn>{rcn}</rcn>".encode(), template, count=1)
                content = _ID.sub(f"<id>{project_id}</id>".encode(), content, count=1)
                info = zipfile.ZipInfo(f"project-rcn-{rcn}_en.xml", date_time=(2026, 11, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, content, compresslevel=1)
                documents += 1
                uncompressed += len(content)
            archive.fp.flush()  # type: ignore[union-attr]
    return {"documents": documents, "uncompressed_bytes": uncompressed, "zip_bytes": target.stat().st_size}


def parse(path: Path, batch_size: int) -> dict[str, float]:
    """Read the dump batch by batch in this process; counts, wall time and peak RSS."""
    import psutil

    sys.path.insert(0, str(REPO_ROOT))
    from extractors.cordis import iter_dump

    process = psutil.Process()
    peak = [process.memory_info().rss]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], process.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    counts = {"projects": 0, "participations": 0, "companion_rows": 0, "quarantined": 0, "batches": 0}
    started = time.perf_counter()
    for batch in iter_dump(path, batch_size=batch_size):
        counts["batches"] += 1
        counts["projects"] += len(batch.projects)
        counts["participations"] += len(batch.participations)
        counts["companion_rows"] += sum(len(rows) for rows in batch.companions.values())
        counts["quarantined"] += len(batch.quarantined)
        del batch
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    max_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        **counts,
        "seconds": round(elapsed, 1),
        "peak_rss_mib_sampled": round(peak[0] / MIB, 1),
        "peak_rss_mib": round(max(max_rss_kib * 1024, peak[0]) / MIB, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=500, help="size of the generated zip, MiB (default 500)")
    parser.add_argument("--batch-size", type=int, default=None, help="projects per batch (default: settings)")
    parser.add_argument("--limit-mib", type=float, default=500, help="fail above this peak RSS (default 500)")
    parser.add_argument("--parse", type=Path, help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args(argv)

    if args.batch_size is None:
        sys.path.insert(0, str(REPO_ROOT))
        from extractors.cordis.settings import BATCH_PROJECTS

        args.batch_size = BATCH_PROJECTS
    if args.parse:
        print(json.dumps(parse(args.parse, args.batch_size)))
        return 0

    with tempfile.TemporaryDirectory(prefix="cordis-memory-") as tmp:
        dump = Path(tmp) / "cordis-HORIZONprojects-xml.zip"
        started = time.perf_counter()
        generated = generate(dump, args.mb)
        print(
            f"generated {dump.name}: {generated['zip_bytes'] / MIB:.1f} MiB zip, "
            f"{generated['uncompressed_bytes'] / MIB:.1f} MiB of XML, {generated['documents']} documents "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        child = subprocess.run(
            [sys.executable, __file__, "--parse", str(dump), "--batch-size", str(args.batch_size)],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            print(child.stderr, file=sys.stderr)
            return 2
        result = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"parsed with iter_dump(batch_size={args.batch_size}): {result['projects']} projects, "
        f"{result['participations']} participations, {result['companion_rows']} companion rows, "
        f"{result['quarantined']} quarantined, {result['batches']} batches in {result['seconds']} s"
    )
    print(f"peak RSS: {result['peak_rss_mib']} MiB (sampled {result['peak_rss_mib_sampled']} MiB)")
    if result["peak_rss_mib"] > args.limit_mib:
        print(f"FAIL: peak RSS above {args.limit_mib} MiB", file=sys.stderr)
        return 1
    print(f"ok: peak RSS within {args.limit_mib} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
