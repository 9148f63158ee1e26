"""The elements of a CORDIS JSON member found and digested without decoding them, so that a night decodes
only the projects whose elements changed since they were staged.

CORDIS pretty-prints its JSON dumps: ``[{`` then one key per line, and consecutive elements of the array
joined by ``\\n},{``. A JSON string cannot hold a raw newline, so in an array of flat objects that separator
only ever stands between two of them; each element is the bytes from its ``{`` to its ``}``. Which project an
element belongs to is read from its key line (``"projectID": 633006,`` on a line of its own; ``"id"`` in the
project member). Both are checked where it matters: an element that is decoded must be one JSON object
spanning exactly those bytes, of the project its key line named (else :class:`ElementMismatch`, and the caller
reads the dump the usual way); an element that is not decoded is one whose project's digest, the sum of its
elements' digests, is the one recorded when a full decode staged that project, which no wrongly cut element
reproduces. A member laid out any other way is not split at all (:class:`NotSplittable`)."""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from extractors.cordis import settings

SEPARATOR = b"\n},{"
_READ_BYTES = 1 << 22
_MASK = (1 << 64) - 1
_BLANK = b" \t\r\n"
# the entities whose elements are digested (the staged ones), with the key naming their project
PROJECT_KEYS = {"project": b"id", "participation": b"projectID"}
# the key and its value; the line must start with it (checked by ``_named``: a pattern starting with the key
# itself is searched for as a literal, 5x faster than one starting with the line break)
_KEY_LINE = {
    entity: re.compile(rb'"' + key + rb'": *"?([^",\n\\]*)"?,?[ \t\r]*\n')
    for entity, key in PROJECT_KEYS.items()
}
_LINE_START = frozenset(b"\n{")


class NotSplittable(ValueError):
    """The member is not laid out as CORDIS pretty-prints its dumps: read it the usual way."""


class ElementMismatch(ValueError):
    """A decoded element is not what its bytes were taken for (not one object, or another project's)."""


def element_digest(entity: str, element: bytes) -> int:
    """A 64-bit digest of one element's bytes (from its ``{`` to its ``}``), keyed by its entity."""
    return int.from_bytes(hashlib.blake2b(element, digest_size=8, person=entity.encode()).digest(), "little")


def signed(digest: int) -> int:
    """``digest`` (a sum of element digests, modulo 2**64) as the signed 64-bit integer a BIGINT holds."""
    digest &= _MASK
    return digest - (1 << 64) if digest >= 1 << 63 else digest


@dataclass
class ProjectDigests:
    """Per project: the sum of its elements' digests, its project elements and its participation elements."""

    sums: dict[str | None, list[int]] = field(default_factory=dict)

    def add(self, entity: str, project_id: str | None, digest: int) -> None:
        entry = self.sums.get(project_id)
        if entry is None:
            entry = self.sums[project_id] = [0, 0, 0]
        entry[0] = (entry[0] + digest) & _MASK
        entry[1 if entity == "project" else 2] += 1

    def of(self, project_id: str) -> tuple[int, int, int] | None:
        """(signed digest, project elements, participation elements) of a project, None when it has none."""
        entry = self.sums.get(project_id)
        return None if entry is None else (signed(entry[0]), entry[1], entry[2])


def iter_elements(handle: IO[bytes]) -> Iterator[bytes]:
    """The elements of the JSON array in ``handle`` as bytes, without decoding them (:class:`NotSplittable`
    when the member is not a pretty-printed array of objects)."""
    buffer = handle.read(_READ_BYTES)
    if buffer.startswith(codecs.BOM_UTF8):
        buffer = buffer[len(codecs.BOM_UTF8) :]
    start = len(buffer) - len(buffer.lstrip(_BLANK))
    if buffer[start : start + 1] != b"[":
        raise NotSplittable("not a JSON array")
    start += 1
    while start < len(buffer) and buffer[start] in _BLANK:
        start += 1
    if buffer[start : start + 1] == b"]":
        return
    if buffer[start : start + 1] != b"{":
        raise NotSplittable("not an array of objects")
    eof = False
    while True:
        end = buffer.find(SEPARATOR, start)
        if end >= 0:
            yield buffer[start : end + 2]
            start = end + 3
            continue
        if eof:
            break
        if len(buffer) - start > settings.MAX_JSON_ELEMENT_CHARS * 4:
            raise NotSplittable("an element longer than any CORDIS element")
        more = handle.read(_READ_BYTES)
        eof = not more
        buffer = buffer[start:] + more
        start = 0
    tail = buffer[start:].rstrip(_BLANK)
    if not tail.endswith(b"]"):
        raise NotSplittable("the array does not end")
    last = tail[:-1].rstrip(_BLANK)
    if not last.endswith(b"\n}"):
        raise NotSplittable("the last element does not end as CORDIS ends its elements")
    yield last


def _named(search, element: bytes) -> bytes | None:
    """The value of the first key line ``search`` finds at the start of a line of ``element`` (after blanks;
    the first line starts at the element's ``{``), None when there is none. A JSON string cannot hold a raw
    line break, so such a line is a key of the element, not text inside a value."""
    found = search(element)
    while found is not None:
        before = found.start() - 1
        while before >= 0 and element[before] in b" \t":
            before -= 1
        if before >= 0 and element[before] in _LINE_START:
            return found.group(1)
        found = search(element, found.end())
    return None


def scan_member(handle: IO[bytes], entity: str, digests: ProjectDigests) -> list[str | None]:
    """Add the digest of every element of a member of ``entity`` to its project's in ``digests``; returns the
    project each element names, in order (equal ids one string)."""
    pattern = _KEY_LINE[entity].search
    add = digests.add
    ids: dict[bytes, str] = {}
    projects: list[str | None] = []
    for element in iter_elements(handle):
        raw_id = _named(pattern, element)
        if raw_id is None:
            project_id = None
        else:
            project_id = ids.get(raw_id)
            if project_id is None:
                project_id = ids[raw_id] = raw_id.decode("utf-8", "replace")
        projects.append(project_id)
        add(entity, project_id, element_digest(entity, element))
    return projects


@dataclass
class DumpScan:
    """A JSON dump's projects as its elements give them, found without decoding any: the digests, and the
    project each element of each entity's member names (None: it names none), in the member's order."""

    digests: ProjectDigests = field(default_factory=ProjectDigests)
    element_projects: dict[str, list[str | None]] = field(default_factory=dict)
