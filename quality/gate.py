"""The quality gate, and the one room where Great Expectations (GX Core 1.x) lives.

No other module of the project imports ``great_expectations``: the GX API changes a lot between versions,
so everything GX-specific (context, suites, validation definitions, result parsing) stays behind the small,
GX-free interface of this module: :func:`validate_staged_projects` returns a :class:`GateResult` made of
plain :class:`ExpectationOutcome` values.

GX is imported lazily (it costs ~4 s), so importing :mod:`quality` is cheap. The ephemeral GX context,
suite and validation definition are built once per process and reused; every call validates only the
frame it is given (the frame is passed as a batch parameter, nothing is kept between calls).

Expectations are declared as data below (GX class name, keyword arguments, severity). A failed
``critical`` expectation blocks publishing; a failed ``warning`` expectation is only reported.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import threading
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import great_expectations as gx

CRITICAL = "critical"
WARNING = "warning"

PROJECTS_SUITE = "stg_cordis__projects"
PROGRAMMES = ("HORIZON", "H2020", "FP7")
PROJECT_COLUMNS = (
    "source",
    "source_id",
    "rcn",
    "acronym",
    "title",
    "programme",
    "funding_scheme",
    "status",
    "start_date",
    "end_date",
    "total_cost_eur",
    "ec_max_contribution_eur",
    "topics",
    "master_call",
    "sub_call",
    "objective",
    "content_update_date",
    "source_file",
    "record_hash",
)
# object columns (Decimal / datetime.date) that GX cannot compare: validated on a converted copy.
MONEY_COLUMNS = ("total_cost_eur", "ec_max_contribution_eur")
DATE_COLUMNS = ("start_date", "end_date")

_MAX_SHOWN = 3  # unexpected values shown in `observed`


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation of a suite, declared without importing GX."""

    gx_class: str  # class name in great_expectations.expectations
    kwargs: Mapping[str, Any]
    severity: str = CRITICAL


PROJECT_EXPECTATIONS: tuple[ExpectationSpec, ...] = (
    ExpectationSpec("ExpectTableRowCountToBeBetween", {"min_value": 1}),
    ExpectationSpec(
        "ExpectTableColumnsToMatchSet", {"column_set": list(PROJECT_COLUMNS), "exact_match": False}
    ),
    ExpectationSpec("ExpectColumnValuesToNotBeNull", {"column": "source_id"}),
    ExpectationSpec("ExpectCompoundColumnsToBeUnique", {"column_list": ["source", "source_id"]}),
    ExpectationSpec("ExpectColumnValuesToBeInSet", {"column": "programme", "value_set": list(PROGRAMMES)}),
    *(ExpectationSpec("ExpectColumnValuesToBeBetween", {"column": c, "min_value": 0}) for c in MONEY_COLUMNS),
    ExpectationSpec(
        "ExpectColumnPairValuesAToBeGreaterThanB",
        {
            "column_A": "end_date",
            "column_B": "start_date",
            "or_equal": True,
            "ignore_row_if": "either_value_is_missing",
        },
    ),
    ExpectationSpec("ExpectColumnValuesToNotBeNull", {"column": "title"}, WARNING),
    ExpectationSpec("ExpectColumnValuesToNotBeNull", {"column": "start_date"}, WARNING),
)

SUITES: dict[str, tuple[ExpectationSpec, ...]] = {PROJECTS_SUITE: PROJECT_EXPECTATIONS}


@dataclass(frozen=True)
class ExpectationOutcome:
    suite: str  # e.g. "stg_cordis__projects"
    expectation: str  # GX expectation type, e.g. "expect_column_values_to_not_be_null"
    column: str | None  # column(s) it is about, e.g. "source_id" or "end_date,start_date"
    success: bool
    observed: str  # short human text of the observed value
    severity: str  # "critical" (blocks publish) or "warning"


@dataclass(frozen=True)
class GateResult:
    suite: str
    outcomes: tuple[ExpectationOutcome, ...]

    @property
    def passed(self) -> bool:
        """True when no critical expectation failed."""
        return not any(o.severity == CRITICAL and not o.success for o in self.outcomes)

    @property
    def failures(self) -> tuple[ExpectationOutcome, ...]:
        """Failed expectations, critical and warning."""
        return tuple(o for o in self.outcomes if not o.success)

    def summary(self) -> str:
        """One line per failed expectation, or "all N expectations passed"."""
        if not self.failures:
            return f"{self.suite}: all {len(self.outcomes)} expectations passed"
        return "\n".join(_describe_failure(o) for o in self.failures)


def _describe_failure(outcome: ExpectationOutcome) -> str:
    about = f"({outcome.column})" if outcome.column else ""
    level = "" if outcome.severity == CRITICAL else f" [{outcome.severity}]"
    return f"{outcome.suite}: {outcome.expectation}{about} failed{level} — {outcome.observed}"


def validate_staged_projects(df: pd.DataFrame) -> GateResult:
    """Validate the staged CORDIS projects frame (suite ``stg_cordis__projects``); ``df`` is not modified."""
    return _validate(PROJECTS_SUITE, _comparable_copy(df))


# --- derived frame ----------------------------------------------------------------------------------


