"""wait() rides out an outage of the API within its deadline, sync and async.

A job runs for hours on the server whatever its API does for a few seconds: a run of
503s, dropped connections or a 429 asking for a long pause must not end the wait.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import attrs
import pytest

from mistral_batch import (
    AsyncMistral,
    Backoff,
    BatchJob,
    Mistral,
    PermissionDeniedError,
    RetryPolicy,
    ServerError,
    WaitTimeoutError,
)
from mistral_batch.emulator import Emulator

from .conftest import FAST_RETRY

MODEL = "mistral-small-latest"
QUICK = Backoff(initial=0.01, factor=1.5, max_delay=0.05)
SIDES = ["sync", "async"]
HELLO = {"role": "user", "content": "hello"}


def finished_job(emu: Emulator) -> BatchJob:
    with Mistral(api_key=emu.api_key, server_url=emu.url) as client:
        job = client.batch.jobs.create(
            requests=[{"custom_id": "0", "body": {"messages": [HELLO]}}], model=MODEL
        )
        client.batch.jobs.wait(job, backoff=QUICK, timeout=30)
        return job  # as created: QUEUED


def wait(emu: Emulator, side: str, job: BatchJob, retry: RetryPolicy, **options: Any) -> BatchJob:
    if side == "sync":
        with Mistral(api_key=emu.api_key, server_url=emu.url, retry=retry) as client:
            return client.batch.jobs.wait(job, backoff=QUICK, **options)

    async def main() -> BatchJob:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=retry) as client:
            return await client.batch.jobs.wait(job, backoff=QUICK, **options)

    return asyncio.run(main())


def gets(emu: Emulator) -> int:
    return emu.stats.requests.get("get_batch_job", 0)


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize(
    "fault", [{"status": 503}, {"reset": True}, {"html": True, "status": 502}], ids=str
)
def test_a_run_of_failed_polls_is_waited_out(
    emu: Emulator, side: str, fault: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    job = finished_job(emu)
    # More failures in a row than one call's retries: the poll itself raises, twice.
    emu.inject("get_batch_job", count=2 * FAST_RETRY.max_attempts, **fault)
    before = gets(emu)

    with caplog.at_level(logging.WARNING, logger="mistral_batch"):
        done = wait(emu, side, job, FAST_RETRY, timeout=30)

    assert done.id == job.id and done.status == "SUCCESS"
    assert gets(emu) - before == 2 * FAST_RETRY.max_attempts + 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("polling the job failed" in w for w in warnings)
    assert any("works again" in w for w in warnings)


@pytest.mark.parametrize("side", SIDES)
def test_a_long_retry_after_is_waited_out(emu: Emulator, side: str) -> None:
    # One call gives up at once on a Retry-After longer than it honours; the wait
    # sleeps it and polls again.
    job = finished_job(emu)
    impatient = attrs.evolve(FAST_RETRY, max_retry_after=0.1)
    emu.inject("get_batch_job", status=429, retry_after=1)
    before = gets(emu)

    done = wait(emu, side, job, impatient, timeout=30)

    assert done.status == "SUCCESS"
    assert gets(emu) - before == 2


@pytest.mark.parametrize("side", SIDES)
def test_an_outage_past_the_deadline_ends_the_wait(emu: Emulator, side: str) -> None:
    job = finished_job(emu)
    emu.inject("get_batch_job", status=503, count=None)

    with pytest.raises(WaitTimeoutError) as caught:
        wait(emu, side, job, FAST_RETRY, timeout=0.3)

    assert isinstance(caught.value.__cause__, ServerError)
    assert "the last poll failed" in str(caught.value)
    assert isinstance(caught.value.job, BatchJob) and caught.value.job.id == job.id


@pytest.mark.parametrize("side", SIDES)
def test_an_error_about_the_request_is_not_waited_out(emu: Emulator, side: str) -> None:
    job = finished_job(emu)
    emu.inject("get_batch_job", status=403)
    before = gets(emu)

    with pytest.raises(PermissionDeniedError):
        wait(emu, side, job, FAST_RETRY, timeout=30)

    assert gets(emu) - before == 1
