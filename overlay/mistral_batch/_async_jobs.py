"""The asyncio twins of Jobs and Batch; the decisions are shared with jobs.py and batch.py."""

from __future__ import annotations

import asyncio
import datetime
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import attrs

from . import _generated as gen
from ._backoff import Backoff
from ._batch_out import BatchJobOut, BatchJobsOut, JobsAfter, job_of, requested_hours
from ._create import CREATE_TOKEN_KEY, CreateArgs, CreatePlan
from ._deadline import poll_deadline, scope
from ._http import AsyncTransport
from ._jsonl import MAX_LINE_BYTES
from ._local_files import Progress
from ._pagination import AsyncPaginator, Page
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
from ._results_io import AsyncResultStream, expected_results
from ._validation import validate_metadata_filter, validate_page_size
from .batch import Requests, input_path
from .errors import (
    APIConnectionError,
    NotFoundError,
    ServerError,
    UnexpectedStatusError,
    WaitTimeoutError,
)
from .files import AsyncFiles
from .jobs import (
    CANCEL,
    CREATE,
    DELETE,
    GET,
    LIST,
    LOOKUP,
    _job_id,
    _list_kwargs,
    result_file_id,
)
from .models import BatchJob, Deleted, FileObject

#: Called with the job each time wait() polls it; may be a coroutine function.
AsyncOnProgress = Callable[[BatchJob], Awaitable[None] | None]


class AsyncJobs:
    """Batch jobs in the workspace: `client.batch.jobs` of AsyncMistral."""

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
        """Queue a job; never repeated blindly (see Jobs.create)."""
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
                return await self._t.call(
                    CREATE, lambda: self._t.build(self._t.client, kwargs), _job
                )
            except (APIConnectionError, ServerError) as exc:
                step = plan.after_failure(exc)
                for wait in step.lookups:
                    await self._t.sleep(wait)
                    found = await self._find_created(step.token, started)
                    if found is not None:
                        return found
                if step.resend_after is None:
                    raise
                self._t.log_retry(CREATE, plan.attempt, exc, step.resend_after)
                await self._t.sleep(step.resend_after)

    async def _find_created(self, token: str, since: datetime.datetime) -> BatchJob | None:
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
        page = await self._t.call(LOOKUP, lambda: self._t.build(self._t.client, kwargs), _page(0))
        matches = [j for j in page.items if (j.metadata or {}).get(CREATE_TOKEN_KEY) == token]
        return matches[0] if matches else None

    async def get(self, job_id: BatchJob | str, *, inline: bool | None = None) -> BatchJob:
        """The job as it is now."""
        kwargs = gen.get_batch_job(_job_id(job_id), inline=inline)
        return await self._t.call(GET, lambda: self._t.build(self._t.client, kwargs), _job)

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
        """Every matching job, a page at a time (``async for``; ``.pages()`` too)."""
        size = validate_page_size(page_size)
        meta = None if metadata is None else validate_metadata_filter(metadata)

        async def fetch(page: int, page_size: int) -> Page[BatchJob]:
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
            return await self._t.call(
                LIST, lambda: self._t.build(self._t.client, kwargs), _page(page)
            )

        return AsyncPaginator(fetch, page_size=size, first_page=page)

    async def cancel(self, job_id: BatchJob | str) -> BatchJob:
        """Ask the job to stop."""
        kwargs = gen.cancel_batch_job(_job_id(job_id))
        return await self._t.call(CANCEL, lambda: self._t.build(self._t.client, kwargs), _job)

    async def delete(self, job_id: BatchJob | str) -> Deleted:
        """Delete a finished job."""
        checked = _job_id(job_id)
        kwargs = gen.delete_batch_job(checked)
        return await self._t.call(
            DELETE,
            lambda: self._t.build(self._t.client, kwargs),
            _deleted,
            gone=lambda: Deleted(id=checked, deleted=True, object="batch"),
        )

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
        """Poll until the job has finished (see Jobs.wait)."""
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
                    last = await self.get(job_id)
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
                    outcome = on_progress(last)
                    if outcome is not None:
                        await outcome
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
            await asyncio.sleep(delay)

    async def results(
        self, job: BatchJob | str, *, max_line_bytes: int = MAX_LINE_BYTES
    ) -> AsyncResultStream:
        """The job's successful results, decoded lazily (``async for``)."""
        return await self._result_file(job, "output_file", max_line_bytes)

    async def errors(
        self, job: BatchJob | str, *, max_line_bytes: int = MAX_LINE_BYTES
    ) -> AsyncResultStream:
        """The job's failed requests, decoded lazily (``async for``)."""
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


