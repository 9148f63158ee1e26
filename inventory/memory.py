"""Giving freed memory back to the operating system between the phases of a run.

CPython returns its own small-object arenas when they empty, but larger objects (an objective's text, a
frame's arrays, a list of 400k pointers) come from the C library's ``malloc``, which keeps what is freed for
reuse, and per thread: Prefect runs each task in a worker thread, so memory one task freed was not reused
by the next one's thread and the run's RSS kept the high-water mark of every phase. glibc's
``malloc_trim`` hands the free pages back. Elsewhere (musl, macOS) there is no such call and nothing is
done."""

from __future__ import annotations

import ctypes
import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# The cyclic garbage collector's thresholds during a run (CPython's default: 700, 10, 10). A run allocates
# millions of containers that live for a whole phase (the 409k staged participations read back are 6.5M
# values in tuples, lists and frames); at the default, a young-generation collection every 700 of them
# scans the survivors again and again. Measured on the 60k warehouse, one process (benchmarks/README.md,
# "Session 11"): the night's core build 13.0 -> 10.4 s, its read of the staged participations 5.6 -> 3.6 s.
# The oldest generation keeps its own rule, and each phase still ends with a full collection
# (``return_free_memory``), so what a run lets go of is collected as before.
RUN_GC_THRESHOLDS = (50_000, 20, 10)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    # the symbols the process already has (glibc's, on Linux): ctypes.util.find_library would run
    # ldconfig in a child process, which the benchmark's RSS polling counted as a second copy of the run
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except OSError:
        return None


@contextmanager
def run_gc_thresholds(thresholds: tuple[int, int, int] = RUN_GC_THRESHOLDS) -> Iterator[None]:
    """The garbage collector at ``thresholds`` inside the block, at the thresholds it had before after it
    (whatever the block raised): a flow run sets them for itself, not for the process that serves it."""
    before = gc.get_threshold()
    gc.set_threshold(*thresholds)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def return_free_memory() -> bool:
    """Collect garbage, then give the C library's free memory back to the system; False where the C library
    has no ``malloc_trim``."""
    gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
