"""Giving freed memory back to the operating system between the phases of a run.

CPython returns its own small-object arenas when they empty, but larger objects (an objective's text, a
frame's arrays, a list of 400k pointers) come from the C library's ``malloc``, which keeps what is freed for
reuse, and per thread: Prefect runs each task in a worker thread, so memory one task freed was not reused
by the next one's thread and the run's RSS kept the high-water mark of every phase. glibc's
``malloc_trim`` hands the free pages back. Elsewhere (musl, macOS) there is no such call and nothing is
done."""

from __future__ import annotations

import atexit
import ctypes
import functools
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# The cyclic garbage collector's thresholds during a run (CPython's default: 700, 10, 10). A run allocates
# millions of containers that live for a whole phase (the 409k staged participations read back are 6.5M
# values in tuples, lists and frames); at the default, a young-generation collection every 700 of them
# scans the survivors again and again. Measured on the 60k warehouse, one process (benchmarks/README.md,
# "Session 11"): the night's core build 13.0-14.1 -> 10.4 s, its read of the staged participations 5.6 ->
# 3.5-3.9 s. The older generations are collected less often in proportion (the oldest considered after 10M
# net allocations instead of 70k, and still only once the long-lived objects grew by a quarter), and each
# phase still ends with a full collection (``return_free_memory``), so what a run lets go of is collected.
RUN_GC_THRESHOLDS = (50_000, 20, 10)

_runs_lock = threading.Lock()
_runs = 0  # blocks of ``run_gc_thresholds`` open now (flow runs served by one process may overlap)
_outside: tuple[int, ...] = ()  # the thresholds the process had before the first of them


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
    """The garbage collector at ``thresholds`` inside the block; once the last open block ends (whatever it
    raised), at the thresholds the process had before the first: a flow run sets them for itself, not for
    the process that serves it, also when that process serves several runs at once."""
    global _runs, _outside
    with _runs_lock:
        if _runs == 0:
            _outside = gc.get_threshold()
        _runs += 1
        gc.set_threshold(*thresholds)
    try:
        yield
    finally:
        with _runs_lock:
            _runs -= 1
            if _runs == 0:
                gc.set_threshold(*_outside)


_final_collection_skipped = False


def skip_final_collection() -> None:
    """At exit, leave every object alive now out of the interpreter's last garbage collection
    (``gc.freeze`` from an ``atexit`` handler, so after the handlers registered later have run: atexit runs
    its handlers last in, first out). The process is ending: its memory goes back to the system whole, and
    that collection only walked the millions of objects a run leaves (Prefect, Great Expectations, pandas
    and the run's own) to find cycles nobody needs freed. Measured on the CLI's demo run: the process ended
    1.56 s after its last atexit handler, 0.12-0.26 s with this (benchmarks/README.md, "Session 15").
    Objects are still released by reference counting as the modules are torn down; only cyclic garbage is
    left to the system. Calling it again changes nothing."""
    global _final_collection_skipped
    if not _final_collection_skipped:
        _final_collection_skipped = True
        atexit.register(gc.freeze)


def arrow_on_system_malloc() -> None:
    """Arrow's buffers (the staged objectives, ``transforms.cordis.LONG_TEXT``) from the C library's
    ``malloc`` instead of the pool pyarrow brings (mimalloc), so that ``return_free_memory`` gives them back
    too: 60k objectives held 245 MB more RSS through ``malloc``, 303 MB through mimalloc (constructed
    test, scratch). Process-wide, for every later allocation; calling it again changes nothing."""
    import pyarrow as pa  # imported here: most users of this module never touch Arrow

    pa.set_memory_pool(pa.system_memory_pool())


# A full collection walks every object the process holds: 0.19 s with Prefect, pandas and Great Expectations
# loaded, more with a run's data. After a phase that held fewer rows than this (a night's few thousand
# staged records, its core scoped to the projects that changed), what it frees is not worth that walk
# (``release_after``); the collector's own thresholds still collect it later.
LARGE_PHASE_ROWS = 100_000


def release_after(rows: int) -> bool:
    """``return_free_memory`` after a phase that held ``rows`` rows, when they were many
    (``LARGE_PHASE_ROWS``); False when it was not called, or did nothing."""
    return rows >= LARGE_PHASE_ROWS and return_free_memory()


def trim_free_memory() -> bool:
    """Give the C library's free memory back to the system, without a garbage collection (which walks every
    object of the process: 0.19 s with Prefect, pandas and GX loaded); False where there is no
    ``malloc_trim``. For a phase that frees large arrays while it makes others in their place: they come
    from this thread's heap, not from the holes other threads' frees left, so without it the RSS grows by
    all it makes."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


def return_free_memory() -> bool:
    """Collect garbage, then give the C library's free memory back to the system; False where the C library
    has no ``malloc_trim``."""
    gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