def _comparable_copy(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` with money as float and dates as datetime64, for GX comparisons only.

    A column that cannot be converted is kept as it is, so the expectations on it fail visibly.
    """
    derived = df.copy(deep=True)
    for column in MONEY_COLUMNS:
        if column in derived.columns:
            derived[column] = _converted(derived[column], pd.to_numeric)
    for column in DATE_COLUMNS:
        if column in derived.columns:
            derived[column] = _converted(derived[column], pd.to_datetime)
    return derived


def _converted(series: pd.Series, convert: Any) -> pd.Series:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return convert(series)
    except (TypeError, ValueError, OverflowError):
        return series


# --- GX (lazy, cached) ------------------------------------------------------------------------------

_lock = threading.Lock()


def _validate(suite_name: str, frame: pd.DataFrame) -> GateResult:
    with _lock:  # one shared ephemeral context: serialise runs (Prefect may run tasks in threads)
        definition, order = _validation_definition(suite_name)
        result = definition.run(batch_parameters={"dataframe": frame}, result_format="SUMMARY")
    ranked = sorted(result.results, key=lambda r: order.get(r.expectation_config.id, len(order)))
    return GateResult(suite_name, tuple(_outcome(suite_name, r) for r in ranked))


@functools.cache
def _validation_definition(suite_name: str) -> tuple[gx.ValidationDefinition, dict[str | None, int]]:
    """The validation definition of a suite (built once per process) and its expectations' declared order."""
    gx, gxe = _import_gx()
    context = _context()
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
    order: dict[str | None, int] = {}
    for position, spec in enumerate(SUITES[suite_name]):
        expectation = suite.add_expectation(
            getattr(gxe, spec.gx_class)(**spec.kwargs, severity=spec.severity)
        )
        order[expectation.id] = position
    batch = (
        context.data_sources.add_pandas(f"{suite_name}__source")
        .add_dataframe_asset(f"{suite_name}__frame")
        .add_batch_definition_whole_dataframe(f"{suite_name}__whole")
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{suite_name}__validation", data=batch, suite=suite)
    )
    return definition, order


@functools.cache
def _context() -> Any:
    """One quiet ephemeral GX context per process."""
    gx, _ = _import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.enable_analytics(False)
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def _import_gx() -> tuple[Any, Any]:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    gx_logger = logging.getLogger("great_expectations")
    quiet = gx_logger.level == logging.NOTSET  # the application did not configure GX logging itself
    if quiet:  # GX logs chatty INFO lines while importing
        gx_logger.setLevel(logging.WARNING)
    import great_expectations as gx
    import great_expectations.expectations as gxe

    if quiet:  # ... and one GX module forces its own logger to INFO when imported
        logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    return gx, gxe


# --- GX results -> outcomes -------------------------------------------------------------------------


def _outcome(suite_name: str, result: Any) -> ExpectationOutcome:
    config = result.expectation_config
    return ExpectationOutcome(
        suite=suite_name,
        expectation=config.type,
        column=_columns_of(config.kwargs),
        success=bool(result.success),
        observed=_observed(config.type, result.result or {}, result.exception_info or {}),
        severity=str(getattr(config.severity, "value", config.severity)),
    )


def _columns_of(kwargs: Mapping[str, Any]) -> str | None:
    if "column" in kwargs:
        return str(kwargs["column"])
    if "column_A" in kwargs:
        return f"{kwargs['column_A']},{kwargs['column_B']}"
    if "column_list" in kwargs:
        return ",".join(kwargs["column_list"])
    return None


def _observed(expectation: str, result: Mapping[str, Any], exception_info: Mapping[str, Any]) -> str:
    error = _error_message(exception_info)
    if error is not None:
        return f"error: {error}"
    if "unexpected_count" in result:  # column map expectations
        count = result["unexpected_count"] or 0
        return (
            f"{count} unexpected: {_values(result.get('partial_unexpected_list') or [])}"
            if count
            else "0 unexpected"
        )
    observed = result.get("observed_value")
    if expectation.startswith("expect_table_row_count"):
        return f"row_count={observed}"
    if expectation.startswith("expect_table_columns"):
        missing = ((result.get("details") or {}).get("mismatched") or {}).get("missing")
        return f"missing columns: {_values(missing)}" if missing else f"{len(observed or [])} columns present"
    return str(observed)


def _error_message(exception_info: Mapping[str, Any]) -> str | None:
    """First line of the first raised exception, or None.

    GX 1.x reports either one flat ``{"raised_exception": ..., "exception_message": ...}`` or, when a metric
    failed, a mapping of metric ids to such dicts.
    """
    candidates = [exception_info, *(v for v in exception_info.values() if isinstance(v, Mapping))]
    for info in candidates:
        if info.get("raised_exception"):
            message = str(info.get("exception_message") or "").strip().removeprefix("Error: ")
            return message.splitlines()[0] if message else "unknown error"
    return None


def _values(values: Sequence[Any]) -> str:
    shown = [_value(v) for v in values[:_MAX_SHOWN]]
    more = ", ..." if len(values) > _MAX_SHOWN else ""
    return f"[{', '.join(shown)}{more}]"


def _value(value: Any) -> str:
    if isinstance(value, Mapping):
        return repr("/".join(str(v) for v in value.values()))
    if isinstance(value, tuple | list):
        return f"({', '.join(_value(v) for v in value)})"
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "None"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, date | np.datetime64):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    return str(value)
