"""Reader of the CORDIS XML dump (``cordis-HORIZONprojects-xml.zip``): one ``<project>`` document per
member, the same schema as ``/project/id/<id>?format=xml``. Element names are matched by local name so
roots with or without a namespace read the same; entities are never resolved and nothing is fetched."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from lxml import etree

from extractors.cordis.records import CordisRecords, as_text
from extractors.cordis.zips import open_zip
from inventory.errors import BadSourceFileError

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)

_ORG_ATTRIBUTES = {
    "type": "role",
    "order": "order",
    "ecContribution": "ecContribution",
    "netEcContribution": "netEcContribution",
    "totalCost": "totalCost",
    "sme": "SME",
    "terminated": "endOfParticipation",
}


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    return (child for child in element if _local(child) == name)


def _child(element: etree._Element, *path: str) -> etree._Element | None:
    current: etree._Element | None = element
    for name in path:
        if current is None:
            return None
        current = next(_children(current, name), None)
    return current


def _text(element: etree._Element, *path: str) -> str | None:
    found = _child(element, *path)
    return as_text(found.text) if found is not None else None


def _category_code(element: etree._Element, classification: str) -> str | None:
    categories = _child(element, "relations", "categories")
    if categories is None:
        return None
    for category in _children(categories, "category"):
        if category.get("classification") == classification:
            code = _text(category, "code")
            return code.lstrip("/") if code else None
    return None


def _nuts_code(organisation: etree._Element) -> str | None:
    regions = _child(organisation, "relations", "regions")
    if regions is None:
        return None
    for region in _children(regions, "region"):
        if region.get("type") == "relatedNutsCode":
            return _text(region, "nutsCode")
    return None


def _participation(project_id: str | None, organisation: etree._Element, label: str) -> dict[str, str | None]:
    record: dict[str, str | None] = {
        target: as_text(organisation.get(attribute)) for attribute, target in _ORG_ATTRIBUTES.items()
    }
    record.update(
        projectID=project_id,
        organisationID=_text(organisation, "id"),
        name=_text(organisation, "legalName"),
        shortName=_text(organisation, "shortName"),
        vatNumber=_text(organisation, "vatNumber"),
        country=_text(organisation, "address", "country"),
        city=_text(organisation, "address", "city"),
        postCode=_text(organisation, "address", "postalCode"),
        street=_text(organisation, "address", "street"),
        nutsCode=_nuts_code(organisation),
        activityType=_category_code(organisation, "organizationActivityType"),
        source_file=label,
    )
    return record


def parse_project_document(content: bytes, label: str) -> CordisRecords:
    """Parse one ``<project>`` document into its project and participation records."""
    try:
        root = etree.fromstring(content, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise BadSourceFileError(label, f"not well-formed XML: {exc}") from exc
    if _local(root) != "project":
        raise BadSourceFileError(label, f"root element is <{_local(root)}>, expected <project>")
    associations = _child(root, "relations", "associations")
    programmes = list(_children(associations, "programme")) if associations is not None else []
    calls = (
        {call.get("type"): _text(call, "identifier") for call in _children(associations, "call")}
        if (associations is not None)
        else {}
    )
    legal_bases = [p for p in programmes if p.get("type") == "relatedLegalBasis"]
    topics = [_text(p, "code") for p in programmes if p.get("type") == "relatedTopic"]
    project_id = _text(root, "id")
    project = {
        "id": project_id,
        "rcn": _text(root, "rcn"),
        "acronym": _text(root, "acronym"),
        "title": _text(root, "title"),
        "frameworkProgramme": _text(legal_bases[0], "frameworkProgramme") if legal_bases else None,
        "fundingScheme": _category_code(root, "projectFundingSchemeCategory"),
        "status": _text(root, "status"),
        "startDate": _text(root, "startDate"),
        "endDate": _text(root, "endDate"),
        "totalCost": _text(root, "totalCost"),
        "ecMaxContribution": _text(root, "ecMaxContribution"),
        "topics": ";".join(t for t in topics if t) or None,
        "masterCall": calls.get("relatedMasterCall"),
        "subCall": calls.get("relatedSubCall"),
        "objective": _text(root, "objective"),
        "contentUpdateDate": _text(root, "contentUpdateDate"),
        "source_file": label,
    }
    organisations = _children(associations, "organization") if associations is not None else iter(())
    return CordisRecords(
        projects=[project],
        participations=[_participation(project_id, org, label) for org in organisations],
    )


def read_xml_dump(path: Path) -> CordisRecords:
    """Read every ``*.xml`` member of an XML dump zip, one member in memory at a time."""
    records = CordisRecords()
    with open_zip(path) as archive:
        members = [name for name in archive.namelist() if PurePosixPath(name).suffix.lower() == ".xml"]
        if not members:
            raise BadSourceFileError(str(path), "the archive holds no .xml member")
        for member in members:
            records.extend(parse_project_document(archive.read(member), f"{path.name}!{member}"))
    return records
