"""Which project documents of an XML dump a run must read, and what it leaves for the next run to know.

The CORDIS XML dump holds one ``<project>`` document per zip member, and the zip's central directory gives
each member's CRC-32 and size without decompressing anything. A member whose name, CRC-32 and size are
those of the member a previous run staged - its project exactly as the document holds it, nothing of it
quarantined - is not opened again: its rows are in staging already. The manifest of those members is kept
in ``stg_cordis__dump_members``, written with the staged rows in one transaction (``warehouse.loads``).
Pure functions of frames and mappings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import pandas as pd

from extractors.cordis.json_elements import ProjectDigests

MEMBER_COLUMNS = ["dump", "member", "crc32", "size_bytes", "project_source_id", "participations"]
# plus ``run_id``: the run that read the member (None in a manifest row of the running run's own reading)

Signatures = Mapping[str, tuple[int, int]]  # member name -> (CRC-32, uncompressed size)


def empty_members() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in [*MEMBER_COLUMNS, "run_id"]})


def member_label(dump: str, member: str) -> str:
    """The ``source_file`` the XML reader gives every record of a member."""
    return f"{dump}!{member}"


def unchanged_members(signatures: Signatures, known: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``known`` (the manifest of this dump) whose member is in ``signatures`` with the same
    CRC-32 and size: the members not to open."""
    if known.empty or not signatures:
        return known.iloc[0:0]
    same = [
        signatures.get(member) == (int(crc), int(size))
        for member, crc, size in zip(known["member"], known["crc32"], known["size_bytes"], strict=True)
    ]
    return known[pd.Series(same, index=known.index, dtype=bool)]


def member_manifest(
    dump: str,
    signatures: Signatures,
    skipped: pd.DataFrame,
    projects: pd.DataFrame,
    participations: pd.DataFrame,
    quarantined: pd.DataFrame,
) -> pd.DataFrame:
    """The manifest of ``dump`` after a run: the ``skipped`` rows as they were (with the run that read
    them), and every member the run read whose project it staged with nothing of the member quarantined
    (``run_id`` None: this run's; a member with a quarantined record is read again next time, so its reason
    is reported again)."""
    staged_project = dict(zip(projects["source_file"], projects["source_id"], strict=True))
    part_counts = Counter(participations["source_file"]) if not participations.empty else Counter()
    bad = set(quarantined["source_file"]) if not quarantined.empty else set()
    skipped_names = set(skipped["member"])
    rows = []
    for member, (crc, size) in signatures.items():
        label = member_label(dump, member)
        if member in skipped_names or label in bad or label not in staged_project:
            continue
        rows.append((dump, member, crc, size, staged_project[label], part_counts.get(label, 0), None))
    read = pd.DataFrame(rows, columns=[*MEMBER_COLUMNS, "run_id"], dtype=object)
    kept = skipped.reindex(columns=[*MEMBER_COLUMNS, "run_id"])
    frames = [f for f in (kept, read) if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else empty_members()


def skipped_counts(skipped: pd.DataFrame) -> tuple[int, int]:
    """(projects, participations) the skipped members stand for: still in staging, counted as present."""
    return len(skipped), sum(int(n) for n in skipped["participations"])


def stale_project_ids(
    manifest_ids: set[str], labels: set[str], projects: pd.DataFrame, participations: pd.DataFrame
) -> set[str]:
    """Projects of the manifest whose staged rows a merge writes from anything but the members in
    ``labels`` (a listing's detail document, another dump, a backfill's older snapshot): their manifest rows
    no longer describe what staging holds, so they are dropped and the member is read again next time."""
    stale: set[str] = set()
    for frame, id_column in ((projects, "source_id"), (participations, "project_source_id")):
        if frame.empty:
            continue
        for project_id, source_file in zip(frame[id_column], frame["source_file"], strict=True):
            if project_id in manifest_ids and source_file not in labels:
                stale.add(project_id)
    return stale


# --- the JSON dumps: one manifest row per project ---------------------------------------------------------

JSON_PROJECT_COLUMNS = ["dump", "project_source_id", "digest", "participations"]
# plus ``run_id``, as in the XML manifest

# project id -> (digest, participations, run_id) as ``stg_cordis__json_projects`` holds them for one dump
KnownJsonProjects = Mapping[str, tuple[int, int, str]]


def empty_json_projects() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in [*JSON_PROJECT_COLUMNS, "run_id"]})


def unchanged_json_projects(digests: ProjectDigests, known: KnownJsonProjects) -> KnownJsonProjects:
    """The projects of ``known`` whose elements in the dump (``digests``) are the ones staged: one project
    element and as many participation elements, with the recorded digest."""
    unchanged = {}
    for project_id, (digest, participations, run_id) in known.items():
        if digests.of(project_id) == (digest, 1, participations):
            unchanged[project_id] = (digest, participations, run_id)
    return unchanged


def json_project_manifest(
    dump: str,
    digests: ProjectDigests,
    skipped: KnownJsonProjects,
    project_ids: Iterable[str],
    participation_project_ids: Iterable[str],
) -> pd.DataFrame:
    """The manifest of ``dump`` after a run: the ``skipped`` projects as they were (with the run that
    decoded them), and every project the run read whose records all reached staging: its project record
    (staged, or found as staged: ``project_ids``) and one participation record per participation element
    (``participation_project_ids``, one id per record). A project with a record quarantined or twice in the
    dump is read again next time (``run_id`` None: this run's)."""
    projects = Counter(project_ids)
    participations = Counter(participation_project_ids)
    rows = [(dump, pid, digest, n, run_id) for pid, (digest, n, run_id) in skipped.items()]
    for project_id, count in projects.items():
        sums = digests.of(project_id)
        if count != 1 or project_id in skipped or sums is None:
            continue
        digest, project_elements, participation_elements = sums
        if project_elements == 1 and participations.get(project_id, 0) == participation_elements:
            rows.append((dump, project_id, digest, participation_elements, None))
    return pd.DataFrame(rows, columns=[*JSON_PROJECT_COLUMNS, "run_id"], dtype=object)


def stale_json_projects(manifest: Iterable[tuple[str, str]], staged: Iterable[tuple[str, str]]) -> set[tuple]:
    """The manifest rows (dump, project id) whose project a merge stages from any other file than that dump
    (``staged``: (project id, source_file) of the merged records; a JSON record's file is
    ``<dump>!<member>``): staging no longer holds what that dump's elements give."""
    files: dict[str, set[str]] = {}
    for project_id, source_file in staged:
        files.setdefault(project_id, set()).add(str(source_file).split("!", 1)[0])
    return {
        (dump, project_id)
        for dump, project_id in manifest
        if project_id in files and files[project_id] != {dump}
    }
