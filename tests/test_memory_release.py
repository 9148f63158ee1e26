"""Large frames are freed as soon as the run is done with them, whoever else still points at their holder.

Prefect keeps every task's parameters and result referenced until the flow run ends, and GX keeps the last
batch it validated (the frame itself) in its execution engine. At 60k projects the staged frames are about
1 GB: held, they sit under core and marts, which read staging back (the benchmark's peak RSS went from
3.25 GB to 2.26 GB when they were let go). Checked with weak references, on frames built by the real
pipeline from the recorded dumps."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from flows.tasks import Inventory, StagedCordis
from inventory import memory
from inventory.memory import RUN_GC_THRESHOLDS, run_gc_thresholds
from quality.gate import validate_core, validate_marts, validate_staging
from tests.flow_runs import refresh_here, reset_mirror, run_env
from tests.test_quality_layers import _core, staged_frames
from transforms.cordis import PARTICIPATION_FRAME_COLUMNS, PROJECT_FRAME_COLUMNS
from transforms.core import Core
from transforms.marts import build_marts


def _alive(refs: list[weakref.ref]) -> int:
    gc.collect()
    return sum(ref() is not None for ref in refs)


def test_gx_does_not_keep_the_frames_it_validated() -> None:
    frames = staged_frames()
    core = _core()
    core_frames = {name: frame.copy() for name, frame in core.tables().items()}
    marts = {name: frame.copy() for name, frame in build_marts(core).items()}
    refs = [weakref.ref(f) for f in (*frames.values(), *core_frames.values(), *marts.values())]

    results = [*validate_staging(frames), *validate_core(core_frames), *validate_marts(marts)]
    assert results and all(r.passed for r in results)
    assert _alive(refs) == len(refs)  # the check below can see a frame that is still referenced

    del frames, core_frames, marts
    assert _alive(refs) == 0


def test_released_staging_and_inventory_let_go_of_their_frames() -> None:
    frames = staged_frames()
    staged = StagedCordis(
        projects=frames["stg_cordis__projects"],
        participations=frames["stg_cordis__participations"],
        quarantined=pd.DataFrame({"reason": ["x"]}),
        rows_read=len(frames["stg_cordis__projects"]),
    )
    core = Core(*(frame.copy() for frame in _core().tables().values()))  # _core() is cached: copies
    inventory = Inventory(core=core, marts=build_marts(core))
    refs = [weakref.ref(f) for f in (staged.projects, staged.participations, staged.quarantined)]
    refs += [weakref.ref(f) for f in (*inventory.core.tables().values(), *inventory.marts.values())]
    holders = [staged, inventory]  # what Prefect would keep: the holders themselves
    del frames, core

    staged.release()
    inventory.release()

    assert _alive(refs) == 0
    assert holders[0].projects.empty and holders[1].marts == {}
    assert staged.rows_read > 0  # the figures the run reports stay


def _staged_frames_alive(ignore: set[int] = frozenset()) -> list[pd.DataFrame]:
    """The staged CORDIS frames (stage_projects / stage_participations output) alive now, but ``ignore``."""
    gc.collect()
    staged = ({*PROJECT_FRAME_COLUMNS}, {*PARTICIPATION_FRAME_COLUMNS})
    return [
        obj
        for obj in gc.get_objects()
        if isinstance(obj, pd.DataFrame) and len(obj) and set(obj.columns) in staged and id(obj) not in ignore
    ]


def test_no_staged_frame_is_alive_while_core_and_marts_are_built(
    prefect_api_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole flow on the recorded mirror: when ``build_inventory`` starts (it reads staging back from the
    warehouse), the frames the run staged and merged are gone, although Prefect still holds the task
    results that carried them and GX validated them."""
    import flows.tasks as tasks

    seen: list[list[tuple[int, int]]] = []
    thresholds: list[tuple[int, int, int]] = []
    build = tasks.build_inventory
    earlier = {id(frame) for frame in _staged_frames_alive()}  # other tests' (cached) frames
    before = gc.get_threshold()

    pools: list[str] = []

    def watched_build(settings):
        seen.append([frame.shape for frame in _staged_frames_alive(earlier)])
        thresholds.append(gc.get_threshold())
        pools.append(pa.default_memory_pool().backend_name)
        return build(settings)

    monkeypatch.setattr(tasks, "build_inventory", watched_build)
    pa.set_memory_pool(pa.mimalloc_memory_pool())  # pyarrow's own default, whatever an earlier test set
    reset_mirror()
    state = refresh_here(run_env(tmp_path / "data"))

    assert state.is_completed()
    assert seen == [[]]
    # the run collects garbage at its own thresholds, and gives the process back the ones it had
    assert thresholds == [RUN_GC_THRESHOLDS] != [before]
    assert gc.get_threshold() == before
    # the staged objectives' Arrow buffers came from malloc, which return_free_memory trims
    assert pools == ["system"]


