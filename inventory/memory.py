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
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    # the symbols the process already has (glibc's, on Linux): ctypes.util.find_library would run
    # ldconfig in a child process, which the benchmark's RSS polling counted as a second copy of the run
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except OSError:
        return None


def return_free_memory() -> bool:
    """Collect garbage, then give the C library's free memory back to the system; False where the C library
    has no ``malloc_trim``."""
    gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
