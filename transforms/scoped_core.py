"""A night's core, scoped to the projects whose rows may differ from the ones the last publish wrote
(``transforms.core.Core.scope``), built by the code that built that publish. Pure: frames in, frames out;
what it reads is ``warehouse.night_reads``.

A whole build reads every staged participation. Of them, the resolution of organisations reads only each
organisation's first one; the participation rows of a project come from its own participations; an
organisation's row (attributes, aliases) and its mart row (projects, contribution) from its own. So a
night reads:

* the first staged participation of the organisations in the projects staged again or gone since the
  publish, now and as the published resolution read it (``org_resolution_inputs``): when they, and the
  organisations known by name, are what it read, the published resolution is kept
  (``same_resolution_inputs``); else every organisation's first staged participation, resolved again as a
  whole build resolves them;
* the scope: the projects staged again or gone since the publish, those with a participation of an
  organisation whose key is not the published one, and the VLAIO projects (a handful);
* the staged participations of the scope's projects, and the published ones;
* the organisations to rebuild: of those of the scope's participations, now and as published, the ones
  with a participation that is not as published (``other_participations``), one in a project whose
  Industry 4.0 flag changed (``industry40_changed``), or other attributes in the last record of their
  lowest PIC (``other_attributes``); and the organisations known by name (``named_keys``);
* of those organisations' other participations, what their rows take of them (the key, the name, the EU
  contribution: ``OUTSIDE_INPUTS``), and the last record of the lowest PIC of each (its attributes),

and takes the published rows of every other project and organisation as they are: their inputs did not
change, and the same code built them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping

import pandas as pd

from transforms.core import (
    CORE_ORGANISATION_COLUMNS,
    CORE_PARTICIPATION_COLUMNS,
    CORE_PROJECT_COLUMNS,
    STAGED_PARTICIPATION_KEY,
    Carried,
    Core,
    ProjectRows,
    Scope,
    add_flemish_region_to_vlaio,
    flemish_totals,
    hash_new_rows,
    hashes_in,
    last_records,
    lowest_reference,
    organisation_attributes,
    organisation_rows,
    participation_rows,
    project_frames,
    split_yearly_funding,
)
from transforms.organisations import (
    CORDIS_INPUT_COLUMNS,
    DECISION_COLUMNS,
    NAMED_INPUT_COLUMNS,
    NEAR_MATCH_COLUMNS,
    Resolution,
)

CORDIS = "cordis:"
# what a night reads of the staged participations of a rebuilt organisation in a project outside its scope:
# what the organisation's row and mart row take of them (its name among the aliases, the project, the EU
# contribution); the organisation's attributes come from its last record, read whole
OUTSIDE_INPUTS = [*STAGED_PARTICIPATION_KEY, "name", "ec_contribution_eur"]
# what an organisation's row and mart row take of each of its participations (``organisation_rows``, the
# organisations mart), with the key it is of; besides, the Industry 4.0 flag of its projects and the record
# that gives its attributes
ORGANISATION_INPUTS = [
    "project_key", "source_organisation_ref", "role", "order_no", "organisation_key", "organisation_name",
    "ec_contribution_eur",
]  # fmt: skip


def same_resolution_inputs(
    firsts: pd.DataFrame, published_firsts: pd.DataFrame, named: pd.DataFrame, published_named: pd.DataFrame
) -> bool:
    """True when the resolution of organisations reads what the published one read, so it would resolve
    them the same way: ``firsts`` the first staged participation (``FIRST_PARTICIPATION_INPUTS``) of every
    organisation whose first participation may have changed since the publish (those with a participation in
    a project staged again, and those whose published first one was in a project staged again or gone),
    ``published_firsts`` what the publish's resolution read for those organisations (``CORDIS_INPUT_COLUMNS``
    of ``resolution_inputs``); ``named`` the organisations known by name (``named_organisations``) and
    ``published_named`` the published ones (``NAMED_INPUT_COLUMNS``), in input order. Every other
    organisation's first participation is in a project not staged again since: the published one."""

    def cordis_rows(frame: pd.DataFrame, ref: str) -> set[tuple]:
        columns = [ref, *CORDIS_INPUT_COLUMNS[1:]]
        return set(zip(*([str(value) for value in frame[ref].tolist()] if name == ref else frame[name].tolist()
                         for name in columns), strict=True))  # fmt: skip

    def named_rows(frame: pd.DataFrame) -> list[tuple]:
        return list(zip(*(frame[name].tolist() for name in NAMED_INPUT_COLUMNS), strict=True))

    return cordis_rows(firsts, "organisation_id") == cordis_rows(
        published_firsts, "source_ref"
    ) and named_rows(named) == named_rows(published_named)


