"""The memory benchmark of the XML reader runs end to end at a tiny size (the 500 MiB run is manual:
``python benchmarks/cordis_parse_memory.py --mb 500``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "cordis_parse_memory.py"


def test_the_memory_benchmark_runs_and_reports_its_peak() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--mb", "1", "--batch-size", "20"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "0 quarantined" in result.stdout and "batches" in result.stdout
    assert "peak RSS:" in result.stdout and "ok: peak RSS within 500 MiB" in result.stdout
