"""Transforms: pure functions, records or DataFrames in, DataFrames out. No I/O, no connections."""
