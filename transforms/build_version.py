"""The fingerprint of what builds the core and the marts: the transforms, their taxonomies and the seeds they
read. A publish compares it with the fingerprint stored beside the published rows (``publish_state``): only
rows built by the same code may be kept without being rebuilt and rewritten."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# every file whose content can change a core or mart row
INPUTS = (
    "transforms/**/*.py",
    "transforms/taxonomy/*.csv",
    "seeds/*.csv",
    "extractors/vlaio/reference.py",
    "extractors/cordis/settings.py",
    # the build's reads of staging: their order and types decide rows too (session 13: the order in which
    # an organisation's records came decided its attributes)
    "warehouse/publish.py",
)


def input_files(root: Path = ROOT) -> list[Path]:
    return sorted({path for pattern in INPUTS for path in root.glob(pattern) if path.is_file()})


@lru_cache(maxsize=1)
def build_fingerprint(root: Path = ROOT) -> str:
    """SHA-256 over the relative path and bytes of every input file."""
    digest = hashlib.sha256()
    for path in input_files(root):
        data = path.read_bytes()
        digest.update(f"{path.relative_to(root).as_posix()}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()
