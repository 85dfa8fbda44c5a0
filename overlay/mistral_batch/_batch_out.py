"""What `client.batch.create/get/list/cancel` hand back: a Mistral job in the shape of the
SDK reference's `BatchJobOut` and `BatchJobsOut`. `client.batch.jobs.*` keeps Mistral's.

Pure functions of a BatchJob, shared by the sync and async clients. The status and the
times map as follows (Mistral's ``completed_at`` is the time a job ended, however it
ended; a status this version does not know passes through lowercased):

=========================  ==============  ====================================
Mistral's status           ``status``      set from Mistral's times
=========================  ==============  ====================================
QUEUED                     validating      ``created_at``, ``expires_at``
RUNNING                    in_progress     ``in_progress_at`` = ``started_at``
CANCELLATION_REQUESTED     cancelling      (``cancelling_at`` stays None)
SUCCESS                    completed       ``completed_at`` = ``completed_at``
FAILED                     failed          ``failed_at`` = ``completed_at``
TIMEOUT_EXCEEDED           expired         ``expired_at`` = ``completed_at``
CANCELLED                  cancelled       ``cancelled_at`` = ``completed_at``
=========================  ==============  ====================================

``expires_at`` is ``created_at`` plus the job's timeout; ``finalizing_at`` and
``cancelling_at`` have no counterpart in Mistral's job and are always None.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from ._validation import parse_completion_window, validate_id
from .errors import InputError
from .models import BatchJob

__all__ = [
    "STATUS_NAMES",
    "BatchError",
    "BatchJobOut",
    "BatchJobRequestCounts",
    "BatchJobsOut",
    "JobsAfter",
    "job_of",
    "requested_hours",
    "status_name",
]

#: Mistral's statuses and the lowercase names the reference's readers test for.
STATUS_NAMES: Mapping[str, str] = {
    "QUEUED": "validating",
    "RUNNING": "in_progress",
    "SUCCESS": "completed",
    "FAILED": "failed",
    "TIMEOUT_EXCEEDED": "expired",
    "CANCELLATION_REQUESTED": "cancelling",
    "CANCELLED": "cancelled",
}

#: Which time of the reference's shape takes Mistral's `completed_at`, by final status.
_ENDED_AT: Mapping[str, str] = {
    "SUCCESS": "completed_at",
    "FAILED": "failed_at",
    "TIMEOUT_EXCEEDED": "expired_at",
    "CANCELLED": "cancelled_at",
}

#: Mistral's default `timeout_hours`; its job answers do not say which timeout was asked.
DEFAULT_TIMEOUT_HOURS = 24


def status_name(status: str) -> str:
    """The reference's lowercase name for a Mistral status (unknown ones lowercased)."""
    return STATUS_NAMES.get(status, status.lower())


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def requested_hours(completion_window: str | int | None, timeout_hours: int | None) -> int | None:
    """The timeout a create asked for, as `create` itself reads its arguments."""
    if timeout_hours is not None:
        return timeout_hours
    if completion_window is None:
        return None
    return parse_completion_window(completion_window)


@attrs.frozen
class BatchJobRequestCounts:
    """A job's requests: all of them, those that succeeded, and those that failed."""

    total: int
    completed: int
    failed: int


@attrs.frozen
class BatchError:
    """One kind of failure in a job; Mistral gives its `message` and how many had it."""

    code: str | None = None
    message: str | None = None
    param: str | None = None
    line: int | None = None
    count: int = 1

    @classmethod
    def from_mistral(cls, entry: Mapping[str, Any]) -> BatchError:
        """Build from an entry of a Mistral job's `errors` (`message` and `count`)."""
        count = _int(entry.get("count"))
        return cls(
            code=_str(entry.get("code")),
            message=_str(entry.get("message")),
            param=_str(entry.get("param")),
            line=_int(entry.get("line")),
            count=1 if count is None else count,
        )


