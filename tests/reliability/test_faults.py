"""Every operation that is safe to repeat, under every fault, over real sockets.

For each client (sync and async), each operation and each fault kind, two stories: the
fault strikes every attempt but the last one allowed, and the call still succeeds having
sent exactly `max_attempts` requests; or the fault never stops, and the call raises the
typed error that fits, again after exactly `max_attempts` requests. create_batch_job is
not safe to repeat blindly and has its own file (test_create_once.py).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import httpx
import pytest
from reliability_helpers import (
    FAST_RETRY,
    FAULTS,
    MODEL,
    QUICK_POLL,
    SLOW_RETRY,
    TIMEOUT,
    SleepLog,
    chat,
    fast_client,
    jsonl,
    served,
)

from mistral_batch import (
    APIConnectionError,
    APITimeoutError,
    AsyncMistral,
    Deleted,
    Mistral,
    MistralBatchError,
    RateLimitError,
    RetryPolicy,
    ServerError,
)
from mistral_batch.emulator import Emulator

LINES = jsonl([chat("a"), chat("b")])

#: Both clients: they are hand-kept twins, and a bug can hide in either.
SIDES = ("sync", "async")

#: What a caller gets when the fault never stops.
RAISED: dict[str, type[MistralBatchError]] = {
    "429-retry-after-seconds": RateLimitError,
    "429-retry-after-http-date": RateLimitError,
    "503-retry-after-seconds": ServerError,
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


#: One operation, as each client says it, and what its answer must be.
@attrs.frozen
class Case:
    sync: Callable[[Mistral], Any]
    aio: Callable[[AsyncMistral], Awaitable[Any]]
    check: Callable[[Any], None]


def _upload(setup: Mistral) -> Case:
    async def aio(c: AsyncMistral) -> Any:
        return await c.files.upload(LINES, file_name="faulted.jsonl")

    def check(uploaded: Any) -> None:
        assert uploaded.bytes == len(LINES)

    return Case(lambda c: c.files.upload(LINES, file_name="faulted.jsonl"), aio, check)


def _list_files(setup: Mistral) -> Case:
    name = f"seed-{uuid.uuid4().hex}"
    seeded = {setup.files.upload(LINES, file_name=f"{name}-{i}.jsonl").id for i in range(3)}

    async def aio(c: AsyncMistral) -> Any:
        return {f.id async for f in c.files.list(search=name)}

    def check(ids: Any) -> None:
        # One page, so that the requests served are the attempts at that page.
        assert ids == seeded

    return Case(lambda c: {f.id for f in c.files.list(search=name)}, aio, check)


def _retrieve(setup: Mistral) -> Case:
    file_id = setup.files.upload(LINES).id

    async def aio(c: AsyncMistral) -> Any:
        return await c.files.retrieve(file_id)

    def check(found: Any) -> None:
        assert found.id == file_id

    return Case(lambda c: c.files.retrieve(file_id), aio, check)


def _delete_file(setup: Mistral) -> Case:
    file_id = setup.files.upload(LINES).id

    async def aio(c: AsyncMistral) -> Any:
        return await c.files.delete(file_id)

    def check(deleted: Any) -> None:
        assert isinstance(deleted, Deleted) and deleted.deleted and deleted.id == file_id

    return Case(lambda c: c.files.delete(file_id), aio, check)


def _download(setup: Mistral) -> Case:
    file_id = setup.files.upload(LINES).id

    async def aio(c: AsyncMistral) -> Any:
        return await (await c.files.download(file_id)).read()

    def check(data: Any) -> None:
        assert data == LINES

    return Case(lambda c: c.files.download(file_id).read(), aio, check)


def _signed_url(setup: Mistral) -> Case:
    file_id = setup.files.upload(LINES).id

    async def aio(c: AsyncMistral) -> Any:
        return await c.files.get_signed_url(file_id, expiry=1)

    def check(signed: Any) -> None:
        assert signed.url.startswith(setup.server_url)

    return Case(lambda c: c.files.get_signed_url(file_id, expiry=1), aio, check)


def _new_job(client: Mistral, *, finished: bool = False, marker: str | None = None) -> str:
    metadata = None if marker is None else {"case": marker}
    job = client.batch.jobs.create(requests=[chat("0")], model=MODEL, metadata=metadata)
    if finished:
        client.batch.jobs.wait(job, timeout=20, backoff=QUICK_POLL)
    return job.id


def _list_jobs(setup: Mistral) -> Case:
    marker = uuid.uuid4().hex
    job_id = _new_job(setup, marker=marker)

    async def aio(c: AsyncMistral) -> Any:
        return [j.id async for j in c.batch.jobs.list(metadata={"case": marker})]

    def check(ids: Any) -> None:
        assert ids == [job_id]

    return Case(lambda c: [j.id for j in c.batch.jobs.list(metadata={"case": marker})], aio, check)


def _get_job(setup: Mistral) -> Case:
    job_id = _new_job(setup)

    async def aio(c: AsyncMistral) -> Any:
        return await c.batch.jobs.get(job_id)

    def check(job: Any) -> None:
        assert job.id == job_id

    return Case(lambda c: c.batch.jobs.get(job_id), aio, check)


def _cancel_job(setup: Mistral) -> Case:
    job_id = _new_job(setup)

    async def aio(c: AsyncMistral) -> Any:
        return await c.batch.jobs.cancel(job_id)

    def check(job: Any) -> None:
        assert job.id == job_id

    return Case(lambda c: c.batch.jobs.cancel(job_id), aio, check)


def _delete_job(setup: Mistral) -> Case:
    job_id = _new_job(setup, finished=True)

    async def aio(c: AsyncMistral) -> Any:
        return await c.batch.jobs.delete(job_id)

    def check(deleted: Any) -> None:
        assert isinstance(deleted, Deleted) and deleted.deleted and deleted.id == job_id

    return Case(lambda c: c.batch.jobs.delete(job_id), aio, check)


OPERATIONS: dict[str, Callable[[Mistral], Case]] = {
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
    for side in SIDES:
        for operation in OPERATIONS:
            for fault in FAULTS:
                marks: list[Any] = []
                if operation == "download_file" and fault == "truncated-json":
                    marks.append(pytest.mark.skip(reason=_NOT_JSON))
                name = f"{side}-{operation}-{fault}"
                cases.append(pytest.param(side, operation, fault, marks=marks, id=name))
    return cases


def _policy(fault: str) -> tuple[RetryPolicy, httpx.Timeout | None]:
    if fault == "slower-than-timeout":
        return SLOW_RETRY, TIMEOUT
    return FAST_RETRY, None


def _caller(side: str, fault: str, emu: Emulator, sleeps: SleepLog, case: Case) -> Call:
    """The operation, called by a client of `side` that records its waits in `sleeps`."""
    retry, timeout = _policy(fault)
    if side == "sync":

        def call() -> None:
            with fast_client(emu, sleeps=sleeps, retry=retry, timeout=timeout) as client:
                case.check(case.sync(client))

        return call

    async def scenario() -> Any:
        async with AsyncMistral(
            api_key=emu.api_key, server_url=emu.url, retry=retry, timeout=timeout
        ) as client:

            async def sleep(seconds: float) -> None:
                sleeps(seconds)

            # The one thing replaced: a test must not spend the seconds a Retry-After asks.
            client.files._t.sleep = sleep
            return await case.aio(client)

    return lambda: case.check(asyncio.run(scenario()))


def _check_waits(fault: str, sleeps: SleepLog, retries: int) -> None:
    """The client waited as Retry-After asked, once per retry; otherwise not at all."""
    assert len(sleeps) == retries
    if fault in ("429-retry-after-seconds", "503-retry-after-seconds"):
        # Exactly what was asked: FAST_RETRY's own backoff would wait 0 s.
        assert all(s == 1.0 for s in sleeps), sleeps
    elif fault == "429-retry-after-http-date":
        # An HTTP date has whole seconds: "now + 2 s" reads as a wait between 1 and 2 s.
        assert all(0.5 < s <= 2.0 for s in sleeps), sleeps
    else:
        assert all(s == 0.0 for s in sleeps), sleeps


@pytest.mark.parametrize(("side", "operation", "fault"), _cases())
def test_a_fault_that_passes_is_ridden_out(
    emu: Emulator,
    client: Mistral,
    sleeps: SleepLog,
    recorder: Any,
    side: str,
    operation: str,
    fault: str,
) -> None:
    attempts = _policy(fault)[0].max_attempts
    call = _caller(side, fault, emu, sleeps, OPERATIONS[operation](client))
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


@pytest.mark.parametrize(("side", "operation", "fault"), _cases())
def test_a_fault_that_lasts_raises_the_fitting_error(
    emu: Emulator,
    client: Mistral,
    sleeps: SleepLog,
    recorder: Any,
    side: str,
    operation: str,
    fault: str,
) -> None:
    attempts = _policy(fault)[0].max_attempts
    call = _caller(side, fault, emu, sleeps, OPERATIONS[operation](client))
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
