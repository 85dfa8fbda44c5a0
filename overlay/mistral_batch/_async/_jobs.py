"""The batch jobs resource: create, get, list, cancel, delete, wait, and read results."""

from __future__ import annotations

import asyncio
import datetime
import inspect  # unasync: async-only
import time
from collections.abc import Mapping, Sequence
from typing import Any

from .. import _generated as gen
from .._backoff import Backoff
from .._create import CreateArgs, CreatePlan
from .._deadline import poll_deadline, scope
from .._jsonl import MAX_LINE_BYTES
from .._operations import (
    CANCEL_JOB,
    CREATE_JOB,
    DELETE_JOB,
    FIND_CREATED_JOB,
    GET_JOB,
    LIST_JOBS,
    AsyncOnProgress,
    created_match,
    find_created_args,
    job_filters,
    job_gone,
    result_file_id,
)
from .._operations import job_id as checked_job_id
from .._pagination import Page
from .._parse import batch_job, job_deleted, job_page
from .._polling import StatusAction, UnknownStatusPolicy, WaitPlan, is_transient, timeout_message
from .._results_io import expected_results
from .._validation import validate_page_size
from ..errors import (
    APIConnectionError,
    NotFoundError,
    ServerError,
    UnexpectedStatusError,
    WaitTimeoutError,
)
from ..models import BatchJob, Deleted
from ._files import AsyncFiles
from ._paginator import AsyncPaginator
from ._results import AsyncResultStream
from ._transport import AsyncTransport

__all__ = ["AsyncJobs"]


class AsyncJobs:
    """Batch jobs in the workspace: `client.batch.jobs`."""

    def __init__(self, transport: AsyncTransport, files: AsyncFiles) -> None:
        self._t = transport
        self._files = files

    async def create(
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
        request = gen.create_batch_job(args.body)
        started = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
        plan = CreatePlan(token=args.token, policy=self._t.config.retry)
        while True:
            try:
                return await self._t.call(CREATE_JOB, request, batch_job)
            except (APIConnectionError, ServerError) as exc:
                step = plan.after_failure(exc)
                for wait in step.lookups:
                    await self._t.sleep(wait)
                    found = await self._find_created(step.token, started)
                    if found is not None:
                        return found
                if step.resend_after is None:
                    raise
                self._t.log_retry(CREATE_JOB, plan.attempt, exc, step.resend_after)
                await self._t.sleep(step.resend_after)

    async def _find_created(self, token: str, since: datetime.datetime) -> BatchJob | None:
        page = await self._t.call(FIND_CREATED_JOB, find_created_args(token, since), job_page(0))
        return created_match(page.items, token)

    async def get(self, job_id: BatchJob | str, *, inline: bool | None = None) -> BatchJob:
        """The job as it is now (`inline=True` adds the outputs of an inline job)."""
        args = gen.get_batch_job(checked_job_id(job_id), inline=inline)
        return await self._t.call(GET_JOB, args, batch_job)

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
    ) -> AsyncPaginator[BatchJob]:
        """Every matching job from page `page` (0, the first) on, fetched as you iterate.

        ``.pages()`` gives the pages as the server sent them.
        """
        size = validate_page_size(page_size)
        filters = job_filters(
            status=status,
            metadata=metadata,
            model=model,
            agent_id=agent_id,
            created_after=created_after,
            created_by_me=created_by_me,
            order_by=order_by,
        )

        async def fetch(page: int, page_size: int) -> Page[BatchJob]:
            args = gen.list_batch_jobs(page=page, page_size=page_size, **filters)
            return await self._t.call(LIST_JOBS, args, job_page(page))

        return AsyncPaginator(fetch, page_size=size, first_page=page)

    async def cancel(self, job_id: BatchJob | str) -> BatchJob:
        """Ask the job to stop; it goes to CANCELLATION_REQUESTED, then CANCELLED."""
        args = gen.cancel_batch_job(checked_job_id(job_id))
        return await self._t.call(CANCEL_JOB, args, batch_job)

    async def delete(self, job_id: BatchJob | str) -> Deleted:
        """Delete a finished job."""
        checked = checked_job_id(job_id)
        args = gen.delete_batch_job(checked)
        return await self._t.call(DELETE_JOB, args, job_deleted, gone=job_gone(checked))

    async def wait(
        self,
        job: BatchJob | str,
        *,
        timeout: float | None = None,
        on_progress: AsyncOnProgress | None = None,
        backoff: Backoff | None = None,
        unknown_status: UnknownStatusPolicy | str = UnknownStatusPolicy.WAIT,
        created_at: float | None = None,
    ) -> BatchJob:
        """Poll until the job is SUCCESS, FAILED, TIMEOUT_EXCEEDED or CANCELLED; return it.

        Polls with capped exponential backoff and jitter. Raises WaitTimeoutError,
        carrying the last job seen, after `timeout` seconds. A 404 within seconds of
        creating the job is waited out, and so is an outage of the API (no answer, 408,
        429, 5xx) until the deadline, with a warning. A status this version does not
        know is waited on by default (``unknown_status="return"`` returns it, ``"raise"``
        raises). `on_progress` is called with the job at each poll (the asyncio client
        awaits it when it is a coroutine function).
        """
        checked = checked_job_id(job)
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
                    last = await self.get(checked)
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
                    outcome = on_progress(last)  # unasync: async-only
                    # A plain function's value is ignored.  # unasync: async-only
                    if inspect.isawaitable(outcome):  # unasync: async-only
                        await outcome  # unasync: async-only
                    # unasync: sync-only on_progress(last)
                action = plan.on_status(last.status)
                if action is StatusAction.RAISE:
                    raise UnexpectedStatusError(
                        f"job {checked} has unknown status {last.status!r}",
                        status=last.status,
                        job=last,
                    )
                if action is not StatusAction.POLL:
                    return last
            delay = plan.pause(time.monotonic(), failed)
            if delay is None:
                status = last.status if last else None
                message = timeout_message(checked, status, timeout, failed)
                raise WaitTimeoutError(message, job=last) from failed
            await asyncio.sleep(delay)

    async def results(
        self, job: BatchJob | str, *, max_line_bytes: int = MAX_LINE_BYTES
    ) -> AsyncResultStream:
        """The job's successful results, decoded lazily line by line (a context manager)."""
        return await self._result_file(job, "output_file", max_line_bytes)

    async def errors(
        self, job: BatchJob | str, *, max_line_bytes: int = MAX_LINE_BYTES
    ) -> AsyncResultStream:
        """The job's failed requests, decoded lazily line by line (a context manager)."""
        return await self._result_file(job, "error_file", max_line_bytes)

    async def _result_file(
        self, job: BatchJob | str, which: str, max_line_bytes: int
    ) -> AsyncResultStream:
        current = job if isinstance(job, BatchJob) else await self.get(job)
        file_id = result_file_id(current, which)
        if file_id is None:
            return AsyncResultStream.empty()
        download = await self._files.download(file_id)
        return AsyncResultStream(
            download, expected=expected_results(current, which), max_line_bytes=max_line_bytes
        )
