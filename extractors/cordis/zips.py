"""Opening dump archives with errors that name the file."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from inventory.errors import BadSourceFileError


def open_zip(path: Path) -> zipfile.ZipFile:
    """Open ``path`` as a zip archive or raise ``BadSourceFileError`` naming it."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BadSourceFileError(str(path), f"not a readable zip archive ({exc})") from exc


def find_member(archive: zipfile.ZipFile, path: Path, basename: str) -> str:
    """The member called ``basename``, at the top or in a folder (dumps sometimes nest them)."""
    for name in archive.namelist():
        if PurePosixPath(name).name == basename:
            return name
    raise BadSourceFileError(str(path), f"no member named {basename} (members: {archive.namelist()[:10]})")
