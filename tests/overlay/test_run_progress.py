"""A run's progress summed up across its parts, models and rounds."""

from __future__ import annotations

from mistral_batch import BatchJob, RunProgress


def job(status: str, succeeded: int, failed: int, total: int) -> BatchJob:
    return BatchJob(
        id=f"job-{status}-{succeeded}-{failed}",
        status=status,
        endpoint="/v1/chat/completions",
        input_files=[],
        created_at=0,
        total_requests=total,
        completed_requests=succeeded + failed,
        succeeded_requests=succeeded,
        failed_requests=failed,
    )


def test_requests_count_once_however_often_they_were_sent() -> None:
    seen = {
        (0, "a"): job("SUCCESS", 7, 3, 10),  # round 0
        (1, "a"): job("RUNNING", 2, 1, 10),  # round 0, under way
        (2, "a"): job("SUCCESS", 2, 1, 3),  # round 1: the 3 that failed in part 0
    }
    progress = RunProgress.of(seen, {0, 1}, 40, elapsed=10.0, job=seen[(2, "a")])
    assert progress.total_requests == 40
    assert progress.completed_requests == 13  # answered at least once, in round 0
    assert progress.succeeded_requests == 11  # successes are never sent again
    assert progress.failed_requests == 2
    assert (progress.jobs_running, progress.jobs_done) == (1, 2)
    assert progress.remaining == 10.0 * 27 / 13


def test_before_any_answer_the_time_left_is_unknown() -> None:
    seen = {(0, "a"): job("QUEUED", 0, 0, 10)}
    progress = RunProgress.of(seen, {0}, 10, elapsed=3.0, job=seen[(0, "a")])
    assert progress.completed_requests == 0
    assert progress.remaining is None
