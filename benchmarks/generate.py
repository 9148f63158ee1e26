"""Deterministic generator of CORDIS bulk dumps at any scale, in the real formats and with the real quirks.

    python -m benchmarks.generate --out /tmp/cordis60k --projects 60000 [--seed 42] [--change 1%]

writes a mirror of cordis.europa.eu (serve it with ``inventory.mirror.serve_mirror(out)``)::

    <out>/cordis.europa.eu/data/cordis-h2020projects-json.zip     project.json, organization.json
    <out>/cordis.europa.eu/data/cordis-h2020projects-csv.zip      csv/project.csv, csv/organization.csv
    <out>/cordis.europa.eu/data/cordis-HORIZONprojects-xml.zip    <rcn>.xml, one <project> per member
    <out>/cordis.europa.eu/data/cordis-HORIZONprojects-csv.zip    csv/project.csv, csv/organization.csv
    <out>/generation.json                                         what was generated (counts, sizes, seed)
    <out>/changed_ids.txt, <out>/changes.json                     with --change: the changed projects

Projects are split H2020 : HORIZON = 35 : 19; H2020 goes to JSON (+ its CSV twin), HORIZON to XML (+ its
CSV twin, which the DuckDB floor reads because DuckDB has no XML reader). Every value is drawn from the
distributions measured on the real samples (``benchmarks/cordis_distributions.py``); money is generated as
exact cents and written as the real files write it (JSON numbers, Java E-notation from 1e7 when not
integral; plain decimal text in XML).

Every project is generated from its own RNG (seed, index), so ``--change`` produces the very same dumps
except for the changed projects: a title edit (with a newer contentUpdateDate) or a partner's city
spelling (no date changes, as in the real 2025-11-16 → 2025-12-06 snapshots). Each change touches exactly
one record (a project row or a participation row); ``changes.json`` lists them.

Output is streamed (one project in memory at a time; the members that cannot be written while another
member of the same zip is open are spooled to a temporary file) and byte-identical for the same arguments.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import os
import random
import re
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from json.encoder import encode_basestring
from pathlib import Path
from typing import IO, Any

from benchmarks import cordis_distributions as dist

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES = REPO_ROOT / "recorded" / "sources" / "cordis"

HOST = "cordis.europa.eu"
ZIP_DATE = (2026, 11, 1, 0, 0, 0)  # fixed member timestamps: byte-identical zips for the same arguments
SNAPSHOT = date(2025, 12, 1)  # "today" of the generated dumps
PROGRAMMES = ("H2020", "HORIZON")
DUMP_NAMES = {
    ("H2020", "json"): "cordis-h2020projects-json.zip",
    ("H2020", "csv"): "cordis-h2020projects-csv.zip",
    ("HORIZON", "xml"): "cordis-HORIZONprojects-xml.zip",
    ("HORIZON", "csv"): "cordis-HORIZONprojects-csv.zip",
}

# The real JSON keys (recorded/sources/cordis/README.md), in the files' (sorted) order.
PROJECT_KEYS = (
    "acronym", "contentUpdateDate", "ecMaxContribution", "ecSignatureDate", "endDate", "frameworkProgramme",
    "fundingScheme", "id", "legalBasis", "masterCall", "nature", "objective", "rcn", "startDate", "status",
    "subCall", "title", "topics", "totalCost",
)  # fmt: skip
ORGANIZATION_KEYS = (
    "SME", "active", "activityType", "city", "contactForm", "contentUpdateDate", "country", "ecContribution",
    "endOfParticipation", "geolocation", "name", "netEcContribution", "nutsCode", "order", "organisationID",
    "organizationURL", "postCode", "projectAcronym", "projectID", "rcn", "role", "shortName", "street",
    "totalCost", "vatNumber",
)  # fmt: skip

CONTACT_FORM = (
    "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/contact-form/project/{org}/{pid}"
)


# --- small helpers ----------------------------------------------------------------------------------


def parse_fraction(text: str) -> float:
    """'1%' -> 0.01; '0.01' -> 0.01."""
    text = text.strip()
    value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"change fraction must be in (0, 1], got {text!r}")
    return value


def _cumulative(weights: dict[str, float]) -> tuple[list[str], list[float]]:
    keys = list(weights)
    total, cum = 0.0, []
    for key in keys:
        total += weights[key]
        cum.append(total)
    return keys, [c / total for c in cum]


def _pick(rng: random.Random, table: tuple[list[str], list[float]]) -> str:
    keys, cum = table
    return keys[min(bisect.bisect_right(cum, rng.random()), len(keys) - 1)]


def _interpolate(rng: random.Random, quantiles: list[float]) -> float:
    position = rng.random() * (len(quantiles) - 1)
    low = int(position)
    high = min(low + 1, len(quantiles) - 1)
    return quantiles[low] + (quantiles[high] - quantiles[low]) * (position - low)


def money_text(cents: int) -> str:
    """Plain decimal text of an exact amount, trailing zeros dropped: 49406250 -> '494062.5'."""
    whole, frac = divmod(cents, 100)
    return str(whole) if frac == 0 else f"{whole}.{frac:02d}".rstrip("0")


def money_json(cents: int) -> str:
    """The JSON number token CORDIS writes (Java serialiser): integral amounts as integers, others as plain
    decimals, and non-integral amounts from 1e7 in Java E-notation ('1.732084396E7')."""
    if cents % 100 == 0 or cents < dist.JAVA_E_NOTATION_FROM * 100:
        return money_text(cents)
    digits = str(cents).rstrip("0")
    exponent = len(str(cents // 100)) - 1
    mantissa = digits[0] + "." + (digits[1:] or "0")
    assert Decimal(f"{mantissa}E{exponent}") * 100 == cents
    return f"{mantissa}E{exponent}"


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _csv_row(values: list[str]) -> str:
    return ";".join('"' + value.replace('"', '""') + '"' for value in values) + "\n"


# --- vocabulary from the real samples ---------------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    words: tuple[str, ...]  # objective words of the real samples, with their frequencies
    title_words: tuple[str, ...]  # capitalised words of the real titles
    industry40_terms: tuple[str, ...]  # Industry 4.0 phrases injected into some projects


@cache
def vocabulary() -> Vocabulary:
    texts: list[str] = []
    titles: list[str] = []
    projects = json.loads((SAMPLES / "h2020_json_export" / "project.json").read_text(encoding="utf-8"))
    texts += [p["objective"] for p in projects]
    titles += [p["title"] for p in projects]
    for path in sorted((SAMPLES / "horizon_project_xml").glob("*.xml")):
        raw = path.read_text(encoding="utf-8")
        texts += re.findall(r"<objective>(.*?)</objective>", raw, flags=re.S)
        titles += re.findall(r"<title>(.*?)</title>", raw)[:1]
    terms = list(dist.INDUSTRY40_PHRASES)
    lowered = [t.lower() for t in terms]
    # No single word may carry a taxonomy term by itself: relevance comes only from injected phrases.
    words = tuple(
        w
        for text in texts
        for w in text.replace("&amp;", "&").split()
        if not any(t in w.lower() for t in lowered)
    )
    title_words = tuple(w for t in titles for w in t.split() if w[:1].isupper() and len(w) > 2)
    return Vocabulary(words, title_words, tuple(terms))


# --- organisations ----------------------------------------------------------------------------------

# (city, postcode prefix or exact postcode, NUTS3) per country; postcodes are completed by _postcode.
_BELGIAN_PLACES = {  # real pairs of the samples (J postcodes, X NUTS codes), NUTS 2024 arrondissements
    "flanders": [
        ("LEUVEN", "3001", "BE242", "Arr. Leuven", "BE24", "Prov. Vlaams-Brabant"),
        ("LEUVEN", "3000", "BE242", "Arr. Leuven", "BE24", "Prov. Vlaams-Brabant"),
        ("GENT", "9000", "BE234", "Arr. Gent", "BE23", "Prov. Oost-Vlaanderen"),
        ("ZELZATE", "9060", "BE233", "Arr. Eeklo", "BE23", "Prov. Oost-Vlaanderen"),
        ("NINOVE", "9400", "BE231", "Arr. Aalst", "BE23", "Prov. Oost-Vlaanderen"),
        ("OUDENAARDE", "9700", "BE235", "Arr. Oudenaarde", "BE23", "Prov. Oost-Vlaanderen"),
        ("LOMMEL", "3920", "BE225", "Arr. Maaseik", "BE22", "Prov. Limburg (BE)"),
        ("SINT TRUIDEN", "3800", "BE224", "Arr. Hasselt", "BE22", "Prov. Limburg (BE)"),
        ("MOL", "2400", "BE213", "Arr. Turnhout", "BE21", "Prov. Antwerpen"),
        ("ANTWERPEN", "2000", "BE211", "Arr. Antwerpen", "BE21", "Prov. Antwerpen"),
        ("BONHEIDEN", "2820", "BE212", "Arr. Mechelen", "BE21", "Prov. Antwerpen"),
        ("IZEGEM", "8870", "BE256", "Arr. Roeselare", "BE25", "Prov. West-Vlaanderen"),
        ("KORTRIJK", "8500", "BE254", "Arr. Kortrijk", "BE25", "Prov. West-Vlaanderen"),
    ],
    "brussels": [
        (city, pc, "BE100", "Arr. de Bruxelles-Capitale/Arr. Brussel-Hoofdstad", "BE10",
         "Région de Bruxelles-Capitale/Brussels Hoofdstedelijk Gewest")
        for city, pc in [("BRUXELLES", "1050"), ("BRUSSEL", "1140"), ("BRUXELLES", "1000"), ("BRUSSELS", "1060"),
                         ("BRUXELLES", "1030"), ("BRUXELLES", "1040"), ("BRUXELLES", "1200")]
    ],
    "wallonia": [
        ("LOUVAIN LA NEUVE", "1348", "BE310", "Arr. Nivelles", "BE31", "Prov. Brabant wallon"),
        ("GOSSELIES", "6041", "BE322", "Arr. Charleroi", "BE32", "Prov. Hainaut"),
        ("LIEGE", "4000", "BE332", "Arr. Liège", "BE33", "Prov. Liège"),
    ],
}  # fmt: skip
_REGION_NUTS1 = {"flanders": ("BE2", "Vlaams Gewest"), "brussels": ("BE1", "Région de Bruxelles-Capitale"),
                 "wallonia": ("BE3", "Région wallonne")}  # fmt: skip

_CITIES = {
    "DE": ["MUNCHEN", "DRESDEN", "STUTTGART", "BERLIN", "AACHEN", "Kaiserslautern", "KARLSRUHE"],
    "ES": ["MADRID", "BARCELONA", "VALENCIA", "BILBAO", "SAN SEBASTIAN"], "IT": ["ROMA", "MILANO", "TORINO", "BOLOGNA"],
    "FR": ["PARIS", "GRENOBLE", "TOULOUSE", "LYON"], "AT": ["WIEN", "GRAZ", "LINZ"], "NL": ["EINDHOVEN", "DELFT", "ENSCHEDE"],
    "FI": ["ESPOO", "HELSINKI", "TAMPERE", "OULU"], "UK": ["CAMBRIDGE", "LONDON", "EDINBURGH"], "SE": ["STOCKHOLM", "GOTEBORG"],
    "NO": ["OSLO", "TRONDHEIM"], "CZ": ["PRAHA", "BRNO"], "CH": ["ZURICH", "LAUSANNE"], "EL": ["ATHINA", "PATRA"],
    "IE": ["DUBLIN", "CORK"], "PT": ["LISBOA", "PORTO"], "PL": ["WARSZAWA", "KRAKOW"], "DK": ["KOBENHAVN", "AARHUS"],
}  # fmt: skip
_FORMATS = {  # postcode shape per country: 'd' digit, 'L' letter (J and X show these shapes)
    "DE": "ddddd", "ES": "ddddd", "IT": "ddddd", "FR": "ddddd", "FI": "ddddd", "EL": "ddddd", "TR": "ddddd",
    "HR": "ddddd", "EE": "ddddd", "LT": "ddddd", "AT": "dddd", "CH": "dddd", "DK": "dddd", "NO": "dddd",
    "LU": "dddd", "HU": "dddd", "CY": "dddd", "BG": "dddd", "AU": "dddd", "LV": "LV-dddd", "NL": "dddd LL",
    "SE": "ddd dd", "CZ": "ddd dd", "SK": "ddd dd", "UK": "LLd dLL", "PT": "dddd-ddd", "PL": "dd-ddd",
    "IE": "Ldd LddL", "IL": "ddddddd", "TW": "ddd", "KR": "ddddd", "CN": "dddddd", "BR": "ddddd-ddd", "RU": "dddddd",
}  # fmt: skip
_LEGAL_FORMS = {
    "DE": ["GMBH", "AG"], "AT": ["GMBH"], "FR": ["SAS", "SA"], "ES": ["SL", "SA"], "IT": ["SRL", "SPA"],
    "NL": ["BV"], "BE": ["NV", "BV"], "FI": ["OY"], "SE": ["AB"], "UK": ["LIMITED"], "NO": ["AS"],
    "CZ": ["SRO"], "SK": ["SRO"], "CH": ["AG"], "EL": ["AE"], "PT": ["LDA"], "DK": ["A/S"], "PL": ["SP ZOO"],
}  # fmt: skip
_SYLLABLES = ["tec", "no", "via", "sys", "tron", "ele", "mat", "ica", "pro", "lab", "gen", "ix", "ro", "bo",
              "tics", "dyn", "amo", "ver", "sen", "sor", "lux", "net", "qua", "tum", "mec", "ha", "nova"]  # fmt: skip
_STREETS = ["KAPELDREEF", "RECHBAUERSTRASSE", "RUE LEBLANC", "MYLLYNKIVENKUJA", "TRIPPSTADTER STRASSE",
            "HIGH STREET", "VIA ROMA", "CALLE MAYOR", "GASTON GEENSLAAN", "TECHNOLOGIEPARK", "AVENUE DE LA GARE"]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Organisation:
    org_id: str
    rcn: str
    name: str
    short_name: str  # "" = none
    vat: str  # "" = none
    country: str
    city: str
    postcode: str
    street: str
    nuts3: str
    nuts_chain: tuple[tuple[str, str], ...]  # (code, name) from NUTS3 up to the country
    activity: str
    sme: bool
    url: str
    geolocation: str


def _postcode(rng: random.Random, country: str) -> str:
    shape = _FORMATS.get(country, "dddd")
    return "".join(
        str(rng.randrange(10)) if c == "d" else chr(65 + rng.randrange(26)) if c == "L" else c for c in shape
    )


def _org_name(rng: random.Random, activity: str, country: str, city: str) -> str:
    stem = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    city_title = city.title()
    if activity == "HES":
        pattern = rng.choice(["UNIVERSITY OF {c}", "{c} UNIVERSITY OF TECHNOLOGY", "UNIVERSITEIT {c}",
                              "TECHNISCHE UNIVERSITAET {c}", "UNIVERSIDAD DE {c}", "UNIVERSITA DEGLI STUDI DI {c}"])  # fmt: skip
        name = pattern.format(c=city_title)
    elif activity == "REC":
        pattern = rng.choice(["{s} RESEARCH CENTRE", "INSTITUT {s}", "{s} INSTITUTE FOR APPLIED RESEARCH",
                              "FUNDACION {s} CENTRO TECNOLOGICO", "{s} FORSCHUNGSZENTRUM {c}"])  # fmt: skip
        name = pattern.format(s=stem, c=city_title)
    elif activity == "PUB":
        name = f"CITY OF {city_title}"
    elif activity == "OTH":
        name = f"{stem} ASSOCIATION {city_title}"
    else:
        forms = _LEGAL_FORMS.get(country, ["LTD"])
        extra = rng.choice(["", "", " TECHNOLOGIES", " ENGINEERING", " SOLUTIONS", " AUTOMATION", " SYSTEMS"])
        name = f"{stem}{extra} {rng.choice(forms)}"
    return name.upper() if rng.random() < dist.NAME_UPPER_SHARE else name


def _nuts_for(country: str, city_index: int) -> tuple[str, tuple[tuple[str, str], ...]]:
    code3 = f"{country}{chr(65 + city_index % 26)}{city_index % 9 + 1}{city_index % 7 + 1}"
    return code3, ((code3, f"Region {code3}"), (code3[:4], f"Region {code3[:4]}"), (code3[:3], f"Region {code3[:3]}"),
                   (country, country))  # fmt: skip


def build_organisations(seed: int, size: int) -> dict[str, list[Organisation]]:
    """The pool of organisations, per country, sized to one organisation per ~6 participations."""
    rng = random.Random(f"organisations:{seed}")
    activities = _cumulative(dist.ACTIVITY_COUNTS)
    regions = _cumulative(dist.BELGIAN_REGION_COUNTS)
    total = sum(dist.COUNTRY_COUNTS.values())
    pool: dict[str, list[Organisation]] = {}
    org_number = 0
    for country, count in dist.COUNTRY_COUNTS.items():
        n = max(3, round(size * count / total))
        members = []
        for _ in range(n):
            org_number += 1
            activity = _pick(rng, activities)
            if country == "BE":
                region = _pick(rng, regions)
                city, postcode, nuts3, name3, nuts2, name2 = rng.choice(_BELGIAN_PLACES[region])
                nuts1, name1 = _REGION_NUTS1[region]
                chain = ((nuts3, name3), (nuts2, name2), (nuts1, name1), ("BE", "Belgique-België"))
            else:
                cities = _CITIES.get(country, [f"CAPITAL-{country}"])
                city_index = rng.randrange(len(cities))
                city = cities[city_index]
                postcode = _postcode(rng, country)
                nuts3, chain = _nuts_for(country, city_index)
            if rng.random() >= dist.CITY_UPPER_SHARE:
                city = city.title()
            name = _org_name(rng, activity, country, city)
            short = "" if rng.random() < 0.03 else "".join(w[0] for w in name.split()[:4] if w[0].isalpha())
            if len(short) < 3:
                short = name.split()[0][:8]
            vat = "" if rng.random() < 0.05 else f"{country}{rng.randrange(10**7, 10**10)}"
            lat, lon = rng.uniform(36, 65), rng.uniform(-9, 30)
            members.append(
                Organisation(
                    org_id=str(880_000_000 + org_number * 1_657 % 119_999_989),
                    rcn=str(1_900_000 + org_number * 13),
                    name=name,
                    short_name=short,
                    vat=vat,
                    country=country,
                    city=city,
                    postcode=postcode,
                    street=f"{rng.choice(_STREETS)} {rng.randint(1, 250)}",
                    nuts3=nuts3,
                    nuts_chain=chain,
                    activity=activity,
                    sme=activity == "PRC" and rng.random() < 0.45,
                    url=""
                    if rng.random() < dist.ORGANIZATION_URL_EMPTY_SHARE
                    else f"www.{name.split()[0].lower()}.eu",
                    geolocation="" if rng.random() < dist.GEOLOCATION_EMPTY_SHARE else f"{lat:.7f},{lon:.7f}",
                )
            )
        pool[country] = members
    return pool


# --- projects ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Participation:
    org: Organisation
    role: str
    order: int
    ec: int | None  # cents; None = empty / attribute absent
    net: int | None
    total: int | None
    sme: bool | None  # None = "" (legacy H2020 rows)
    ended: bool
    city: str  # the organisation's city as written in this row (a change may respell it)
    short_name: str
    vat: str


@dataclass(slots=True)
class Project:
    programme: str
    id: str
    rcn: str
    acronym: str
    title: str
    objective: str
    keywords: str
    status: str
    start: date
    end: date
    signature: str
    total: int
    ec_max: int
    scheme: str
    topic: str
    master_call: str
    sub_call: str
    legal_basis: str
    content_update: str
    last_update: str
    n_results: int
    participations: list[Participation] = field(default_factory=list)


@dataclass
class Scale:
    """Global facts every worker derives identically from (projects, seed)."""

    projects: int
    seed: int
    counts: dict[str, int]
    offsets: dict[str, int]
    pool_size: int

    @classmethod
    def of(cls, projects: int, seed: int) -> Scale:
        h2020 = round(projects * dist.PROGRAMME_SPLIT["H2020"] / sum(dist.PROGRAMME_SPLIT.values()))
        counts = {"H2020": h2020, "HORIZON": projects - h2020}
        pool = max(200, round(projects * 6.7 / dist.PARTICIPATIONS_PER_ORGANISATION))
        return cls(projects, seed, counts, {"H2020": 0, "HORIZON": h2020}, pool)


class ProjectFactory:
    def __init__(self, scale: Scale) -> None:
        self.scale = scale
        self.vocab = vocabulary()
        self.pool = build_organisations(scale.seed, scale.pool_size)
        self.countries = _cumulative(dist.COUNTRY_COUNTS)
        self.roles = {p: _cumulative(dist.ROLE_COUNTS[p]) for p in PROGRAMMES}
        self.schemes = {
            p: {kind: _cumulative(w) for kind, w in dist.FUNDING_SCHEMES[p].items()} for p in PROGRAMMES
        }

    # text
    def _text(self, rng: random.Random, length: int) -> str:
        words = rng.choices(self.vocab.words, k=length // 6 + 8)
        text = " ".join(words)
        while len(text) < length:
            text += " " + " ".join(rng.choices(self.vocab.words, k=20))
        cut = text.rfind(" ", 0, length)
        return text[: cut if cut > length // 2 else length].rstrip()

    def _title(self, rng: random.Random) -> str:
        length = rng.choice(dist.TITLE_LENGTHS)
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < length:
            words.append(rng.choice(self.vocab.title_words))
        title = " ".join(words)
        cut = title.rfind(" ", 0, max(length, 12) + 1)
        return (title[:cut] if cut > 0 else title).rstrip(" ,;:")

    def _acronym(self, rng: random.Random) -> str:
        length = rng.choice(dist.ACRONYM_LENGTHS)
        chars = [chr(65 + rng.randrange(26)) for _ in range(length)]
        if rng.random() < 0.2:
            chars[-1] = str(rng.randrange(10))
        acronym = "".join(chars)
        return acronym if rng.random() < dist.ACRONYM_UPPER_SHARE else acronym.capitalize()

    def _objective(self, rng: random.Random, industry40: str | None) -> str:
        text = self._text(rng, rng.choice(dist.OBJECTIVE_LENGTHS))
        if industry40:
            at = rng.randrange(len(text) // 2)
            text = text[:at] + f" using {industry40} " + text[at:]
        newlines = rng.choice(dist.OBJECTIVE_NEWLINES)
        if newlines:
            chars = list(text)
            spaces = [i for i, c in enumerate(chars) if c == " "]
            for i in rng.sample(spaces, min(newlines, len(spaces))):
                chars[i] = "\n"
            text = "".join(chars)
        if rng.random() < dist.OBJECTIVE_TAB_SHARE:
            text = text.replace("\n", "\n\t", 3)
        if rng.random() < dist.OBJECTIVE_CSV_QUOTED_SHARE:  # leftover CSV quoting, as in ITEAM's objective
            words = text.split(" ")
            i = rng.randrange(1, max(2, len(words) - 2))
            words[i] = f'""{words[i]}""'
            text = '"' + " ".join(words) + '"'
        return text

    def _amount(self, rng: random.Random, programme: str, factor: float = 1.0) -> int:
        euros = int(_interpolate(rng, dist.EC_CONTRIBUTION_QUANTILES) * factor)
        cents = 0
        if euros and rng.random() < dist.CENTS_SHARE[programme]:
            cents = rng.choice([50, 25, 75, rng.randrange(1, 100)])
        return euros * 100 + cents

    def _participant_count(self, rng: random.Random) -> int:
        if rng.random() < dist.MONO_SHARE:
            return 1
        size = round(dist.CONSORTIUM_MEDIAN * math.exp(rng.gauss(0, dist.CONSORTIUM_SIGMA)))
        return min(max(size, dist.CONSORTIUM_MIN), dist.CONSORTIUM_MAX)

    def _organisation(self, rng: random.Random) -> Organisation:
        members = self.pool[_pick(rng, self.countries)]
        return members[int(len(members) * rng.random() ** dist.POPULARITY_SKEW)]

    def project(self, programme: str, local_index: int) -> Project:
        index = self.scale.offsets[programme] + local_index
        rng = random.Random(self.scale.seed * 10_000_019 + index)
        horizon = programme == "HORIZON"
        n = self._participant_count(rng)
        mono = n == 1
        scheme = _pick(rng, self.schemes[programme]["mono" if mono else "consortium"])
        industry40 = rng.choice(self.vocab.industry40_terms) if rng.random() < dist.INDUSTRY40_SHARE else None

        first, last = dist.START_YEARS[programme]
        start = date(rng.randint(first, last), rng.randint(1, 12), 1)
        months = rng.choice(dist.DURATION_MONTHS)
        end_month = start.month - 1 + months
        end = date(start.year + end_month // 12, end_month % 12 + 1, 1) - timedelta(days=1)
        ended = end < SNAPSHOT
        status = "CLOSED" if ended and rng.random() < dist.H2020_CLOSED_SHARE_OF_ENDED else "SIGNED"
        signature = (start - timedelta(days=rng.randint(15, 120))).isoformat()
        if not horizon and rng.random() < dist.EC_SIGNATURE_EMPTY_SHARE:
            signature = ""
        update_day = start + timedelta(days=rng.randint(0, max(1, (SNAPSHOT - start).days)))
        update_day = min(update_day, SNAPSHOT)
        content_update = f"{update_day.isoformat()} {rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
        last_update = (
            f"{SNAPSHOT.isoformat()} {rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
        )

        year = start.year - 1
        if horizon:
            cluster = rng.randint(1, 6)
            destination = "TWIN-TRANSITION" if industry40 and rng.random() < 0.5 else rng.choice(
                ["DIGITAL-EMERGING", "RESILIENCE", "HUMAN", "D4", "D5"])  # fmt: skip
            master = f"HORIZON-CL{cluster}-{year}-{destination}-01"
            topic = f"{master}-{rng.randint(1, 30):02d}"
            sub = master
            legal_basis = f"HORIZON.2.{cluster}"
        else:
            area = "DT-FOF" if industry40 and rng.random() < 0.5 else rng.choice(
                ["ICT", "ECSEL", "MG", "GV", "IoT", "NMBP", "SC1", "LC-SC3", "SPIRE", "CIRC", "INFRAIA"])  # fmt: skip
            topic = f"{area}-{rng.randint(1, 30):02d}-{year}"
            sub = f"H2020-{area}-{year}"
            master = "" if rng.random() < dist.MASTER_CALL_EMPTY_SHARE else f"H2020-{area}-{year}-{year + 1}"
            legal_basis = "" if rng.random() < dist.LEGAL_BASIS_EMPTY_SHARE else rng.choice(
                ["H2020-EU.2.1.1.", "H2020-EU.3.4.", "H2020-EU.1.2.", "H2020-EU.1.3.2."])  # fmt: skip

        if horizon:
            project_id = str(101_039_000 + local_index * 9 + rng.randrange(9))
            rcn = str(237_000 + local_index * 3 + rng.randrange(3))
        else:
            project_id = str(633_000 + local_index * 7 + rng.randrange(7))
            rcn = str(193_000 + local_index * 3 + rng.randrange(3))

        title = self._title(rng)
        if industry40 and rng.random() < 0.3:
            title = f"{industry40.capitalize()} for {title}"
        keywords = ", ".join(w.strip(".,;:()").lower() for w in rng.choices(self.vocab.title_words, k=8))
        keywords = keywords[: rng.choice(dist.KEYWORDS_LENGTHS)].rstrip(", ")
        project = Project(
            programme=programme, id=project_id, rcn=rcn, acronym=self._acronym(rng), title=title,
            objective=self._objective(rng, industry40), keywords=keywords, status=status, start=start, end=end,
            signature=signature, total=0, ec_max=0, scheme=scheme, topic=topic, master_call=master, sub_call=sub,
            legal_basis=legal_basis, content_update=content_update, last_update=last_update,
            n_results=rng.choice(dist.RESULTS_PER_PROJECT) if horizon else 0,
        )  # fmt: skip
        self._participations(rng, project, n)
        return project

    def _participations(self, rng: random.Random, project: Project, n: int) -> None:
        programme = project.programme
        horizon = programme == "HORIZON"
        legacy = not horizon and rng.random() < dist.H2020_LEGACY_PROJECT_SHARE
        keys: set[tuple[str, str, int]] = set()
        beneficiaries: list[Participation] = []
        next_order = 1
        factor = 4.0 if n == 1 else 1.0  # CHOSEN: mono grants (ERC, fellowships) are larger than a share
        for position in range(n):
            role = "coordinator" if position == 0 else _pick(rng, self.roles[programme])
            if role == "thirdParty" and beneficiaries:
                order = rng.choice(beneficiaries).order
            else:
                order, next_order = next_order, next_order + 1
                role = "participant" if role == "thirdParty" else role
            org = self._organisation(rng)
            while (org.org_id, role, order) in keys or (
                role != "thirdParty" and any(b.org is org for b in beneficiaries)
            ):
                org = self._organisation(rng)
            keys.add((org.org_id, role, order))
            if role == "associatedPartner":
                ec, net, total = None, 0, 0
            else:
                ec = self._amount(rng, programme, factor)
                if role in ("thirdParty", "partner") and rng.random() < 0.5:
                    ec = 0
                net = ec if rng.random() < dist.NET_EQUALS_EC_SHARE[programme] else ec * 9 // 10
                ratio = _interpolate(rng, dist.EC_TO_TOTAL_COST_DECILES)
                total = ec if ratio >= 1 else round(ec / ratio)
                if not horizon and rng.random() < dist.EC_CONTRIBUTION_EMPTY_SHARE:
                    ec = None
            sme: bool | None = org.sme or rng.random() < dist.SME_TRUE_SHARE[programme] / 4
            if legacy:
                net, total, sme = None, None, None
            short = "" if rng.random() < dist.SHORT_NAME_EMPTY_SHARE[programme] else org.short_name
            vat = "" if rng.random() < dist.VAT_EMPTY_SHARE[programme] else org.vat
            participation = Participation(
                org=org, role=role, order=order, ec=ec, net=net, total=total, sme=sme,
                ended=rng.random() < dist.END_OF_PARTICIPATION_TRUE_SHARE[programme], city=org.city,
                short_name=short, vat=vat,
            )  # fmt: skip
            project.participations.append(participation)
            if role != "thirdParty":
                beneficiaries.append(participation)
        rng.shuffle(project.participations)
        project.ec_max = sum(p.ec for p in project.participations if p.ec)
        if legacy:
            ratio = _interpolate(rng, dist.EC_TO_TOTAL_COST_DECILES)
            project.total = project.ec_max if ratio >= 1 else round(project.ec_max / ratio)
        else:
            project.total = max(project.ec_max, sum(p.total for p in project.participations if p.total))


# --- changes ----------------------------------------------------------------------------------------


def changed_indices(scale: Scale, fraction: float) -> list[int]:
    count = max(1, round(scale.projects * fraction))
    return sorted(random.Random(f"change:{scale.seed}").sample(range(scale.projects), count))


def apply_change(project: Project, seed: int, index: int) -> dict[str, Any]:
    """Change exactly one record of ``project``: its title (and contentUpdateDate) or one partner's city
    spelling (no date changes). Returns the change as a manifest entry."""
    rng = random.Random(f"change:{seed}:{index}")
    if rng.random() < 0.5 or not project.participations:
        before = project.title
        words = project.title.split(" ")
        position = rng.randrange(len(words))
        words[position] = words[position] + ("s" if not words[position].endswith("s") else "")
        project.title = " ".join(words) if " ".join(words) != before else before + " (revised)"
        day = date.fromisoformat(project.content_update[:10]) + timedelta(days=1)
        project.content_update = (
            f"{min(day, SNAPSHOT + timedelta(days=1)).isoformat()}{project.content_update[10:]}"
        )
        return {"id": project.id, "programme": project.programme, "kind": "title", "entity": "project",
                "key": [project.id], "before": before, "after": project.title}  # fmt: skip
    target = rng.choice(project.participations)
    before = target.city
    target.city = before.title() if before.isupper() else before.upper()
    if target.city == before:  # no letters to respell: add a space, as "61 100" -> "611 00" style edits do
        target.city = before + " "
    return {"id": project.id, "programme": project.programme, "kind": "city", "entity": "participation",
            "key": [project.id, target.org.org_id, target.role, target.order], "before": before,
            "after": target.city}  # fmt: skip


# --- rendering --------------------------------------------------------------------------------------


def _s(text: str) -> str:
    return encode_basestring(text)


def _json_postcode(postcode: str) -> str:
    # J: a numeric-looking postCode is a JSON number (leading zeros lost), others a string.
    return str(int(postcode)) if postcode.isdigit() else _s(postcode)


def _json_bool(value: bool | None) -> str:
    return '""' if value is None else ("true" if value else "false")


def _json_money(cents: int | None) -> str:
    return '""' if cents is None else money_json(cents)


_JSON_PROJECT = "{\n" + ",\n".join(f'    "{k}": %s' for k in PROJECT_KEYS) + "\n}"
_JSON_ORG = "{\n" + ",\n".join(f'    "{k}": %s' for k in ORGANIZATION_KEYS) + "\n}"


def project_fields(p: Project) -> dict[str, str]:
    """The project's values as the JSON/CSV columns (text, '' for empty)."""
    return {
        "acronym": p.acronym, "contentUpdateDate": p.content_update, "ecMaxContribution": money_json(p.ec_max),
        "ecSignatureDate": p.signature, "endDate": p.end.isoformat(), "frameworkProgramme": p.programme,
        "fundingScheme": p.scheme, "id": p.id, "legalBasis": p.legal_basis, "masterCall": p.master_call,
        "nature": "", "objective": p.objective, "rcn": p.rcn, "startDate": p.start.isoformat(),
        "status": p.status, "subCall": p.sub_call, "title": p.title, "topics": p.topic,
        "totalCost": money_json(p.total),
    }  # fmt: skip


