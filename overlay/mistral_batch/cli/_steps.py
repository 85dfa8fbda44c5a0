"""The steps `run` and `demo` share: upload, watch the job, download its files, sum up."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs

from mistral_batch import Backoff, BatchJob, FileObject, Mistral
from mistral_batch.limits import PRIVATE_FILE_MODE

from ._output import Output, duration, job_duration, plural, size
from ._progress import JobMonitor, transfer

#: Polls often enough for a live bar, never more than every 10 s once a job is long.
POLL = Backoff(initial=0.5, factor=1.5, max_delay=10.0)


def upload(out: Output, client: Mistral, path: Path) -> FileObject:
    """Upload a batch input file with a progress bar."""
    with transfer(out, f"upload {path.name}", path.stat().st_size) as bar:
        uploaded = client.files.upload(path, purpose="batch", progress=bar)
    out.note(f"Uploaded {path.name} as file {uploaded.id} ({size(uploaded.bytes)})")
    return uploaded


def watch(
    out: Output,
    client: Mistral,
    job: BatchJob,
    *,
    timeout: float | None = None,
    on_poll: Callable[[BatchJob], None] | None = None,
) -> BatchJob:
    """Wait for the job to end, showing its progress; return it as it ended."""
    with JobMonitor(out) as monitor:

        def progress(current: BatchJob) -> None:
            monitor.update(current)
            if on_poll is not None:
                on_poll(current)

        return client.batch.jobs.wait(job, timeout=timeout, on_progress=progress, backoff=POLL)


def download(
    out: Output,
    client: Mistral,
    file_id: str,
    path: Path,
    label: str,
    mode: int = PRIVATE_FILE_MODE,
) -> int:
    """Write a file's content to `path` (all or nothing, created with `mode`) with a
    progress bar; return its size."""
    with (
        client.files.download(file_id) as stream,
        transfer(out, label, stream.content_length) as bar,
    ):
        return stream.write_to(path, progress=bar, mode=mode)


@attrs.frozen
class Saved:
    """A result file written to disk: its lines as counted there, and as the job counts."""

    kind: str
    file_id: str
    path: Path
    bytes: int
    lines: int
    expected: int

    @property
    def short(self) -> bool:
        """True when the file on disk holds fewer lines than the job counts."""
        return self.lines < self.expected


def count_lines(path: Path) -> int:
    """The lines of a result file that hold something, read from disk."""
    with path.open("rb") as stream:
        return sum(1 for line in stream if line.strip())


def download_results(
    out: Output,
    client: Mistral,
    job: BatchJob,
    output: Path,
    errors: Path,
    mode: int = PRIVATE_FILE_MODE,
) -> list[Saved]:
    """Download the job's output and error files, those it has; their lines are counted
    on disk, since the job's counters say what should be there, not what is."""
    saved = []
    for kind, file_id, path, lines in (
        ("output", job.output_file, output, job.succeeded_requests),
        ("errors", job.error_file, errors, job.failed_requests),
    ):
        if file_id is None:
            continue
        written = download(out, client, file_id, path, f"download {kind}", mode)
        on_disk = count_lines(path)
        saved.append(
            Saved(
                kind=kind, file_id=file_id, path=path, bytes=written, lines=on_disk, expected=lines
            )
        )
    return saved


def percent_done(job: BatchJob) -> float:
    """The share of requests that have an answer, in percent."""
    if not job.total_requests:
        return 100.0 if job.done else 0.0
    return round(100 * (job.succeeded_requests + job.failed_requests) / job.total_requests, 2)


def summary_lines(job: BatchJob, saved: list[Saved]) -> list[str]:
    """The statistics of a finished job and where its results went."""
    lines = [
        f"Batch job {job.id} completed with status: {job.status}",
        f"Total requests: {job.total_requests}",
        f"Successful requests: {job.succeeded_requests}",
        f"Failed requests: {job.failed_requests}",
        f"Percent done: {percent_done(job)}",
        f"Job duration: {duration(job_duration(job))}",
    ]
    for item in saved:
        name = "Output file" if item.kind == "output" else "Error file"
        lines.append(f"{name}: {item.path} ({plural(item.lines, 'line')}, {size(item.bytes)})")
        if item.short:
            lines.append(f"{name} is short: the job counts {plural(item.expected, 'line')}")
    if not any(item.kind == "errors" for item in saved):
        lines.append("Error file: none (no request failed)")
    return lines + job_error_lines(job)


def job_error_lines(job: BatchJob) -> list[str]:
    """A line for each error the job reports, with how often it happened."""
    lines = []
    for error in job.errors:
        count = error.get("count")
        times = f" (x{count})" if isinstance(count, int) and count > 1 else ""
        lines.append(f"Job error: {error.get('message', error)}{times}")
    return lines