@attrs.frozen
class AsyncBatchRun:
    """A finished run: the job, its input file, and its results to read."""

    job: BatchJob
    input_file: FileObject
    _jobs: AsyncJobs = attrs.field(repr=False, alias="jobs")

    async def results(self) -> AsyncResultStream:
        """The successful results, decoded lazily."""
        return await self._jobs.results(self.job)

    async def errors(self) -> AsyncResultStream:
        """The failed requests, decoded lazily."""
        return await self._jobs.errors(self.job)


class AsyncBatch:
    """Batch inference for AsyncMistral: `client.batch.jobs`, run(), and create/get/
    list/cancel in the SDK reference's shapes (see Batch)."""

    def __init__(self, jobs: AsyncJobs, files: AsyncFiles) -> None:
        self.jobs = jobs
        self._files = files

    async def run(
        self,
        requests: Requests,
        *,
        model: str | None = None,
        endpoint: str = "/v1/chat/completions",
        agent_id: str | None = None,
        metadata: Mapping[str, str] | None = None,
        timeout_hours: int | None = None,
        wait_timeout: float | None = None,
        on_progress: AsyncOnProgress | None = None,
        upload_progress: Progress | None = None,
    ) -> AsyncBatchRun:
        """Check, upload, create, wait (see Batch.run)."""
        with input_path(requests) as path:
            uploaded = await self._files.upload(path, purpose="batch", progress=upload_progress)
        job = await self.jobs.create(
            input_files=[uploaded.id],
            endpoint=endpoint,
            model=model,
            agent_id=agent_id,
            metadata=metadata,
            timeout_hours=timeout_hours,
        )
        job = await self.jobs.wait(job, timeout=wait_timeout, on_progress=on_progress)
        return AsyncBatchRun(job=job, input_file=uploaded, jobs=self.jobs)

    async def create(
        self,
        input_files: list[str],
        endpoint: str = "/v1/chat/completions",
        completion_window: str | int | None = None,
        metadata: Mapping[str, str] | None = None,
        *,
        model: str | None = None,
        **kwargs: Any,
    ) -> BatchJobOut:
        """Create a job, in the SDK reference's shape (see Batch.create)."""
        job = await self.jobs.create(
            input_files=input_files,
            endpoint=endpoint,
            model=model,
            completion_window=completion_window,
            metadata=metadata,
            **kwargs,
        )
        hours = requested_hours(completion_window, kwargs.get("timeout_hours"))
        return BatchJobOut.from_job(job, hours)

    async def get(self, batch_id: BatchJobOut | BatchJob | str) -> BatchJobOut:
        """The job as it is now, in the SDK reference's shape."""
        return BatchJobOut.from_job(await self.jobs.get(job_of(batch_id)))

    async def list(
        self, limit: int | None = None, after: str | None = None, **filters: Any
    ) -> BatchJobsOut:
        """The `limit` jobs that follow the job `after` (see Batch.list)."""
        page = JobsAfter(after=after, limit=limit)
        async for job in self.jobs.list(**filters):
            if not page.take(job):
                break
        return page.page()

    async def cancel(self, batch_id: BatchJobOut | BatchJob | str) -> BatchJobOut:
        """Ask the job to stop; the job as it is then, in the SDK reference's shape."""
        return BatchJobOut.from_job(await self.jobs.cancel(job_of(batch_id)))
