"""Run-level checks that need no frame and no GX: volume drift, a minimum count, the quarantine share.

They return the same :class:`GateResult` as the suites. Each also carries a validation result of the GX
shape (plain JSON, written here without GX) so the Data Docs show them with the suites: a count check is an
``expect_table_row_count_to_be_between`` on the entity, the quarantine share an
``expect_column_mean_to_be_between`` on the 0/1 "quarantined" flag of the records read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from quality.outcomes import CRITICAL, WARNING, ExpectationOutcome, GateResult

VOLUME_SUITE = "run__volume"
MINIMUM_SUITE = "run__minimum"
QUARANTINE_SUITE = "run__quarantine"

ROW_COUNT = "expect_table_row_count_to_be_between"
MEAN = "expect_column_mean_to_be_between"
ACCEPTED = "accepted by --accept-drift"


def carry_over_counts(
    counts: Mapping[str, int], previous: Mapping[str, int] | None, unread_programmes: set[str]
) -> dict[str, int]:
    """``counts`` plus, for each CORDIS programme whose dump was not read again (unchanged), the counts the
    last successful run kept for it ("cordis.<programme>.<entity>"): the next drift check then still has a
    baseline for that dump."""
    merged = dict(counts)
    for entity, count in (previous or {}).items():
        parts = entity.split(".")
        if parts[0] == "cordis" and len(parts) > 2 and parts[1] in unread_programmes:
            merged.setdefault(entity, count)
    return merged


def check_volume(
    current: Mapping[str, int],
    previous: Mapping[str, int] | None,
    max_drop: float = 0.10,
    accept_drift: bool = False,
) -> GateResult:
    """Rows per entity (e.g. "cordis.projects") against the previous successful run's counts.

    A drop of more than ``max_drop`` is critical, or a warning "accepted by --accept-drift" when
    ``accept_drift``. The first run (``previous`` None), an entity the previous run did not count and a
    previous count of 0 pass; growth always passes."""
    if not 0 <= max_drop < 1:
        raise ValueError(f"max_drop must be in [0, 1), got {max_drop}")
    severity = WARNING if accept_drift else CRITICAL
    outcomes, results = [], []
    for entity, count in current.items():
        before = (previous or {}).get(entity)
        floor: int | None = None  # the fewest rows allowed
        if previous is None or before is None or before <= 0:
            success = True
            observed = f"{count} rows ({'first run' if previous is None else 'no previous count'})"
            description = f"{entity}: any row count (nothing to compare with)"
        else:
            floor = before - math.floor(before * max_drop + 1e-9)
            success = count >= floor
            observed = (
                f"{count} rows, {before} in the previous successful run ({(count - before) / before:+.1%})"
            )
            if not success:
                observed += f": a drop of more than {_percent(max_drop)}"
                observed += f", {ACCEPTED}" if accept_drift else ""
            description = (
                f"{entity}: at least {floor} rows (at most {_percent(max_drop)} fewer than the {before} rows "
                "of the previous successful run)"
            )
        outcomes.append(ExpectationOutcome(VOLUME_SUITE, ROW_COUNT, entity, success, observed, severity))
        kwargs = {"min_value": floor} if floor is not None else {}
        results.append(_result(success, ROW_COUNT, kwargs, count, description, severity))
    return GateResult(VOLUME_SUITE, tuple(outcomes), _validation(VOLUME_SUITE, results))


def _percent(share: float) -> str:
    return f"{share * 100:g}%"


def check_minimum(name: str, current: int, minimum: int) -> GateResult:
    """``current`` may not fall below ``minimum`` (critical), e.g. the proeftuinen crawled against the count
    the reference source states."""
    success = current >= minimum
    observed = f"{current} (at least {minimum} expected)"
    outcome = ExpectationOutcome(MINIMUM_SUITE, ROW_COUNT, name, success, observed, CRITICAL)
    result = _result(
        success, ROW_COUNT, {"min_value": minimum}, current, f"{name}: at least {minimum}", CRITICAL
    )
    return GateResult(MINIMUM_SUITE, (outcome,), _validation(MINIMUM_SUITE, [result]))


def check_quarantine(
    quarantined: int, read: int, max_share: float = 0.01, name: str = "quarantined"
) -> GateResult:
    """The share of the records read that were quarantined may not exceed ``max_share`` (critical). Nothing
    read is a share of 0. ``name`` is the outcome's column (e.g. "cordis.quarantined")."""
    if read < 0 or quarantined < 0:
        raise ValueError(f"counts must not be negative: quarantined={quarantined}, read={read}")
    share = quarantined / read if read else 0.0
    success = share <= max_share
    observed = f"{quarantined} of {read} records quarantined ({share:.2%}; at most {max_share:.2%} allowed)"
    outcome = ExpectationOutcome(QUARANTINE_SUITE, MEAN, name, success, observed, CRITICAL)
    result = _result(
        success,
        MEAN,
        {"column": name, "max_value": max_share},
        share,
        f"{name}: at most {max_share:.2%} of the {read} records read are quarantined",
        CRITICAL,
    )
    return GateResult(QUARANTINE_SUITE, (outcome,), _validation(QUARANTINE_SUITE, [result]))


# --- validation results of the GX shape (JSON), for the Data Docs ----------------------------------


def _result(
    success: bool, type_: str, kwargs: Mapping[str, Any], observed: Any, description: str, severity: str
) -> dict[str, Any]:
    return {
        "success": success,
        "expectation_config": {
            "type": type_,
            "kwargs": dict(kwargs),
            "meta": {},
            "description": description,
            "severity": severity,
        },
        "result": {"observed_value": observed},
        "meta": {},
        "exception_info": {"raised_exception": False, "exception_traceback": None, "exception_message": None},
    }


def _validation(suite: str, results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    passed = sum(1 for r in results if r["success"])
    return {
        "suite_name": suite,
        "success": passed == len(results),  # as GX does: any failed expectation, whatever its severity
        "results": list(results),
        "suite_parameters": {},
        "statistics": {
            "evaluated_expectations": len(results),
            "successful_expectations": passed,
            "unsuccessful_expectations": len(results) - passed,
            "success_percent": 100.0 * passed / len(results) if results else None,
        },
        "meta": {"validation_time": datetime.now(UTC).isoformat()},
    }
