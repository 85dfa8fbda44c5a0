"""The API's operations as the resources send them, and the checks and arguments that the
sync and async resources share: one home for each, so that the twins only send.
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable, Mapping, Sequence

from . import _generated as gen
from ._create import CREATE_TOKEN_KEY
from ._generated import RequestArgs
from ._input import MAX_INPUT_BYTES
from ._status import result_file
from ._transport_base import Operation
from ._upload import UploadSource
from ._validation import validate_id, validate_metadata_filter, validate_purpose
from .errors import InputError
from .models import BatchJob, Deleted

# Retried like a safe call: a retry after a lost answer can leave a second copy of the
# file, which costs nothing, where giving up would lose the user's whole run.
UPLOAD_FILE = Operation("upload_file", bounded_attempt=False)
LIST_FILES = Operation("list_files")
RETRIEVE_FILE = Operation("retrieve_file")
DELETE_FILE = Operation("delete_file")
DOWNLOAD_FILE = Operation("download_file")
GET_SIGNED_URL = Operation("get_signed_url")
DOWNLOAD_SIGNED_URL = Operation("download_signed_url", secret_url=True)

CREATE_JOB = Operation("create_batch_job", idempotent=False)
FIND_CREATED_JOB = Operation("find_created_batch_job")
LIST_JOBS = Operation("list_batch_jobs")
GET_JOB = Operation("get_batch_job")
CANCEL_JOB = Operation("cancel_batch_job")
DELETE_JOB = Operation("delete_batch_job")

#: Called with the job each time wait() polls it.
OnProgress = Callable[[BatchJob], object]
#: Called with the job each time an async wait() polls it; what it returns is awaited if
#: that is awaitable (a coroutine function's), ignored otherwise.
AsyncOnProgress = Callable[[BatchJob], Awaitable[object] | object]


def file_id(value: str) -> str:
    """A file id fit to put in a URL; InputError otherwise."""
    return validate_id(value, "file_id")


def job_id(job: BatchJob | str) -> str:
    """The id of a job, given as one or as the job; InputError if it is not fit for a URL."""
    return validate_id(job.id if isinstance(job, BatchJob) else job, "job_id")


def file_gone(checked: str) -> Callable[[], Deleted]:
    """The answer for a deletion whose earlier, lost, attempt did its work."""
    return lambda: Deleted(id=checked, deleted=True, object="file")


def job_gone(checked: str) -> Callable[[], Deleted]:
    """The answer for a job deletion whose earlier, lost, attempt did its work."""
    return lambda: Deleted(id=checked, deleted=True, object="batch")


def upload_args(
    source: UploadSource, purpose: str | None, visibility: str | None, expiry: int | None
) -> tuple[RequestArgs, list[tuple[str, bytes]]]:
    """The upload's request and its form fields other than the file; InputError first if
    the file is too large or a field is wrong."""
    if source.size is not None and source.size > MAX_INPUT_BYTES:
        raise InputError(
            f"{source.name} is {source.size} bytes; the limit is {MAX_INPUT_BYTES} (512 MB)",
            field="file",
        )
    if purpose is not None:
        validate_purpose(purpose)
    if visibility is not None and visibility not in gen.visibilities():
        raise InputError(f"visibility must be workspace or user, got {visibility!r}")
    if expiry is not None and (
        not isinstance(expiry, int) or isinstance(expiry, bool) or expiry < 1
    ):
        raise InputError(f"expiry must be a positive number of hours, got {expiry!r}")
    return gen.upload_file(
        file_name=source.name, purpose=purpose, visibility=visibility, expiry=expiry
    )


def job_filters(
    *,
    status: Sequence[str] | str | None,
    metadata: Mapping[str, str] | None,
    model: str | None,
    agent_id: str | None,
    created_after: datetime.datetime | None,
    created_by_me: bool,
    order_by: str,
) -> gen.JobFilters:
    """The filters of a job listing, checked, as gen.list_batch_jobs takes them."""
    return {
        "status": [status] if isinstance(status, str) else status,
        "metadata": None if metadata is None else validate_metadata_filter(metadata),
        "model": model,
        "agent_id": agent_id,
        "created_after": created_after,
        "created_by_me": created_by_me,
        "order_by": order_by,
    }


def find_created_args(token: str, since: datetime.datetime) -> RequestArgs:
    """The request for the newest jobs carrying a create's token in their metadata."""
    return gen.list_batch_jobs(
        page=0,
        page_size=10,
        **job_filters(
            status=None,
            metadata={CREATE_TOKEN_KEY: token},
            model=None,
            agent_id=None,
            created_after=since,
            created_by_me=False,
            order_by="-created",
        ),
    )


def created_match(jobs: Sequence[BatchJob], token: str) -> BatchJob | None:
    """The job among `jobs` that a create with `token` made, if any."""
    matches = [j for j in jobs if (j.metadata or {}).get(CREATE_TOKEN_KEY) == token]
    return matches[0] if matches else None


def result_file_id(job: BatchJob, which: str) -> str | None:
    """The id of a job's output_file or error_file (None: the job made none).

    Decided by the files the job names, so that a status newer than this client does
    not stop a finished job's results from being read.
    """
    return result_file(
        job_id=job.id,
        status=job.status,
        output_file=job.output_file,
        error_file=job.error_file,
        which=which,
    )
