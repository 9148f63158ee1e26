"""Benchmarks of the CORDIS refresh against a DuckDB floor and dlt (issue 8): ``benchmarks.generate`` makes
the dumps, ``benchmarks.run`` runs and measures the contenders. See ``benchmarks/README.md``."""
