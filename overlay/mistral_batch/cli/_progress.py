"""Progress on stderr: bars for uploads, downloads and running jobs on a terminal.

Without a terminal (or with ``--no-progress``) there are no bars: a job prints one line
each time its status changes, and transfers print nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import attrs
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from mistral_batch import BatchJob, RunProgress

from ._output import Output, duration, plural

#: Called with (bytes so far, total bytes or None).
Transfer = Callable[[int, int | None], None]


def _ignore(done: int, total: int | None) -> None:
    pass


@contextmanager
def transfer(out: Output, label: str, total: int | None = None) -> Iterator[Transfer]:
    """A bar for bytes going up or down; the callback updates it."""
    if not out.progress:
        yield _ignore
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=out.stderr) as bar:
        task = bar.add_task(out.clean(label), total=total)

        def update(done: int, size: int | None) -> None:
            bar.update(task, completed=done, total=size)

        yield update


@attrs.define
class RateEstimate:
    """Requests per second and time left, from the counts seen while watching a job."""

    first: tuple[float, int] | None = None
    last: tuple[float, int] | None = None

    def add(self, now: float, completed: int) -> None:
        """Record the completed count seen at `now` (a monotonic clock)."""
        if self.first is None or completed < self.first[1]:
            self.first = (now, completed)
        self.last = (now, completed)

    @property
    def rate(self) -> float | None:
        """Requests completed per second since watching began; None until measurable."""
        if self.first is None or self.last is None:
            return None
        elapsed = self.last[0] - self.first[0]
        done = self.last[1] - self.first[1]
        return done / elapsed if elapsed > 0 and done > 0 else None

    def seconds_left(self, total: int) -> float | None:
        """Seconds until `total` requests are done at the current rate."""
        rate = self.rate
        if rate is None or self.last is None:
            return None
        return max(0, total - self.last[1]) / rate


class JobMonitor:
    """Shows a job while it runs: a live bar on a terminal, status lines otherwise.

    Pass `update` as ``on_progress`` to ``jobs.wait``; use as a context manager.
    """

    def __init__(self, out: Output, clock: Callable[[], float] = time.monotonic) -> None:
        self._out = out
        self._clock = clock
        self._rate = RateEstimate()
        self._status: str | None = None
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> JobMonitor:
        if self._out.progress:
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[counts]}"),
                TextColumn("{task.fields[speed]}"),
                TextColumn("{task.fields[left]}"),
                console=self._out.stderr,
            )
            self._bar.start()
            self._task = self._bar.add_task("", total=None, counts="", speed="", left="")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop drawing (idempotent)."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def update(self, job: BatchJob) -> None:
        """Show the job as just polled."""
        self._rate.add(self._clock(), job.completed_requests)
        if self._bar is not None and self._task is not None:
            rate = self._rate.rate
            left = None if job.done else self._rate.seconds_left(job.total_requests)
            self._bar.update(
                self._task,
                description=f"{job.status:<8}",
                completed=job.completed_requests,
                total=job.total_requests or None,
                counts=(
                    f"{job.succeeded_requests} ok, {job.failed_requests} failed,"
                    f" {job.completed_requests}/{job.total_requests}"
                ),
                speed="" if rate is None else f"{rate:.1f} req/s",
                left="" if left is None else f"{duration(left)} left",
            )
        elif job.status != self._status:
            self._out.note(
                f"job {job.id}: {job.status} ({job.completed_requests}/{job.total_requests})"
            )
        self._status = job.status


class RunMonitor(JobMonitor):
    """Shows a whole run: one bar across its jobs and models on a terminal, otherwise a
    line for its plan and one each time a job's status changes. Pass `update` as
    ``on_progress`` to ``batch.run``; `jobs` holds each job as last seen."""

    def __init__(
        self, out: Output, source: Path | str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(out, clock)
        self._source = source
        self.jobs: dict[str, BatchJob] = {}

    def update(self, progress: RunProgress) -> None:  # type: ignore[override]
        """Show the run as it stands after its plan, then after each look at a job."""
        job = progress.job
        if job is None:
            requests = plural(progress.total_requests, "request")
            self._out.note(f"{self._source}: {requests} to answer, valid")
            return
        self._rate.add(self._clock(), progress.completed_requests)
        total = progress.total_requests
        if self._bar is not None and self._task is not None:
            rate = self._rate.rate
            left = self._rate.seconds_left(total)
            self._bar.update(
                self._task,
                description=f"{plural(progress.jobs_running, 'job')} running",
                completed=progress.completed_requests,
                total=total or None,
                counts=(
                    f"{progress.succeeded_requests} ok, {progress.failed_requests} failed,"
                    f" {progress.completed_requests}/{total}"
                ),
                speed="" if rate is None else f"{rate:.1f} req/s",
                left="" if left is None else f"{duration(left)} left",
            )
        elif self.jobs.get(job.id) is None or self.jobs[job.id].status != job.status:
            self._out.note(
                f"job {job.id}: {job.status} ({job.completed_requests}/{job.total_requests})"
            )
        self.jobs[job.id] = job
