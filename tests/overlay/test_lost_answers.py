"""A delete's answer read as the attempts before it allow: a 404 means "done" only after an
attempt that may have acted (no answer, or a 5xx), on both clients."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from mistral_batch import (
    APIConnectionError,
    AsyncMistral,
    Deleted,
    Mistral,
    NotFoundError,
    ServerError,
)
from mistral_batch.emulator import Emulator

from .conftest import FAST_RETRY
from .streams import OneWay


def delete_on(side: str, emu: Emulator) -> Callable[[str], Deleted]:
    """Delete a job with a client of `side`."""
    if side == "sync":

        def sync_delete(job_id: str) -> Deleted:
            with Mistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
                return c.batch.jobs.delete(job_id)

        return sync_delete

    def async_delete(job_id: str) -> Deleted:
        async def scenario() -> Deleted:
            async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
                return await c.batch.jobs.delete(job_id)

        return asyncio.run(scenario())

    return async_delete


SIDES = ["sync", "async"]


@pytest.mark.parametrize("side", SIDES)
def test_a_job_that_never_was_is_not_found(emu: Emulator, side: str) -> None:
    with pytest.raises(NotFoundError):
        delete_on(side, emu)(str(uuid.uuid4()))


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("status", [500, 503])
def test_a_404_after_a_5xx_means_the_job_is_gone(emu: Emulator, side: str, status: int) -> None:
    # The 5xx may have come after the job was deleted: the 404 that follows is its proof.
    emu.inject("delete_batch_job", status=status)
    job_id = str(uuid.uuid4())
    deleted = delete_on(side, emu)(job_id)
    assert (deleted.id, deleted.deleted) == (job_id, True)


@pytest.mark.parametrize("side", SIDES)
def test_a_404_after_a_lost_answer_means_the_job_is_gone(emu: Emulator, side: str) -> None:
    emu.inject("delete_batch_job", reset=True)
    job_id = str(uuid.uuid4())
    assert delete_on(side, emu)(job_id).deleted


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("status", [429, 408])
def test_a_404_after_a_refusal_that_did_nothing_is_not_found(
    emu: Emulator, side: str, status: int
) -> None:
    emu.inject("delete_batch_job", status=status)
    with pytest.raises(NotFoundError):
        delete_on(side, emu)(str(uuid.uuid4()))


@pytest.mark.parametrize("side", SIDES)
def test_an_upload_that_cannot_be_read_again_is_sent_once(emu: Emulator, side: str) -> None:
    emu.reset_stats()
    emu.inject("upload_file", status=503)
    stream = OneWay(b'{"custom_id": "a", "body": {}}\n')
    with pytest.raises(ServerError):
        if side == "sync":
            with Mistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
                c.files.upload(stream, file_name="once.jsonl")
        else:

            async def scenario() -> None:
                async with AsyncMistral(
                    api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY
                ) as c:
                    await c.files.upload(stream, file_name="once.jsonl")

            asyncio.run(scenario())
    assert emu.stats.requests.get("upload_file", 0) == 1


@pytest.mark.parametrize("side", SIDES)
def test_a_create_that_never_reached_the_server_is_sent_again(
    side: str, caplog: pytest.LogCaptureFixture
) -> None:
    # A refused connection sent nothing: even a create, which is not repeated blindly
    # once it may have arrived, may go again.
    with Emulator() as gone:
        closed = gone.url
    options: dict[str, Any] = {"api_key": "sk-closed-port-0123456789", "server_url": closed}
    with caplog.at_level(logging.INFO, logger="mistral_batch"), pytest.raises(APIConnectionError):
        if side == "sync":
            with Mistral(**options, retry=FAST_RETRY) as c:
                c.batch.jobs.create(input_files=[str(uuid.uuid4())], model="m")
        else:

            async def scenario() -> None:
                async with AsyncMistral(**options, retry=FAST_RETRY) as c:
                    await c.batch.jobs.create(input_files=[str(uuid.uuid4())], model="m")

            asyncio.run(scenario())
    retries = [
        r.getMessage().split(" failed")[0] for r in caplog.records if "retrying" in r.getMessage()
    ]
    # Sent again at once, as often as the policy allows; never looked for, since it
    # provably never arrived.
    attempts = [f"create_batch_job attempt {n}" for n in range(1, FAST_RETRY.max_attempts)]
    assert retries[: len(attempts)] == attempts
    assert not [line for line in retries if line.startswith("find_created")]