def participation_fields(p: Project, x: Participation) -> dict[str, str]:
    o = x.org
    text = {None: "", True: "true", False: "false"}
    return {
        "SME": text[x.sme], "active": "", "activityType": o.activity, "city": x.city,
        "contactForm": CONTACT_FORM.format(org=o.org_id, pid=p.id), "contentUpdateDate": p.content_update,
        "country": o.country, "ecContribution": "" if x.ec is None else money_json(x.ec),
        "endOfParticipation": text[x.ended], "geolocation": o.geolocation, "name": o.name,
        "netEcContribution": "" if x.net is None else money_json(x.net), "nutsCode": "",
        "order": str(x.order), "organisationID": o.org_id, "organizationURL": o.url,
        "postCode": str(int(o.postcode)) if o.postcode.isdigit() else o.postcode, "projectAcronym": p.acronym,
        "projectID": p.id, "rcn": o.rcn, "role": x.role, "shortName": x.short_name, "street": o.street,
        "totalCost": "" if x.total is None else money_json(x.total), "vatNumber": x.vat,
    }  # fmt: skip


def render_json_project(p: Project) -> str:
    f = project_fields(p)
    numbers = {"id", "rcn", "ecMaxContribution", "totalCost"}
    return _JSON_PROJECT % tuple(f[k] if k in numbers else _s(f[k]) for k in PROJECT_KEYS)


