"""The GX-free result types of the gate, and how a GX validation result (as its JSON dict) becomes them.

Everything here is plain Python: :class:`GateResult` and :class:`ExpectationOutcome` are what the flow, the
ledger (``dq_result`` rows, :func:`outcome_rows`) and the tests see. The JSON dict of the GX validation is kept
inside :attr:`GateResult.validation` only so that :func:`quality.docs.build_data_docs` can render it later.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

CRITICAL = "critical"
WARNING = "warning"
SEVERITIES = (CRITICAL, WARNING)

MAX_SHOWN = 3  # unexpected values (and keys) shown in `observed`

# dq_result column sizes (warehouse/schema.py): longer texts are cut rather than failing the insert
_COLUMN_NAME_MAX = 200
_EXPECTATION_MAX = 120
_SUITE_MAX = 80


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
    # The GX validation result as its JSON dict (opaque; for the Data Docs only). None for a result that
    # was not produced by a validation.
    validation: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def passed(self) -> bool:
        """True when no critical expectation failed."""
        return not any(o.severity == CRITICAL and not o.success for o in self.outcomes)

    @property
    def failures(self) -> tuple[ExpectationOutcome, ...]:
        """Failed expectations, critical and warning."""
        return tuple(o for o in self.outcomes if not o.success)

    @property
    def warnings(self) -> tuple[ExpectationOutcome, ...]:
        """Failed expectations that are only recorded."""
        return tuple(o for o in self.failures if o.severity != CRITICAL)

    def summary(self) -> str:
        """One line per failed expectation, or "all N expectations passed"."""
        if not self.failures:
            return f"{self.suite}: all {len(self.outcomes)} expectations passed"
        return "\n".join(_describe_failure(o) for o in self.failures)


def all_passed(results: Iterable[GateResult]) -> bool:
    """True when no critical expectation of any result failed: publishing may go on."""
    return all(result.passed for result in results)


def summarize(results: Iterable[GateResult]) -> str:
    """The summaries of several results, one block per suite."""
    return "\n".join(result.summary() for result in results)


def outcome_rows(run_id: str, results: Iterable[GateResult]) -> list[dict[str, Any]]:
    """Rows for the ``dq_result`` table: one per expectation of every result, passed or not.

    Keys: run_id, suite, expectation, column_name, success, observed, severity (the table's columns)."""
    return [
        {
            "run_id": run_id,
            "suite": o.suite[:_SUITE_MAX],
            "expectation": o.expectation[:_EXPECTATION_MAX],
            "column_name": o.column[:_COLUMN_NAME_MAX] if o.column else None,
            "success": o.success,
            "observed": o.observed,
            "severity": o.severity,
        }
        for result in results
        for o in result.outcomes
    ]


def _describe_failure(outcome: ExpectationOutcome) -> str:
    about = f"({outcome.column})" if outcome.column else ""
    level = "" if outcome.severity == CRITICAL else f" [{outcome.severity}]"
    return f"{outcome.suite}: {outcome.expectation}{about} failed{level} — {outcome.observed}"


# --- GX validation result (JSON dict) -> outcomes ------------------------------------------------------


def outcomes_of(suite: str, validation: Mapping[str, Any], key_columns: Sequence[str] = ()) -> GateResult:
    """The :class:`GateResult` of a GX suite validation result given as its JSON dict.

    ``key_columns``: the columns that name a row (requested from GX as ``unexpected_index_column_names``);
    the observed text of a failed column expectation names the first offending keys with them."""
    outcomes = tuple(_outcome(suite, r, key_columns) for r in validation.get("results") or ())
    return GateResult(suite, outcomes, validation)


def _outcome(suite: str, result: Mapping[str, Any], key_columns: Sequence[str]) -> ExpectationOutcome:
    config = result.get("expectation_config") or {}
    kwargs = config.get("kwargs") or {}
    return ExpectationOutcome(
        suite=suite,
        expectation=str(config.get("type")),
        column=columns_of(kwargs),
        success=bool(result.get("success")),
        observed=_observed(
            str(config.get("type")),
            kwargs,
            result.get("result") or {},
            result.get("exception_info") or {},
            key_columns,
        ),
        severity=str(config.get("severity") or CRITICAL),
    )


def columns_of(kwargs: Mapping[str, Any]) -> str | None:
    if "column" in kwargs:
        return str(kwargs["column"])
    if "column_A" in kwargs:
        return f"{kwargs['column_A']},{kwargs['column_B']}"
    if "column_list" in kwargs:
        return ",".join(kwargs["column_list"])
    return None


def _observed(
    expectation: str,
    kwargs: Mapping[str, Any],
    result: Mapping[str, Any],
    exception_info: Mapping[str, Any],
    key_columns: Sequence[str],
) -> str:
    error = _error_message(exception_info)
    if error is not None:
        return f"error: {error}"
    if "unexpected_count" in result:  # column map expectations
        count = result["unexpected_count"] or 0
        if not count:
            return "0 unexpected"
        text = f"{count} unexpected: {values_text(result.get('partial_unexpected_list') or [])}"
        return text + _keys_text(result.get("partial_unexpected_index_list") or [], kwargs, key_columns)
    observed = result.get("observed_value")
    if expectation.startswith("expect_table_row_count"):
        return f"row_count={observed}{_bounds_text(kwargs)}"
    if expectation.startswith("expect_table_columns"):
        missing = ((result.get("details") or {}).get("mismatched") or {}).get("missing")
        return (
            f"missing columns: {values_text(missing)}"
            if missing
            else f"{len(observed or [])} columns present"
        )
    return str(observed)


def _bounds_text(kwargs: Mapping[str, Any]) -> str:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is not None and high is not None:
        return f" (expected {low}..{high})"
    if low is not None:
        return f" (expected at least {low})"
    return f" (expected at most {high})" if high is not None else ""


def _keys_text(index_list: Sequence[Any], kwargs: Mapping[str, Any], key_columns: Sequence[str]) -> str:
    """The keys of the first offending rows, e.g. `` (source_id: ['862192'])``, unless the expectation is
    about the key itself (its values already name them)."""
    own = set((columns_of(kwargs) or "").split(","))
    shown = [c for c in key_columns if c not in own]
    rows = [row for row in index_list if isinstance(row, Mapping)]
    if not shown or not rows:
        return ""
    keys = ["/".join(str(row.get(c)) for c in shown) for row in rows]
    return f" ({'/'.join(shown)}: {values_text(keys)})"


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


def values_text(values: Sequence[Any]) -> str:
    shown = [_value(v) for v in values[:MAX_SHOWN]]
    more = ", ..." if len(values) > MAX_SHOWN else ""
    return f"[{', '.join(shown)}{more}]"


# GX serialises timestamps as "2022-08-31T00:00:00.000000" (values) or "2022-08-31 00:00:00" (index lists)
_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]00:00:00(?:\.0+)?$")
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}")


def _value(value: Any) -> str:
    if isinstance(value, Mapping):
        return repr("/".join(str(v) for v in value.values()))
    if isinstance(value, tuple | list):
        return f"({', '.join(_value(v) for v in value)})"
    if value is None or (isinstance(value, float) and value != value):
        return "None"
    if isinstance(value, str):
        midnight = _MIDNIGHT.match(value)
        if midnight:
            return midnight.group(1)
        return value if _STAMP.match(value) else repr(value)
    return str(value)
