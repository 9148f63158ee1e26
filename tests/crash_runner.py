"""Refreshes in processes of their own, that a test can kill with SIGKILL or race against each other.

    python -m tests.crash_runner              one refresh; the environment says everything
    python -m tests.crash_runner --fork DIR   a fork server: imports the flow and warms Great Expectations
                                              once, then forks one child per ``DIR/<name>.request``

A fork server exists only to keep the tests fast: importing the flow and GX costs ~10 s per process, paid once
instead of once per run. Each child is a real process (its own pid, its own database connections opened after
the fork, the real Prefect client) and dies by SIGKILL like any other; the server reaps it at once (writing
``<name>.exit``), so a dead run's pid is really gone, as the SQLite lock's takeover check needs. The server
refuses to fork while it runs any thread besides its main one.

A request is a JSON object: ``env`` (the child's whole environment), ``stdout`` and ``stderr`` (files). The
server writes ``<name>.pid`` when it forked, and ``<name>.exit`` (the exit code; negative: killed by that
signal) when it reaped the child. It stops when ``DIR/stop`` appears or its parent goes, and SIGKILLs any
child still running then.

Test hooks, installed only here and only from the environment:

- ``CRASH_PAUSE_AT``: where the run stops and waits to be killed (``CRASH_MARKER`` is written first, so the test
  knows the stage was reached): ``parse`` (after the first batch of a dump was read and staged), ``merge``
  (at the COMMIT of the CORDIS merge transaction: its projects and participations written, nothing
  committed), ``publish`` (at the COMMIT of the publish transaction: the core history and every mart
  written, nothing committed) or ``published`` (after the publish committed, before the ledger is closed).
  The marker is a JSON object: the stage, the pid and, for the two COMMIT pauses, ``rows``: how many rows
  the transaction sees in the table it filled (``stg_cordis__projects``, ``mart_inventory``), its own
  uncommitted ones included. The wait is bounded (``PAUSE_S``); a run nobody kills exits with ``NOT_KILLED``.
- ``CRASH_TRACE``: a file that gets one JSON line per event (``lock_wanted``, ``lock_acquired``,
  ``lock_releasing``, and the start and end of every warehouse write) with the pid, the run id and
  ``time.time()``. The lock interval is recorded inside the real one (after acquiring, before releasing), so
  two runs' recorded intervals can only overlap if the lock let them. With ``CRASH_LOCK_BARRIER``
  (``<folder>:<runs>``) the runs first wait for each other (at most ``BARRIER_S``) right before they ask for
  the lock, so that they ask for it together.

The last line a run writes on stdout is a JSON object: its final state's type and message."""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

import flows.refresh as refresh
import flows.tasks as tasks
import warehouse.loads as loads
import warehouse.publish as publish
from quality import gx_engine
from warehouse.schema import MARTS

PAUSE_S = 120.0
BARRIER_S = 60.0
POLL_S = 0.01
NOT_KILLED = 3


# --- hooks ------------------------------------------------------------------------------------------------


def _trace(kind: str, **fields: Any) -> None:
    path = os.environ.get("CRASH_TRACE")
    if not path:
        return
    line = json.dumps({"event": kind, "pid": os.getpid(), "t": time.time(), **fields}) + "\n"
    # one write() per line on a file opened for appending: lines of concurrent runs do not interleave
    with open(path, "a", encoding="utf-8") as out:
        out.write(line)


def _write_atomically(path: Path, content: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, path)


def _pause(stage: str, **facts: Any) -> None:
    """Tell the test that ``stage`` is reached (and ``facts`` about it), then wait to be killed."""
    marker = json.dumps({"stage": stage, "pid": os.getpid(), **facts})
    _write_atomically(Path(os.environ["CRASH_MARKER"]), marker)
    time.sleep(PAUSE_S)
    os._exit(NOT_KILLED)


