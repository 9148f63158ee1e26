"""The quality gate: what the flow calls. GX-free at its interface (plain dataclasses in, out).

* :func:`validate_staging`, :func:`validate_core`, :func:`validate_marts` run the suites of
  ``quality/suites/*.json`` (one per layer and entity, see :mod:`quality.catalog`) with Great Expectations;
* :func:`check_volume`, :func:`check_minimum`, :func:`check_quarantine` are pure run-level checks;
* each returns :class:`GateResult` values: a failed ``critical`` expectation blocks publishing
  (``result.passed`` is False), a failed ``warning`` one is only recorded;
* :func:`outcome_rows` gives the ``dq_result`` rows, :func:`build_data_docs` the static GX Data Docs.

Great Expectations is imported by :mod:`quality.gx_engine` only, lazily (it costs ~4 s): importing this
module is cheap. Frames are never modified; money and dates are compared on a converted copy
(:mod:`quality.derive`), the core checks on derived frames (referential integrity, yearly sums).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import pandas as pd

from quality import gx_engine
from quality.catalog import CORE_SUITES, STAGING_SUITES, Suite, suite
from quality.checks import (
    MINIMUM_SUITE,
    QUARANTINE_SUITE,
    VOLUME_SUITE,
    check_minimum,
    check_quarantine,
    check_volume,
)
from quality.derive import comparable, participations_with_references, yearly_against_totals
from quality.docs import build_data_docs
from quality.outcomes import (
    CRITICAL,
    WARNING,
    ExpectationOutcome,
    GateResult,
    all_passed,
    outcome_rows,
    outcomes_of,
    summarize,
)

PROJECTS_SUITE = "stg_cordis__projects"
PARTICIPATIONS_SUITE = "stg_cordis__participations"
VLAIO_PROJECTS_SUITE = "stg_vlaio__projects"
PROJECT_COLUMNS: tuple[str, ...] = suite(PROJECTS_SUITE).required_columns()

MART_SUITES = (
    "mart_inventory",
    "mart_funding_by_year",
    "mart_organisations",
    "mart_participations",
    "mart_theme_gaps",
    "mart_nl_cooperation",
)
# (min rows, max rows or None): a run that publishes no project, participation or organisation is wrong
DEFAULT_MART_BOUNDS: dict[str, tuple[int, int | None]] = {
    name: (1 if name in ("mart_inventory", "mart_participations", "mart_organisations") else 0, None)
    for name in MART_SUITES
}
# a scoped core's marts of one row per project or project part hold its scope's rows only
# (``transforms.core.Core.in_scope``): none, when every project the night staged again was removed. The
# organisations are still built whole (at least one).
SCOPED_MART_BOUNDS: dict[str, tuple[int, int | None]] = {
    **DEFAULT_MART_BOUNDS,
    "mart_inventory": (0, None),
    "mart_participations": (0, None),
    "mart_organisations": (0, None),
}

Frames = Mapping[str, pd.DataFrame | None]


def validate_staged_projects(df: pd.DataFrame) -> GateResult:
    """Validate the staged CORDIS projects frame (suite ``stg_cordis__projects``); ``df`` is not modified."""
    return _validate(suite(PROJECTS_SUITE), df)


def validate_staging(frames: Frames) -> list[GateResult]:
    """One result per staged frame given, keyed by suite name (``stg_cordis__projects``,
    ``stg_cordis__participations``, ``stg_vlaio__projects``); absent or None frames are skipped."""
    _known(frames, STAGING_SUITES)
    return [_validate(suite(name), frames[name]) for name in STAGING_SUITES if frames.get(name) is not None]


def validate_core(frames: Frames, other_organisations: Collection[str] = ()) -> list[GateResult]:
    """One result per core frame given (the current rows of ``build_core``, not the SCD2 history), keyed
    ``core_projects``, ``core_organisations``, ``core_participations``, ``core_yearly_funding``.

    ``core_participations`` needs ``core_projects`` and ``core_organisations`` (referential integrity),
    ``core_yearly_funding`` needs ``core_projects`` (sums against the totals). ``other_organisations``: the
    keys of organisations a participation may be of besides those of ``core_organisations`` (a scoped
    core's: the published organisations it did not rebuild, ``transforms.core.Carried``)."""
    _known(
        frames,
        CORE_SUITES,
        allowed=("core_project_themes", "org_resolution", "org_near_matches", "org_resolution_inputs"),
    )
    present = {name: frame for name, frame in frames.items() if frame is not None}
    derived: dict[str, pd.DataFrame] = {}
    for name in ("core_projects", "core_organisations"):
        if name in present:
            derived[name] = present[name]
    if "core_participations" in present:
        _require(present, "core_participations", ("core_projects", "core_organisations"))
        derived["core_participations"] = participations_with_references(
            present["core_participations"],
            present["core_projects"],
            present["core_organisations"],
            other_organisations,
        )
    if "core_yearly_funding" in present:
        _require(present, "core_yearly_funding", ("core_projects",))
        derived["core_yearly_funding"] = yearly_against_totals(
            present["core_yearly_funding"], present["core_projects"]
        )
    return [_validate(suite(name), derived[name]) for name in CORE_SUITES if name in derived]


def validate_marts(
    frames: Frames, bounds: Mapping[str, tuple[int, int | None]] | None = None
) -> list[GateResult]:
    """One result per mart given (names of ``transforms.marts.MART_COLUMNS``); absent or None skipped.

    ``bounds``: mart -> (min rows, max rows or None), over :data:`DEFAULT_MART_BOUNDS` (min 1 for
    mart_inventory, mart_participations, mart_organisations; 0 for the others)."""
    _known(frames, MART_SUITES)
    limits = {**DEFAULT_MART_BOUNDS, **(bounds or {})}
    _known(limits, MART_SUITES)
    results = []
    for name in MART_SUITES:
        frame = frames.get(name)
        if frame is None:
            continue
        low, high = limits[name]
        results.append(_validate(suite(name), frame, {"min_rows": low, "max_rows": high}))
    return results


def _validate(spec: Suite, frame: pd.DataFrame, parameters: Mapping[str, Any] | None = None) -> GateResult:
    converted = comparable(frame, money=spec.money_columns, dates=spec.date_columns, read=spec.read_columns())
    return outcomes_of(spec.name, gx_engine.run_suite(spec, converted, parameters), spec.key_columns)


def _known(frames: Mapping[str, Any], names: tuple[str, ...], allowed: tuple[str, ...] = ()) -> None:
    """Unknown keys are a mistake (a typo would skip a suite silently)."""
    unknown = sorted(set(frames) - set(names) - set(allowed))
    if unknown:
        raise ValueError(f"unknown frames {unknown}; expected some of {list(names)}")


def _require(present: Mapping[str, Any], name: str, needed: tuple[str, ...]) -> None:
    missing = [n for n in needed if n not in present]
    if missing:
        raise ValueError(f"{name} is validated against {missing}: pass them too")


RUN_SUITES = (VOLUME_SUITE, MINIMUM_SUITE, QUARANTINE_SUITE)


def validated_data(results: Sequence[GateResult]) -> bool:
    """True when a suite ran on rows (staging, core or marts), not only the run-level checks of counts."""
    return any(result.suite not in RUN_SUITES for result in results)


__all__ = [
    "CRITICAL",
    "DEFAULT_MART_BOUNDS",
    "MART_SUITES",
    "MINIMUM_SUITE",
    "PROJECTS_SUITE",
    "PROJECT_COLUMNS",
    "QUARANTINE_SUITE",
    "RUN_SUITES",
    "VOLUME_SUITE",
    "WARNING",
    "ExpectationOutcome",
    "GateResult",
    "all_passed",
    "build_data_docs",
    "check_minimum",
    "check_quarantine",
    "check_volume",
    "outcome_rows",
    "summarize",
    "validate_core",
    "validate_marts",
    "validate_staged_projects",
    "validate_staging",
    "validated_data",
]
