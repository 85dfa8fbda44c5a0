# Generated from overlay/mistral_batch/_async/_batch.py by scripts/unasync.py; do not edit.
"""`client.batch`: the jobs resource, a whole run in one call, and the SDK reference's calls."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self, Unpack

import attrs

from .._input import MAX_INPUT_BYTES
from .._local_files import PRIVATE_FILE_MODE, Progress
from .._validation import MAX_PENDING_REQUESTS
from .._workload import DEFAULT_RETRY_ROUNDS
from ..errors import NotFoundError
from ..models import BatchJob, FileObject
from ._files import Files
from ._jobs import Jobs

# The SDK reference's shapes are imported by the calls that answer in them, so that a
# program using Mistral's own shapes never loads them; so is the machinery of a run (its
# ledger, its tables), which a client made for files and jobs alone never needs.
if TYPE_CHECKING:
    from .._backoff import Backoff
    from .._batch_out import BatchJobOut, BatchJobsOut
    from .._run_input import Requests
    from .._run_record import RunRecord, RunResults, StrPath, WriteOptions
    from .._run_tables import RunTables, TableOptions
    from .._usage import Prices, Usage
    from .._workload import OnRunProgress
    from ..results import BatchResult

__all__ = ["Batch", "BatchRun"]


@attrs.frozen
class BatchRun:
    """A finished run: its jobs, and each request's answer on each model, read from its
    record on disk.

    ``job`` and ``input_file`` are the first part's (the only ones of a run of one job;
    an inline run has no input file, and a run a cache answered whole has no job).
    Close it (or use it as a context manager) to let its record go: a run without a
    state file then removes its temporary folder.
    """

    job: BatchJob | None
    input_file: FileObject | None
    jobs: tuple[BatchJob, ...]
    models: tuple[str, ...]
    record: RunRecord = attrs.field(repr=False)
    tables: RunTables = attrs.field(repr=False)

    def results(self, model: str | None = None) -> RunResults:
        """The successful results on `model` (the only one when None), each request once."""
        return self.record.results(model)

    def errors(self, model: str | None = None) -> RunResults:
        """The failed requests on `model`, each with its last error, once."""
        return self.record.errors(model)

    def write_results(
        self, path: StrPath, model: str | None = None, **options: Unpack[WriteOptions]
    ) -> int:
        """Write the successful results on `model` to `path` (a local path, or an
        object's URL: s3://...), all or nothing; return how many. ``ordered=True``: in
        input order; ``mode``: 0o600 by default."""
        return self.record.write(path, "output", model, **options)

    def write_errors(
        self, path: StrPath, model: str | None = None, **options: Unpack[WriteOptions]
    ) -> int:
        """Write the failed requests on `model`, each with its last error, as
        write_results writes the successes."""
        return self.record.write(path, "errors", model, **options)

    def write_compare(self, path: StrPath, *, mode: int = PRIVATE_FILE_MODE) -> int:
        """Write, per request in input order, each model's result or error line:
        ``{"custom_id": ..., "answers": {MODEL: line}}``; return how many."""
        return self.record.write_compare(path, mode=mode)

    def cached(self, model: str | None = None) -> int:
        """How many of the answers on `model` came from the cache, not from a job."""
        return self.record.cached(model)

    def counts(self, model: str | None = None) -> tuple[int, int]:
        """(succeeded, failed) requests on `model` as they stand at the end."""
        return self.record.counts(model)

    def unanswered(self, model: str | None = None) -> int:
        """How many of the failed requests on `model` no job answered at all."""
        return self.record.unanswered(model)

    def compare(self) -> Iterator[tuple[str, dict[str, BatchResult]]]:
        """Per request, in input order: its custom_id and each model's result or error."""
        return self.record.compare()

    def usage(self, prices: Prices | None = None) -> dict[str, Usage]:
        """Per model, the tokens its answers used, and their cost at `prices` (per model,
        per million tokens: (input, output)); a cache's answers are counted apart."""
        from .._usage import check_prices

        check_prices(prices)
        return {model: self.record.usage(model, prices) for model in self.models}

    def to_arrow(self, model: str | None = None, **options: Unpack[TableOptions]) -> Any:
        """The answers as a pyarrow.Table: one row per request and model, in input order
        (see TableOptions for `join` and `wide`); of `model` only when named."""
        return self.tables.to_arrow(model, **options)

    def to_pandas(self, model: str | None = None, **options: Unpack[TableOptions]) -> Any:
        """The answers as a pandas DataFrame (see to_arrow)."""
        return self.tables.to_pandas(model, **options)

    def to_polars(self, model: str | None = None, **options: Unpack[TableOptions]) -> Any:
        """The answers as a polars DataFrame (see to_arrow)."""
        return self.tables.to_polars(model, **options)

    def write_parquet(
        self,
        path: StrPath,
        model: str | None = None,
        *,
        mode: int = PRIVATE_FILE_MODE,
        **options: Unpack[TableOptions],
    ) -> int:
        """Write the answers as to_arrow has them to a Parquet file (a local path, or an
        object's URL), a batch of rows at a time, all or nothing; return how many rows."""
        return self.tables.write_parquet(path, model, mode=mode, **options)

    def close(self) -> None:
        """Let the run's record go (a temporary one is removed)."""
        self.record.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class Batch:
    """Batch inference: `client.batch.jobs` in Mistral's shapes, run() for a whole round
    trip, and create/get/list/cancel in the shapes of the SDK reference (`BatchJobOut`)."""

    def __init__(self, jobs: Jobs, files: Files, server_url: str = "") -> None:
        self.jobs = jobs
        self._files = files
        self._server_url = server_url

    def run(
        self,
        requests: Requests,
        *,
        model: str | None = None,
        models: Sequence[str] | None = None,
        endpoint: str = "/v1/chat/completions",
        agent_id: str | None = None,
        metadata: Mapping[str, str] | None = None,
        timeout_hours: int | None = None,
        wait_timeout: float | None = None,
        on_progress: OnRunProgress | None = None,
        upload_progress: Progress | None = None,
        state: str | os.PathLike[str] | None = None,
        max_file_bytes: int = MAX_INPUT_BYTES,
        max_pending: int = MAX_PENDING_REQUESTS,
        retry_failed: int = DEFAULT_RETRY_ROUNDS,
        poll: Backoff | None = None,
        inline: bool = False,
        cache: str | os.PathLike[str] | None = None,
        response_format: Any = None,
        prompt_column: str | None = None,
        messages_column: str | None = None,
        id_column: str | None = None,
        body_columns: Sequence[str] = (),
        system: str | None = None,
    ) -> BatchRun:
        """Check, upload, create, wait, download: every request answered once per model.

        The input (a JSONL path, or requests) is checked line by line first: nothing is
        sent when a line is bad (InputError names it). It is cut into parts of at most
        `max_file_bytes` and `max_pending` requests, each run as a job on each of
        `models` (or on `model`; with neither, each body names its own), no more
        requests pending at once than `max_pending`. The requests that fail for a
        transient reason (BatchResult.transient) are sent again, up to `retry_failed`
        more rounds. With `state`, a file, the run is recorded as it goes: the same
        call after a crash or a Ctrl-C picks up where it was, and never uploads a part,
        creates a job or pays for a request twice. `poll` sets how often the jobs are
        looked at (every 0.5 s at first, then less and less, up to 30 s);
        `on_progress` is given the RunProgress of the whole run at each look. With
        `inline`, each part's requests (10,000 at most) go in its job's create, and the
        answers come back in the job: nothing is uploaded or downloaded. With `cache`,
        a folder, the successful answers are kept there across runs, by endpoint, model
        and request body: a request answered before is not sent again, and its answer
        is in the results as if fresh (``cached(model)`` counts them). Processes may
        share a cache.

        The requests may be a table: a pandas or polars DataFrame, a pyarrow Table, or
        the path of a Parquet or CSV file. Each row is a request: its text from a
        ``prompt`` column (or `prompt_column`; one user message, after `system` if
        given) or a ``messages`` column (or `messages_column`), its custom_id from a
        ``custom_id`` column (or `id_column`; else the row's position), and the fields
        named in `body_columns` (a null is left out). InputError names a bad row. With
        `response_format` (a pydantic model class, a JSON schema, or Mistral's whole
        response_format dict), every request asks for answers under that schema, and
        each result's ``parsed`` holds the answer read (or ``parse_error`` why not).
        """
        from .._cache import AnswerCache
        from .._run_input import RunInput
        from .._run_record import RunRecord
        from .._run_setup import open_run
        from .._run_tables import RunTables
        from .._storage import local_only
        from .._workload import RunOptions, check_job_options
        from ._workload import Workload

        options = RunOptions.build(
            model=model,
            models=models,
            endpoint=endpoint,
            agent_id=agent_id,
            metadata=metadata,
            timeout_hours=timeout_hours,
            max_file_bytes=max_file_bytes,
            max_pending=max_pending,
            retry_failed=retry_failed,
            inline=inline,
        )
        check_job_options(options)
        local_only(state, "state")
        local_only(cache, "cache")
        given = RunInput.build(
            requests,
            response_format,
            prompt_column=prompt_column,
            messages_column=messages_column,
            id_column=id_column,
            body_columns=body_columns,
            system=system,
            endpoint=endpoint,
        )
        describe = {**options.describe(), "server_url": self._server_url, "cache": bool(cache)}
        with given.naming():
            opened = open_run(requests, state, describe, given.shape, given.response_format)
        record = RunRecord(
            opened.ledger,
            opened.folder,
            options.models,
            temporary=opened.temporary,
            schema=given.schema,
        )
        kept = None if cache is None else AnswerCache(cache)
        try:
            with given.naming():
                opened.ledger.plan(
                    opened.source,
                    max_bytes=options.max_file_bytes,
                    max_requests=options.part_requests,
                    models_in_body=options.bodies_name_models,
                    cached=kept is not None,
                )
            engine = Workload(
                self._files,
                self.jobs,
                opened,
                options,
                poll=poll,
                on_progress=on_progress,
                upload_progress=upload_progress,
                cache=kept,
            )
            engine.run(timeout=wait_timeout)
            jobs = []
            for entry in opened.ledger.jobs():
                seen = engine.seen.get((entry.part, entry.model))
                # A run picked up once it was over saw none of its jobs: it asks.
                jobs.append(seen or self.jobs.get(entry.job_id or ""))
            input_file = self._input_file(opened.ledger.first_file(), engine.uploaded)
        except BaseException:
            record.close()
            raise
        finally:
            if kept is not None:
                kept.close()
        return BatchRun(
            job=jobs[0] if jobs else None,
            input_file=input_file,
            jobs=tuple(jobs),
            models=options.models,
            record=record,
            tables=RunTables(record, endpoint, given.table),
        )

    def _input_file(
        self, file_id: str | None, uploaded: dict[str, FileObject]
    ) -> FileObject | None:
        """The first part's file: as uploaded, or asked for (None if it is gone since)."""
        if file_id is None or file_id in uploaded:
            return None if file_id is None else uploaded[file_id]
        try:
            return self._files.retrieve(file_id)
        except NotFoundError:
            return None

    def create(
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
        job = self.jobs.create(
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

    def get(self, batch_id: BatchJobOut | BatchJob | str) -> BatchJobOut:
        """The job as it is now, in the SDK reference's shape."""
        from .._batch_out import BatchJobOut, job_of

        return BatchJobOut.from_job(self.jobs.get(job_of(batch_id)))

    def list(
        self, limit: int | None = None, after: str | None = None, **filters: Any
    ) -> BatchJobsOut:
        """The `limit` jobs (all when None) that follow the job `after` (from the first
        when None), newest first; `filters` are those of jobs.list."""
        from .._batch_out import JobsAfter

        page = JobsAfter(after=after, limit=limit)
        for job in self.jobs.list(**filters):
            if not page.take(job):
                break
        return page.page()

    def cancel(self, batch_id: BatchJobOut | BatchJob | str) -> BatchJobOut:
        """Ask the job to stop; the job as it is then, in the SDK reference's shape."""
        from .._batch_out import BatchJobOut, job_of

        return BatchJobOut.from_job(self.jobs.cancel(job_of(batch_id)))
