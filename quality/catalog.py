"""The expectation suites, versioned as JSON in ``quality/suites/`` (one file per layer and entity).

A suite file, without importing GX::

    {
      "suite": "stg_cordis__projects",          # the file is named <suite>.json
      "layer": "staging",                        # staging | core | marts
      "description": "...",
      "key_columns": ["source_id"],              # name the offending rows in `observed`
      "money_columns": [...], "date_columns": [...],   # converted for comparison (see quality.derive)
      "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "source_id"},
         "severity": "critical", "notes": "why, when it is not obvious"},
        ...
      ]
    }

``type`` and ``kwargs`` are those of a GX Core 1.x expectation configuration; ``severity`` is ``critical`` (a
failure blocks publishing) or ``warning`` (recorded only). ``min_value``/``max_value`` written as
``"YYYY-MM-DD"`` are dates; ``{"$PARAMETER": "name"}`` values are given at validation time (the marts' row
count bounds).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from quality.outcomes import SEVERITIES

SUITES_DIR = Path(__file__).resolve().parent / "suites"

STAGING_SUITES = ("stg_cordis__projects", "stg_cordis__participations", "stg_vlaio__projects")
CORE_SUITES = ("core_projects", "core_organisations", "core_participations", "core_yearly_funding")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_KWARGS = ("min_value", "max_value")


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation of a suite, declared without importing GX."""

    type: str  # GX expectation type, e.g. "expect_column_values_to_not_be_null"
    kwargs: Mapping[str, Any]
    severity: str
    notes: str | None = None


# the kwargs of an expectation that name one column it reads
_COLUMN_KWARGS = ("column", "column_A", "column_B")


@dataclass(frozen=True)
class Suite:
    name: str
    layer: str
    description: str
    expectations: tuple[ExpectationSpec, ...]
    key_columns: tuple[str, ...] = ()
    money_columns: tuple[str, ...] = ()
    date_columns: tuple[str, ...] = ()

    def read_columns(self) -> frozenset[str]:
        """The columns whose values an expectation reads, and the key columns its results name the failing
        rows by; a column only listed in the column set is not read."""
        read = set(self.key_columns)
        for spec in self.expectations:
            for name in _COLUMN_KWARGS:
                if name in spec.kwargs:
                    read.add(spec.kwargs[name])
            read.update(spec.kwargs.get("column_list", ()))
        return frozenset(read)

    def required_columns(self) -> tuple[str, ...]:
        """The column set of its ``expect_table_columns_to_match_set``, if it has one."""
        for spec in self.expectations:
            if spec.type == "expect_table_columns_to_match_set":
                return tuple(spec.kwargs["column_set"])
        return ()


@functools.cache
def suite(name: str) -> Suite:
    """The suite declared in ``quality/suites/<name>.json``."""
    path = SUITES_DIR / f"{name}.json"
    if not path.is_file():
        raise KeyError(f"no suite {name!r}: {path} does not exist")
    return parse_suite(json.loads(path.read_text(encoding="utf-8")), expected_name=name)


def suite_names() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in SUITES_DIR.glob("*.json")))


def parse_suite(document: Mapping[str, Any], expected_name: str | None = None) -> Suite:
    name = str(document["suite"])
    if expected_name is not None and name != expected_name:
        raise ValueError(f"suite file {expected_name}.json declares suite {name!r}")
    expectations = tuple(_spec(name, e) for e in document["expectations"])
    return Suite(
        name=name,
        layer=str(document["layer"]),
        description=str(document.get("description", "")),
        expectations=expectations,
        key_columns=tuple(document.get("key_columns", ())),
        money_columns=tuple(document.get("money_columns", ())),
        date_columns=tuple(document.get("date_columns", ())),
    )


def _spec(suite_name: str, entry: Mapping[str, Any]) -> ExpectationSpec:
    severity = entry.get("severity")
    if severity not in SEVERITIES:
        raise ValueError(f"{suite_name}: {entry.get('type')}: severity must be one of {SEVERITIES}")
    kwargs = {key: _date(value) if key in _DATE_KWARGS else value for key, value in entry["kwargs"].items()}
    return ExpectationSpec(str(entry["type"]), kwargs, severity, entry.get("notes"))


def _date(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) and _DATE.match(value) else value
