"""The shape every CORDIS reader produces, whatever the dump format: raw project records, their
participation records and companion-table records, values as the source wrote them (numbers as their exact
text, never floats), plus the rows that could not be read (quarantine) with file, record and reason."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from extractors.cordis.json_elements import ProjectDigests

SOURCE = "cordis"

# ``keywords`` and ``results`` are real content (a new result changes nothing else in a project), so they
# are part of the record and of its content hash. ``results`` is the sorted, ';'-joined ids of the XML
# ``relations/associations/result`` elements (the JSON/CSV project tables have no results: None there).
PROJECT_FIELDS: tuple[str, ...] = (
    "id", "rcn", "acronym", "title", "frameworkProgramme", "fundingScheme", "status", "startDate",
    "endDate", "totalCost", "ecMaxContribution", "topics", "masterCall", "subCall", "objective",
    "contentUpdateDate", "keywords", "results",
)  # fmt: skip

PARTICIPATION_FIELDS: tuple[str, ...] = (
    "projectID", "organisationID", "role", "order", "name", "shortName", "vatNumber", "country", "city",
    "postCode", "street", "nutsCode", "activityType", "SME", "ecContribution", "netEcContribution",
    "totalCost", "endOfParticipation",
)  # fmt: skip

# Companion tables, with the column names of the CORDIS JSON/CSV dumps; the XML reader fills the same.
COMPANION_FIELDS: dict[str, tuple[str, ...]] = {
    "topics": ("projectID", "topic", "title"),
    "legalBasis": ("projectID", "legalBasis", "title", "uniqueProgrammePart"),
    "euroSciVoc": (
        "projectID", "euroSciVocCode", "euroSciVocPath", "euroSciVocTitle", "euroSciVocDescription",
    ),
}  # fmt: skip

# Columns the JSON/CSV tables are known to carry but the records leave out (read, deliberately unused);
# any column outside these and the record fields is reported as "unknown column X".
KNOWN_UNUSED_COLUMNS: dict[str, frozenset[str]] = {
    "project": frozenset(
        {"ecSignatureDate", "legalBasis", "nature", "grantDoi", "humanValidated", "lastUpdateDate"}
    ),
    "participation": frozenset(
        {
            "active",
            "contactForm",
            "contentUpdateDate",
            "geolocation",
            "organizationURL",
            "projectAcronym",
            "rcn",
        }
    ),
    "topics": frozenset({"projectAcronym", "rcn"}),
    "legalBasis": frozenset({"projectAcronym", "rcn"}),
    "euroSciVoc": frozenset({"projectAcronym", "rcn"}),
}

Record = dict[str, str | None]


@dataclass
class CordisRecords:
    """Raw records read from one dump (or one batch of it), each carrying the file it came from.

    ``quarantined`` rows have the keys of the warehouse's ``quarantine`` table (source, entity,
    source_file, record_key, reason); entity ``schema`` marks a warning about the file's columns whose
    data still loaded."""

    projects: list[Record] = field(default_factory=list)
    participations: list[Record] = field(default_factory=list)
    companions: dict[str, list[Record]] = field(default_factory=dict)
    quarantined: list[dict[str, str | None]] = field(default_factory=list)
    # the digests of the projects' raw elements (a JSON dump's; ``extractors.cordis.json_elements``), on the
    # first batch of a dump
    element_digests: ProjectDigests | None = field(default=None, compare=False, repr=False)

    def extend(self, other: CordisRecords) -> None:
        """Append every record of ``other``."""
        self.projects.extend(other.projects)
        self.participations.extend(other.participations)
        for name, rows in other.companions.items():
            self.companions.setdefault(name, []).extend(rows)
        self.quarantined.extend(other.quarantined)
        if self.element_digests is None:
            self.element_digests = other.element_digests

    def is_empty(self) -> bool:
        return not (self.projects or self.participations or self.quarantined or any(self.companions.values()))


def as_text(value: object) -> str | None:
    """Normalise a raw JSON/XML/CSV value to text: '' and None become None, booleans 'true'/'false',
    nested JSON values their compact JSON text."""
    if value is None:
        return None
    if type(value) is str:  # the common case, without a copy: strip() != "" is "not only whitespace"
        return value if value and not value.isspace() else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = str(value)
    return text if text.strip() != "" else None


def quarantine_entry(
    entity: str, source_file: str, record_key: str | None, reason: str
) -> dict[str, str | None]:
    """One row for the ``quarantine`` table."""
    return {
        "source": SOURCE,
        "entity": entity,
        "source_file": source_file,
        "record_key": record_key,
        "reason": reason,
    }
