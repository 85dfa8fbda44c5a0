"""The SDK reference's shapes, mapped from Mistral's job without a server."""

from typing import Any

import attrs
import pytest

from mistral_batch import BatchError, BatchJob, BatchJobOut, BatchJobsOut, InputError
from mistral_batch._batch_out import STATUS_NAMES, JobsAfter, job_of, requested_hours

CREATED, STARTED, ENDED = 1_700_000_000, 1_700_000_060, 1_700_000_600


def job(**changes: Any) -> BatchJob:
    fields: dict[str, Any] = {
        "id": "job-1",
        "status": "RUNNING",
        "endpoint": "/v1/chat/completions",
        "input_files": ["file-a", "file-b"],
        "created_at": CREATED,
        "total_requests": 10,
        "completed_requests": 7,
        "succeeded_requests": 5,
        "failed_requests": 2,
        "started_at": STARTED,
        "metadata": {"description": "x"},
    }
    return BatchJob(**{**fields, **changes})


@pytest.mark.parametrize(
    ("mistral", "ours"),
    [
        ("QUEUED", "validating"),
        ("RUNNING", "in_progress"),
        ("SUCCESS", "completed"),
        ("FAILED", "failed"),
        ("TIMEOUT_EXCEEDED", "expired"),
        ("CANCELLATION_REQUESTED", "cancelling"),
        ("CANCELLED", "cancelled"),
        ("PAUSED_FOR_REVIEW", "paused_for_review"),  # unknown: lowercased, kept
    ],
)
def test_statuses(mistral: str, ours: str) -> None:
    assert BatchJobOut.from_job(job(status=mistral)).status == ours


def test_every_mistral_status_has_a_name() -> None:
    assert set(STATUS_NAMES) == {
        "QUEUED",
        "RUNNING",
        "SUCCESS",
        "FAILED",
        "TIMEOUT_EXCEEDED",
        "CANCELLATION_REQUESTED",
        "CANCELLED",
    }


def test_a_running_job_has_exactly_the_references_fields() -> None:
    out = BatchJobOut.from_job(job())
    reference = [
        "id",
        "object",
        "endpoint",
        "errors",
        "input_file_id",
        "completion_window",
        "status",
        "output_file_id",
        "error_file_id",
        "created_at",
        "in_progress_at",
        "expires_at",
        "finalizing_at",
        "completed_at",
        "failed_at",
        "expired_at",
        "cancelling_at",
        "cancelled_at",
        "request_counts",
        "metadata",
    ]
    assert [f.name for f in attrs.fields(BatchJobOut)] == [*reference, "job"]
    assert (out.id, out.object, out.endpoint) == ("job-1", "batch", "/v1/chat/completions")
    assert out.input_file_id == "file-a"
    assert out.completion_window == "24h"
    assert (out.created_at, out.in_progress_at) == (CREATED, STARTED)
    assert out.expires_at == CREATED + 24 * 3600
    assert out.completed_at is out.failed_at is out.expired_at is out.cancelled_at is None
    assert out.finalizing_at is out.cancelling_at is None
    assert out.errors is None
    assert out.metadata == {"description": "x"}
    counts = out.request_counts
    assert (counts.total, counts.completed, counts.failed) == (10, 5, 2)
    assert out.job == job()
    assert "job=" not in repr(out)


@pytest.mark.parametrize(
    ("status", "field"),
    [
        ("SUCCESS", "completed_at"),
        ("FAILED", "failed_at"),
        ("TIMEOUT_EXCEEDED", "expired_at"),
        ("CANCELLED", "cancelled_at"),
    ],
)
def test_the_end_goes_to_the_time_of_its_status(status: str, field: str) -> None:
    out = BatchJobOut.from_job(job(status=status, completed_at=ENDED))
    ends = {
        name: getattr(out, name)
        for name in ("completed_at", "failed_at", "expired_at", "cancelled_at")
    }
    assert ends == {name: ENDED if name == field else None for name in ends}


def test_result_files_and_inline_jobs() -> None:
    out = BatchJobOut.from_job(job(input_files=[], output_file="out-1", error_file="err-1"))
    assert out.input_file_id is None
    assert (out.output_file_id, out.error_file_id) == ("out-1", "err-1")