def render_json_organisations(p: Project) -> Iterator[str]:
    for x in p.participations:
        o = x.org
        yield _JSON_ORG % (
            _json_bool(x.sme), '""', _s(o.activity), _s(x.city), _s(CONTACT_FORM.format(org=o.org_id, pid=p.id)),
            _s(p.content_update), _s(o.country), _json_money(x.ec), _json_bool(x.ended), _s(o.geolocation),
            _s(o.name), _json_money(x.net), '""', x.order, o.org_id, _s(o.url), _json_postcode(o.postcode),
            _s(p.acronym), p.id, o.rcn, _s(x.role), _s(x.short_name), _s(o.street), _json_money(x.total),
            _s(x.vat),
        )  # fmt: skip


_CATEGORY = """            <category classification="{cls}" type="{type}">
              <language>en</language>
              <availableLanguages>de,en,es,fr,it,pl</availableLanguages>
              <code>/{code}</code>
              <title>{title}</title>
              <displayCode>/{title}</displayCode>
            </category>
"""
_ACTIVITY_TITLES = {
    "PRC": "Private for-profit entities (excluding Higher or Secondary Education Establishments)",
    "HES": "Higher or Secondary Education Establishments", "REC": "Research Organisations",
    "PUB": "Public bodies (excluding Research Organisations and Secondary or Higher Education Establishments)",
    "OTH": "Other",
}  # fmt: skip


