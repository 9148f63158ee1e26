"""Reader of the CORDIS JSON dump (``cordis-<programme>projects-json.zip``): ``project.json``,
``organization.json`` and, when present, the companions (``topics.json``, ``euroSciVoc.json``,
``legalBasis.json``), each one JSON array of objects, at the top of the zip or in a folder (``json/``).

The arrays are streamed element by element (``json.JSONDecoder.raw_decode`` over a sliding text buffer),
so memory is bounded by the largest element, never by the member: a real member is hundreds of MB. Numbers
are kept as their exact text (``parse_float=str``): money must never pass through a float."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Container, Iterator
from pathlib import Path
from typing import IO

from extractors.cordis import settings
from extractors.cordis.json_elements import (
    PROJECT_KEYS,
    DumpScan,
    ElementMismatch,
    iter_elements,
    scan_member,
)
from extractors.cordis.records import CordisRecords, as_text
from extractors.cordis.tables import Row, RowReader, iter_table_dump
from extractors.cordis.zips import find_member, open_member, open_zip
from inventory.errors import BadSourceFileError

_CHUNK_CHARS = 1 << 20
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder(parse_float=str, parse_int=str, parse_constant=str)
# A "\\uD800"-style escape in the raw text: the only way a JSON string decodes to an unpaired surrogate,
# which is not Unicode (it can be neither hashed nor stored as UTF-8). The decoded element is checked only
# when its raw text has one (a pair of them, as for an emoji, is fine).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class _ArrayStream:
    """A sliding window over a text stream, enough to decode one JSON value at a time."""

    def __init__(self, text: IO[str], label: str) -> None:
        self._text = text
        self._label = label
        self.buffer = ""
        self.pos = 0
        self.offset = 0  # characters dropped from the front of the buffer so far
        self.eof = False

    def fill(self) -> None:
        try:
            chunk = self._text.read(_CHUNK_CHARS)
        except UnicodeDecodeError as exc:
            raise BadSourceFileError(self._label, f"not UTF-8 text: {exc}") from exc
        self.offset += self.pos
        self.buffer = self.buffer[self.pos :] + chunk
        self.pos = 0
        self.eof = not chunk

    def next_char(self) -> str:
        """The next non-blank character (consumed), '' at the end of the text."""
        while True:
            self.pos = _WHITESPACE.match(self.buffer, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buffer):
                self.pos += 1
                return self.buffer[self.pos - 1]
            if self.eof:
                return ""
            self.fill()

    def peek_char(self) -> str:
        char = self.next_char()
        if char:
            self.pos -= 1
        return char

    def value(self, index: int) -> tuple[object, bool, str]:
        """Decode the value starting at the current position (after blanks); with it, whether its raw text
        holds a surrogate escape, and that raw text."""
        self.peek_char()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.pos)
            except RecursionError as exc:
                raise BadSourceFileError(self._label, f"element {index} is nested too deeply") from exc
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise BadSourceFileError(
                        self._label,
                        f"not valid JSON in element {index} at character {self.offset + exc.pos}: {exc.msg}",
                    ) from exc
                if len(self.buffer) - self.pos > settings.MAX_JSON_ELEMENT_CHARS:
                    raise BadSourceFileError(
                        self._label,
                        f"element {index} is not valid JSON or longer than "
                        f"{settings.MAX_JSON_ELEMENT_CHARS} characters ({exc.msg})",
                    ) from exc
                self.fill()
                continue
            if end == len(self.buffer) and not self.eof:
                self.fill()  # a number may go on in the next chunk
                continue
            escaped = _SURROGATE_ESCAPE.search(self.buffer, self.pos, end) is not None
            raw = self.buffer[self.pos : end]
            self.pos = end
            return value, escaped, raw


def _unpaired_surrogate(value: object) -> bool:
    """True when a string anywhere in ``value`` (keys too) holds an unpaired surrogate."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def iter_json_array(handle: IO[bytes], label: str) -> Iterator[object]:
    """Yield the elements of the JSON array in ``handle`` one at a time (BOM tolerated)."""
    for element, _, _ in _iter_elements(handle, label):
        yield element


