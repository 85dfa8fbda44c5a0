"""What a job's result files should hold, by the job's own counters: its successes in the
output file, its failures in the error file."""

from __future__ import annotations

from mistral_batch import BatchJob
from mistral_batch._results_io import expected_results


def job(succeeded: int, failed: int) -> BatchJob:
    return BatchJob(
        id="job-1",
        status="SUCCESS",
        endpoint="/v1/chat/completions",
        input_files=["file-1"],
        created_at=1,
        total_requests=succeeded + failed,
        completed_requests=succeeded + failed,
        succeeded_requests=succeeded,
        failed_requests=failed,
        output_file="file-out",
        error_file="file-err",
    )


def test_the_output_file_holds_the_successes_and_the_error_file_the_failures() -> None:
    assert expected_results(job(5, 2), "output_file") == 5
    assert expected_results(job(5, 2), "error_file") == 2
    assert expected_results(job(0, 3), "error_file") == 3
    assert expected_results(job(0, 3), "output_file") == 0
