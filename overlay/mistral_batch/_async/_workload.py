"""The engine of a run of any size, on one model or several, that picks up where it stopped.

The ledger (see _ledger) says what exists; this module acts on it. It uploads each part
once (an upload begun before a stop is looked for on the server, by its name, size and
bytes, before it is sent again), creates each job of a part on a model once (under a
token recorded first, so that a create whose answer was lost is found, not sent again),
keeps the requests it has pending under the workspace's limit and waits out a refusal
for too many, downloads each finished job's result files and records their answers, and
sends the requests that failed for a transient reason again in later rounds. Each act is
recorded as it is done: the same run, started again on the same ledger, goes on from
there.
"""

from __future__ import annotations

import asyncio
import inspect
import secrets
import time
from collections.abc import Iterator
from itertools import chain

from .._backoff import Backoff, Jitter
from .._cache import AnswerCache, cached_lines, request_key
from .._create import CREATE_TOKEN_KEY
from .._ledger import CACHED, JobEntry
from .._local_files import PRIVATE_FILE_MODE, Progress, atomic_file
from .._parts_io import answers_in, outputs_by_kind, part_source, requests_in
from .._run_setup import Opened
from .._upload import UploadSource
from .._workload import (
    AsyncOnRunProgress,
    RunOptions,
    RunProgress,
    is_pending_refusal,
    result_file_name,
)
from ..errors import APIError, WaitTimeoutError
from ..models import BatchJob, FileObject
from ._files import AsyncFiles
from ._jobs import AsyncJobs

__all__ = ["AsyncWorkload"]

#: How much earlier than its upload was begun, by our clock, a file found on the server may
#: say it was made: the server's clock and ours may differ.
CLOCK_SKEW = 300.0

#: How often the jobs are looked at: soon after a change, then less and less, never more
#: than every 30 s.
POLL = Backoff(initial=0.5, factor=1.5, max_delay=30.0, jitter=Jitter.NONE)