@attrs.frozen
class BatchJobOut:
    """A batch job in the SDK reference's shape; `.job` is the Mistral job it came from.

    `status` is lowercase (`completed`, `in_progress`...); `request_counts.completed`
    counts the requests that succeeded, so that completed + failed is what has run.
    """

    id: str
    object: str
    endpoint: str
    errors: list[BatchError] | None
    input_file_id: str | None
    completion_window: str
    status: str
    output_file_id: str | None
    error_file_id: str | None
    created_at: int
    in_progress_at: int | None
    expires_at: int
    finalizing_at: int | None
    completed_at: int | None
    failed_at: int | None
    expired_at: int | None
    cancelling_at: int | None
    cancelled_at: int | None
    request_counts: BatchJobRequestCounts
    metadata: dict[str, Any] | None
    job: BatchJob = attrs.field(repr=False)

    @classmethod
    def from_job(cls, job: BatchJob, timeout_hours: int | None = None) -> BatchJobOut:
        """Map a Mistral job; `timeout_hours` is the one asked for, when known.

        Without it, a `timeout_hours` the server sends is used, else Mistral's default.
        """
        hours = timeout_hours or _int(job.extra.get("timeout_hours")) or DEFAULT_TIMEOUT_HOURS
        ended = dict.fromkeys(_ENDED_AT.values())
        field = _ENDED_AT.get(job.status)
        if field is not None:
            ended[field] = job.completed_at
        return cls(
            id=job.id,
            object="batch",
            endpoint=job.endpoint,
            errors=[BatchError.from_mistral(e) for e in job.errors] or None,
            input_file_id=job.input_files[0] if job.input_files else None,
            completion_window=f"{hours}h",
            status=status_name(job.status),
            output_file_id=job.output_file,
            error_file_id=job.error_file,
            created_at=job.created_at,
            in_progress_at=job.started_at,
            expires_at=job.created_at + hours * 3600,
            finalizing_at=None,
            completed_at=ended["completed_at"],
            failed_at=ended["failed_at"],
            expired_at=ended["expired_at"],
            cancelling_at=None,
            cancelled_at=ended["cancelled_at"],
            request_counts=BatchJobRequestCounts(
                total=job.total_requests,
                completed=job.succeeded_requests,
                failed=job.failed_requests,
            ),
            metadata=job.metadata,
            job=job,
        )


@attrs.frozen
class BatchJobsOut:
    """A page of jobs in the SDK reference's shape; iterate it for its `data`.

    `first_id` and `last_id` are the ids of its first and last job; pass `last_id` as
    `after` for the next page while `has_more`.
    """

    object: str
    data: list[BatchJobOut]
    first_id: str | None
    last_id: str | None
    has_more: bool

    def __iter__(self) -> Iterator[BatchJobOut]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


def job_of(batch: BatchJobOut | BatchJob | str) -> BatchJob | str:
    """What the jobs resource takes for a job given in either shape."""
    return batch.job if isinstance(batch, BatchJobOut) else batch


@attrs.define
class JobsAfter:
    """The page of `limit` jobs that follow the job `after` in a listing, found by feeding
    the listing's jobs in order to `take` until it answers False. Shared by sync and async.

    Without `after` the page starts at the listing's first job; with `after` unknown the
    page is empty. `has_more` is known once one job beyond the page has been seen.
    """

    after: str | None
    limit: int | None
    _found: bool = attrs.field(init=False)
    _jobs: list[BatchJob] = attrs.field(init=False, factory=list)
    _has_more: bool = attrs.field(init=False, default=False)

    def __attrs_post_init__(self) -> None:
        if self.limit is not None and (
            isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 1
        ):
            raise InputError(f"limit must be an int >= 1, got {self.limit!r}", field="limit")
        if self.after is not None:
            validate_id(self.after, "after")
        self._found = self.after is None

    def take(self, job: BatchJob) -> bool:
        """Consider the listing's next job; False once the page is complete."""
        if not self._found:
            self._found = job.id == self.after
            return True
        if self.limit is not None and len(self._jobs) >= self.limit:
            self._has_more = True
            return False
        self._jobs.append(job)
        return True

    def page(self) -> BatchJobsOut:
        """The page taken so far."""
        data = [BatchJobOut.from_job(job) for job in self._jobs]
        return BatchJobsOut(
            object="list",
            data=data,
            first_id=data[0].id if data else None,
            last_id=data[-1].id if data else None,
            has_more=self._has_more,
        )
