"""Organisation resolution across sources and spellings, explainable.

Rules, in order (each merge decision is recorded with the rule that made it):
1. ``cordis_id``: CORDIS participations with the same organisationID (PIC) are one organisation;
2. ``vat``: organisations with the same normalised VAT number are one organisation;
3. ``alias``: a name listed in the curated alias table (``taxonomy/organisation_aliases.csv``) is the
   organisation of its canonical name;
4. ``name``: organisations whose normalised legal names are equal are one organisation;
5. ``new``: a name that matched nothing becomes an organisation of its own.
Names that are close but not equal (similarity ≥ 0.85 or one contained in the other) are listed as
near-matches for a person to decide; they are never merged by guess."""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

import pandas as pd

from transforms.frames import column_list

ALIASES_CSV = Path(__file__).with_name("taxonomy") / "organisation_aliases.csv"

_LEGAL_FORMS = {
    "nv", "bv", "bvba", "vzw", "cvba", "sa", "sprl", "asbl", "srl", "gmbh", "ag", "ltd", "limited", "oy",
    "ab", "as", "spa", "sl", "inc", "co", "kg",
}  # fmt: skip
_PUNCT = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s+")

NEAR_MATCH_THRESHOLD = 0.85
MAX_BLOCK = 200

DECISION_COLUMNS = ["source", "source_ref", "source_name", "organisation_key", "rule", "matched_on"]
NEAR_MATCH_COLUMNS = ["organisation_key_a", "name_a", "organisation_key_b", "name_b", "similarity"]
# what resolve_organisations reads, one row per organisation in the order it reads them
INPUT_COLUMNS = [
    "source", "source_ref", "input_order", "project_source_id", "role", "order_no", "name", "vat_number",
    "country",
]  # fmt: skip
# of them, what a CORDIS organisation's first staged participation gives (its key and what is resolved on)
CORDIS_INPUT_COLUMNS = [
    "source_ref",
    "project_source_id",
    "role",
    "order_no",
    "name",
    "vat_number",
    "country",
]
# and what an organisation known by name gives
NAMED_INPUT_COLUMNS = ["source", "source_ref", "name", "country"]


def normalise_name(name: str | None) -> str:
    """Case-, accent-, apostrophe- and punctuation-insensitive name without legal-form words."""
    if not isinstance(name, str) or not name:
        return ""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").casefold()
    text = _PUNCT.sub(" ", text.replace("'", ""))
    words = [word for word in _SPACE.split(text) if word and word not in _LEGAL_FORMS]
    return " ".join(words)


def normalise_vat(vat: str | None) -> str:
    return re.sub(r"[^0-9A-Z]", "", vat.upper()) if isinstance(vat, str) else ""


