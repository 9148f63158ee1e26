"""Data-quality gate: validates staged frames before anything is published.

Import from :mod:`quality.gate`; it is the only module of the project that imports Great Expectations,
and it does so lazily, so importing this package is cheap.
"""

from quality.gate import ExpectationOutcome, GateResult, validate_staged_projects

__all__ = ["ExpectationOutcome", "GateResult", "validate_staged_projects"]
