"""A night's core, scoped to the projects whose rows may differ from the ones the last publish wrote
(``transforms.core.Core.scope``), built by the code that built that publish. Pure: frames in, frames out;
what it reads is ``warehouse.night_reads``.

A whole build reads every staged participation. Of them, the resolution of organisations reads only each
organisation's first one; the participation rows of a project come from its own participations; an
organisation's row (attributes, aliases) and its mart row (projects, contribution) from its own. So a
night reads:

* every organisation's first staged participation, and resolves them all as a whole build does;
* the scope: the projects staged again or gone since the publish, those with a participation of an
  organisation whose key is not the published one, and the VLAIO projects (a handful);
* the organisations to rebuild: those of the scope's participations, before and after, and every
  organisation that shares a key with one of them;
* the staged participations of the scope's projects; of those organisations' other participations, what
  their rows take of them (the key, the name, the EU contribution: ``OUTSIDE_INPUTS``), and the last record
  of the lowest PIC of each (its attributes),

and takes the published rows of every other project and organisation as they are: their inputs did not
change, and the same code built them."""

from __future__ import annotations

from collections.abc import Collection, Mapping

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


def organisations_to_rebuild(
    resolution: Resolution, references: Collection[str], published_keys: Mapping[tuple[str, str], str]
) -> tuple[set[str], set[str]]:
    """The organisation keys whose rows a night rebuilds, and the CORDIS organisation ids whose staged
    participations it reads for them. ``references``: the organisation references (``cordis:ID``,
    ``vlaio:NAME``) of the scope's participations, the published ones and the staged ones;
    ``published_keys``: the published key of each (source, reference). The keys are those references' keys,
    now and as published, and the keys of the organisations known by name (VLAIO), now and as published (a
    name no longer given leaves its organisation without participations: its rows go); the ids are every
    CORDIS id resolved to one of those keys."""
    key_of = resolution.key_of
    keys = {key for (source, _), key in key_of.items() if source != "cordis"}
    keys |= {key for (source, _), key in published_keys.items() if source != "cordis"}
    for reference in references:
        if reference.startswith(CORDIS):
            ref = ("cordis", reference[len(CORDIS) :])
            if ref in key_of:
                keys.add(key_of[ref])
            if ref in published_keys:
                keys.add(published_keys[ref])
    members = {ref for (source, ref), key in key_of.items() if source == "cordis" and key in keys}
    return keys, members


def lowest_members(resolution: Resolution, keys: Collection[str]) -> set[str]:
    """The CORDIS organisation id whose last staged record gives the attributes of each of ``keys`` that
    has one (``transforms.core.lowest_reference``)."""
    members: dict[str, list[str]] = {}
    for (source, ref), key in resolution.key_of.items():
        if source == "cordis" and key in keys:
            members.setdefault(key, []).append(f"{CORDIS}{ref}")
    return {lowest_reference(refs)[len(CORDIS) :] for refs in members.values()}


def complete_scoped_core(
    rows: ProjectRows,
    resolution: Resolution,
    cordis_participations: pd.DataFrame,
    last: pd.DataFrame,
    vlaio_organisations: pd.DataFrame,
    vlaio_batches: pd.DataFrame | None,
    scope: Scope,
    rebuilt_keys: set[str],
    published_organisations: pd.DataFrame,
    carried: Carried,
    inputs: pd.DataFrame | None,
) -> Core:
    """The core of a night (see the module): ``rows`` every staged project's (``transforms.core.Published``),
    ``resolution`` of every organisation's first staged participation, ``cordis_participations`` the staged
    participations of the ``scope``'s projects and of every organisation id resolved to one of the
    ``rebuilt_keys`` (``organisations_to_rebuild``), in natural key order (of the other projects, only
    their key, organisation name and EU contribution are read: ``OUTSIDE_INPUTS``), ``last`` the last staged
    participation of the ``lowest_members`` of those keys; ``published_organisations`` the
    current published rows of the other organisations (with their record hash), and ``carried`` the other
    published rows the cross-project marts read. ``inputs``: what ``resolution`` read
    (``transforms.organisations.resolution_inputs``); None when it is the published resolution, kept
    (``same_resolution_inputs``)."""
    participations = participation_rows(cordis_participations, vlaio_organisations, resolution)
    rebuilt = organisation_rows(last_records(last), participations, resolution)
    unexpected = set(rebuilt["organisation_key"]) - rebuilt_keys
    if unexpected:  # a participation of the scope names an organisation not rebuilt: the reads disagree
        raise ValueError(f"organisations rebuilt that were not to be: {sorted(unexpected)[:5]}")
    rebuilt["record_hash"] = None
    organisations = (
        pd.concat([published_organisations[CORE_ORGANISATION_COLUMNS], rebuilt], ignore_index=True)
        .sort_values("organisation_key", ignore_index=True)
        .astype(object)
    )
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
    "OUTSIDE_INPUTS",
    "complete_scoped_core",
    "lowest_members",
    "moved_organisations",
    "night_scope",
    "organisations_to_rebuild",
    "same_resolution_inputs",
]