def _xml_region(chain: tuple[tuple[str, str], ...], depth: int, indent: str) -> str:
    code, name = chain[0]
    iso = (
        f"\n{indent}  <euCode>{code}</euCode>\n{indent}  <isoCode>{code}</isoCode>" if len(chain) == 1 else ""
    )
    inner = f"{indent}  <name>{_xml(name)}</name>\n{indent}  <rcn>{210_000_000 + depth}</rcn>\n{indent}  <nutsCode>{code}</nutsCode>{iso}\n"
    if len(chain) > 1:
        inner += (f"{indent}  <parents>\n{indent}    <region>\n" + _xml_region(chain[1:], depth + 1, indent + "    ")
                  + f"{indent}    </region>\n{indent}  </parents>\n")  # fmt: skip
    return inner


def _xml_organisation(x: Participation) -> str:
    o = x.org
    attrs = f'netEcContribution="{money_text(x.net or 0)}" totalCost="{money_text(x.total or 0)}" source="corda" order="{x.order}"'
    if x.ec is not None:
        attrs += f' ecContribution="{money_text(x.ec)}"'
    attrs += (
        f' terminated="{"true" if x.ended else "false"}" sme="{"true" if x.sme else "false"}" type="{x.role}"'
    )
    parts = [f"      <organization {attrs}>\n        <availableLanguages>en</availableLanguages>\n"
             f"        <rcn>{o.rcn}</rcn>\n        <id>{o.org_id}</id>\n"]  # fmt: skip
    if x.vat:
        parts.append(f"        <vatNumber>{_xml(x.vat)}</vatNumber>\n")
    parts.append(f"        <legalName>{_xml(o.name)}</legalName>\n")
    if x.short_name:
        parts.append(f"        <shortName>{_xml(x.short_name)}</shortName>\n")
    parts.append(
        f"        <address>\n          <street>{_xml(o.street)}</street>\n          <city>{_xml(x.city)}</city>\n"
        f"          <postalCode>{_xml(o.postcode)}</postalCode>\n          <country>{o.country}</country>\n"
    )
    if o.url:
        parts.append(f"          <url>https://{_xml(o.url)}</url>\n")
    if o.geolocation:
        parts.append(f"          <geolocation>{o.geolocation}</geolocation>\n")
    parts.append("        </address>\n        <relations>\n          <categories>\n")
    parts.append(
        _CATEGORY.format(
            cls="organizationActivityType",
            type="relatedOrganizationActivityType",
            code=o.activity,
            title=_ACTIVITY_TITLES[o.activity],
        )
    )
    parts.append("          </categories>\n          <regions>\n")
    parts.append('            <region type="relatedNutsCode">\n')
    parts.append(_xml_region(o.nuts_chain, 0, "            "))
    parts.append('            </region>\n            <region type="relatedRegion">\n')
    parts.append(_xml_region(o.nuts_chain[-1:], 9, "            "))
    parts.append("            </region>\n          </regions>\n        </relations>\n      </organization>\n")
    return "".join(parts)


