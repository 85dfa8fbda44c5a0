"""`client.batch`: the jobs resource, a whole run in one call, and short call shapes."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from ._input import check_input_file, write_requests
from ._results_io import ResultStream
from ._upload import Progress
from .files import Files
from .jobs import Jobs, OnProgress
from .models import BatchJob, FileObject

#: What `run` takes as requests: a JSONL path, or dicts / (custom_id, body) pairs.
Requests = str | os.PathLike[str] | Iterable[Mapping[str, Any] | tuple[str, Mapping[str, Any]]]


@attrs.frozen
class BatchRun:
    """A finished run: the job, its input file, and its results to read."""

    job: BatchJob
    input_file: FileObject
    _jobs: Jobs = attrs.field(repr=False, alias="jobs")

    def results(self) -> ResultStream:
        """The successful results, decoded lazily."""
        return self._jobs.results(self.job)

    def errors(self) -> ResultStream:
        """The failed requests, decoded lazily."""
        return self._jobs.errors(self.job)


def is_path(requests: Any) -> bool:
    """True when `requests` names a file rather than holding requests."""
    return isinstance(requests, (str, os.PathLike))


@contextlib.contextmanager
def input_path(requests: Requests) -> Iterator[Path]:
    """A checked JSONL file for `requests`: the given path, or a temporary one written
    from the requests. Raises InputError (naming the line) before anything is sent."""
    if is_path(requests):
        path = Path(requests)  # type: ignore[arg-type]
        check_input_file(path)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="mistral-batch-") as folder:
        path = Path(folder) / "input.jsonl"
        write_requests(requests, path)  # type: ignore[arg-type]
        yield path


class Batch:
    """Batch inference: `client.batch.jobs`, plus run() and short forms of the job calls."""

    def __init__(self, jobs: Jobs, files: Files) -> None:
        self.jobs = jobs
        self._files = files

    def run(
        self,
        requests: Requests,
        *,
        model: str | None = None,
        endpoint: str = "/v1/chat/completions",
        agent_id: str | None = None,
        metadata: Mapping[str, str] | None = None,
        timeout_hours: int | None = None,
        wait_timeout: float | None = None,
        on_progress: OnProgress | None = None,
        upload_progress: Progress | None = None,
    ) -> BatchRun:
        """Check, upload, create, wait: hand back the finished job and its results.

        Nothing is sent when the input is invalid (InputError names the line).
        """
        with input_path(requests) as path:
            uploaded = self._files.upload(path, purpose="batch", progress=upload_progress)
        job = self.jobs.create(
            input_files=[uploaded.id],
            endpoint=endpoint,
            model=model,
            agent_id=agent_id,
            metadata=metadata,
            timeout_hours=timeout_hours,
        )
        job = self.jobs.wait(job, timeout=wait_timeout, on_progress=on_progress)
        return BatchRun(job=job, input_file=uploaded, jobs=self.jobs)

    def create(
        self,
        *,
        input_files: list[str],
        endpoint: str = "/v1/chat/completions",
        model: str | None = None,
        completion_window: str | int | None = None,
        metadata: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> BatchJob:
        """Short form of jobs.create; `completion_window="24h"` means timeout_hours=24."""
        return self.jobs.create(
            input_files=input_files,
            endpoint=endpoint,
            model=model,
            completion_window=completion_window,
            metadata=metadata,
            **kwargs,
        )

    def get(self, batch_id: str) -> BatchJob:
        """Short form of jobs.get."""
        return self.jobs.get(batch_id)

    def list(self, limit: int | None = None, **filters: Any) -> list[BatchJob]:
        """Short form of jobs.list: the first `limit` jobs (all when None), newest first."""
        jobs: list[BatchJob] = []
        for job in self.jobs.list(**filters):
            if limit is not None and len(jobs) >= limit:
                break
            jobs.append(job)
        return jobs

    def cancel(self, batch_id: str) -> BatchJob:
        """Short form of jobs.cancel."""
        return self.jobs.cancel(batch_id)
