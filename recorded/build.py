"""Build the CORDIS files of the recorded-sources mirror from the real files in ``recorded/sources/``.

Everything written here is constructed (the real CORDIS zips and search responses are not available):
- the JSON and XML dump zips, whose members are real files, byte for byte;
- the CSV dump zip, whose members are CSV renderings of the real JSON export (same values, as text);
- the search-listing pages (JSON), built from the real per-project XML files, labelled ``_constructed``;
- the per-project detail documents, byte copies of the real XML files at the detail URL's path.
Every setting that could vary between runs or machines is fixed, so a fresh build is byte-identical to the
committed files (with the same zlib: deflate output is only stable for one zlib implementation).

    python recorded/build.py                 # (re)write the built files under recorded/mirror/
    python recorded/build.py --check         # exit 1, naming the file, if a committed file differs
    python recorded/build.py --print-hashes  # sha256sum-style lines for every mirror file (for README.md)
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SOURCES = ROOT / "sources"
MIRROR = ROOT / "mirror"
CORDIS = "cordis.europa.eu"

# zip path under mirror/ -> folder under sources/ whose files become the members (flat, sorted by name)
ZIPS: dict[str, str] = {
    f"{CORDIS}/data/cordis-h2020projects-json.zip": "cordis/h2020_json_export",
    f"{CORDIS}/data/cordis-HORIZONprojects-xml.zip": "cordis/horizon_project_xml",
}
CSV_ZIP = f"{CORDIS}/data/cordis-h2020projects-csv.zip"
CSV_SOURCE = "cordis/h2020_json_export"
CSV_FOLDER = "csv/"  # public code reads the members of the real CSV zips from a csv/ folder
XML_SOURCE = "cordis/horizon_project_xml"
LISTING_PAGE_SIZE = 2  # 5 projects -> pages of 2, 2 and 1 (the last one with a single `hit` object)
CONSTRUCTED_NOTE = (
    "CONSTRUCTED by recorded/build.py from the real project XML files in recorded/sources/"
    f"{XML_SOURCE}/ (top-level fields except objective); the response shape is reconstructed from public "
    "client code, not copied from a real CORDIS search response"
)

DATE_TIME = (2026, 11, 1, 0, 0, 0)
EXTERNAL_ATTR = 0o644 << 16
CREATE_SYSTEM = 3  # Unix; zipfile would write 0 on Windows
COMPRESSLEVEL = 9


def _zip(members: dict[str, bytes]) -> bytes:
    """A deterministic zip of ``members`` (name -> bytes), in name order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(
        buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESSLEVEL
    ) as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = EXTERNAL_ATTR
            info.create_system = CREATE_SYSTEM
            archive.writestr(info, members[name], compresslevel=COMPRESSLEVEL)
    return buffer.getvalue()


def build_zip(source_dir: Path) -> bytes:
    """The deterministic zip of every file directly in ``source_dir``, members sorted by name."""
    return _zip({p.name: p.read_bytes() for p in source_dir.iterdir() if p.is_file()})


def _csv_text(value: object) -> str:
    # The JSON was loaded with numbers as their exact text, so only booleans and null need a spelling.
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def csv_member(json_file: Path) -> bytes:
    """One JSON export array as CORDIS-style CSV: UTF-8 with BOM, ';'-separated, every field quoted,
    LF line ends, columns in the JSON's key order; text (embedded newlines, quotes) kept as it is."""
    rows = json.loads(json_file.read_bytes(), parse_float=str, parse_int=str)
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_text(row.get(column)) for column in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def build_csv_zip() -> bytes:
    source = SOURCES / CSV_SOURCE
    return _zip({f"{CSV_FOLDER}{p.stem}.csv": csv_member(p) for p in sorted(source.glob("*.json"))})


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _listing_project(xml_file: Path) -> dict[str, str]:
    """A hit's ``project`` object: the document's top-level leaf elements (except the long objective),
    as strings, in document order."""
    root = ET.parse(xml_file).getroot()
    return {
        _local(child.tag): (child.text or "")
        for child in root
        if len(child) == 0 and _local(child.tag) != "objective"
    }


def _xml_sources() -> list[Path]:
    return sorted((SOURCES / XML_SOURCE).glob("*.xml"), key=lambda p: p.name)


def listing_pages() -> dict[str, bytes]:
    """The constructed search-listing pages, keyed by their path under mirror/ (the mirror server's
    query rule: ``search?...&p=<p>&num=<n>`` is served from ``search__num=<n>&p=<p>.json``)."""
    projects = [_listing_project(path) for path in _xml_sources()]
    pages: dict[str, bytes] = {}
    for start in range(0, len(projects), LISTING_PAGE_SIZE):
        page = start // LISTING_PAGE_SIZE + 1
        chunk = projects[start : start + LISTING_PAGE_SIZE]
        hits: object = [{"project": p} for p in chunk]
        if len(chunk) == 1:
            hits = {"project": chunk[0]}  # the API sends a lone hit as an object, not a list
        body = {
            "_constructed": CONSTRUCTED_NOTE,
            "result": {"header": {"numHits": str(len(chunk)), "totalHits": str(len(projects))}},
            "hits": {"hit": hits},
        }
        text = json.dumps(body, ensure_ascii=False, indent=1) + "\n"
        pages[f"{CORDIS}/search__num={LISTING_PAGE_SIZE}&p={page}.json"] = text.encode("utf-8")
    return pages


def detail_documents() -> dict[str, bytes]:
    """The real project XML files at the path of ``/project/id/<id>?format=xml`` (served from
    ``project/id/<id>.xml``)."""
    documents: dict[str, bytes] = {}
    for path in _xml_sources():
        project_id = ET.parse(path).getroot().findtext("id")
        documents[f"{CORDIS}/project/id/{project_id}.xml"] = path.read_bytes()
    return documents


def built_files() -> dict[str, Callable[[], bytes]]:
    """Every file this script owns under mirror/, with the function that builds it."""
    files: dict[str, Callable[[], bytes]] = {
        relpath: (lambda source=source: build_zip(SOURCES / source)) for relpath, source in ZIPS.items()
    }
    files[CSV_ZIP] = build_csv_zip
    for relpath, content in {**listing_pages(), **detail_documents()}.items():
        files[relpath] = lambda content=content: content
    return files


def write_all() -> None:
    """Write every built file into the mirror."""
    for relpath, build in built_files().items():
        target = MIRROR / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(build())
        print(f"wrote {target.relative_to(ROOT.parent)}")


def stale_files() -> list[str]:
    """Messages for every committed built file that is missing or differs from a fresh build."""
    problems = []
    for relpath, build in built_files().items():
        target = MIRROR / relpath
        name = target.relative_to(ROOT.parent)
        if not target.is_file():
            problems.append(f"{name}: missing")
        elif target.read_bytes() != build():
            problems.append(f"{name}: differs from a fresh build")
    return problems


def mirror_hashes() -> list[str]:
    """``<sha256>  <path under mirror/>`` for every file in the mirror, sorted by path."""
    files = sorted(p for p in MIRROR.rglob("*") if p.is_file())
    return [
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(MIRROR).as_posix()}" for p in files
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 if a committed built file is stale")
    mode.add_argument("--print-hashes", action="store_true", help="print the sha256 of every mirror file")
    args = parser.parse_args(argv)
    if args.print_hashes:
        print("\n".join(mirror_hashes()))
        return 0
    if args.check:
        problems = stale_files()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run: python recorded/build.py", file=sys.stderr)
            return 1
        print(f"ok: {len(built_files())} built files match a fresh build")
        return 0
    write_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