def moved_organisations(resolution: Resolution, published_keys: Mapping[tuple[str, str], str]) -> set[str]:
    """The CORDIS organisation ids whose key is not the published one (new ones included);
    ``published_keys`` as ``resolution.key_of`` holds them."""
    return {
        ref
        for (source, ref), key in resolution.key_of.items()
        if source == "cordis" and published_keys.get((source, ref)) != key
    }


def night_scope(changed: Scope, moved_projects: Collection[str], vlaio_projects: Collection[str]) -> Scope:
    """The projects whose core rows may differ from the published ones: ``changed`` (staged again or gone
    since the publish, ``warehouse.publish.changed_since_publish``), the CORDIS projects (source ids) with a
    participation of an organisation whose key moved, and every VLAIO project (keys): their participations
    take their organisation's region, and they are a handful."""
    projects = set(changed.projects) | {f"{CORDIS}{source_id}" for source_id in moved_projects}
    return Scope(frozenset(projects | set(vlaio_projects)), changed.over)


def participation_keys(frames: Iterable[pd.DataFrame], projects: Collection[str] | None = None) -> set[str]:
    """The organisation keys of the participations in ``frames`` (of ``projects`` only, when given)."""
    keys: set[str] = set()
    for frame in frames:
        inside = frame if projects is None else frame[frame["project_key"].isin(set(projects))]
        keys.update(inside["organisation_key"].tolist())
    return keys


def other_participations(now: pd.DataFrame, published: pd.DataFrame) -> set[str]:
    """The organisation keys with a participation in ``now`` (the scope's participation rows) that is not
    in ``published`` (the published rows of the same projects), or the other way round, in what an
    organisation's rows take of it (``ORGANISATION_INPUTS``)."""

    def rows(frame: pd.DataFrame) -> Counter:
        return Counter(zip(*(frame[name].tolist() for name in ORGANISATION_INPUTS), strict=True))

    before, after = rows(published), rows(now)
    key = ORGANISATION_INPUTS.index("organisation_key")
    return {row[key] for row in (after - before) + (before - after)}


def industry40_changed(rows: ProjectRows, scope: Scope, published_industry40: Collection[str]) -> set[str]:
    """The scope's projects whose Industry 4.0 flag is not the published one (``rows``: the scope's project
    rows; ``published_industry40``: the keys of the published Industry 4.0 projects)."""
    now = {row["project_key"] for row in rows.projects if row["is_industry40"]}
    return now ^ (set(published_industry40) & scope.projects)


def named_keys(resolution: Resolution, published_keys: Mapping[tuple[str, str], str]) -> set[str]:
    """The keys of the organisations known by name (VLAIO), now and as published (``published_keys`` as
    ``resolution.key_of`` holds them): a handful, always rebuilt. A name no longer given leaves its
    organisation without participations: its rows go."""
    return {
        key for key_of in (resolution.key_of, published_keys) for (source, _), key in key_of.items()
        if source != "cordis"
    }  # fmt: skip


def other_attributes(
    keys: Collection[str],
    resolution: Resolution,
    by_ref: Mapping[str, dict],
    published_organisations: pd.DataFrame,
) -> set[str]:
    """Of ``keys`` (resolved organisations whose participations are the published ones), those whose
    attributes, from the last record of their lowest PIC (``by_ref``: ``last_records`` of those PICs at
    least), are not their published row's (``published_organisations``), or that take their name from their
    participations (their record has none)."""
    names = list(organisation_attributes({}))
    rows = published_organisations[published_organisations["organisation_key"].isin(set(keys))]
    published = dict(zip(rows["organisation_key"].tolist(),
                         zip(*(rows[name].tolist() for name in names), strict=True), strict=True))  # fmt: skip
    refs_of = _members_by_key(resolution, keys)
    other = set()
    for key in keys:
        refs = refs_of.get(key)
        attributes = organisation_attributes(by_ref[lowest_reference(refs)]) if refs else {}
        if not attributes.get("name") or tuple(attributes.values()) != published.get(key):
            other.add(key)
    return other