def _pause_after_first_batch(original: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    @functools.wraps(original)
    def iter_dump(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for batch in original(*args, **kwargs):
            yield batch
            _pause("parse")

    return iter_dump


def _pause_before_commit(stage: str, written: str, counted: str) -> None:
    """Pause at the COMMIT of the first transaction that wrote table ``written``: every statement of the
    transaction has run, nothing is committed. The marker tells how many rows ``counted`` holds as the
    transaction sees it (its uncommitted rows included).

    SQLAlchemy's ``commit`` event fires before the DBAPI commit; what the transaction wrote is noted from the
    statements it sent (a bulk COPY sends none, but the publish and the merge delete before they insert)."""

    def note_writes(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if written in statement and not statement.lstrip().upper().startswith("SELECT"):
            conn.info["crash_wrote"] = True

    def before_commit(conn: Any) -> None:
        if not conn.info.pop("crash_wrote", False):
            return
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute(f"SELECT count(*) FROM {counted}")
        _pause(stage, rows=cursor.fetchone()[0])

    event.listen(Engine, "before_cursor_execute", note_writes)
    event.listen(Engine, "commit", before_commit)
    event.listen(Engine, "rollback", lambda conn: conn.info.pop("crash_wrote", None))


def _pause_after(original: Callable[..., Any], stage: str) -> Callable[..., Any]:
    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        _pause(stage)
        return result

    return wrapper


def _traced(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _trace("write_start", what=original.__name__)
        try:
            return original(*args, **kwargs)
        finally:
            _trace("write_end", what=original.__name__)

    return wrapper


def _lock_barrier() -> None:
    """Wait (bounded) until every run sharing ``CRASH_LOCK_BARRIER`` (``<folder>:<runs>``) is about to ask
    for the writer lock, so that they ask together however long each took to start."""
    spec = os.environ.get("CRASH_LOCK_BARRIER")
    if not spec:
        return
    folder, expected = spec.rsplit(":", 1)
    Path(folder, str(os.getpid())).touch()
    deadline = time.monotonic() + BARRIER_S
    while len(list(Path(folder).iterdir())) < int(expected) and time.monotonic() < deadline:
        time.sleep(POLL_S)


def _traced_lock(original: Callable[..., Any]) -> Callable[..., Any]:
    @contextmanager
    def writer_lock(engine: Any, holder: str, wait_s: float = 0.0) -> Iterator[None]:
        _lock_barrier()
        _trace("lock_wanted", run_id=holder)
        with original(engine, holder, wait_s):
            _trace("lock_acquired", run_id=holder)
            try:
                yield
            finally:
                _trace("lock_releasing", run_id=holder)

    return writer_lock


def install_hooks() -> None:
    stage = os.environ.get("CRASH_PAUSE_AT", "")
    if stage == "parse":
        tasks.iter_dump = _pause_after_first_batch(tasks.iter_dump)
    elif stage == "merge":
        _pause_before_commit("merge", written="stg_cordis__projects", counted="stg_cordis__projects")
    elif stage == "publish":
        _pause_before_commit("publish", written=MARTS[-1].name, counted=MARTS[0].name)
    elif stage == "published":
        publish.publish = _pause_after(publish.publish, "published")
    elif stage:
        raise SystemExit(f"unknown CRASH_PAUSE_AT {stage!r}")
    if os.environ.get("CRASH_TRACE"):
        refresh.writer_lock = _traced_lock(refresh.writer_lock)
        for name in ("record_quarantine", "merge_cordis", "merge_vlaio_pages", "merge_vlaio_projects"):
            setattr(loads, name, _traced(getattr(loads, name)))
        publish.publish = _traced(publish.publish)


# --- one run ----------------------------------------------------------------------------------------------


def run_once() -> int:
    install_hooks()
    state = refresh.refresh_inventory(return_state=True)
    print(json.dumps({"type": state.type.value, "message": state.message}), flush=True)
    return 0 if state.is_completed() else 1


# --- the fork server --------------------------------------------------------------------------------------


def _child(request: dict[str, Any]) -> None:
    """In the forked child: take the request's output files and environment, run, and never return."""
    code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, name in ((1, request["stdout"]), (2, request["stderr"])):
            target = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(target, fd)
            os.close(target)
        os.environ.clear()
        os.environ.update(request["env"])
        code = run_once()
    except BaseException as exc:  # the child must never fall back into the server's loop
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve(control: Path) -> None:
    parent = os.getppid()
    gx_engine._context()  # importing GX and making its context: most of a cold start
    _write_atomically(control / "ready", str(os.getpid()))
    children: dict[int, str] = {}
    forked: set[str] = set()
    while os.getppid() == parent and not (control / "stop").exists():
        for path in sorted(control.glob("*.request")):
            if path.stem in forked:
                continue
            if threading.active_count() != 1:
                raise SystemExit(f"refusing to fork with threads running: {threading.enumerate()}")
            forked.add(path.stem)
            pid = os.fork()
            if pid == 0:
                _child(json.loads(path.read_text(encoding="utf-8")))
            children[pid] = path.stem
            _write_atomically(control / f"{path.stem}.pid", str(pid))
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            _write_atomically(control / f"{children.pop(pid)}.exit", str(os.waitstatus_to_exitcode(status)))
        time.sleep(POLL_S)
    for pid in children:  # runs the tests left behind (a test failed before it killed or awaited them)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--fork"]:
        serve(Path(sys.argv[2]))
    else:
        sys.exit(run_once())
