"""Data-quality gate: validates staged, core and mart frames before anything is published.

Import from :mod:`quality.gate`. Great Expectations is imported by :mod:`quality.gx_engine` only, and
lazily, so importing this package is cheap. The suites are versioned JSON in ``quality/suites/``.
"""

from quality.gate import ExpectationOutcome, GateResult, validate_staged_projects

__all__ = ["ExpectationOutcome", "GateResult", "validate_staged_projects"]