def members(resolution: Resolution, keys: Collection[str]) -> set[str]:
    """The CORDIS organisation ids resolved to one of ``keys``."""
    keys = set(keys)
    return {ref for (source, ref), key in resolution.key_of.items() if source == "cordis" and key in keys}


def _members_by_key(resolution: Resolution, keys: Collection[str]) -> dict[str, list[str]]:
    keys = set(keys)
    found: dict[str, list[str]] = {}
    for (source, ref), key in resolution.key_of.items():
        if source == "cordis" and key in keys:
            found.setdefault(key, []).append(f"{CORDIS}{ref}")
    return found


def lowest_members(resolution: Resolution, keys: Collection[str]) -> set[str]:
    """The CORDIS organisation id whose last staged record gives the attributes of each of ``keys`` that
    has one (``transforms.core.lowest_reference``)."""
    return {lowest_reference(refs)[len(CORDIS) :] for refs in _members_by_key(resolution, keys).values()}


def complete_scoped_core(
    rows: ProjectRows,
    resolution: Resolution,
    cordis_participations: pd.DataFrame,
    last: pd.DataFrame,
    vlaio_organisations: pd.DataFrame,
    vlaio_batches: pd.DataFrame | None,
    scope: Scope,
    carried: Carried,
    inputs: pd.DataFrame | None,
) -> Core:
    """The core of a night (see the module): ``rows`` every staged project's (``transforms.core.Published``),
    ``resolution`` of every organisation's first staged participation, ``cordis_participations`` the staged
    participations of the ``scope``'s projects and of every organisation id resolved to one of the keys of
    ``scope.organisations`` (the organisations whose rows may differ from the published ones), in natural
    key order (of the other projects, only their key, organisation name and EU contribution are read:
    ``OUTSIDE_INPUTS``), ``last`` the last staged participation of the ``lowest_members`` of those keys (of
    others too, unused); ``carried`` the published rows the cross-project marts read, and the keys of the
    published organisations not rebuilt. The core's organisation rows are those of ``scope.organisations``.
    ``inputs``: what ``resolution`` read (``transforms.organisations.resolution_inputs``); None when it is
    the published resolution, kept (``same_resolution_inputs``)."""
    if scope.organisations is None:
        raise ValueError("a night's core rebuilds the organisations of its scope only: scope.organisations")
    rebuilt_keys = scope.organisations
    participations = participation_rows(cordis_participations, vlaio_organisations, resolution)
    of_rebuilt = participations[participations["organisation_key"].isin(rebuilt_keys)]
    organisations = organisation_rows(last_records(last), of_rebuilt, resolution)
    unknown = set(participations["organisation_key"]) - set(organisations["organisation_key"])
    unknown -= carried.organisation_keys
    if unknown:  # neither rebuilt nor published: the reads disagree
        raise ValueError(f"participations of organisations with no row: {sorted(unknown)[:5]}")
    organisations["record_hash"] = None
    hash_new_rows(organisations, CORE_ORGANISATION_COLUMNS)
    projects, themes = project_frames(rows)
    add_flemish_region_to_vlaio(participations, organisations)
    hash_new_rows(projects, CORE_PROJECT_COLUMNS)
    participations["record_hash"] = hashes_in(participations, CORE_PARTICIPATION_COLUMNS, scope.projects)
    inside = participations[participations["project_key"].isin(scope.projects)]
    projects_in_scope = projects[projects["project_key"].isin(scope.projects)]
    return Core(
        projects=projects,
        organisations=organisations,
        participations=participations,
        themes=themes,
        yearly_funding=split_yearly_funding(projects_in_scope, flemish_totals(inside), vlaio_batches),
        resolution_decisions=None
        if inputs is None
        else resolution.decisions.reindex(columns=DECISION_COLUMNS),
        near_matches=None if inputs is None else resolution.near_matches.reindex(columns=NEAR_MATCH_COLUMNS),
        resolution_inputs=inputs,
        scope=scope,
        carried=carried,
    )


__all__ = [
    "ORGANISATION_INPUTS",
    "OUTSIDE_INPUTS",
    "complete_scoped_core",
    "industry40_changed",
    "lowest_members",
    "members",
    "moved_organisations",
    "named_keys",
    "night_scope",
    "other_attributes",
    "other_participations",
    "participation_keys",
    "same_resolution_inputs",
]