def _xml_programme(kind: str, code: str, title: str, parents: list[str], extra: str = "") -> str:
    parent_xml = ""
    for parent in reversed(parents):
        parent_xml = (f"<parent>\n          <programme>\n            <rcn>705725</rcn>\n            <code>{parent}</code>\n"
                      f"            {parent_xml}</programme>\n        </parent>\n        ")  # fmt: skip
    categories = _CATEGORY.format(cls="collection", type="belongsTo", code="legalbasis" if kind == "relatedLegalBasis" else "topic",
                                  title="Legal Basis" if kind == "relatedLegalBasis" else "Topic")  # fmt: skip
    categories += _CATEGORY.format(cls="source", type="isProvidedBy", code="corda", title="CORDA")
    return (
        f'      <programme type="{kind}" source="corda"{extra}>\n        <availableLanguages>en</availableLanguages>\n'
        f"        <rcn>705757</rcn>\n        <id>{code}</id>\n        <code>{code}</code>\n"
        f"        <frameworkProgramme>HORIZON</frameworkProgramme>\n        <title>{_xml(title)}</title>\n"
        f"        {parent_xml}<relations>\n          <categories>\n{categories}          </categories>\n"
        f"        </relations>\n      </programme>\n"
    )


def _xml_result(p: Project, number: int, title: str) -> str:
    return (
        f'      <result type="relatedResult" source="corda">\n        <availableLanguages>en</availableLanguages>\n'
        f"        <rcn>{1_100_000 + number}</rcn>\n        <id>{p.id}_{number}_PUBLIHORIZON</id>\n"
        f"        <title>{_xml(title)}</title>\n        <details>\n          <authors>A. Author, B. Author and C. Author</authors>\n"
        f"          <journalNumber/>\n          <journalTitle>Proceedings of the conference</journalTitle>\n"
        f"          <publishedPages/>\n          <publishedYear>{p.start.year + 1}</publishedYear>\n"
        f"          <publisher>Publisher</publisher>\n        </details>\n        <identifiers>\n"
        f"          <doi>10.5281/zenodo.{10_000_000 + number}</doi>\n        </identifiers>\n"
        f"        <sourceUpdateDate>{p.content_update}</sourceUpdateDate>\n        <contentUpdateDate>{p.content_update}</contentUpdateDate>\n"
        f"        <relations>\n          <categories>\n"
        + _CATEGORY.format(cls="collection", type="belongsTo", code="publication", title="Project publication")
        + _CATEGORY.format(cls="projectPublication", type="isPublishedAs", code="CONFERENCE_PROCEEDING", title="Conference proceedings")
        + _CATEGORY.format(cls="source", type="isProvidedBy", code="corda", title="CORDA")
        + "          </categories>\n        </relations>\n      </result>\n"
    )  # fmt: skip


