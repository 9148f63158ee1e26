"""Opening dump archives safely, with errors that name the file: unreadable or truncated archives,
zip-slip member names and zip bombs are refused before anything is read, and a member that turns out
corrupt while it is streamed is reported with its name."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO

from extractors.cordis import settings
from inventory.errors import BadSourceFileError


def _unsafe_name(name: str) -> bool:
    posix, windows = PurePosixPath(name), PureWindowsPath(name)
    return (
        posix.is_absolute()
        or windows.is_absolute()
        or bool(windows.drive)
        or ".." in posix.parts
        or ".." in windows.parts
    )


def check_members(archive: zipfile.ZipFile, path: Path) -> None:
    """Refuse zip-slip names and zip bombs (limits in ``settings``), naming the member.

    Nothing is ever extracted to disk, but a dump carrying such members is not a CORDIS dump. The sizes
    checked are the declared ones; ``zipfile`` never inflates a member beyond its declared size, and a
    member that lies about it fails its CRC check when read (reported by ``open_member``)."""
    for info in archive.infolist():
        if _unsafe_name(info.filename):
            raise BadSourceFileError(f"{path}!{info.filename}", "unsafe member name (absolute or '..')")
        if info.file_size > settings.MAX_MEMBER_BYTES:
            raise BadSourceFileError(
                f"{path}!{info.filename}",
                f"member of {info.file_size} bytes exceeds the limit of {settings.MAX_MEMBER_BYTES} bytes",
            )
        if info.file_size >= settings.MIN_RATIO_CHECK_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > settings.MAX_COMPRESSION_RATIO:
                raise BadSourceFileError(
                    f"{path}!{info.filename}",
                    f"compression ratio {ratio:.0f} exceeds the limit of {settings.MAX_COMPRESSION_RATIO}"
                    " (zip bomb?)",
                )


def open_zip(path: Path) -> zipfile.ZipFile:
    """Open ``path`` as a zip archive whose members passed ``check_members``, or raise
    ``BadSourceFileError`` naming it."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise BadSourceFileError(str(path), f"not a readable zip archive ({exc})") from exc
    try:
        check_members(archive, path)
    except BaseException:
        archive.close()
        raise
    return archive


@contextmanager
def open_member(archive: zipfile.ZipFile, member: str, label: str) -> Iterator[IO[bytes]]:
    """Stream one member; a truncated or corrupt member (bad CRC, broken deflate data) raised while the
    body reads it becomes a ``BadSourceFileError`` naming ``label``."""
    try:
        with archive.open(member) as handle:
            yield handle
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise BadSourceFileError(label, f"corrupt or truncated zip member ({exc})") from exc


def find_member(archive: zipfile.ZipFile, path: Path, basename: str, required: bool = True) -> str | None:
    """The member called ``basename``, at the top or in a folder (``json/``, ``csv/``); None when absent
    and not ``required``. Two members of that name are ambiguous and refused."""
    matches = [name for name in archive.namelist() if PurePosixPath(name).name == basename]
    if len(matches) > 1:
        raise BadSourceFileError(str(path), f"several members named {basename}: {matches}")
    if matches:
        return matches[0]
    if required:
        raise BadSourceFileError(
            str(path), f"no member named {basename} (members: {archive.namelist()[:10]})"
        )
    return None