@lru_cache(maxsize=1)
def load_aliases(path: Path = ALIASES_CSV) -> dict[str, str]:
    """normalised alias -> normalised canonical name."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            normalise_name(row["alias"]): normalise_name(row["canonical_name"])
            for row in csv.DictReader(handle)
        }


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            # the smaller id wins, so keys stay stable from run to run
            keep, drop = sorted((root_a, root_b))
            self.parent[drop] = keep


@dataclass
class Resolution:
    """The result: which organisation key every source reference maps to, and why."""

    key_of: dict[tuple[str, str], str] = field(
        default_factory=dict
    )  # (source, source_ref) -> organisation_key
    decisions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DECISION_COLUMNS))
    near_matches: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=NEAR_MATCH_COLUMNS))


def _name_node(country: str | None, normalised: str) -> str:
    # names only join within one country: "SIEMENS AG" and "SIEMENS SA" are different legal entities
    return f"name:{(country or '').upper()}:{normalised}"


def _key(members: list[str]) -> str:
    """A stable key: the smallest CORDIS organisationID of the cluster, else its normalised name."""
    pics = sorted(
        int(m.split(":", 1)[1]) for m in members if m.startswith("cordis:") and m.split(":", 1)[1].isdigit()
    )
    if pics:
        return f"org:{pics[0]}"
    cordis_refs = sorted(m.split(":", 1)[1] for m in members if m.startswith("cordis:"))
    if cordis_refs:
        return f"org:{cordis_refs[0]}"
    return "org:" + min(members).rsplit(":", 1)[1].replace(" ", "-")


def resolve_organisations(cordis_orgs: pd.DataFrame, named_orgs: pd.DataFrame) -> Resolution:
    """Resolve CORDIS organisations (columns organisation_id, name, vat_number, country) and organisations known
    only by name (columns source, source_ref, name, country — e.g. VLAIO's executing organisations, country
    'BE' when unknown)."""
    aliases = load_aliases()
    links = _UnionFind()
    decided: dict[
        tuple[str, str], tuple[str, str, str | None, str]
    ] = {}  # (source, ref) -> (rule, matched, name, node)
    first_at_vat: dict[str, str] = {}
    first_at_name: dict[str, str] = {}

    firsts = cordis_orgs.drop_duplicates("organisation_id")
    # column by column (a dict per organisation from ``to_dict`` boxed 1M values at 60k projects)
    for ref_value, org_name, org_vat, org_country in zip(
        *(column_list(firsts, name) for name in ("organisation_id", "name", "vat_number", "country")),
        strict=True,
    ):
        ref = str(ref_value)
        node = f"cordis:{ref}"
        rule, matched = "cordis_id", ref
        links.find(node)
        vat = normalise_vat(org_vat)
        if vat:
            if vat in first_at_vat:
                links.union(first_at_vat[vat], node)
                rule, matched = "vat", vat
            first_at_vat.setdefault(vat, node)
        normalised = normalise_name(org_name)
        if normalised:
            canonical = aliases.get(normalised, normalised)
            name_node = _name_node(org_country, canonical)
            if name_node in first_at_name and links.find(first_at_name[name_node]) != links.find(node):
                rule, matched = "name", canonical
            first_at_name.setdefault(name_node, node)
            links.union(node, name_node)
        decided[("cordis", ref)] = (rule, matched, org_name, node)

    for org in named_orgs.to_dict("records"):
        normalised = normalise_name(org["name"])
        canonical = aliases.get(normalised, normalised)
        name_node = _name_node(org.get("country") or "BE", canonical)
        if normalised in aliases:
            rule = "alias"
        elif name_node in first_at_name:
            rule = "name"
        else:
            rule = "new"
        first_at_name.setdefault(name_node, name_node)
        links.find(name_node)
        decided[(org["source"], str(org["source_ref"]))] = (rule, canonical, org["name"], name_node)

    clusters: dict[str, list[str]] = {}
    for node in list(links.parent):
        clusters.setdefault(links.find(node), []).append(node)
    key_of_root = {root: _key(members) for root, members in clusters.items()}

    resolution = Resolution()
    rows = []
    for (source, ref), (rule, matched, name, node) in decided.items():
        key = key_of_root[links.find(node)]
        resolution.key_of[(source, ref)] = key
        rows.append((source, ref, name, key, rule, matched))
    resolution.decisions = pd.DataFrame(rows, columns=DECISION_COLUMNS)
    resolution.near_matches = _near_matches(resolution.decisions)
    return resolution


def name_blocks(decisions: pd.DataFrame) -> list[list[tuple[str, str, str]]]:
    """The blocks of organisations whose names are compared: (key, normalised name, name) of each
    organisation (its first decision's name), by key, grouped by the normalised name's first word; blocks
    of more than ``MAX_BLOCK`` left out."""
    names: dict[str, str] = {}
    for key, name in zip(column_list(decisions, "organisation_key"), column_list(decisions, "source_name"),
                         strict=True):  # fmt: skip
        names.setdefault(key, name or "")
    blocks: dict[str, list[tuple[str, str, str]]] = {}
    for key, name in sorted(names.items()):
        normalised = normalise_name(name)
        if normalised:
            blocks.setdefault(normalised.split(" ", 1)[0], []).append((key, normalised, name))
    return [block for block in blocks.values() if len(block) <= MAX_BLOCK]


def resolution_inputs(cordis_firsts: pd.DataFrame, named_orgs: pd.DataFrame) -> pd.DataFrame:
    """What ``resolve_organisations`` reads of ``cordis_firsts`` (each CORDIS organisation's first staged
    participation, with its key ``project_source_id``, ``role``, ``order_no``, in the order given) and
    ``named_orgs``, as ``INPUT_COLUMNS``: the same inputs, in the same order, resolve the same way."""
    firsts = cordis_firsts.drop_duplicates("organisation_id")
    cordis = pd.DataFrame(
        {
            "source": "cordis",
            "source_ref": [str(ref) for ref in firsts["organisation_id"].tolist()],
            **{name: firsts[name].tolist() for name in CORDIS_INPUT_COLUMNS[1:]},
        },
        dtype=object,
    )
    named = pd.DataFrame(
        {
            "source": named_orgs["source"].tolist(),
            "source_ref": [str(ref) for ref in named_orgs["source_ref"].tolist()],
            "name": named_orgs["name"].tolist(),
            "country": named_orgs["country"].tolist(),
        },
        columns=INPUT_COLUMNS,
        dtype=object,
    )
    frame = pd.concat([cordis.reindex(columns=INPUT_COLUMNS), named], ignore_index=True)
    frame["input_order"] = list(range(len(frame)))
    return frame.astype(object).where(frame.notna(), None)


def _near_matches(decisions: pd.DataFrame) -> pd.DataFrame:
    """Pairs of distinct organisations whose normalised names are close, for a person to decide.

    Names are compared only within a block sharing their first word (keeps it linear-ish at 60k projects);
    blocks larger than ``MAX_BLOCK`` are skipped (such a first word is too common to mean anything)."""
    rows = []
    for block in name_blocks(decisions):
        found = []
        # each pair (a, b) is compared as SequenceMatcher(a, b) with a before b in the block; the matcher
        # keeps b's index, so b is the outer loop and the pairs are put back in (a, b) order afterwards.
        # Organisations of a block often share a normalised name (one firm's entities in several
        # countries: 46k names, 34k distinct at 60k projects), so each ordered pair of names is compared
        # once per block: the outcome depends on the two names only.
        outcome: dict[tuple[str, str], float | None] = {}
        for index_b, (key_b, norm_b, name_b) in enumerate(block):
            matcher = None
            for index_a, (key_a, norm_a, name_a) in enumerate(block[:index_b]):
                pair = (norm_a, norm_b)
                if pair not in outcome:
                    if matcher is None:
                        matcher = SequenceMatcher(None, b=norm_b)
                    outcome[pair] = _similarity(matcher, norm_a, norm_b)
                similarity = outcome[pair]
                if similarity is not None:
                    found.append(((index_a, index_b), (key_a, name_a, key_b, name_b, similarity)))
        rows += [row for _, row in sorted(found)]
    return pd.DataFrame(rows, columns=NEAR_MATCH_COLUMNS)


def _similarity(matcher: SequenceMatcher, norm_a: str, norm_b: str) -> float | None:
    """The rounded similarity of a near-match pair (``matcher`` holds ``norm_b``), None for no near-match:
    a ratio under the threshold, unless one name contains the other."""
    contained = f" {norm_a} " in f" {norm_b} " or f" {norm_b} " in f" {norm_a} "
    matcher.set_seq1(norm_a)
    # real_quick_ratio and quick_ratio are upper bounds of ratio: a pair under the threshold on either is no
    # near-match, unless one name contains the other
    if not contained and (
        matcher.real_quick_ratio() < NEAR_MATCH_THRESHOLD or matcher.quick_ratio() < NEAR_MATCH_THRESHOLD
    ):
        return None
    similarity = matcher.ratio()
    return round(similarity, 3) if similarity >= NEAR_MATCH_THRESHOLD or contained else None
