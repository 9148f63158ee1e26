"""The core layer: projects, organisations, participations, themes and yearly funding, built from every
staged source. Pure: staged DataFrames in, core DataFrames out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

import numpy as np
import pandas as pd

from extractors.cordis.settings import PROJECT_URL
from inventory.interning import prefixed
from transforms.frames import column_list, key_order, natural_key
from transforms.funding import split_evenly, split_pro_rata
from transforms.industry40 import TEXT_FIELDS, load_rules, matches
from transforms.organisations import (
    DECISION_COLUMNS,
    NEAR_MATCH_COLUMNS,
    Resolution,
    resolution_inputs,
    resolve_organisations,
)
from transforms.regions import FLANDERS
from transforms.values import content_hash_text, content_hashes

ZERO = Decimal("0.00")

CORE_PROJECT_COLUMNS = [
    "project_key", "source", "source_id", "acronym", "title", "programme", "funding_scheme", "status",
    "start_date", "end_date", "total_cost_eur", "eu_contribution_eur", "vlaio_subsidy_eur", "themes", "sectors",
    "n_results", "is_industry40", "industry40_reasons", "source_url", "last_run_id", "batch", "focus",
    "record_hash",
]  # fmt: skip
CORE_ORGANISATION_COLUMNS = [
    "organisation_key", "name", "short_name", "vat_number", "country", "city", "post_code", "nuts_code",
    "region", "activity_type", "aliases", "record_hash",
]  # fmt: skip
CORE_PARTICIPATION_COLUMNS = [
    "project_key", "source_organisation_ref", "role", "order_no", "organisation_key", "organisation_name",
    "country", "region", "ec_contribution_eur", "net_ec_contribution_eur", "total_cost_eur", "record_hash",
]  # fmt: skip
THEME_COLUMNS = ["project_key", "theme", "field", "term"]
YEARLY_COLUMNS = [
    "project_key",
    "year",
    "eu_contribution_eur",
    "flemish_contribution_eur",
    "vlaio_subsidy_eur",
]

# The staged columns the build reads; the rest of staging is provenance (record hashes, source files, the
# participations' run ids, streets, flags no table shows), which the read back leaves out (185 MB of the 60k
# staging's 980 MB in memory). tests/test_build_inputs.py checks a build from these alone is the same.
STAGED_PROJECT_INPUTS = [
    "source_id", "acronym", "title", "programme", "funding_scheme", "status", "start_date", "end_date",
    "total_cost_eur", "ec_max_contribution_eur", "topics", "master_call", "sub_call", "objective", "keywords",
    "result_ids", "run_id",
]  # fmt: skip
STAGED_PARTICIPATION_INPUTS = [
    "project_source_id", "organisation_id", "role", "order_no", "name", "short_name", "vat_number", "country",
    "city", "post_code", "nuts_code", "activity_type", "region", "ec_contribution_eur",
    "net_ec_contribution_eur", "total_cost_eur",
]  # fmt: skip

# the key of a staged CORDIS participation: the order the build reads them in (complete_core)
STAGED_PARTICIPATION_KEY = ("project_source_id", "organisation_id", "role", "order_no")
# what the resolution of organisations reads of each organisation's first staged participation
FIRST_PARTICIPATION_INPUTS = [*STAGED_PARTICIPATION_KEY, "name", "vat_number", "country"]
# the key of a VLAIO batch's yearly funding: the sources give some subsidies per batch only, not per project
BATCH_PREFIX = "vlaio:batch-"
# Participation key (natural): project, the organisation as the source names it, role, order.
PARTICIPATION_KEY = ["project_key", "source_organisation_ref", "role", "order_no"]


@dataclass(frozen=True)
class Scope:
    """The projects (keys) whose core project and participation rows may differ from the ones the publish
    of run ``over`` wrote, by the same code; every other project's rows are that publish's. Likewise
    ``organisations``: the organisation keys whose core and mart rows may differ (None: any may)."""

    projects: frozenset[str]
    over: str
    organisations: frozenset[str] | None = None


@dataclass
class Carried:
    """What a scoped core's cross-project marts add up with its own rows: the published rows of what it did
    not rebuild (``transforms.scoped_core``)."""

    # the ``mart_inventory`` rows of the Flemish Industry 4.0 projects outside the scope, and their yearly
    # funding (``core_yearly_funding``): the theme gaps mart's other projects
    flemish_inventory: pd.DataFrame
    flemish_yearly: pd.DataFrame
    # the Industry 4.0 projects outside the scope (keys): an organisation's mart row counts them
    industry40: frozenset[str] = frozenset()
    # the keys of the published organisations not rebuilt (``Scope.organisations``): a participation of the
    # scope may be of one of them
    organisation_keys: frozenset[str] = frozenset()


@dataclass
class Core:
    projects: pd.DataFrame
    organisations: pd.DataFrame
    participations: pd.DataFrame
    themes: pd.DataFrame
    yearly_funding: pd.DataFrame
    # the resolution of organisations, and what it read (``transforms.organisations.resolution_inputs``);
    # all three None in a scoped core whose organisations' first participations are the ones the published
    # resolution read: that resolution is kept, its tables as they are
    resolution_decisions: pd.DataFrame | None
    near_matches: pd.DataFrame | None
    resolution_inputs: pd.DataFrame | None
    # the projects whose core project and participation rows may differ from the ones the last publish
    # wrote; None: any may (a whole build). A scoped core (``transforms.scoped_core``) holds the project
    # rows, themes and yearly funding of the scope's projects, the rows of the organisations it rebuilt
    # (``Scope.organisations``), the participations of the scope's projects and of those organisations
    # (only the scope's have a record hash), and ``carried`` the published rows its cross-project marts add
    # up with its own.
    scope: Scope | None = None
    carried: Carried | None = None

    def __post_init__(self) -> None:
        resolution = (self.resolution_decisions, self.near_matches, self.resolution_inputs)
        kept = [frame is None for frame in resolution]
        if any(kept) and (not all(kept) or self.scope is None):
            raise ValueError("only a scoped core keeps the published resolution, and then all of its tables")

    @property
    def keeps_resolution(self) -> bool:
        """The published resolution of organisations is kept (a scoped core's: see the fields)."""
        return self.resolution_decisions is None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The frames by warehouse table name, as gate 2 checks them and the publish writes them: of a scoped
        core, the per-project tables (participations, themes, yearly funding) hold the rows of the scope's
        projects only (``in_scope``), and the organisations those of the organisations it rebuilt; every
        other project's and organisation's rows are the published ones. The resolution's tables are left out
        when the published ones are kept (``keeps_resolution``)."""
        tables = {
            "core_projects": self.projects,
            "core_organisations": self.organisations,
            "core_participations": self.in_scope(self.participations),
            "core_project_themes": self.in_scope(self.themes),
            "core_yearly_funding": self.in_scope(self.yearly_funding),
        }
        if not self.keeps_resolution:
            tables["org_resolution"] = self.resolution_decisions
            tables["org_near_matches"] = self.near_matches
            tables["org_resolution_inputs"] = self.resolution_inputs
        return tables

    def in_scope(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame``'s rows (keyed by ``project_key``) of the scope's projects and of the VLAIO batches (a
        batch's yearly total, which every publish rewrites); the frame itself when the core is not scoped."""
        if self.scope is None:
            return frame
        keys = frame["project_key"]
        inside = keys.isin(self.scope.projects) | keys.str.startswith(BATCH_PREFIX)
        return frame if inside.all() else frame[inside.to_numpy()].reset_index(drop=True)


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, dtype=object)