def test_the_window_asked_for_or_sent_or_the_default() -> None:
    assert BatchJobOut.from_job(job(), timeout_hours=48).completion_window == "48h"
    assert BatchJobOut.from_job(job(), timeout_hours=48).expires_at == CREATED + 48 * 3600
    sent = job(extra={"timeout_hours": 6})
    assert BatchJobOut.from_job(sent).completion_window == "6h"
    assert BatchJobOut.from_job(job(extra={"timeout_hours": "6"})).completion_window == "24h"
    assert requested_hours("2d", None) == 48
    assert requested_hours("2d", 5) == 5  # as create reads them: timeout_hours wins
    assert requested_hours(None, None) is None


def test_errors_from_mistrals_message_and_count() -> None:
    out = BatchJobOut.from_job(
        job(
            errors=[
                {"message": "Input line is not valid JSON", "count": 3},
                {"message": "later", "code": "E1", "param": "body", "line": 7},
                {"message": None, "count": "many"},
                # Fields of another type than Mistral's are dropped, not carried along.
                {"message": ["x"], "code": 42, "param": {"a": 1}},
            ]
        )
    )
    assert out.errors == [
        BatchError(message="Input line is not valid JSON", count=3),
        BatchError(code="E1", message="later", param="body", line=7),
        BatchError(),
        BatchError(),
    ]
    assert out.errors[0].code is out.errors[0].param is out.errors[0].line is None


def test_job_of_takes_either_shape() -> None:
    mistral = job()
    assert job_of(BatchJobOut.from_job(mistral)) is mistral
    assert job_of(mistral) is mistral
    assert job_of("job-9") == "job-9"


def listing(n: int) -> list[BatchJob]:
    return [job(id=f"j{i}") for i in range(n)]


def take(after: str | None, limit: int | None, jobs: list[BatchJob]) -> tuple[BatchJobsOut, int]:
    """The page, and how many jobs of the listing were read to make it."""
    page = JobsAfter(after=after, limit=limit)
    read = 0
    for item in jobs:
        read += 1
        if not page.take(item):
            break
    return page.page(), read


def test_a_page_from_the_start() -> None:
    page, read = take(None, 3, listing(10))
    assert [j.id for j in page] == ["j0", "j1", "j2"] and len(page) == 3
    assert (page.object, page.first_id, page.last_id, page.has_more) == ("list", "j0", "j2", True)
    assert read == 4  # one beyond the page tells that there is more
    assert all(isinstance(j, BatchJobOut) for j in page.data)


def test_pages_after_a_job_until_the_end() -> None:
    jobs = listing(7)
    seen: list[str] = []
    after = None
    while True:
        page, _ = take(after, 3, jobs)
        seen += [j.id for j in page]
        if not page.has_more:
            break
        after = page.last_id
    assert seen == [f"j{i}" for i in range(7)]
    assert take("j3", 3, jobs)[0].has_more is False


def test_without_a_limit_every_following_job() -> None:
    page, read = take("j1", None, listing(5))
    assert [j.id for j in page] == ["j2", "j3", "j4"]
    assert not page.has_more and read == 5


def test_after_an_unknown_or_the_last_job_the_page_is_empty() -> None:
    for after in ("nope", "j4"):
        page, _ = take(after, 2, listing(5))
        assert (page.data, page.first_id, page.last_id, page.has_more) == ([], None, None, False)


@pytest.mark.parametrize(
    ("after", "limit", "says"),
    [
        (None, 0, "limit must be an int >= 1, got 0"),
        (None, -2, "got -2"),
        (None, True, "got True"),
        (None, "5", "got '5'"),
        ("../x", None, "after '../x' contains '/'"),
        ("", None, "after is empty"),
    ],
)
def test_bad_limits_and_cursors(after: Any, limit: Any, says: str) -> None:
    with pytest.raises(InputError, match=says) as raised:
        JobsAfter(after=after, limit=limit)
    assert raised.value.field == ("limit" if limit is not None else "after")
