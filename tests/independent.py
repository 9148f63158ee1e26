"""Figures computed straight from the real fixture files with the standard library (json with Decimal,
xml.etree), independently of the pipeline's own readers, to check the warehouse against."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

SOURCES = Path(__file__).resolve().parents[1] / "recorded" / "sources" / "cordis"
CENT = Decimal("0.01")


def _money(value: object) -> Decimal | None:
    if value in ("", None):
        return None
    return Decimal(str(value)).quantize(CENT)


def _flemish_postcode(code: str) -> bool:
    return code.isdigit() and len(code) == 4 and (1500 <= int(code) <= 3999 or 8000 <= int(code) <= 9999)


@dataclass
class Expected:
    """Per project: (eu contribution, total cost, flemish contribution, flemish organisations)."""

    projects: dict[str, tuple[Decimal | None, Decimal | None, Decimal, int]] = field(default_factory=dict)
    belgian_participations: int = 0
    belgian_ec_contribution: Decimal = Decimal("0.00")
    participations: int = 0


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def expected_from_sources() -> Expected:
    expected = Expected()
    with (SOURCES / "h2020_json_export" / "project.json").open(encoding="utf-8") as handle:
        projects = json.load(handle, parse_float=Decimal)
    with (SOURCES / "h2020_json_export" / "organization.json").open(encoding="utf-8") as handle:
        organisations = json.load(handle, parse_float=Decimal)
    flemish: dict[str, tuple[Decimal, set[str]]] = {}
    for org in organisations:
        expected.participations += 1
        if org["country"] != "BE":
            continue
        expected.belgian_participations += 1
        amount = _money(org["ecContribution"]) or Decimal("0.00")
        expected.belgian_ec_contribution += amount
        if _flemish_postcode(str(org["postCode"])):
            total, ids = flemish.get(str(org["projectID"]), (Decimal("0.00"), set()))
            flemish[str(org["projectID"])] = (total + amount, ids | {str(org["organisationID"])})
    for project in projects:
        pid = str(project["id"])
        amount, ids = flemish.get(pid, (Decimal("0.00"), set()))
        expected.projects[pid] = (
            _money(project["ecMaxContribution"]),
            _money(project["totalCost"]),
            amount,
            len(ids),
        )

    for path in sorted((SOURCES / "horizon_project_xml").glob("*.xml")):
        root = ET.parse(path).getroot()
        pid = root.findtext("id")
        amount, ids = Decimal("0.00"), set()
        for org in root.iter("organization"):
            expected.participations += 1
            if org.findtext("address/country") != "BE":
                continue
            expected.belgian_participations += 1
            value = _money(org.get("ecContribution")) or Decimal("0.00")
            expected.belgian_ec_contribution += value
            nuts = next(
                (r.findtext("nutsCode") for r in org.iter("region") if r.get("type") == "relatedNutsCode"), ""
            )
            if nuts.startswith("BE2"):
                amount += value
                ids.add(org.findtext("id"))
        expected.projects[pid] = (
            _money(root.findtext("ecMaxContribution")),
            _money(root.findtext("totalCost")),
            amount,
            len(ids),
        )
    return expected
