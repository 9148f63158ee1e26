"""The listing hashes of the last successful run, kept between runs: next night's ``known_hashes`` (a
project whose listing hash is unchanged is not fetched again). One JSON file per query under the data dir;
written only after a run succeeded, so a failed run's changes are fetched again the next night."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


def known_hashes_path(state_dir: Path, query: str) -> Path:
    digest = hashlib.sha256(query.encode("utf-8")).hexdigest()[:16]
    return state_dir / f"cordis-listing-{digest}.json"


def load_known_hashes(path: Path) -> dict[str, str]:
    """Project id -> listing hash; empty before the first successful run."""
    if not path.is_file():
        return {}
    content = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in content.get("hashes", {}).items()}


def save_known_hashes(path: Path, query: str, hashes: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_text(json.dumps({"query": query, "hashes": hashes}, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
