"""Figures computed straight from the real fixture files with the standard library (json with Decimal,
xml.etree), independently of the pipeline's own readers, to check the warehouse against."""

from __future__ import annotations

import csv
import html
import json
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
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


# --- per project and participation, for the analyst questions (tests/test_analyst_queries.py) ---------------

ORIGIN = SOURCES.parent / "origin" / "vlaams-parlement-schriftelijke-vraag-684-2018.txt"
TAXONOMY = SOURCES.parents[2] / "transforms" / "taxonomy" / "industry40_terms.csv"


@dataclass(frozen=True)
class SourceParticipation:
    organisation_id: str
    name: str
    country: str
    role: str
    ec_contribution: Decimal | None
    flemish: bool


@dataclass
class SourceProject:
    project_id: str
    acronym: str
    start: date | None
    end: date | None
    eu_contribution: Decimal | None
    participations: list[SourceParticipation] = field(default_factory=list)

    def flemish_contribution(self) -> Decimal:
        return sum(
            (p.ec_contribution or Decimal("0.00") for p in self.participations if p.flemish), Decimal("0.00")
        )


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


def projects_from_sources() -> dict[str, SourceProject]:
    """Every recorded CORDIS project with its period and participations, read with json / ElementTree.
    Flemish as in ``expected_from_sources``: Flemish postcode (JSON), NUTS code BE2 (XML)."""
    with (SOURCES / "h2020_json_export" / "project.json").open(encoding="utf-8") as handle:
        raw_projects = json.load(handle, parse_float=Decimal)
    with (SOURCES / "h2020_json_export" / "organization.json").open(encoding="utf-8") as handle:
        raw_organisations = json.load(handle, parse_float=Decimal)
    projects = {
        str(p["id"]): SourceProject(
            str(p["id"]),
            p["acronym"],
            _day(p["startDate"]),
            _day(p["endDate"]),
            _money(p["ecMaxContribution"]),
        )
        for p in raw_projects
    }
    for org in raw_organisations:
        projects[str(org["projectID"])].participations.append(
            SourceParticipation(
                str(org["organisationID"]),
                org["name"],
                org["country"],
                org["role"],
                _money(org["ecContribution"]),
                org["country"] == "BE" and _flemish_postcode(str(org["postCode"])),
            )
        )
    for path in sorted((SOURCES / "horizon_project_xml").glob("*.xml")):
        root = ET.parse(path).getroot()
        project = SourceProject(
            root.findtext("id"),
            root.findtext("acronym"),
            _day(root.findtext("startDate")),
            _day(root.findtext("endDate")),
            _money(root.findtext("ecMaxContribution")),
        )
        for org in root.iter("organization"):
            nuts = next(
                (r.findtext("nutsCode") for r in org.iter("region") if r.get("type") == "relatedNutsCode"), ""
            )
            project.participations.append(
                SourceParticipation(
                    org.findtext("id"),
                    org.findtext("legalName"),
                    org.findtext("address/country"),
                    org.get("type"),
                    _money(org.get("ecContribution")),
                    org.findtext("address/country") == "BE" and nuts.startswith("BE2"),
                )
            )
        projects[project.project_id] = project
    return projects


def split_by_days(total: Decimal, start: date, end: date) -> dict[int, Decimal]:
    """``total`` over the calendar years of [start, end] in proportion to the days in each, in whole cents
    that sum to ``total``: floors of the exact (Fraction) shares, the cents left over to the largest
    remainders, ties to the earlier year."""
    cents = int(total * 100)
    days = {
        year: (min(end, date(year, 12, 31)) - max(start, date(year, 1, 1))).days + 1
        for year in range(start.year, end.year + 1)
    }
    exact = {year: Fraction(cents * n, sum(days.values())) for year, n in days.items()}
    parts = {year: math.floor(share) for year, share in exact.items()}
    for year in sorted(days, key=lambda y: (-(exact[y] - parts[y]), y))[: cents - sum(parts.values())]:
        parts[year] += 1
    return {year: (Decimal(part) / 100).quantize(CENT) for year, part in parts.items()}


def taxonomy_themes() -> list[str]:
    """The themes of the Industry 4.0 taxonomy CSV, in file order."""
    with TAXONOMY.open(encoding="utf-8", newline="") as handle:
        return list(dict.fromkeys(row["theme"] for row in csv.DictReader(handle)))


@dataclass(frozen=True)
class OriginBatch:
    """What the origin document states about the first batch of proeftuinen."""

    executors: list[list[str]]  # per proeftuin, in the document's order, names as written
    total_subsidy: Decimal
    years: list[int]


def origin_batch_1() -> OriginBatch:
    """The 7 proeftuinen's executing organisations ("Uitvoerder(s): a, b & c"), the total subsidy
    ("bedraagt 3.415.687,44 euro") and its three years (started "in de loop van 2018", costs "gelijk
    verdeeld over de drie jaar"), read from the origin document's text with regular expressions."""
    text = ORIGIN.read_text(encoding="utf-8")
    executors = [
        [name.strip() for name in re.split(r",|&", line)]
        for line in re.findall(r"^Uitvoerders?: (.+?)\s*$", text, flags=re.MULTILINE)
    ]
    amount = re.search(r"subsidie.*?bedraagt\s+([\d.]+,\d\d) euro", text, flags=re.DOTALL)
    start = re.search(r"In de loop van (\d{4}) zijn deze projecten effectief opgestart", text)
    spread = re.search(r"gelijk\s+verdeeld over de (drie) jaar", text)
    assert amount and start and spread, "the origin document no longer states the batch figures"
    first = int(start.group(1))
    return OriginBatch(
        executors,
        Decimal(amount.group(1).replace(".", "").replace(",", ".")),
        [first, first + 1, first + 2],
    )


VLAIO_MIRROR = SOURCES.parents[1] / "mirror" / "www.industrie40vlaanderen.be"
# the one detail page outside nl/proeftuinen/ (recorded/VLAIO.md)
TRAINING_40 = "en/living-labs/training-40.html"


def _names(value: str) -> list[str]:
    return [name.strip() for name in re.split(r",|&", html.unescape(value)) if name.strip()]


def vlaio_organisations_from_pages() -> dict[str, list[str]]:
    """Per recorded proeftuin detail page (path under the mirror host), the organisations it names, executing
    ones first, in page order: the "Uitvoerder(s): ..." paragraph or the "Executed by" / "Partners" terms,
    found with regular expressions in the HTML (comments removed)."""
    patterns = (
        r"<p>Uitvoerders?: (.+?)</p>",
        r"<dt>Executed by</dt>\s*<dd>(.+?)</dd>",
        r"<dt>Partners</dt>\s*<dd>(.+?)</dd>",
    )
    found = {}
    for path in [*sorted(VLAIO_MIRROR.glob("nl/proeftuinen/*.html")), VLAIO_MIRROR / TRAINING_40]:
        page = re.sub(r"<!--.*?-->", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
        names = [
            name for pattern in patterns for match in re.findall(pattern, page) for name in _names(match)
        ]
        found[path.relative_to(VLAIO_MIRROR).as_posix()] = names
    return found
