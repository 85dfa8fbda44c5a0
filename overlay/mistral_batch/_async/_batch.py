"""`client.batch`: the jobs resource, a whole run in one call, and the SDK reference's calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from .._local_files import Progress
from .._operations import AsyncOnProgress
from .._run_input import Requests, input_path
from ..models import BatchJob, FileObject
from ._files import AsyncFiles
from ._jobs import AsyncJobs
from ._results import AsyncResultStream

# The SDK reference's shapes are imported by the calls that answer in them, so that a
# program using Mistral's own shapes never loads them.
if TYPE_CHECKING:
    from .._batch_out import BatchJobOut, BatchJobsOut

__all__ = ["AsyncBatch", "AsyncBatchRun"]


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
    """Batch inference: `client.batch.jobs` in Mistral's shapes, run() for a whole round
    trip, and create/get/list/cancel in the shapes of the SDK reference (`BatchJobOut`)."""

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
        """Check, upload, create, wait: hand back the finished job and its results.

        Nothing is sent when the input is invalid (InputError names the line).
        """
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
        """Create a job (see jobs.create), in the SDK reference's shape.

        `completion_window="24h"` means timeout_hours=24. Without a model, each request
        names its own in its body.
        """
        job = await self.jobs.create(
            input_files=input_files,
            endpoint=endpoint,
            model=model,
            completion_window=completion_window,
            metadata=metadata,
            **kwargs,
        )
        from .._batch_out import BatchJobOut, requested_hours

        hours = requested_hours(completion_window, kwargs.get("timeout_hours"))
        return BatchJobOut.from_job(job, hours)

    async def get(self, batch_id: BatchJobOut | BatchJob | str) -> BatchJobOut:
        """The job as it is now, in the SDK reference's shape."""
        from .._batch_out import BatchJobOut, job_of

        return BatchJobOut.from_job(await self.jobs.get(job_of(batch_id)))

    async def list(
        self, limit: int | None = None, after: str | None = None, **filters: Any
    ) -> BatchJobsOut:
        """The `limit` jobs (all when None) that follow the job `after` (from the first
        when None), newest first; `filters` are those of jobs.list."""
        from .._batch_out import JobsAfter

        page = JobsAfter(after=after, limit=limit)
        async for job in self.jobs.list(**filters):
            if not page.take(job):
                break
        return page.page()

    async def cancel(self, batch_id: BatchJobOut | BatchJob | str) -> BatchJobOut:
        """Ask the job to stop; the job as it is then, in the SDK reference's shape."""
        from .._batch_out import BatchJobOut, job_of

        return BatchJobOut.from_job(await self.jobs.cancel(job_of(batch_id)))