def render_xml_project(p: Project) -> str:
    teaser = p.objective[:277].rstrip() + "..."
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<project>\n  <language>en</language>\n'
        f"  <availableLanguages>en</availableLanguages>\n  <rcn>{p.rcn}</rcn>\n  <id>{p.id}</id>\n"
        f"  <acronym>{_xml(p.acronym)}</acronym>\n  <teaser>{_xml(teaser)}</teaser>\n"
        f"  <objective>{_xml(p.objective)}</objective>\n  <title>{_xml(p.title)}</title>\n"
        f"  <totalCost>{money_text(p.total)}</totalCost>\n  <ecMaxContribution>{money_text(p.ec_max)}</ecMaxContribution>\n"
        f"  <startDate>{p.start.isoformat()}</startDate>\n  <endDate>{p.end.isoformat()}</endDate>\n"
        f"  <ecSignatureDate>{p.signature}</ecSignatureDate>\n  <duration>{(p.end - p.start).days * 12 // 365}</duration>\n"
        f"  <status>{p.status}</status>\n  <keywords>{_xml(p.keywords)}</keywords>\n"
        f"  <identifiers>\n    <grantDoi>10.3030/{p.id}</grantDoi>\n  </identifiers>\n"
        f"  <validation>\n    <euroSciVoc>false</euroSciVoc>\n  </validation>\n"
        f"  <sourceUpdateDate>{p.content_update}</sourceUpdateDate>\n  <contentCreationDate>{p.signature} 10:00:00</contentCreationDate>\n"
        f"  <contentUpdateDate>{p.content_update}</contentUpdateDate>\n  <lastUpdateDate>{p.last_update}</lastUpdateDate>\n"
        "  <relations>\n    <associations>\n"
    )  # fmt: skip
    calls = "".join(
        f'      <call source="corda" type="{kind}">\n        <rcn>55923</rcn>\n        <title>{call}</title>\n'
        f"        <identifier>{call}</identifier>\n      </call>\n"
        for kind, call in (("relatedMasterCall", p.master_call), ("relatedSubCall", p.sub_call))
    )
    organisations = "".join(_xml_organisation(x) for x in p.participations)
    programmes = (
        _xml_programme("relatedLegalBasis", p.legal_basis + ".1", "Legal basis part", [p.legal_basis, "HORIZON.2", "HORIZON"])
        + _xml_programme("relatedLegalBasis", p.legal_basis, "Legal basis", ["HORIZON.2", "HORIZON"], ' uniqueProgrammePart="true"')
        + _xml_programme("relatedTopic", p.topic, p.title[:60], ["HORIZON-Topics"])
    )  # fmt: skip
    results = "".join(_xml_result(p, i, p.title[: 40 + i]) for i in range(p.n_results))
    categories = (
        "    </associations>\n    <categories>\n"
        + _CATEGORY.format(cls="collection", type="belongsTo", code="project", title="Project").replace("\n      ", "\n")[6:]
        + "".join(
            f'      <category classification="policyPriorities" type="marker" weight="{w}">\n        <language>en</language>\n'
            f"        <code>/{c}</code>\n        <title>{c}</title>\n      </category>\n"
            for c, w in (("digitalAgenda", 100), ("cleanAir", 0), ("ai", 40), ("climate", 40), ("biodiversity", 0))
        )
        + '      <category classification="projectFundingSchemeCategory" type="relatedProjectFundingSchemeCategory">\n'
        f"        <language>en</language>\n        <availableLanguages>en</availableLanguages>\n        <code>/{p.scheme}</code>\n"
        f"        <title>{p.scheme}</title>\n        <displayCode>/{p.scheme}</displayCode>\n      </category>\n"
        "    </categories>\n  </relations>\n</project>\n"
    )  # fmt: skip
    return head + calls + organisations + programmes + results + categories


