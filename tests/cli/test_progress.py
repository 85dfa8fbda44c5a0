"""The progress `run` shows: the rate and time left, and a line per job status change."""

from __future__ import annotations

from pathlib import Path

import pytest

from mistral_batch import BatchJob, RunProgress
from mistral_batch.cli._output import Output
from mistral_batch.cli._progress import RateEstimate, RunMonitor


def test_rate_and_time_left() -> None:
    rate = RateEstimate()
    assert rate.rate is None
    rate.add(10.0, 5)
    assert rate.rate is None  # one sample measures nothing
    rate.add(14.0, 25)
    assert rate.rate == 5.0
    assert rate.seconds_left(total=50) == 5.0


def job(job_id: str, status: str, done: int) -> BatchJob:
    return BatchJob(
        id=job_id,
        status=status,
        endpoint="/v1/chat/completions",
        input_files=[],
        created_at=0,
        total_requests=10,
        completed_requests=done,
        succeeded_requests=done,
        failed_requests=0,
    )


def progress(seen: BatchJob | None, completed: int) -> RunProgress:
    return RunProgress(
        total_requests=20,
        completed_requests=completed,
        succeeded_requests=completed,
        failed_requests=0,
        jobs_running=1,
        jobs_done=0,
        elapsed=1.0,
        job=seen,
    )


def test_without_a_terminal_the_plan_and_each_jobs_status_changes_are_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    monitor = RunMonitor(Output(progress=False), Path("in.jsonl"))
    with monitor:
        monitor.update(progress(None, 0))
        monitor.update(progress(job("a", "QUEUED", 0), 0))
        monitor.update(progress(job("b", "QUEUED", 0), 0))
        monitor.update(progress(job("a", "QUEUED", 0), 0))  # no change: no line
        monitor.update(progress(job("a", "RUNNING", 4), 4))
        monitor.update(progress(job("a", "SUCCESS", 10), 10))
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "in.jsonl: 20 requests to answer, valid",
        "job a: QUEUED (0/10)",
        "job b: QUEUED (0/10)",
        "job a: RUNNING (4/10)",
        "job a: SUCCESS (10/10)",
    ]
    assert {job_id: seen.status for job_id, seen in monitor.jobs.items()} == {
        "a": "SUCCESS",
        "b": "QUEUED",
    }
