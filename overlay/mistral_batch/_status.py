"""Job statuses: which are final, which are active, and what a status we do not know means.

A newer server may send a status this version has never heard of. Decisions that can be
made from what the job carries (its result files) are made from that; the status list
only decides what the job itself cannot tell.
"""

from __future__ import annotations

import logging

from mistral_batch.errors import MistralBatchError

__all__ = [
    "ACTIVE_STATUSES",
    "JOB_STATUSES",
    "TERMINAL_STATUSES",
    "is_known",
    "result_file",
    "warn_unknown_status",
]

logger = logging.getLogger("mistral_batch")

#: Mistral's job statuses, in the order a job meets them.
JOB_STATUSES = (
    "QUEUED",
    "RUNNING",
    "SUCCESS",
    "FAILED",
    "TIMEOUT_EXCEEDED",
    "CANCELLATION_REQUESTED",
    "CANCELLED",
)
ACTIVE_STATUSES = frozenset({"QUEUED", "RUNNING", "CANCELLATION_REQUESTED"})
TERMINAL_STATUSES = frozenset(JOB_STATUSES) - ACTIVE_STATUSES

# Each unknown status is reported once per process; the set cannot grow without bound.
_WARNED: set[str] = set()
_MAX_WARNED = 64


def is_known(status: str) -> bool:
    """True for the statuses this version knows, final or active."""
    return status in TERMINAL_STATUSES or status in ACTIVE_STATUSES


def warn_unknown_status(status: str, job_id: str) -> None:
    """Log one warning per process for a status this version does not know."""
    if is_known(status) or status in _WARNED:
        return
    if len(_WARNED) >= _MAX_WARNED:
        return  # a server inventing statuses without end: warned about enough already
    _WARNED.add(status)
    logger.warning(
        "job %s has status %r, which this version of mistral-batch does not know; "
        "deciding by the result files the job names",
        job_id,
        status,
    )


def result_file(
    *, job_id: str, status: str, output_file: str | None, error_file: str | None, which: str
) -> str | None:
    """The id of the job's `which` file ("output_file" or "error_file"), or None for none.

    A job that names a result file has one to read, whatever its status. Without any,
    a known final status means the job made none; an active or unknown one means the
    files are not there yet, which raises MistralBatchError.
    """
    if which not in ("output_file", "error_file"):
        raise ValueError(f"which must be 'output_file' or 'error_file', got {which!r}")
    warn_unknown_status(status, job_id)
    if output_file is not None or error_file is not None:
        return output_file if which == "output_file" else error_file
    if status in TERMINAL_STATUSES:
        return None
    raise MistralBatchError(
        f"job {job_id} is {status} and names no result file yet; results exist once it has finished"
    )
