"""The shape every CORDIS reader produces, whatever the dump format: one raw project record and its
participation records, values as the source wrote them (numbers as their exact text, never floats)."""

from __future__ import annotations

from dataclasses import dataclass, field

PROJECT_FIELDS: tuple[str, ...] = (
    "id", "rcn", "acronym", "title", "frameworkProgramme", "fundingScheme", "status", "startDate",
    "endDate", "totalCost", "ecMaxContribution", "topics", "masterCall", "subCall", "objective",
    "contentUpdateDate",
)  # fmt: skip

PARTICIPATION_FIELDS: tuple[str, ...] = (
    "projectID", "organisationID", "role", "order", "name", "shortName", "vatNumber", "country", "city",
    "postCode", "street", "nutsCode", "activityType", "SME", "ecContribution", "netEcContribution",
    "totalCost", "endOfParticipation",
)  # fmt: skip


@dataclass
class CordisRecords:
    """Raw records read from one dump, with the file each came from."""

    projects: list[dict[str, str | None]] = field(default_factory=list)
    participations: list[dict[str, str | None]] = field(default_factory=list)

    def extend(self, other: CordisRecords) -> None:
        self.projects.extend(other.projects)
        self.participations.extend(other.participations)


def as_text(value: object) -> str | None:
    """Normalise a raw JSON/XML value to text: '' and None become None, booleans become 'true'/'false'."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return text if text.strip() != "" else None
