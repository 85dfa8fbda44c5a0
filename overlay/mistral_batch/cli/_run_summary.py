"""What `run` says once it is over: a run of one job as a job, a larger one model by model."""

from __future__ import annotations

from typing import Any

import attrs

from mistral_batch import BatchRun

from ._output import as_dict, duration, job_duration, plural, size
from ._places import Place, size_of, suffix_of
from ._steps import job_error_lines


@attrs.frozen
class Written:
    """A file `run` wrote: its kind (output, errors, compare), model, path and lines."""

    kind: str
    model: str
    path: Place
    lines: int
    expected: int

    @property
    def bytes(self) -> int:
        """Its size on disk (or in object storage)."""
        return size_of(self.path)


def run_status(run: BatchRun) -> str:
    """SUCCESS when every job succeeded, or every request ended answered; else the status
    of the last job that ended otherwise (FAILED, CANCELLED, TIMEOUT_EXCEEDED)."""
    others = [job.status for job in run.jobs if job.status != "SUCCESS"]
    if not others or all(run.counts(model or None)[1] == 0 for model in run.models):
        return "SUCCESS"
    return others[-1]


def _counts(run: BatchRun) -> tuple[int, int]:
    succeeded = failed = 0
    for model in run.models:
        ok, bad = run.counts(model or None)
        succeeded, failed = succeeded + ok, failed + bad
    return succeeded, failed


def _duration(run: BatchRun) -> float | None:
    if run.job is not None and len(run.jobs) == 1:
        return job_duration(run.job)
    ends = [job.completed_at for job in run.jobs if job.completed_at is not None]
    if not ends:
        return None
    return max(ends) - min(job.created_at for job in run.jobs)


def _percent(succeeded: int, failed: int, total: int) -> float:
    return round(100 * (succeeded + failed) / total, 2) if total else 100.0


def summary_lines(run: BatchRun, written: list[Written]) -> list[str]:
    """The statistics of a finished run and where its answers went."""
    succeeded, failed = _counts(run)
    status = run_status(run)
    if run.job is not None and len(run.jobs) == 1:
        head = f"Batch job {run.job.id} completed with status: {status}"
    else:
        head = f"Batch run of {plural(len(run.jobs), 'job')} completed with status: {status}"
    lines = [
        head,
        f"Total requests: {succeeded + failed}",
        f"Successful requests: {succeeded}",
        f"Failed requests: {failed}",
        f"Percent done: {_percent(succeeded, failed, succeeded + failed)}",
        f"Job duration: {duration(_duration(run))}",
    ]
    for model in run.models if len(run.models) > 1 else ():
        ok, bad = run.counts(model)
        lines.append(f"Model {model}: {ok} successful, {bad} failed")
    unanswered = sum(run.unanswered(model or None) for model in run.models)
    if unanswered:
        lines.append(f"No answer: {plural(unanswered, 'request')}, in the error file")
    cached = sum(run.cached(model or None) for model in run.models)
    if cached:
        lines.append(f"From the cache: {plural(cached, 'answer')}, not sent again")
    names = {"output": "Output file", "errors": "Error file", "compare": "Comparison"}
    for item in written:
        unit = "row" if suffix_of(item.path) in (".parquet", ".pq") else "line"
        lines.append(
            f"{names[item.kind]}: {item.path} ({plural(item.lines, unit)}, {size(item.bytes)})"
        )
    if not any(item.kind == "errors" for item in written):
        lines.append("Error file: none (no request failed)")
    return lines + [line for job in run.jobs for line in job_error_lines(job)]


def summary_json(run: BatchRun, written: list[Written], **extra: Any) -> dict[str, Any]:
    """The summary as one JSON document."""
    succeeded, failed = _counts(run)
    return {
        "job": None if run.job is None else as_dict(run.job),
        "jobs": [as_dict(job) for job in run.jobs],
        "status": run_status(run),
        "succeeded_requests": succeeded,
        "failed_requests": failed,
        "cached": {model: run.cached(model or None) for model in run.models},
        "percent_done": _percent(succeeded, failed, succeeded + failed),
        "duration_seconds": _duration(run),
        "files": {
            item.kind
            if len(run.models) == 1 or item.kind == "compare"
            else f"{item.kind}.{item.model}": {
                "path": str(item.path),
                "bytes": item.bytes,
                "lines": item.lines,
                "expected_lines": item.expected,
            }
            for item in written
        },
        **extra,
    }