# --- writing ----------------------------------------------------------------------------------------


def _zip_info(name: str, size: int = 0) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3
    info.file_size = size
    return info


def _copy_spool(archive: zipfile.ZipFile, name: str, spool: IO[bytes]) -> None:
    size = spool.seek(0, os.SEEK_END)
    spool.seek(0)
    with archive.open(_zip_info(name, size), "w") as member:
        shutil.copyfileobj(spool, member, 1 << 20)


class _Buffered:
    """Collects text and writes it as UTF-8 in large blocks (far fewer zlib calls)."""

    def __init__(self, target: IO[bytes], limit: int = 1 << 20) -> None:
        self.target, self.limit, self.parts, self.size = target, limit, [], 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size >= self.limit:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.target.write("".join(self.parts).encode("utf-8"))
            self.parts, self.size = [], 0


def _write_programme(out_dir: Path, programme: str, scale: Scale, change: float | None) -> dict[str, Any]:
    """Write one programme's dumps; returns counts, the changes made and the files written."""
    factory = ProjectFactory(scale)
    changed = set(changed_indices(scale, change)) if change else set()
    offset, count = scale.offsets[programme], scale.counts[programme]
    changes: list[dict[str, Any]] = []
    participations = 0
    bom = "\ufeff"
    files: list[Path] = []
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=f".spool-{programme}-") as spool_dir:
        spools = {name: open(Path(spool_dir) / name, "w+b") for name in ("org.json", "p.csv", "o.csv")}  # noqa: SIM115
        try:
            if programme == "H2020":
                main_path = out_dir / DUMP_NAMES["H2020", "json"]
            else:
                main_path = out_dir / DUMP_NAMES["HORIZON", "xml"]
            csv_path = out_dir / DUMP_NAMES[programme, "csv"]
            p_csv, o_csv = _Buffered(spools["p.csv"]), _Buffered(spools["o.csv"])
            p_csv.write(bom + _csv_row(list(PROJECT_KEYS)))
            o_csv.write(bom + _csv_row(list(ORGANIZATION_KEYS)))
            with zipfile.ZipFile(main_path, "w", zipfile.ZIP_DEFLATED) as archive:
                if programme == "H2020":
                    project_member = archive.open(_zip_info("project.json"), "w", force_zip64=True)
                    projects_json = _Buffered(project_member)  # type: ignore[arg-type]
                    orgs_json = _Buffered(spools["org.json"])
                    projects_json.write("[")
                    orgs_json.write("[")
                    wrote_org = False
                for local in range(count):
                    project = factory.project(programme, local)
                    if offset + local in changed:
                        changes.append(apply_change(project, scale.seed, offset + local))
                    participations += len(project.participations)
                    p_csv.write(_csv_row(list(project_fields(project).values())))
                    for x in project.participations:
                        o_csv.write(_csv_row(list(participation_fields(project, x).values())))
                    if programme == "H2020":
                        # real layout: '[{    "acronym"...' then '},{\n    ...' and '\n}\n]' at the end
                        text = render_json_project(project)
                        projects_json.write(text.replace("\n", "", 1) if local == 0 else "," + text)
                        for org_text in render_json_organisations(project):
                            orgs_json.write("," + org_text if wrote_org else org_text.replace("\n", "", 1))
                            wrote_org = True
                    else:
                        archive.writestr(
                            _zip_info(f"{project.rcn}.xml"), render_xml_project(project).encode("utf-8")
                        )
                if programme == "H2020":
                    projects_json.write("\n]")
                    projects_json.flush()
                    project_member.close()
                    orgs_json.write("\n]")
                    orgs_json.flush()
                    _copy_spool(archive, "organization.json", spools["org.json"])
            files.append(main_path)
            p_csv.flush()
            o_csv.flush()
            with zipfile.ZipFile(csv_path, "w", zipfile.ZIP_DEFLATED) as archive:
                _copy_spool(archive, "csv/project.csv", spools["p.csv"])
                _copy_spool(archive, "csv/organization.csv", spools["o.csv"])
            files.append(csv_path)
        finally:
            for handle in spools.values():
                handle.close()
    return {
        "programme": programme,
        "projects": count,
        "participations": participations,
        "changes": changes,
        "files": {p.name: p.stat().st_size for p in files},
    }


