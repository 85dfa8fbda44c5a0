"""What a result stream checks: how many lines a job's result file should hold. Pure."""

from __future__ import annotations

from .errors import IncompleteDownloadError
from .models import BatchJob


def expected_results(job: BatchJob, which: str) -> int:
    """How many lines the job's `which` file ("output_file" or "error_file") should hold,
    by the job's own counters."""
    return job.succeeded_requests if which == "output_file" else job.failed_requests


def check_result_count(lines: int, expected: int | None) -> None:
    """Raise IncompleteDownloadError when a result file held fewer lines than the job
    counts: a file cut at a line's end decodes cleanly, and only the count tells."""
    if expected is not None and lines < expected:
        raise IncompleteDownloadError(
            f"the result file holds {lines} results where the job counts {expected}",
            expected=expected,
            received=lines,
        )
