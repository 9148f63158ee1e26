"""Reader of the CORDIS JSON dump (``cordis-<programme>projects-json.zip``): ``project.json`` and
``organization.json``, each one JSON array of objects."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from extractors.cordis.records import PARTICIPATION_FIELDS, PROJECT_FIELDS, CordisRecords, as_text
from extractors.cordis.zips import find_member, open_zip
from inventory.errors import BadSourceFileError


def _load_array(archive: zipfile.ZipFile, member: str, label: str) -> list[dict[str, Any]]:
    with archive.open(member) as handle:
        try:
            # Numbers are kept as their exact text: money must never pass through a float.
            data = json.load(handle, parse_float=str, parse_int=str)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BadSourceFileError(label, f"not valid JSON: {exc}") from exc
    if not isinstance(data, list):
        raise BadSourceFileError(
            label, f"expected a JSON array of objects, found a JSON {type(data).__name__}"
        )
    for position, item in enumerate(data):
        if not isinstance(item, dict):
            raise BadSourceFileError(label, f"element {position} is a {type(item).__name__}, not an object")
    return data


def read_json_dump(path: Path) -> CordisRecords:
    """Read projects and participations from a JSON dump zip."""
    records = CordisRecords()
    with open_zip(path) as archive:
        project_member = find_member(archive, path, "project.json")
        organisation_member = find_member(archive, path, "organization.json")
        project_label = f"{path.name}!{project_member}"
        organisation_label = f"{path.name}!{organisation_member}"
        for item in _load_array(archive, project_member, project_label):
            record = {name: as_text(item.get(name)) for name in PROJECT_FIELDS}
            record["source_file"] = project_label
            records.projects.append(record)
        for item in _load_array(archive, organisation_member, organisation_label):
            record = {name: as_text(item.get(name)) for name in PARTICIPATION_FIELDS}
            record["source_file"] = organisation_label
            records.participations.append(record)
    return records