def generate(
    out: Path, projects: int, seed: int = 42, change: float | None = None, jobs: int = 2
) -> dict[str, Any]:
    """Generate the dumps under ``out`` (laid out as a mirror); returns what ``generation.json`` holds."""
    started = time.monotonic()
    out = Path(out)
    data_dir = out / HOST / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    scale = Scale.of(projects, seed)
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, len(PROGRAMMES))) as pool:
            parts = list(pool.map(_write_programme, [data_dir] * 2, PROGRAMMES, [scale] * 2, [change] * 2))
    else:
        parts = [_write_programme(data_dir, programme, scale, change) for programme in PROGRAMMES]
    changes = [c for part in parts for c in part["changes"]]
    summary: dict[str, Any] = {
        "seed": seed,
        "projects": projects,
        "participations": sum(part["participations"] for part in parts),
        "per_programme": {
            part["programme"]: {"projects": part["projects"], "participations": part["participations"]}
            for part in parts
        },
        "files": {name: size for part in parts for name, size in part["files"].items()},
        "change": change,
        "changed_projects": len(changes),
        "changed_records": {
            "project": sum(c["entity"] == "project" for c in changes),
            "participation": sum(c["entity"] == "participation" for c in changes),
        },
        "generator_wall_s": round(time.monotonic() - started, 2),
    }
    if change:
        (out / "changed_ids.txt").write_text("".join(f"{c['id']}\n" for c in changes), encoding="utf-8")
        (out / "changes.json").write_text(
            json.dumps(changes, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    (out / "generation.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="output folder (a mirror root)")
    parser.add_argument("--projects", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--change", type=parse_fraction, default=None, help="e.g. 1%%: change that share of projects"
    )
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (one per programme at most)")
    args = parser.parse_args(argv)
    summary = generate(args.out, args.projects, args.seed, args.change, args.jobs)
    json.dump(summary, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
