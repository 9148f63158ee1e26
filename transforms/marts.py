"""The marts: what BI tools and the report query. Built from the current core rows only; pure."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from inventory.interning import shared_text
from transforms.core import ZERO, Core, flemish_totals, is_flemish, records
from transforms.frames import column_list, object_frame
from transforms.industry40 import themes as taxonomy_themes
from transforms.regions import FLANDERS

MART_COLUMNS: dict[str, list[str]] = {
    "mart_inventory": [
        "project_key", "source", "source_id", "acronym", "title", "programme", "funding_scheme", "status",
        "start_date", "end_date", "total_cost_eur", "eu_contribution_eur", "flemish_contribution_eur",
        "vlaio_subsidy_eur", "flemish_organisations", "is_flemish", "is_industry40", "industry40_reasons",
        "themes", "sectors", "source_url", "last_run_id", "batch", "focus",
    ],
    "mart_funding_by_year": [
        "project_key", "year", "source", "eu_contribution_eur", "flemish_contribution_eur", "vlaio_subsidy_eur",
        "theme",
    ],
    "mart_organisations": [
        "organisation_key", "name", "aliases", "country", "region", "n_projects", "n_industry40_projects",
        "total_ec_contribution_eur",
    ],
    "mart_participations": [
        "project_key", "source_organisation_ref", "role", "order_no", "organisation_key", "organisation_name",
        "country", "region", "ec_contribution_eur", "source",
    ],
    "mart_theme_gaps": [
        "theme", "year", "sector", "n_projects", "eu_contribution_eur", "flemish_contribution_eur",
        "vlaio_subsidy_eur",
    ],
    "mart_nl_cooperation": [
        "project_key", "acronym", "title", "start_date", "end_date", "start_year", "is_industry40",
        "n_flemish_organisations", "n_dutch_organisations", "flemish_contribution_eur", "dutch_contribution_eur",
        "dutch_organisations",
    ],
}  # fmt: skip

UNSPECIFIED_SECTOR = "unspecified"


def _frame(rows: list[dict], name: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=MART_COLUMNS[name], dtype=object)


def _primary_theme(themes: str | None) -> str | None:
    return themes.split("; ")[0] if themes else None


def _sectors(sectors: str | None) -> list[str]:
    return [s.strip() for s in (sectors or "").split(";") if s.strip()] or [UNSPECIFIED_SECTOR]


def build_marts(core: Core) -> dict[str, pd.DataFrame]:
    """Every mart, keyed by table name. Of a scoped core (``Core.scope``), the marts of one row per project
    or per project part (inventory, yearly funding, participations, Dutch cooperation) hold the rows of the
    scope's projects only, as the publish writes them (``Core.in_scope``); the organisations mart holds the
    rows of the organisations the core rebuilt (``Scope.organisations``: their participations are all in the
    core), and the theme gaps, built across projects, are whole: the core's rows added up with the published
    ones it carries (``Core.carried``)."""
    participations = core.in_scope(core.participations)
    projects = core.in_scope(core.projects)
    flemish = flemish_totals(participations)
    inventory = _inventory(projects, flemish)
    flemish_inventory, yearly = inventory, core.yearly_funding
    if core.carried is not None:
        flemish_inventory = pd.concat([inventory, core.carried.flemish_inventory], ignore_index=True)
        yearly = pd.concat([yearly, core.carried.flemish_yearly], ignore_index=True)
    return {
        "mart_inventory": inventory,
        "mart_funding_by_year": _funding_by_year(projects, core.in_scope(core.yearly_funding)),
        "mart_organisations": _organisations(core),
        "mart_participations": _participations(participations),
        "mart_theme_gaps": _theme_gaps(flemish_inventory, yearly),
        "mart_nl_cooperation": _nl_cooperation(projects, participations, flemish),
    }


def _columns(frame: pd.DataFrame, names: list[str]) -> dict[str, list]:
    """``frame``'s columns among ``names`` as lists (``column_list``), in ``names``' order: a mart is built
    column by column, not from a dict per row (those dicts were a third of the marts' time at 60k projects)."""
    return {name: column_list(frame, name) for name in names}


def _column_frame(columns: dict[str, list], name: str) -> pd.DataFrame:
    return pd.DataFrame(columns, columns=MART_COLUMNS[name], dtype=object)


def _inventory(projects: pd.DataFrame, flemish: dict[str, tuple[Decimal, int]]) -> pd.DataFrame:
    columns = _columns(projects, MART_COLUMNS["mart_inventory"])
    totals = [flemish.get(key, (ZERO, 0)) for key in columns["project_key"]]
    sources = columns["source"]
    columns["flemish_contribution_eur"] = [
        amount if source == "cordis" else None for (amount, _), source in zip(totals, sources, strict=True)
    ]
    columns["flemish_organisations"] = [n_orgs for _, n_orgs in totals]
    columns["is_flemish"] = [
        is_flemish(source, n_orgs) for (_, n_orgs), source in zip(totals, sources, strict=True)
    ]
    return _column_frame(columns, "mart_inventory").sort_values("project_key", ignore_index=True)


def _sources(project_keys: list[str]) -> list[str]:
    """Each project key's source (``cordis:123`` -> ``cordis``), one string object per source: a new string
    per row was 26 MB of the 409k-row participation mart at 60k projects (16 MB of the yearly one)."""
    return shared_text(key.split(":", 1)[0] for key in project_keys)  # type: ignore[return-value]


def _funding_by_year(projects: pd.DataFrame, yearly: pd.DataFrame) -> pd.DataFrame:
    theme_of = dict(zip(projects["project_key"], projects["themes"].map(_primary_theme), strict=True))
    columns = _columns(yearly, MART_COLUMNS["mart_funding_by_year"])
    columns["source"] = _sources(columns["project_key"])
    columns["theme"] = [theme_of.get(key) for key in columns["project_key"]]
    return _column_frame(columns, "mart_funding_by_year")


def _organisations(core: Core) -> pd.DataFrame:
    relevant = set(core.projects.loc[core.projects["is_industry40"].astype(bool), "project_key"])
    if core.carried is not None:
        relevant |= core.carried.industry40
    projects_of: dict[str, set[str]] = {}
    amount_of: dict[str, Decimal] = {}
    columns = ("organisation_key", "project_key", "ec_contribution_eur")
    for key, project, amount in zip(*(core.participations[c].tolist() for c in columns), strict=True):
        projects_of.setdefault(key, set()).add(project)
        amount_of[key] = amount_of.get(key, ZERO) + (amount or ZERO)
    mart = _columns(core.organisations, MART_COLUMNS["mart_organisations"])
    projects = [projects_of.get(key, set()) for key in mart["organisation_key"]]
    mart["n_projects"] = [len(of) for of in projects]
    mart["n_industry40_projects"] = [len(of & relevant) for of in projects]
    mart["total_ec_contribution_eur"] = [amount_of.get(key, ZERO) for key in mart["organisation_key"]]
    return _column_frame(mart, "mart_organisations")


def _participations(frame: pd.DataFrame) -> pd.DataFrame:
    """The core participations' columns as they are, and each one's source: filled into the frame's block
    one column at a time (``object_frame``), not copied as lists first."""
    names = MART_COLUMNS["mart_participations"]
    sources = _sources(column_list(frame, "project_key"))
    columns = [sources if name == "source" else frame[name].to_numpy(dtype=object) for name in names]
    return object_frame(names, columns)


def _theme_gaps(inventory: pd.DataFrame, yearly: pd.DataFrame) -> pd.DataFrame:
    """themes × years × sectors over the Flemish Industry 4.0 projects, zeros included so gaps show."""
    flemish = inventory[inventory["is_flemish"].astype(bool) & inventory["is_industry40"].astype(bool)]
    years_of: dict[str, list[dict]] = {}
    for y in records(yearly[yearly["project_key"].isin(flemish["project_key"])]):
        years_of.setdefault(y["project_key"], []).append(y)
    cells: dict[tuple[str, int, str], list] = {}
    all_years: set[int] = set()
    all_sectors: set[str] = {UNSPECIFIED_SECTOR}
    for p in records(flemish):
        sectors = _sectors(p["sectors"])
        all_sectors.update(sectors)
        for y in years_of.get(p["project_key"], []):
            all_years.add(y["year"])
            for theme in (p["themes"] or "").split("; "):
                if not theme:
                    continue
                for sector in sectors:
                    cell = cells.setdefault((theme, y["year"], sector), [set(), ZERO, ZERO, ZERO])
                    cell[0].add(p["project_key"])
                    cell[1] += y["eu_contribution_eur"]
                    cell[2] += y["flemish_contribution_eur"]
                    cell[3] += y["vlaio_subsidy_eur"]
    rows = []
    for theme in taxonomy_themes():
        for year in sorted(all_years):
            for sector in sorted(all_sectors):
                projects, eu, fl, vlaio = cells.get((theme, year, sector), [set(), ZERO, ZERO, ZERO])
                rows.append(
                    {
                        "theme": theme,
                        "year": year,
                        "sector": sector,
                        "n_projects": len(projects),
                        "eu_contribution_eur": eu,
                        "flemish_contribution_eur": fl,
                        "vlaio_subsidy_eur": vlaio,
                    }
                )
    return _frame(rows, "mart_theme_gaps")


def _nl_cooperation(
    projects: pd.DataFrame, participations: pd.DataFrame, flemish: dict[str, tuple[Decimal, int]]
) -> pd.DataFrame:
    dutch: dict[str, tuple[set[str], Decimal, set[str]]] = {}
    for p in records(participations[participations["country"] == "NL"]):
        orgs, amount, names = dutch.setdefault(p["project_key"], (set(), ZERO, set()))
        orgs.add(p["organisation_key"])
        names.add(p["organisation_name"] or p["organisation_key"])
        dutch[p["project_key"]] = (orgs, amount + (p["ec_contribution_eur"] or ZERO), names)
    rows = []
    both = projects["project_key"].isin(dutch.keys() & flemish.keys())
    for p in records(projects[both]):
        key = p["project_key"]
        orgs, amount, names = dutch[key]
        rows.append(
            {
                "project_key": key,
                "acronym": p["acronym"],
                "title": p["title"],
                "start_date": p["start_date"],
                "end_date": p["end_date"],
                "start_year": p["start_date"].year if p["start_date"] else None,
                "is_industry40": p["is_industry40"],
                "n_flemish_organisations": flemish[key][1],
                "n_dutch_organisations": len(orgs),
                "flemish_contribution_eur": flemish[key][0],
                "dutch_contribution_eur": amount,
                "dutch_organisations": "; ".join(sorted(names)),
            }
        )
    return _frame(rows, "mart_nl_cooperation").sort_values("project_key", ignore_index=True)


__all__ = ["FLANDERS", "MART_COLUMNS", "build_marts"]
