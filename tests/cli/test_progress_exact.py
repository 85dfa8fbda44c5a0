"""The exact bar a job or a run shows on a terminal: status, completion, counts, rate and
time left."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from cli_helpers import drawing_output

from mistral_batch import BatchJob, RunProgress
from mistral_batch.cli._output import Output
from mistral_batch.cli._progress import JobMonitor, RunMonitor

#: The bar's 40 cells, filled in proportion to the requests done.
BAR = 40


def bar(done: int, total: int) -> str:
    filled = BAR * done // total
    return "━" * filled + " " * (BAR - filled)


def on_a_terminal() -> tuple[Output, io.StringIO]:
    """An output that draws bars, to a plain console without colours; and what it drew."""
    return drawing_output(width=100, color_system=None, no_color=True)


def clock(*times: float) -> Callable[[], float]:
    ticks = iter(times)
    return lambda: next(ticks)


def job(status: str, done: int, total: int = 10, failed: int = 0) -> BatchJob:
    return BatchJob(
        id="job-a",
        status=status,
        endpoint="/v1/chat/completions",
        input_files=[],
        created_at=0,
        total_requests=total,
        completed_requests=done,
        succeeded_requests=done - failed,
        failed_requests=failed,
    )


def run_progress(done: int, total: int = 20, running: int = 1) -> RunProgress:
    return RunProgress(
        total_requests=total,
        completed_requests=done,
        succeeded_requests=done,
        failed_requests=0,
        jobs_running=running,
        jobs_done=0,
        elapsed=1.0,
        job=job("RUNNING", done, total),
    )


def test_a_running_job_shows_its_rate_and_the_time_left() -> None:
    out, drawn = on_a_terminal()
    monitor = JobMonitor(out, clock(0.0, 2.0))
    with monitor:
        monitor.update(job("RUNNING", 2))
        monitor.update(job("RUNNING", 6, failed=1))
    assert drawn.getvalue() == f"RUNNING  {bar(6, 10)} 5 ok, 1 failed, 6/10 2.0 req/s 2s left\n"


def test_before_a_rate_is_known_a_job_shows_no_time_left() -> None:
    out, drawn = on_a_terminal()
    monitor = JobMonitor(out, clock(0.0))
    with monitor:
        monitor.update(job("QUEUED", 0))
    assert drawn.getvalue() == f"QUEUED   {bar(0, 10)} 0 ok, 0 failed, 0/10   \n"


def test_a_finished_job_shows_its_rate_but_no_time_left() -> None:
    out, drawn = on_a_terminal()
    monitor = JobMonitor(out, clock(0.0, 4.0))
    with monitor:
        monitor.update(job("RUNNING", 2))
        monitor.update(job("SUCCESS", 10))
    assert drawn.getvalue() == f"SUCCESS  {bar(10, 10)} 10 ok, 0 failed, 10/10 2.0 req/s  \n"


def test_a_run_shows_its_running_jobs_completion_rate_and_time_left() -> None:
    out, drawn = on_a_terminal()
    monitor = RunMonitor(out, Path("in.jsonl"), clock(0.0, 2.0))
    with monitor:
        monitor.update(run_progress(0, running=2))
        monitor.update(run_progress(5, running=1))
    assert drawn.getvalue() == (
        f"1 job running {bar(5, 20)} 5 ok, 0 failed, 5/20 2.5 req/s 6s left\n"
    )


def test_a_run_counts_its_running_jobs_in_the_plural() -> None:
    out, drawn = on_a_terminal()
    monitor = RunMonitor(out, Path("in.jsonl"), clock(0.0))
    with monitor:
        monitor.update(run_progress(8, running=3))
    assert drawn.getvalue() == f"3 jobs running {bar(8, 20)} 8 ok, 0 failed, 8/20   \n"