def records(frame: pd.DataFrame, columns: list[str] | None = None) -> list[dict]:
    """``frame.to_dict("records")`` (restricted to ``columns``) built column by column: the same values,
    without pandas' per-value boxing, which was the largest self time of the core build."""
    names = list(frame.columns) if columns is None else columns
    values = [frame[name].tolist() for name in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)] if names else []


def _hashed(frame: pd.DataFrame, columns: list[str]) -> dict[str, list]:
    """What a row's record hash covers: ``columns`` without the volatile record_hash and last_run_id."""
    return {name: frame[name].tolist() for name in columns if name not in ("record_hash", "last_run_id")}


def _hashes(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """The record hash of every row over ``columns`` (``_hashed``)."""
    return content_hashes(_hashed(frame, columns))


def _hash_text(frame: pd.DataFrame, columns: list[str]) -> object:
    """``_hashes`` as the text column a frame makes of a list of them, without the list
    (``transforms.values.content_hash_text``); an empty frame's as before."""
    return _hashes(frame, columns) if frame.empty else content_hash_text(_hashed(frame, columns))


def hash_new_rows(frame: pd.DataFrame, columns: list[str]) -> None:
    """The record hash of every row that has none yet."""
    new = frame["record_hash"].isna().to_numpy()
    if new.all():
        frame["record_hash"] = _hashes(frame, columns)
    elif new.any():
        hashes = frame["record_hash"].to_numpy(dtype=object, copy=True)
        hashes[new] = _hashes(frame[new], columns)
        frame["record_hash"] = hashes


def _none_if_missing(value: object) -> object:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


# the columns of a built CORDIS project row (VLAIO's batch and focus are not among them) and its hash
PUBLISHED_PROJECT_COLUMNS = [c for c in CORE_PROJECT_COLUMNS if c not in ("batch", "focus")]


@dataclass
class Published:
    """What the last publish wrote for the CORDIS projects, read when the code building now is the code
    that built it (``warehouse.publish.published_cordis_projects``): the current core rows by source id
    (``PUBLISHED_PROJECT_COLUMNS``) and the theme rows by project key.

    A project whose staged record is still the one its row was built from (the same staging run: a
    record's run changes whenever staging rewrites it) has, from the same code, the same row, hash and
    themes: a build takes them as they are, and reads, matches and hashes only the other projects."""

    projects: dict[str, dict]
    themes: dict[str, list[dict]]

    @classmethod
    def of_runs(cls, runs: Mapping[str, str]) -> Published:
        """What the runs alone tell (``to_rebuild``, ``to_taken``, ``removed``): the run of each published
        project by source id, no row."""
        return cls({source_id: {"last_run_id": run} for source_id, run in runs.items()}, {})

    def to_rebuild(self, staged_runs: list[tuple[str, str]]) -> list[str]:
        """The source ids, of the staged (source id, run id) pairs, whose published row cannot be taken."""
        return [source_id for source_id, run in staged_runs if self._taken(source_id, run) is None]

    def to_taken(self, staged_runs: list[tuple[str, str]]) -> list[str]:
        """The source ids, of the staged (source id, run id) pairs, whose published row can be taken."""
        return [source_id for source_id, run in staged_runs if self._taken(source_id, run) is not None]

    def removed(self, staged_runs: list[tuple[str, str]]) -> list[str]:
        """The source ids of the published projects no longer staged."""
        staged = {source_id for source_id, _ in staged_runs}
        return [source_id for source_id in self.projects if source_id not in staged]

    def _taken(self, source_id: str, run: str) -> dict | None:
        """The published row of a project whose staged record is the one it was built from, else None."""
        stored = self.projects.get(source_id)
        return stored if stored is not None and stored["last_run_id"] == run else None

    def rows(self, staged_runs: list[tuple[str, str]], rebuilt: ProjectRows) -> ProjectRows:
        """Every staged CORDIS project's row and themes in the staged order: the published ones where they
        can be taken, else ``rebuilt``'s (the projects ``to_rebuild`` named). Empties ``self``."""
        fresh = {row["source_id"]: row for row in rebuilt.projects}
        fresh_themes: dict[str, list[dict]] = {}
        for theme in rebuilt.themes:
            fresh_themes.setdefault(theme["project_key"], []).append(theme)
        rows = ProjectRows()
        for source_id, run in staged_runs:
            stored = self._taken(source_id, run)
            if stored is not None:
                rows.projects.append(stored)
                rows.themes += sorted(self.themes.get(stored["project_key"], ()), key=_theme_order)
            else:
                row = fresh.pop(source_id)
                rows.projects.append(row)
                rows.themes += fresh_themes.get(row["project_key"], [])
        self.projects, self.themes = {}, {}
        return rows


def _theme_order(row: dict) -> int:
    """Where a kept theme row's rule is in the taxonomy: a project's theme rows in the order a build adds
    them (its matches in rule order, the first of each theme kept)."""
    return _rule_positions()[(row["theme"], row["term"], row["field"] in TEXT_FIELDS)]


@lru_cache(maxsize=1)
def _rule_positions() -> dict[tuple[str, str, bool], int]:
    positions: dict[tuple[str, str, bool], int] = {}
    for index, rule in enumerate(load_rules()):
        positions.setdefault((rule.theme, rule.pattern, rule.field == "text"), index)
    return positions


def _cordis_projects(staged: pd.DataFrame) -> tuple[list[dict], list[dict]]:
    projects, themes = [], []
    for project in records(staged):
        key = f"cordis:{project['source_id']}"
        found = matches(project)
        themes += [{"project_key": key, **match} for match in found]
        projects.append(
            {
                "project_key": key,
                "source": "cordis",
                "source_id": project["source_id"],
                "acronym": project["acronym"],
                "title": project["title"],
                "programme": project["programme"],
                "funding_scheme": project["funding_scheme"],
                "status": project["status"],
                "start_date": project["start_date"],
                "end_date": project["end_date"],
                "total_cost_eur": project["total_cost_eur"],
                "eu_contribution_eur": project["ec_max_contribution_eur"],
                "vlaio_subsidy_eur": None,
                "themes": "; ".join(dict.fromkeys(m["theme"] for m in found)) or None,
                "sectors": None,
                "n_results": len(project["result_ids"].split(";")) if project.get("result_ids") else None,
                "is_industry40": bool(found),
                "industry40_reasons": "; ".join(dict.fromkeys(_reason(m) for m in found)) or None,
                "source_url": PROJECT_URL.format(id=project["source_id"]),
                "last_run_id": project.get("run_id"),
            }
        )
    return projects, themes


def _reason(match: dict) -> str:
    return f'{match["theme"]}: {match["field"]} ~ "{match["term"]}"'


def _vlaio_projects(staged: pd.DataFrame) -> tuple[list[dict], list[dict]]:
    projects, themes = [], []
    for project in records(staged):
        key = f"vlaio:{project['source_id']}"
        found = matches(
            {
                "title": project.get("title"),
                "objective": project.get("focus"),
                "keywords": project.get("themes"),
            }
        )
        themes += [{"project_key": key, **match} for match in found]
        projects.append(
            {
                "project_key": key,
                "source": "vlaio",
                "source_id": project["source_id"],
                "acronym": project.get("acronym"),
                "title": project.get("title"),
                "programme": project.get("programme"),
                "funding_scheme": project.get("funding_scheme"),
                "status": project.get("status"),
                "start_date": project.get("start_date"),
                "end_date": project.get("end_date"),
                "total_cost_eur": _none_if_missing(project.get("total_cost_eur")),
                "eu_contribution_eur": None,
                "vlaio_subsidy_eur": _none_if_missing(project.get("subsidy_eur")),
                "themes": "; ".join(dict.fromkeys(m["theme"] for m in found)) or None,
                "sectors": project.get("sectors"),
                "n_results": None,
                # every proeftuin is an Industry 4.0 measure by definition; the matches add the themes
                "is_industry40": True,
                "industry40_reasons": "; ".join(
                    [
                        'measure: programme ~ "proeftuin Industrie 4.0"',
                        *dict.fromkeys(_reason(m) for m in found),
                    ]
                ),
                "source_url": project.get("source_url"),
                "last_run_id": project.get("run_id"),
                "batch": _none_if_missing(project.get("batch")),
                "focus": _none_if_missing(project.get("focus")),
            }
        )
    return projects, themes


@dataclass
class ProjectRows:
    """The core project rows and their Industry 4.0 theme matches, added from staged project records as
    they are read: a build can read the staged CORDIS projects chunk by chunk and keep none of the texts it
    matched (the objectives: 209 MB at 60k projects) while it reads and resolves the participations."""

    projects: list[dict] = field(default_factory=list)
    themes: list[dict] = field(default_factory=list)

    def add_cordis(self, staged: pd.DataFrame) -> None:
        projects, themes = _cordis_projects(staged)
        self.projects += projects
        self.themes += themes

    def in_project_order(self) -> None:
        """The project rows in natural order of (source, source id), their theme rows with them (each
        project's in the order it matched them)."""
        self.projects.sort(key=lambda row: (row["source"], natural_key(row["source_id"])))
        position = {row["project_key"]: index for index, row in enumerate(self.projects)}
        self.themes.sort(key=lambda theme: position.get(theme["project_key"], len(position)))

    def add_vlaio(self, staged: pd.DataFrame | None) -> None:
        if staged is not None and not staged.empty:
            projects, themes = _vlaio_projects(staged)
            self.projects += projects
            self.themes += themes


def build_core(
    cordis_projects: pd.DataFrame,
    cordis_participations: pd.DataFrame,
    vlaio_projects: pd.DataFrame | None = None,
    vlaio_organisations: pd.DataFrame | None = None,
    vlaio_batches: pd.DataFrame | None = None,
) -> Core:
    """Every core table from the staged sources.

    ``vlaio_organisations``: project_source_id, name, role, order (as the page names them).
    ``vlaio_batches``: batch-level subsidies that the sources give only as a total (batch, title,
    total_subsidy_eur, years as 'YYYY-YYYY', split 'even'|'pro_rata', source)."""
    rows = ProjectRows()
    rows.add_cordis(cordis_projects)
    rows.add_vlaio(vlaio_projects)
    cordis_participations = in_participation_order(cordis_participations)
    return complete_core(rows, cordis_participations, vlaio_organisations, vlaio_batches)


def in_participation_order(staged: pd.DataFrame) -> pd.DataFrame:
    """Staged CORDIS participations in natural order of ``STAGED_PARTICIPATION_KEY`` (see ``complete_core``)."""
    key = [column_list(staged, name) for name in STAGED_PARTICIPATION_KEY]
    return staged.take(key_order(key)).reset_index(drop=True)


def complete_core(
    rows: ProjectRows,
    cordis_participations: pd.DataFrame,
    vlaio_organisations: pd.DataFrame | None = None,
    vlaio_batches: pd.DataFrame | None = None,
) -> Core:
    """Every core table from the project rows (every staged project added) and the staged participations
    (see ``build_core``), which must come in natural order of ``STAGED_PARTICIPATION_KEY`` (as
    ``warehouse.publish.read_staged`` reads them and ``build_core`` puts them): an organisation's first
    record decides how it was resolved and its last one its attributes, so only an order of the records
    themselves gives the same core whatever order staging stored them in. The projects are put in natural
    order of their source and id here. Takes the rows over: their lists are emptied once in the frame.
    (A night's core, of the projects changed since the last publish only: ``transforms.scoped_core``.)"""
    vlaio_organisations = vlaio_or_none(vlaio_organisations)
    named = named_organisations(vlaio_organisations)
    resolution = resolve_organisations(cordis_participations, named)
    inputs = resolution_inputs(cordis_participations, named)
    participations = participation_rows(cordis_participations, vlaio_organisations, resolution)
    organisations = organisation_rows(last_records(cordis_participations), participations, resolution)

    projects, themes = project_frames(rows)
    add_flemish_region_to_vlaio(participations, organisations)
    hash_new_rows(projects, CORE_PROJECT_COLUMNS)  # a published row taken as it is keeps its hash
    organisations["record_hash"] = _hash_text(organisations, CORE_ORGANISATION_COLUMNS)
    participations["record_hash"] = _hash_text(participations, CORE_PARTICIPATION_COLUMNS)
    return Core(
        projects=projects,
        organisations=organisations,
        participations=participations,
        themes=themes,
        yearly_funding=split_yearly_funding(projects, flemish_totals(participations), vlaio_batches),
        resolution_decisions=resolution.decisions.reindex(columns=DECISION_COLUMNS),
        near_matches=resolution.near_matches.reindex(columns=NEAR_MATCH_COLUMNS),
        resolution_inputs=inputs,
    )


def project_frames(rows: ProjectRows) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The project and theme frames of ``rows`` (every project's), in natural project order; empties the
    rows."""
    rows.in_project_order()
    projects = _frame(rows.projects, CORE_PROJECT_COLUMNS)
    theme_rows, rows.projects, rows.themes = rows.themes, [], []
    themes = (
        _frame(theme_rows, THEME_COLUMNS).drop_duplicates(["project_key", "theme"]).reset_index(drop=True)
    )
    return projects, themes


def vlaio_or_none(vlaio_organisations: pd.DataFrame | None) -> pd.DataFrame:
    """The staged VLAIO organisations, an empty frame of their columns when none."""
    if vlaio_organisations is not None:
        return vlaio_organisations
    return pd.DataFrame(columns=["project_source_id", "name", "role", "order"])


def named_organisations(vlaio_organisations: pd.DataFrame) -> pd.DataFrame:
    """The organisations known by name only (VLAIO's executing organisations, as the resolution takes them)."""
    return pd.DataFrame(
        {
            "source": "vlaio",
            "source_ref": [f"{r['project_source_id']}/{r['name']}" for r in records(vlaio_organisations)],
            "name": list(vlaio_organisations["name"]),
            "country": "BE",
        },
        columns=["source", "source_ref", "name", "country"],
    )


def hashes_in(frame: pd.DataFrame, columns: list[str], scope: frozenset[str]) -> np.ndarray:
    """The record hash of the rows of the ``scope`` projects; None for the others."""
    hashes = np.full(len(frame), None, dtype=object)
    inside = frame["project_key"].isin(scope).to_numpy()
    if inside.any():
        hashes[inside] = _hashes(frame[inside], columns)
    return hashes


def participation_rows(cordis: pd.DataFrame, vlaio: pd.DataFrame, resolution: Resolution) -> pd.DataFrame:
    """Column by column (a dict per row of 400k participations was the core build's peak memory)."""
    key_of = resolution.key_of
    frames = []
    if len(cordis):
        refs = [ref if type(ref) is str else str(ref) for ref in cordis["organisation_id"].tolist()]
        frames.append(
            pd.DataFrame(
                {
                    "project_key": prefixed("cordis:", cordis["project_source_id"].tolist()),
                    "source_organisation_ref": prefixed("cordis:", refs),
                    "role": cordis["role"].tolist(),
                    "order_no": [int(o) if o is not None else 0 for o in cordis["order_no"].tolist()],
                    "organisation_key": [key_of[("cordis", ref)] for ref in refs],
                    "organisation_name": cordis["name"].tolist(),
                    "country": cordis["country"].tolist(),
                    "region": cordis["region"].tolist(),
                    "ec_contribution_eur": cordis["ec_contribution_eur"].tolist(),
                    "net_ec_contribution_eur": cordis["net_ec_contribution_eur"].tolist(),
                    "total_cost_eur": cordis["total_cost_eur"].tolist(),
                },
                columns=CORE_PARTICIPATION_COLUMNS,
                dtype=object,
            )
        )
    rows = []
    for p in records(vlaio):
        ref = f"{p['project_source_id']}/{p['name']}"
        rows.append(
            {
                "project_key": f"vlaio:{p['project_source_id']}",
                "source_organisation_ref": f"vlaio:{p['name']}",
                "role": p["role"],
                "order_no": int(p["order"]) if p.get("order") is not None else 0,
                "organisation_key": key_of[("vlaio", ref)],
                "organisation_name": p["name"],
                "country": "BE",
                "region": None,
                "ec_contribution_eur": None,
                "net_ec_contribution_eur": None,
                "total_cost_eur": None,
            }
        )
    if rows or not frames:
        frames.append(_frame(rows, CORE_PARTICIPATION_COLUMNS))
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return frame.drop_duplicates(PARTICIPATION_KEY).reset_index(drop=True)


def last_records(cordis: pd.DataFrame) -> dict[str, dict]:
    """The last staged record of each CORDIS organisation id, by reference (``cordis:ID``); ``cordis`` in
    natural key order (see ``complete_core``)."""
    row_refs = pd.Series([f"cordis:{ref}" for ref in cordis["organisation_id"].tolist()], dtype=object)
    last = ~row_refs.duplicated(keep="last").to_numpy()
    return dict(zip(row_refs[last].tolist(), records(cordis[last]), strict=True))


def lowest_reference(references: Iterable[str]) -> str:
    """Of an organisation's CORDIS references (``cordis:ID``), the one whose record gives its attributes:
    the lowest PIC (the shortest, then the first in text order)."""
    return min(references, key=lambda ref: (len(ref), ref))


def organisation_rows(
    by_ref: Mapping[str, dict], participations: pd.DataFrame, resolution: Resolution
) -> pd.DataFrame:
    """One row per resolved organisation of ``participations``; attributes from its lowest-PIC CORDIS record
    when it has one: of that PIC's records, the one of its last project in natural order (``by_ref``:
    ``last_records``, of the lowest PIC at least; CORDIS numbers its projects in the order it funds
    them)."""
    aliases: dict[str, dict[str, None]] = {}
    refs: dict[str, list[str]] = {}
    for key, name, ref in zip(participations["organisation_key"].tolist(),
                              participations["organisation_name"].tolist(),
                              participations["source_organisation_ref"].tolist(), strict=True):  # fmt: skip
        aliases.setdefault(key, {})[name] = None
        refs.setdefault(key, []).append(ref)
    rows = []
    for key in sorted(refs):
        cordis_refs = {r for r in refs[key] if r in by_ref}
        source = by_ref[lowest_reference(cordis_refs)] if cordis_refs else {}
        names = [name for name in aliases[key] if name]
        rows.append(
            {
                "organisation_key": key,
                **organisation_attributes(source),
                "name": source.get("name") or (names[0] if names else key),
                "aliases": "; ".join(sorted(set(names))) or None,
            }
        )
    return _frame(rows, CORE_ORGANISATION_COLUMNS)


def organisation_attributes(record: Mapping) -> dict:
    """What an organisation's row takes of the staged record that gives its attributes (``organisation_rows``;
    its name, when the record has one)."""
    return {
        "name": record.get("name"),
        "short_name": record.get("short_name"),
        "vat_number": record.get("vat_number"),
        "country": record.get("country") or "BE",
        "city": record.get("city"),
        "post_code": record.get("post_code"),
        "nuts_code": record.get("nuts_code"),
        "region": record.get("region"),
        "activity_type": record.get("activity_type"),
    }


def add_flemish_region_to_vlaio(participations: pd.DataFrame, organisations: pd.DataFrame) -> None:
    """A VLAIO participation takes the region of its resolved organisation (known when it also is a CORDIS
    participant), so the Flemish filter treats both sources the same way."""
    region_of = dict(zip(organisations["organisation_key"], organisations["region"], strict=True))
    vlaio = participations["project_key"].str.startswith("vlaio:")
    participations.loc[vlaio, "region"] = participations.loc[vlaio, "organisation_key"].map(region_of)


def is_flemish(source: str, flemish_organisations: int) -> bool:
    """A project counts as Flemish when a Flemish organisation takes part in it; a VLAIO project always."""
    return flemish_organisations > 0 or source == "vlaio"


def flemish_totals(participations: pd.DataFrame) -> dict[str, tuple[Decimal, int]]:
    """project_key -> (EU contribution to Flemish participations, distinct Flemish organisations)."""
    amounts: dict[str, Decimal] = {}
    orgs: dict[str, set[str]] = {}
    flemish = participations[participations["region"] == FLANDERS]
    columns = ("project_key", "ec_contribution_eur", "organisation_key")
    for key, amount, organisation in zip(*(flemish[c].tolist() for c in columns), strict=True):
        amounts[key] = amounts.get(key, ZERO) + (amount or ZERO)
        orgs.setdefault(key, set()).add(organisation)
    return {key: (amount, len(orgs[key])) for key, amount in amounts.items()}


def split_yearly_funding(
    projects: pd.DataFrame,
    flemish: Mapping[str, tuple[Decimal, int]],
    batches: pd.DataFrame | None,
    only: set[str] | None = None,
) -> pd.DataFrame:
    """Every project's EU, Flemish and VLAIO amounts split over its years (``flemish``: ``flemish_totals``
    of the participations), and the VLAIO batch totals'; ``only``: those projects' alone (and the batches)."""
    # project key -> year -> column -> amount (sorted by key, then year, once filled: 60k keys to sort, not
    # 259k (key, year) pairs)
    parts: dict[str, dict[int, dict[str, Decimal]]] = {}

    def add(key: str, column: str, split: dict[int, Decimal]) -> None:
        by_year = parts.setdefault(key, {})
        for year, amount in split.items():
            by_year.setdefault(year, {})[column] = amount

    for p in records(projects, ["project_key", "start_date", "end_date", "eu_contribution_eur",
                                "vlaio_subsidy_eur"]):  # fmt: skip
        start, end = p["start_date"], p["end_date"]
        if start is None or end is None or end < start:
            continue  # no period: no yearly split (the gate reports missing or inverted periods)
        key = p["project_key"]
        if only is not None and key not in only:
            continue
        if p["eu_contribution_eur"] is not None:
            add(key, "eu_contribution_eur", split_pro_rata(p["eu_contribution_eur"], start, end))
        if key in flemish:
            add(key, "flemish_contribution_eur", split_pro_rata(flemish[key][0], start, end))
        if p["vlaio_subsidy_eur"] is not None:
            add(key, "vlaio_subsidy_eur", split_pro_rata(p["vlaio_subsidy_eur"], start, end))
    for batch in records(batches if batches is not None else pd.DataFrame()):
        first, last = (int(y) for y in str(batch["years"]).split("-"))
        years = list(range(first, last + 1))
        total = Decimal(str(batch["total_subsidy_eur"]))
        if batch.get("split") == "even":
            split = split_evenly(total, years)
        else:
            split = split_pro_rata(total, date(first, 1, 1), date(last, 12, 31))
        add(f"{BATCH_PREFIX}{batch['batch']}", "vlaio_subsidy_eur", split)
    years: dict[int, int] = {}  # one int object per year (a new one per row was 9 MB at 60k projects)
    rows = [
        {
            "project_key": key,
            "year": years.setdefault(year, year),
            "eu_contribution_eur": values.get("eu_contribution_eur", ZERO),
            "flemish_contribution_eur": values.get("flemish_contribution_eur", ZERO),
            "vlaio_subsidy_eur": values.get("vlaio_subsidy_eur", ZERO),
        }
        for key in sorted(parts)
        for year, values in sorted(parts[key].items())
    ]
    return _frame(rows, YEARLY_COLUMNS)
