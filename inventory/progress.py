"""A progress display for the CLI when it runs in a terminal: a bar that advances as the flow's tasks finish
and shows the latest progress message (dump batches, crawl counts). Off when the output is not a terminal
(cron, CI, pipes): then Prefect's log lines are the record."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

# The tasks one refresh runs when every source is read and the marts are published (a few fewer on an
# unchanged night): the bar's length. The bar is a guide, not a promise.
EXPECTED_TASKS = 24


class _TaskLogHandler(logging.Handler):
    def __init__(self, progress: Progress, task_id: int) -> None:
        super().__init__(level=logging.INFO)
        self.progress, self.task_id = progress, task_id

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        name = getattr(record, "task_run_name", None) or record.name.rsplit(".", 1)[-1]
        if message.startswith("Finished in state"):
            self.progress.advance(self.task_id)
        else:
            self.progress.update(self.task_id, description=f"{name}: {message[:90]}")


@contextmanager
def flow_progress(enabled: bool | None = None) -> Iterator[None]:
    """Show a progress bar for the flow run inside the block when ``enabled`` (default: stdout is a TTY)."""
    if not (sys.stdout.isatty() if enabled is None else enabled):
        yield
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as progress:
        task_id = progress.add_task("starting the refresh", total=EXPECTED_TASKS)
        handler = _TaskLogHandler(progress, task_id)
        loggers = [logging.getLogger("prefect.task_runs"), logging.getLogger("prefect.flow_runs")]
        for logger in loggers:
            logger.addHandler(handler)
        try:
            yield
        finally:
            for logger in loggers:
                logger.removeHandler(handler)
