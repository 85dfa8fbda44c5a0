"""Every operation that is safe to repeat, under every fault, over real sockets.

For each operation and each fault kind, two stories: the fault strikes every attempt
but the last one allowed, and the call still succeeds having sent exactly
`max_attempts` requests; or the fault never stops, and the call raises the typed error
that fits, again after exactly `max_attempts` requests. create_batch_job is not safe to
repeat blindly and has its own file (test_create_once.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from reliability_helpers import MODEL, QUICK_POLL, SleepLog, chat, fast_client, jsonl, served

from mistral_batch import (
    APIConnectionError,
    APITimeoutError,
    Mistral,
    MistralBatchError,
    RateLimitError,
    RetryPolicy,
    ServerError,
)
from mistral_batch.emulator import Emulator

LINES = jsonl([chat("a"), chat("b")])

#: The slow answer comes after SLOW seconds; the client stops reading after TIMEOUT.
SLOW, TIMEOUT = 0.6, httpx.Timeout(10.0, read=0.25)
SLOW_RETRY = RetryPolicy(max_attempts=2, initial_delay=0.0, max_delay=0.0)

FAULTS: dict[str, dict[str, Any]] = {
    "429-retry-after-seconds": {"status": 429, "retry_after": 1},
    "429-retry-after-http-date": {"status": 429, "retry_after": 2, "retry_after_date": True},
    "500": {"status": 500},
    "502": {"status": 502},
    "503": {"status": 503},
    "504": {"status": 504},
    "connection-reset": {"reset": True},
    "slower-than-timeout": {"delay": SLOW},
    "truncated-json": {"truncate": True},
    "html-error-page": {"html": True, "status": 502},
}

#: What a caller gets when the fault never stops.
RAISED: dict[str, type[MistralBatchError]] = {
    "429-retry-after-seconds": RateLimitError,
    "429-retry-after-http-date": RateLimitError,
    "500": ServerError,
    "502": ServerError,
    "503": ServerError,
    "504": ServerError,
    "connection-reset": APIConnectionError,
    "slower-than-timeout": APITimeoutError,
    "truncated-json": APIConnectionError,
    "html-error-page": ServerError,
}

Call = Callable[[], None]


def _upload(setup: Mistral, client: Mistral) -> Call:
    def call() -> None:
        assert client.files.upload(LINES, file_name="faulted.jsonl").bytes == len(LINES)

    return call


def _list_files(setup: Mistral, client: Mistral) -> Call:
    name = f"seed-{uuid.uuid4().hex}"
    seeded = {setup.files.upload(LINES, file_name=f"{name}-{i}.jsonl").id for i in range(3)}

    def call() -> None:
        # One page, so that the requests served are the attempts at that page.
        assert {f.id for f in client.files.list(search=name)} == seeded

    return call


def _retrieve(setup: Mistral, client: Mistral) -> Call:
    file_id = setup.files.upload(LINES).id

    def call() -> None:
        assert client.files.retrieve(file_id).id == file_id

    return call


def _delete_file(setup: Mistral, client: Mistral) -> Call:
    file_id = setup.files.upload(LINES).id

    def call() -> None:
        deleted = client.files.delete(file_id)
        assert deleted.deleted and deleted.id == file_id

    return call


def _download(setup: Mistral, client: Mistral) -> Call:
    file_id = setup.files.upload(LINES).id

    def call() -> None:
        assert client.files.download(file_id).read() == LINES

    return call


def _signed_url(setup: Mistral, client: Mistral) -> Call:
    file_id = setup.files.upload(LINES).id

    def call() -> None:
        assert client.files.get_signed_url(file_id, expiry=1).url.startswith(client.server_url)

    return call


def _new_job(client: Mistral, *, finished: bool = False, marker: str | None = None) -> str:
    metadata = None if marker is None else {"case": marker}
    job = client.batch.jobs.create(requests=[chat("0")], model=MODEL, metadata=metadata)
    if finished:
        client.batch.jobs.wait(job, timeout=20, backoff=QUICK_POLL)
    return job.id


def _list_jobs(setup: Mistral, client: Mistral) -> Call:
    marker = uuid.uuid4().hex
    job_id = _new_job(setup, marker=marker)

    def call() -> None:
        assert [j.id for j in client.batch.jobs.list(metadata={"case": marker})] == [job_id]

    return call


def _get_job(setup: Mistral, client: Mistral) -> Call:
    job_id = _new_job(setup)

    def call() -> None:
        assert client.batch.jobs.get(job_id).id == job_id

    return call


def _cancel_job(setup: Mistral, client: Mistral) -> Call:
    job_id = _new_job(setup)

    def call() -> None:
        assert client.batch.jobs.cancel(job_id).id == job_id

    return call


def _delete_job(setup: Mistral, client: Mistral) -> Call:
    job_id = _new_job(setup, finished=True)

    def call() -> None:
        deleted = client.batch.jobs.delete(job_id)
        assert deleted.deleted and deleted.id == job_id

    return call


OPERATIONS: dict[str, Callable[[Mistral, Mistral], Call]] = {
    "upload_file": _upload,
    "list_files": _list_files,
    "retrieve_file": _retrieve,
    "delete_file": _delete_file,
    "download_file": _download,
    "get_signed_url": _signed_url,
    "list_batch_jobs": _list_jobs,
    "get_batch_job": _get_job,
    "cancel_batch_job": _cancel_job,
    "delete_batch_job": _delete_job,
}

_NOT_JSON = "a download is not JSON: its truncation is the cut-download tests' subject"


def _cases() -> list[Any]:
    cases = []
    for operation in OPERATIONS:
        for fault in FAULTS:
            marks: list[Any] = []
            if operation == "download_file" and fault == "truncated-json":
                marks.append(pytest.mark.skip(reason=_NOT_JSON))
            cases.append(pytest.param(operation, fault, marks=marks, id=f"{operation}-{fault}"))
    return cases


def _client_for(fault: str, emu: Emulator, sleeps: SleepLog, default: Mistral) -> Mistral:
    if fault == "slower-than-timeout":
        return fast_client(emu, sleeps=sleeps, retry=SLOW_RETRY, timeout=TIMEOUT)
    return default


def _check_waits(fault: str, sleeps: SleepLog, retries: int) -> None:
    """The client waited as Retry-After asked, once per retry; otherwise not at all."""
    assert len(sleeps) == retries
    if fault == "429-retry-after-seconds":
        assert all(s == 1.0 for s in sleeps), sleeps
    elif fault == "429-retry-after-http-date":
        # An HTTP date has whole seconds: "now + 2 s" reads as a wait between 1 and 2 s.
        assert all(0.5 < s <= 2.0 for s in sleeps), sleeps
    else:
        assert all(s == 0.0 for s in sleeps), sleeps


@pytest.mark.parametrize(("operation", "fault"), _cases())
def test_a_fault_that_passes_is_ridden_out(
    emu: Emulator,
    client: Mistral,
    sleeps: SleepLog,
    recorder: Any,
    operation: str,
    fault: str,
) -> None:
    user = _client_for(fault, emu, sleeps, client)
    attempts = user._config.retry.max_attempts
    call = OPERATIONS[operation](client, user)  # set up by a patient client
    emu.inject(operation, count=attempts - 1, **FAULTS[fault])
    before = served(emu, operation)
    recorder.tried_one("Fault scenarios by operation", operation)

    call()

    if fault == "truncated-json" and operation in ("delete_file", "delete_batch_job"):
        # The first attempt deleted; the retry's 404 proves it and ends the call.
        assert served(emu, operation) - before == 2
        return
    assert served(emu, operation) - before == attempts
    _check_waits(fault, sleeps, attempts - 1)


@pytest.mark.parametrize(("operation", "fault"), _cases())
def test_a_fault_that_lasts_raises_the_fitting_error(
    emu: Emulator,
    client: Mistral,
    sleeps: SleepLog,
    recorder: Any,
    operation: str,
    fault: str,
) -> None:
    user = _client_for(fault, emu, sleeps, client)
    attempts = user._config.retry.max_attempts
    call = OPERATIONS[operation](client, user)  # set up by a patient client
    emu.inject(operation, count=None, **FAULTS[fault])
    before = served(emu, operation)
    recorder.tried_one("Fault scenarios by operation", operation)

    if fault == "truncated-json" and operation in ("delete_file", "delete_batch_job"):
        # The first attempt deleted and its answer was lost; the retry's 404 proves the
        # deletion happened, so the delete reports success instead of NotFoundError.
        call()  # asserts the answer says deleted, for the right id
        assert served(emu, operation) - before == 2
        return

    with pytest.raises(RAISED[fault]) as caught:
        call()

    assert served(emu, operation) - before == attempts
    error = caught.value
    if fault == "connection-reset" or fault == "truncated-json":
        assert not isinstance(error, APITimeoutError)
    if isinstance(error, ServerError):
        assert error.status_code == FAULTS[fault]["status"]
        assert "<" not in error.message, "an HTML page is summed up, not pasted"
    if isinstance(error, RateLimitError):
        assert error.retry_after is not None and 0.5 < error.retry_after <= 2.0
    _check_waits(fault, sleeps, attempts - 1)