class AsyncWorkload:
    """Takes a planned run through its rounds to the end (see the module)."""

    def __init__(
        self,
        files: AsyncFiles,
        jobs: AsyncJobs,
        opened: Opened,
        options: RunOptions,
        *,
        poll: Backoff | None = None,
        on_progress: AsyncOnRunProgress | None = None,
        upload_progress: Progress | None = None,
        cache: AnswerCache | None = None,
    ) -> None:
        self._files, self._jobs, self._options = files, jobs, options
        self._ledger, self._folder, self._source = opened.ledger, opened.folder, opened.source
        self._poll = poll or POLL
        self._on_progress, self._upload_progress = on_progress, upload_progress
        self._cache = cache
        #: Each job as last seen, by (part, model).
        self.seen: dict[tuple[int, str], BatchJob] = {}
        #: The files this process uploaded, by their id.
        self.uploaded: dict[str, FileObject] = {}
        self._started = time.monotonic()
        #: The requests each created, unfinished job still holds, as last seen.
        self._pending: dict[tuple[int, str], int] = {}

    async def run(self, timeout: float | None = None) -> None:
        """Go on until every request has its answer on every model, or its last error
        once the rounds are spent; WaitTimeoutError after `timeout` seconds."""
        started = self._started = time.monotonic()
        if self._cache is not None:
            self._keep_collected(self._cache)
            self._answer_from_cache(self._cache)
        await self._tell(None)
        attempt = 0
        while True:
            # Looked at first: a run started again learns what its jobs still hold.
            moved = await self._look()
            moved = await self._submit() or moved
            moved = self._next_rounds() or moved
            if self._finished():
                return
            attempt = 0 if moved else attempt + 1
            delay = self._poll.delay(attempt)
            if timeout is not None and time.monotonic() - started + delay > timeout:
                last = next(reversed(self.seen.values()), None)
                raise WaitTimeoutError(
                    f"the run is not over after {timeout:g} s; run it again to go on",
                    job=last,
                )
            await asyncio.sleep(delay)

    async def _submit(self) -> bool:
        """Create the jobs that fit under the pending limit; True if any was."""
        moved = False
        for part, model, count in self._ledger.to_create(self._options.models):
            held = sum(self._pending.values())
            if held and held + count > self._options.max_pending:
                break
            job = await self._create(part, model, count)
            if job is None:
                break  # the workspace holds too many pending requests: wait for some
            moved = True
        return moved

    async def _create(self, part: int, model: str, count: int) -> BatchJob | None:
        entry = self._ledger.job(part, model)
        if entry is not None and entry.job_id is None:
            # A create begun before a stop: its job may exist.
            found = await self._find(entry.token)
            if found is not None:
                return self._record(part, model, found, count)
        # Inline, the requests go in the create's body: there is nothing to upload.
        sent = (
            {"requests": list(requests_in(self._part(part)))}
            if self._options.inline
            else {"input_files": [await self._upload(part)]}
        )
        if entry is None:
            entry = self._ledger.begin_job(part, model, secrets.token_hex(16))
        metadata = {**self._options.metadata, CREATE_TOKEN_KEY: entry.token}
        try:
            job = await self._jobs.create(
                **sent,
                endpoint=self._options.endpoint,
                model=model or None,
                agent_id=self._options.agent_id,
                metadata=metadata,
                timeout_hours=self._options.timeout_hours,
            )
        except APIError as exc:
            if is_pending_refusal(exc):
                return None
            raise
        return self._record(part, model, job, count)

    async def _find(self, token: str) -> BatchJob | None:
        async for job in self._jobs.list(metadata={CREATE_TOKEN_KEY: token}):
            if (job.metadata or {}).get(CREATE_TOKEN_KEY) == token:
                return job
        return None

    async def _upload(self, part: int) -> str:
        file_id = self._ledger.file_of(part)
        if file_id is not None:
            return file_id
        # A run of one part uploads its input under its own name.
        source = self._part(part)
        begun = self._ledger.upload_begun(part)
        if begun is None:
            self._ledger.begin_upload(part, at=time.time())
        else:
            # An upload begun before a stop may have reached the server, its answer lost.
            found = await self._find_upload(source, begun)
            if found is not None:
                self._ledger.uploaded(part, found)
                return found
        uploaded = await self._files.upload(source, purpose="batch", progress=self._upload_progress)
        self._ledger.uploaded(part, uploaded.id)
        self.uploaded[uploaded.id] = uploaded
        return uploaded.id

    def _part(self, part: int) -> UploadSource:
        """The part's bytes, read from the input where they stand, under its file name."""
        whole = part == 0 and len(self._ledger.parts(0)) == 1
        name = self._source.name if whole else f"{self._source.stem}.part{part}.jsonl"
        return part_source(self._source, lambda: self._ledger.ranges(part), name)

    async def _find_upload(self, source: UploadSource, begun: float) -> str | None:
        """A file uploaded since `begun` (give or take the clocks' skew) under the part's
        name that holds the part's very bytes, if the server has one."""
        async for found in self._files.list(search=source.name, purpose="batch"):
            if found.filename != source.name or found.bytes != source.size:
                continue
            if found.created_at < begun - CLOCK_SKEW:
                continue
            if await self._holds(found.id, source):
                return found.id
        return None

    async def _holds(self, file_id: str, source: UploadSource) -> bool:
        """Whether the file on the server holds the bytes of `source`, read side by side."""
        same = True
        with source.opener() as local:
            download = await self._files.download(file_id)
            async with download:
                # Read to the end, so that the download ends as it should.
                async for chunk in download.iter_bytes():
                    same = same and local.read(len(chunk)) == chunk
            return same and local.read(1) == b""

    def _record(self, part: int, model: str, job: BatchJob, count: int) -> BatchJob:
        self._ledger.created(part, model, job.id, job.status)
        self.seen[(part, model)] = job
        self._pending[(part, model)] = count
        return job

    async def _look(self) -> bool:
        """Look at each unfinished job; record the answers of those that ended."""
        moved = False
        for entry in self._ledger.jobs():
            if entry.job_id is None or entry.collected:
                continue
            key = (entry.part, entry.model)
            job = await self._jobs.get(entry.job_id)
            previous = self.seen.get(key)
            self.seen[key] = job
            await self._tell(job)
            if previous is None or previous.status != job.status:
                self._ledger.created(entry.part, entry.model, job.id, job.status)
            answered = job.succeeded_requests + job.failed_requests
            total = job.total_requests or self._ledger.count_of(entry.part)
            self._pending[key] = max(0, total - answered)
            if job.done:
                await self._collect(entry, job)
                self._pending.pop(key, None)
                moved = True
            elif previous is None or answered != previous.succeeded_requests + (
                previous.failed_requests
            ):
                moved = True
        return moved

    async def _tell(self, job: BatchJob | None) -> None:
        """Give `on_progress` the run's progress, as `job` (None: the plan) brings it."""
        if self._on_progress is None:
            return
        planned = self._ledger.planned
        requests = planned.requests if planned is not None else 0
        models = self._options.models
        progress = RunProgress.of(
            self.seen,
            {part.index for model in models for part in self._ledger.parts(0, model)},
            requests * len(models),
            elapsed=time.monotonic() - self._started,
            job=job,
        )
        outcome = self._on_progress(progress)  # unasync: async-only
        # A plain function's value is ignored, as on the sync client.  # unasync: async-only
        if inspect.isawaitable(outcome):  # unasync: async-only
            await outcome  # unasync: async-only
        # unasync: sync-only self._on_progress(progress)

    async def _collect(self, entry: JobEntry, job: BatchJob) -> None:
        index = self._options.models.index(entry.model)
        found = []
        if self._options.inline:
            # An inline job's answers come in the job itself, asked for with inline=True.
            answered = await self._jobs.get(job.id, inline=True)
            for kind, lines in outputs_by_kind(answered.outputs or []).items():
                path = self._folder / result_file_name(entry.part, index, kind)
                with atomic_file(path, PRIVATE_FILE_MODE) as out:
                    out.writelines(lines)
                found.append((path, kind))
        for kind, file_id in (("output", job.output_file), ("errors", job.error_file)):
            if file_id is None or self._options.inline:
                continue
            path = self._folder / result_file_name(entry.part, index, kind)
            download = await self._files.download(file_id)
            await download.write_to(path)
            found.append((path, kind))
        answers = chain.from_iterable(answers_in(path, kind) for path, kind in found)
        self._ledger.collect(entry.part, entry.model, answers)
        if self._cache is not None:
            self._cache.keep(self._successes(entry.part, entry.model, index), job=job.id)

    def _keep_collected(self, cache: AnswerCache) -> None:
        """Keep the answers of the jobs collected before a stop that came before their
        answers were kept (the cache notes each job whose answers it kept)."""
        collected = {e.job_id: e for e in self._ledger.jobs() if e.collected and e.job_id}
        for job_id in cache.unkept(collected):
            entry = collected[job_id]
            index = self._options.models.index(entry.model)
            cache.keep(self._successes(entry.part, entry.model, index), job=job_id)

    def _answer_from_cache(self, cache: AnswerCache) -> None:
        """Take each model's answers that the cache holds, once, before round 0 is cut."""
        endpoint = self._options.endpoint
        for index, model in enumerate(self._options.models):
            if self._ledger.from_cache(model) is not None:
                continue
            path = self._folder / result_file_name(CACHED, index, "output")
            with atomic_file(path, PRIVATE_FILE_MODE) as out:
                out.writelines(cached_lines(cache, endpoint, model, self._ledger))
            self._ledger.record_cached(
                model,
                answers_in(path, "output"),
                max_bytes=self._options.max_file_bytes,
                max_requests=self._options.part_requests,
            )

    def _successes(self, part: int, model: str, index: int) -> Iterator[tuple[bytes, bytes]]:
        """(cache key, result line) of the part's successes on the model."""
        endpoint = self._options.endpoint
        for digest, kind, offset, length in self._ledger.successes(part, model):
            with (self._folder / result_file_name(part, index, kind)).open("rb") as stream:
                stream.seek(offset)
                yield request_key(endpoint, model, digest), stream.read(length)

    def _next_rounds(self) -> bool:
        """Plan each model's next round once its round is over; True if one was."""
        moved = False
        for model in self._options.models:
            round_ = self._ledger.last_round(model)
            if round_ >= self._options.retry_failed:
                continue  # the rounds are spent
            if self._ledger.retried(model, round_) is not None:
                continue  # planned already: with nothing to send again
            if self._ledger.uncollected(model, round_):
                continue  # the round is not over
            self._ledger.plan_retry(
                model,
                round_,
                max_bytes=self._options.max_file_bytes,
                max_requests=self._options.part_requests,
            )
            moved = True
        return moved

    def _finished(self) -> bool:
        for model in self._options.models:
            round_ = self._ledger.last_round(model)
            if self._ledger.uncollected(model, round_):
                return False
            if round_ < self._options.retry_failed and self._ledger.retried(model, round_) is None:
                return False
        return True
