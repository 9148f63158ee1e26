"""Build the CORDIS dump zips of the recorded-sources mirror from the real files in ``recorded/sources/``.

The zips are constructed (the real CORDIS zips are not available); their members are real files, byte for
byte. Every setting that could vary between runs or machines is fixed, so a fresh build is byte-identical to
the committed zip (with the same zlib: deflate output is only stable for one zlib implementation).

    python recorded/build.py                 # (re)write recorded/mirror/**/*.zip
    python recorded/build.py --check         # exit 1, naming the file, if a committed zip differs
    python recorded/build.py --print-hashes  # sha256sum-style lines for every mirror file (for README.md)
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SOURCES = ROOT / "sources"
MIRROR = ROOT / "mirror"

# zip path under mirror/ -> folder under sources/ whose files become the members (flat, sorted by name)
ZIPS: dict[str, str] = {
    "cordis.europa.eu/data/cordis-h2020projects-json.zip": "cordis/h2020_json_export",
    "cordis.europa.eu/data/cordis-HORIZONprojects-xml.zip": "cordis/horizon_project_xml",
}
DATE_TIME = (2026, 11, 1, 0, 0, 0)
EXTERNAL_ATTR = 0o644 << 16
CREATE_SYSTEM = 3  # Unix; zipfile would write 0 on Windows
COMPRESSLEVEL = 9


def build_zip(source_dir: Path) -> bytes:
    """The deterministic zip of every file directly in ``source_dir``, members sorted by name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(
        buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESSLEVEL
    ) as archive:
        for path in sorted((p for p in source_dir.iterdir() if p.is_file()), key=lambda p: p.name):
            info = zipfile.ZipInfo(path.name, date_time=DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = EXTERNAL_ATTR
            info.create_system = CREATE_SYSTEM
            archive.writestr(info, path.read_bytes(), compresslevel=COMPRESSLEVEL)
    return buffer.getvalue()


def write_all() -> None:
    """Write every zip of ``ZIPS`` into the mirror."""
    for relpath, source in ZIPS.items():
        target = MIRROR / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(build_zip(SOURCES / source))
        print(f"wrote {target.relative_to(ROOT.parent)}")


def stale_zips() -> list[str]:
    """Messages for every committed zip that is missing or differs from a fresh build."""
    problems = []
    for relpath, source in ZIPS.items():
        target = MIRROR / relpath
        name = target.relative_to(ROOT.parent)
        if not target.is_file():
            problems.append(f"{name}: missing")
        elif target.read_bytes() != build_zip(SOURCES / source):
            problems.append(f"{name}: differs from a fresh build of {SOURCES.name}/{source}/")
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
    mode.add_argument("--check", action="store_true", help="exit 1 if a committed zip is stale")
    mode.add_argument("--print-hashes", action="store_true", help="print the sha256 of every mirror file")
    args = parser.parse_args(argv)
    if args.print_hashes:
        print("\n".join(mirror_hashes()))
        return 0
    if args.check:
        problems = stale_zips()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run: python recorded/build.py", file=sys.stderr)
            return 1
        print(f"ok: {len(ZIPS)} zips match a fresh build")
        return 0
    write_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
