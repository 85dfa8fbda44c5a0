"""The batch jobs resource: create, get, list, cancel, delete, wait, and read results."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import _generated as gen
from ._backoff import Backoff
from ._create import CREATE_TOKEN_KEY, CreateArgs, CreatePlan
from ._deadline import poll_deadline, scope
from ._http import Operation, SyncTransport
from ._jsonl import MAX_LINE_BYTES
from ._pagination import Page, SyncPaginator
from ._parse import batch_job as _job
from ._parse import job_deleted as _deleted
from ._parse import job_page as _page
from ._polling import (
    StatusAction,
    UnknownStatusPolicy,
    WaitPlan,
    is_transient,
    timeout_message,
)
from ._results_io import ResultStream, expected_results
from ._status import result_file
from ._validation import (
    validate_id,
    validate_metadata_filter,
    validate_page_size,
)
from .errors import (
    APIConnectionError,
    NotFoundError,
    ServerError,
    UnexpectedStatusError,
    WaitTimeoutError,
)
from .files import Files
from .models import BatchJob, Deleted

CREATE = Operation("create_batch_job", idempotent=False)
LOOKUP = Operation("find_created_batch_job")
LIST = Operation("list_batch_jobs")
GET = Operation("get_batch_job")
CANCEL = Operation("cancel_batch_job")
DELETE = Operation("delete_batch_job")

#: Called with the job each time wait() polls it.
OnProgress = Callable[[BatchJob], None]


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


def _job_id(job: BatchJob | str) -> str:
    return validate_id(job.id if isinstance(job, BatchJob) else job, "job_id")


def _list_kwargs(
    page: int,
    page_size: int,
    *,
    status: Sequence[str] | str | None,
    metadata: Mapping[str, str] | None,
    model: str | None,
    agent_id: str | None,
    created_after: datetime.datetime | None,
    created_by_me: bool,
    order_by: str,
) -> dict[str, Any]:
    statuses = [status] if isinstance(status, str) else status
    return gen.list_batch_jobs(
        page=page,
        page_size=page_size,
        model=model,
        agent_id=agent_id,
        metadata=metadata,
        created_after=created_after,
        created_by_me=created_by_me,
        status=statuses,
        order_by=order_by,
    )


class Jobs:
    """Batch jobs in the workspace: `client.batch.jobs`."""

    def __init__(self, transport: SyncTransport, files: Files) -> None:
        self._t = transport
        self._files = files

    def create(
        self,
        *,
        input_files: Sequence[str] | None = None,
        requests: Sequence[Mapping[str, Any]] | None = None,
        endpoint: str = "/v1/chat/completions",
        model: str | None = None,
        agent_id: str | None = None,
        metadata: Mapping[str, str] | None = None,
        timeout_hours: int | None = None,
        completion_window: str | int | None = None,
        dedupe: bool = True,
    ) -> BatchJob:
        """Queue a job over uploaded input files or inline requests; checked locally first.

        Creating is never repeated blindly: the job carries a token in its metadata
        (``mistral_batch_token``) and, when an attempt's answer is lost, the job list is
        searched for that token before sending again. ``dedupe=False`` sends once only.
        """
        args = CreateArgs.build(
            input_files=input_files,
            requests=requests,
            endpoint=endpoint,
            model=model,
            agent_id=agent_id,
            metadata=metadata,
            timeout_hours=timeout_hours,
            completion_window=completion_window,
            dedupe=dedupe,
        )
        kwargs = gen.create_batch_job(args.body)
        started = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
        plan = CreatePlan(token=args.token, policy=self._t.config.retry)
        while True:
            try:
                return self._t.call(CREATE, lambda: self._t.build(self._t.client, kwargs), _job)
            except (APIConnectionError, ServerError) as exc:
                step = plan.after_failure(exc)
                for wait in step.lookups:
                    self._t.sleep(wait)
                    found = self._find_created(step.token, started)
                    if found is not None:
                        return found
                if step.resend_after is None:
                    raise
                self._t.log_retry(CREATE, plan.attempt, exc, step.resend_after)
                self._t.sleep(step.resend_after)

    def _find_created(self, token: str, since: datetime.datetime) -> BatchJob | None:
        kwargs = _list_kwargs(
            0,
            10,
            status=None,
            metadata={CREATE_TOKEN_KEY: token},
            model=None,
            agent_id=None,
            created_after=since,
            created_by_me=False,
            order_by="-created",
        )
        page = self._t.call(LOOKUP, lambda: self._t.build(self._t.client, kwargs), _page(0))
        matches = [j for j in page.items if (j.metadata or {}).get(CREATE_TOKEN_KEY) == token]
        return matches[0] if matches else None

    def get(self, job_id: BatchJob | str, *, inline: bool | None = None) -> BatchJob:
        """The job as it is now (`inline=True` adds the outputs of an inline job)."""
        kwargs = gen.get_batch_job(_job_id(job_id), inline=inline)
        return self._t.call(GET, lambda: self._t.build(self._t.client, kwargs), _job)

    def list(
        self,
        *,
        status: Sequence[str] | str | None = None,
        metadata: Mapping[str, str] | None = None,
        model: str | None = None,
        agent_id: str | None = None,
        created_after: datetime.datetime | None = None,
        created_by_me: bool = False,
        order_by: str = "-created",
        page_size: int = 100,
        page: int = 0,
    ) -> SyncPaginator[BatchJob]:
        """Every matching job from page `page` (0, the first) on, fetched as you iterate.

        ``.pages()`` gives the pages as the server sent them.
        """
        size = validate_page_size(page_size)
        meta = None if metadata is None else validate_metadata_filter(metadata)

        def fetch(page: int, page_size: int) -> Page[BatchJob]:
            kwargs = _list_kwargs(
                page,
                page_size,
                status=status,
                metadata=meta,
                model=model,
                agent_id=agent_id,
                created_after=created_after,
                created_by_me=created_by_me,
                order_by=order_by,
            )
            return self._t.call(LIST, lambda: self._t.build(self._t.client, kwargs), _page(page))

        return SyncPaginator(fetch, page_size=size, first_page=page)

    def cancel(self, job_id: BatchJob | str) -> BatchJob:
        """Ask the job to stop; it goes to CANCELLATION_REQUESTED, then CANCELLED."""
        kwargs = gen.cancel_batch_job(_job_id(job_id))
        return self._t.call(CANCEL, lambda: self._t.build(self._t.client, kwargs), _job)

    def delete(self, job_id: BatchJob | str) -> Deleted:
        """Delete a finished job."""
        checked = _job_id(job_id)
        kwargs = gen.delete_batch_job(checked)
        return self._t.call(
            DELETE,
            lambda: self._t.build(self._t.client, kwargs),
            _deleted,
            gone=lambda: Deleted(id=checked, deleted=True, object="batch"),
        )

    def wait(
        self,
        job: BatchJob | str,
        *,
        timeout: float | None = None,
        on_progress: OnProgress | None = None,
        backoff: Backoff | None = None,
        unknown_status: UnknownStatusPolicy | str = UnknownStatusPolicy.WAIT,
        created_at: float | None = None,
    ) -> BatchJob:
        """Poll until the job is SUCCESS, FAILED, TIMEOUT_EXCEEDED or CANCELLED; return it.

        Polls with capped exponential backoff and jitter. Raises WaitTimeoutError,
        carrying the last job seen, after `timeout` seconds. A 404 within seconds of
        creating the job is waited out, and so is an outage of the API (no answer, 408,
        429, 5xx) until the deadline, with a warning. A status this version does not know is waited
        on by default (``unknown_status="return"`` returns it, ``"raise"`` raises).
        """
        job_id = _job_id(job)
        if created_at is None and isinstance(job, BatchJob):
            created_at = time.monotonic() - max(0.0, time.time() - job.created_at)
        plan = WaitPlan.start(
            now=time.monotonic(),
            timeout=timeout,
            backoff=backoff,
            unknown=unknown_status,
            created_at=created_at,
        )
        last: BatchJob | None = job if isinstance(job, BatchJob) else None
        while True:
            failed: Exception | None = None
            try:
                # The wait's deadline holds during the call too, however slow the server.
                with scope(poll_deadline(plan.deadline.at, timeout)):
                    last = self.get(job_id)
            except NotFoundError:
                if not plan.tolerate_not_found(time.monotonic()):
                    raise
            except Exception as exc:  # an outage of the API is waited out; others end it
                if not is_transient(exc):
                    raise
                failed = exc
            else:
                plan.on_answer(time.monotonic())
                if on_progress is not None:
                    on_progress(last)
                action = plan.on_status(last.status)
                if action is StatusAction.RAISE:
                    raise UnexpectedStatusError(
                        f"job {job_id} has unknown status {last.status!r}",
                        status=last.status,
                        job=last,
                    )
                if action is not StatusAction.POLL:
                    return last
            delay = plan.pause(time.monotonic(), failed)
            if delay is None:
                status = last.status if last else None
                message = timeout_message(job_id, status, timeout, failed)
                raise WaitTimeoutError(message, job=last) from failed
            time.sleep(delay)

    def results(self, job: BatchJob | str, *, max_line_bytes: int = MAX_LINE_BYTES) -> ResultStream:
        """The job's successful results, decoded lazily line by line (a context manager)."""
        return self._result_file(job, "output_file", max_line_bytes)

    def errors(self, job: BatchJob | str, *, max_line_bytes: int = MAX_LINE_BYTES) -> ResultStream:
        """The job's failed requests, decoded lazily line by line (a context manager)."""
        return self._result_file(job, "error_file", max_line_bytes)

    def _result_file(self, job: BatchJob | str, which: str, max_line_bytes: int) -> ResultStream:
        current = job if isinstance(job, BatchJob) else self.get(job)
        file_id = result_file_id(current, which)
        if file_id is None:
            return ResultStream.empty()
        download = self._files.download(file_id)
        return ResultStream(
            download, expected=expected_results(current, which), max_line_bytes=max_line_bytes
        )
