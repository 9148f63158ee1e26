"""The CLI's progress bar: it advances as tasks finish and shows their progress messages (constructed log
records of the shape Prefect emits), and it is off when the output is not a terminal."""

from __future__ import annotations

import logging

from inventory.progress import flow_progress


def _emit(message: str) -> None:
    logging.getLogger("prefect.task_runs").info(message, extra={"task_run_name": "stage_cordis_dump-1"})


def test_the_bar_advances_on_finished_tasks_and_shows_messages(capsys) -> None:
    import inventory.progress as progress_module

    seen: list[tuple[str, object]] = []
    real = progress_module._TaskLogHandler.emit

    def spy(self, record):
        real(self, record)
        task = self.progress.tasks[0]
        seen.append((task.description, task.completed))

    progress_module._TaskLogHandler.emit = spy
    try:
        with flow_progress(enabled=True):
            logging.getLogger("prefect.task_runs").setLevel(logging.INFO)
            _emit("cordis-h2020projects-json.zip: batch 1, 2000 records read in 3 s")
            _emit("Finished in state Completed()")
    finally:
        progress_module._TaskLogHandler.emit = real
    assert seen[0] == (
        "stage_cordis_dump-1: cordis-h2020projects-json.zip: batch 1, 2000 records read in 3 s",
        0,
    )
    assert seen[1][1] == 1


def test_no_bar_when_the_output_is_not_a_terminal() -> None:
    before = list(logging.getLogger("prefect.task_runs").handlers)
    with flow_progress():  # pytest captures stdout: not a TTY
        assert logging.getLogger("prefect.task_runs").handlers == before