def test_run_gc_thresholds_are_the_run_s_only() -> None:
    before = gc.get_threshold()
    with run_gc_thresholds((12_345, 11, 9)):
        assert gc.get_threshold() == (12_345, 11, 9)
    assert gc.get_threshold() == before
    with pytest.raises(KeyError), run_gc_thresholds((23_456, 11, 9)):
        assert gc.get_threshold() == (23_456, 11, 9)
        raise KeyError("a failed run")
    assert gc.get_threshold() == before


def test_overlapping_runs_give_the_process_its_thresholds_back_when_the_last_ends() -> None:
    """Two flow runs served by one process, the first ending while the second still runs."""
    from contextlib import ExitStack

    before = gc.get_threshold()
    first, second = ExitStack(), ExitStack()
    first.enter_context(run_gc_thresholds())
    second.enter_context(run_gc_thresholds())
    first.close()
    assert gc.get_threshold() == RUN_GC_THRESHOLDS  # the second run still collects at its thresholds
    second.close()
    assert gc.get_threshold() == before


@pytest.mark.parametrize("give_back", ["return_free_memory", "trim_free_memory"])
def test_memory_freed_in_a_worker_thread_goes_back_to_the_system(give_back: str) -> None:
    """As a Prefect task leaves it: 200 MB of text allocated in a worker thread, 2 % of it still alive
    (scattered, as the strings a run keeps are), the rest freed. glibc keeps the freed pages for that
    thread's heap until ``malloc_trim``; ``return_free_memory`` (with a collection) and ``trim_free_memory``
    (without) give them back."""
    import threading

    import psutil

    from inventory import memory
    from inventory.memory import _malloc_trim

    if _malloc_trim() is None:
        pytest.skip("this C library has no malloc_trim (not glibc): nothing to give back explicitly")
    process = psutil.Process()
    kept: list[str] = []

    def task() -> None:
        texts = ["x" * 2000 + str(i) for i in range(100_000)]
        kept.extend(texts[::50])

    worker = threading.Thread(target=task)
    worker.start()
    worker.join()
    gc.collect()
    before = process.memory_info().rss
    assert getattr(memory, give_back)()
    after = process.memory_info().rss
    assert before - after > 100 * 2**20, (before / 2**20, after / 2**20)
    assert len(kept) == 2000 and kept[-1].endswith("99950")


def test_finding_malloc_trim_starts_no_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """ctypes.util.find_library runs ldconfig in a child: in a 1.4 GB run, the benchmark's RSS polling saw
    that child (sharing the run's memory until it execs) as a second copy, 2.3 GB in all."""
    import subprocess

    from inventory import memory

    def no_process(*args, **kwargs):
        raise AssertionError(f"a process was started: {args}")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    memory._malloc_trim.cache_clear()
    memory.return_free_memory()


def test_a_refresh_process_exits_without_a_last_collection_of_what_it_holds() -> None:
    # in a process of its own: an atexit handler registered before runs after gc.freeze (last in, first out)
    script = """
import atexit, gc
from inventory.memory import skip_final_collection
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count()))
held = [[i] for i in range(50_000)]
print("frozen before:", gc.get_freeze_count())
skip_final_collection()
skip_final_collection()
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    lines = dict(line.split(": ", 1) for line in done.stdout.splitlines())
    assert lines["frozen before"] == "0"
    assert int(lines["frozen at exit"]) >= 50_000  # what the process held, left out of the last collection


def test_memory_is_given_back_after_a_phase_that_held_many_rows_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A full collection walks every object of the process: after a night's few thousand rows it is not
    worth it; after a full refresh's hundreds of thousands it is what keeps the next phase's peak down."""
    calls: list[int] = []
    monkeypatch.setattr(memory, "return_free_memory", lambda: calls.append(1) or True)
    assert not memory.release_after(memory.LARGE_PHASE_ROWS - 1)
    assert calls == []
    assert memory.release_after(memory.LARGE_PHASE_ROWS)
    assert calls == [1]