def _iter_elements(handle: IO[bytes], label: str) -> Iterator[tuple[object, bool, str]]:
    """The elements of the array with, for each, whether its raw text holds a surrogate escape, and its raw
    text."""
    stream = _ArrayStream(io.TextIOWrapper(handle, encoding="utf-8-sig"), label)
    first = stream.next_char()
    if first != "[":
        found = {"{": "object", "": "nothing"}.get(first, f"text starting with {first!r}")
        raise BadSourceFileError(label, f"expected a JSON array of objects, found a JSON {found}")
    if stream.peek_char() == "]":
        stream.next_char()
    else:
        index = 0
        while True:
            yield stream.value(index)
            index += 1
            separator = stream.next_char()
            if separator == "]":
                break
            if separator != ",":
                raise BadSourceFileError(
                    label,
                    f"not valid JSON after element {index - 1}: expected ',' or ']', found "
                    f"{separator or 'the end of the member'!r}",
                )
    if stream.next_char():
        raise BadSourceFileError(label, "not valid JSON: text after the closing ']'")


def _json_rows(handle: IO[bytes], label: str) -> Iterator[Row]:
    for index, (element, escaped, raw) in enumerate(_iter_elements(handle, label)):
        yield _row(index, element, escaped, raw)


def _row(index: int, element: object, escaped: bool, raw: str) -> Row:
    key = f"element {index}"
    if escaped and _unpaired_surrogate(element):
        reason = f"element {index} holds an unpaired surrogate escape (\\uD800-\\uDFFF): not Unicode"
        return key, None, reason, None
    if isinstance(element, dict):
        return key, element, None, raw
    return key, None, f"element {index} is a JSON {type(element).__name__}, not an object", None


def _selected_rows(
    entity: str, projects: Container[str | None], element_projects: list[str | None]
) -> RowReader:
    """A reader of the elements of the ``projects`` only (and of those whose project their bytes do not
    name), found without decoding the others (``json_elements``): ``element_projects`` is the project each
    element names, from the scan of the same member. :class:`ElementMismatch` when a decoded element is not
    what its bytes were taken for."""
    key_field = PROJECT_KEYS[entity].decode()

    def rows(handle: IO[bytes], label: str) -> Iterator[Row]:
        index = -1
        for index, element in enumerate(iter_elements(handle)):
            if index >= len(element_projects):
                raise ElementMismatch(f"{label}: more elements than the scan found")
            project_id = element_projects[index]
            if project_id not in projects and project_id is not None:
                continue
            try:
                raw = element.decode("utf-8")
                value, end = _DECODER.raw_decode(raw)
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
                raise ElementMismatch(f"{label}: element {index} is not one JSON value: {exc}") from exc
            if end != len(raw) or not isinstance(value, dict) or as_text(value.get(key_field)) != project_id:
                raise ElementMismatch(f"{label}: element {index} is not the element of project {project_id}")
            yield _row(index, value, _SURROGATE_ESCAPE.search(raw) is not None, raw)
        if index + 1 != len(element_projects):
            raise ElementMismatch(
                f"{label}: {index + 1} elements where the scan found {len(element_projects)}"
            )

    return rows


def iter_json_dump(
    path: Path,
    batch_size: int = settings.BATCH_PROJECTS,
    spool_dir: Path | None = None,
    projects: Container[str | None] | None = None,
    scan: DumpScan | None = None,
) -> Iterator[CordisRecords]:
    """Yield project-coherent batches of records from a JSON dump zip (see ``tables.iter_table_dump``).

    ``projects`` and ``scan`` (``scan_json_dump`` of the same file): read only the elements of those
    projects, and of any whose project their bytes do not name, in the project and participation members
    (``json_elements``: :class:`NotSplittable` when the dump is not laid out as CORDIS pretty-prints it,
    :class:`ElementMismatch` when an element is not what its bytes were taken for; both raised before the
    first batch is yielded)."""
    selected = (
        None
        if projects is None or scan is None
        else {
            entity: _selected_rows(entity, projects, scan.element_projects.get(entity, []))
            for entity in PROJECT_KEYS
        }
    )
    return iter_table_dump(path, "json", _json_rows, batch_size, spool_dir, entity_rows=selected)


def scan_json_dump(path: Path) -> DumpScan:
    """The digests of every project's elements in a JSON dump zip, and the project each element names,
    found without decoding them (:class:`NotSplittable` when the dump is not laid out as CORDIS
    pretty-prints it)."""
    scan = DumpScan()
    with open_zip(path) as archive:
        for entity, table in (
            ("project", settings.PROJECT_TABLE),
            ("participation", settings.PARTICIPATION_TABLE),
        ):
            member = find_member(archive, path, f"{table}.json", True)
            with open_member(archive, member, f"{path.name}!{member}") as handle:
                scan.element_projects[entity] = scan_member(handle, entity, scan.digests)
    return scan


def read_json_dump(path: Path) -> CordisRecords:
    """Every record of a JSON dump zip in one ``CordisRecords`` (for small dumps)."""
    records = CordisRecords()
    for batch in iter_json_dump(path):
        records.extend(batch)
    return records
