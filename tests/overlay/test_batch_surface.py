"""`client.batch.create/get/list/cancel` speak the SDK reference's shapes, sync and async,
while `client.batch.jobs.*` keeps Mistral's."""

import asyncio
import json
import secrets
import time
from typing import Any

import pytest

from mistral_batch import (
    AsyncMistral,
    BatchJob,
    BatchJobOut,
    BatchJobsOut,
    InputError,
    Mistral,
)
from mistral_batch.emulator import Emulator
from mistral_batch_emulator.pytest_plugin import EmulatorFactory

from .conftest import FAST_RETRY

MODEL = "mistral-small-latest"


def chat(i: int, model: str | None = MODEL) -> dict[str, Any]:
    body: dict[str, Any] = {"messages": [{"role": "user", "content": f"topic {i}"}]}
    if model is not None:
        body["model"] = model
    return {"custom_id": f"request-{i}", "body": body}


DATA = b"".join(json.dumps(chat(i)).encode() + b"\n" for i in range(4))


@pytest.fixture
def queued(mistral_emulator_factory: EmulatorFactory) -> Emulator:
    """An emulator whose jobs stay queued for a minute, so that they can be cancelled."""
    return mistral_emulator_factory(queue_delay=60)


def until_done(get: Any, batch: BatchJobOut) -> BatchJobOut:
    deadline = time.monotonic() + 30
    while batch.status not in ("completed", "failed", "cancelled", "expired"):
        assert time.monotonic() < deadline, batch
        time.sleep(0.05)
        batch = get(batch.id)
    return batch


def test_sync_create_get_in_the_references_shape(client: Mistral) -> None:
    uploaded = client.files.upload(DATA, file_name="in.jsonl")
    batch = client.batch.create(
        input_files=[uploaded.id],
        endpoint="/v1/chat/completions",
        completion_window="2h",
        metadata={"description": "shapes"},
    )
    assert isinstance(batch, BatchJobOut) and isinstance(batch.job, BatchJob)
    assert batch.status in ("validating", "in_progress")
    assert (batch.input_file_id, batch.completion_window) == (uploaded.id, "2h")
    assert batch.expires_at == batch.created_at + 2 * 3600
    assert batch.metadata is not None and batch.metadata["description"] == "shapes"
    assert batch.job.model is None  # no job-level model: each request names its own

    done = until_done(client.batch.get, batch)
    assert done.status == "completed" and done.completed_at is not None
    assert done.in_progress_at is not None and done.failed_at is None
    counts = done.request_counts
    assert (counts.total, counts.completed, counts.failed) == (4, 4, 0)
    assert done.output_file_id is not None and done.error_file_id is None
    assert client.batch.get(done).id == done.id  # a BatchJobOut names its job too
    # The same job through client.batch.jobs, in Mistral's shape.
    mistral = client.batch.jobs.get(done.id)
    assert (mistral.status, mistral.succeeded_requests) == ("SUCCESS", 4)
    assert mistral.output_file == done.output_file_id


def test_sync_list_walks_mistrals_pages_after_a_job(client: Mistral) -> None:
    tag = {"run": secrets.token_hex(4)}
    made = [client.batch.jobs.create(requests=[chat(i)], metadata=tag).id for i in range(5)]
    newest_first = made[::-1]
    # Mistral's pages of two jobs, so that a page of ours spans several of theirs.
    first = client.batch.list(limit=3, metadata=tag, page_size=2)
    assert isinstance(first, BatchJobsOut) and first.object == "list"
    assert [b.id for b in first] == newest_first[:3]
    assert (first.first_id, first.last_id, first.has_more) == (*newest_first[0:3:2], True)
    second = client.batch.list(limit=3, after=first.last_id, metadata=tag, page_size=2)
    assert [b.id for b in second] == newest_first[3:] and second.has_more is False
    everything = client.batch.list(metadata=tag)
    assert [b.id for b in everything] == newest_first and not everything.has_more
    assert all(isinstance(b, BatchJobOut) for b in everything.data)
    assert client.batch.list(after="no-such-job", metadata=tag).data == []


def test_sync_cancel(queued: Emulator) -> None:
    with Mistral(api_key=queued.api_key, server_url=queued.url, retry=FAST_RETRY) as client:
        uploaded = client.files.upload(DATA, file_name="in.jsonl")
        batch = client.batch.create([uploaded.id], "/v1/chat/completions", "24h")
        assert batch.status == "validating"
        cancelling = client.batch.cancel(batch.id)
        assert isinstance(cancelling, BatchJobOut)
        assert cancelling.status in ("cancelling", "cancelled")
        done = until_done(client.batch.get, cancelling)
        assert done.status == "cancelled" and done.cancelled_at is not None
        assert done.completed_at is None


def test_bad_list_arguments_send_nothing(client: Mistral) -> None:
    with pytest.raises(InputError, match="limit must be an int >= 1"):
        client.batch.list(limit=0)
    with pytest.raises(InputError, match="after"):
        client.batch.list(after="a/b")


def test_async_the_same_shapes(emu: Emulator, queued: Emulator) -> None:
    async def until_done_async(c: AsyncMistral, batch: BatchJobOut) -> BatchJobOut:
        while batch.status not in ("completed", "failed", "cancelled", "expired"):
            await asyncio.sleep(0.05)
            batch = await c.batch.get(batch)
        return batch

    async def scenario() -> None:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
            uploaded = await c.files.upload(DATA, file_name="in.jsonl")
            tag = {"run": secrets.token_hex(4)}
            batch = await c.batch.create([uploaded.id], completion_window="3h", metadata=tag)
            assert isinstance(batch, BatchJobOut) and batch.completion_window == "3h"
            done = await asyncio.wait_for(until_done_async(c, batch), 30)
            assert done.status == "completed" and done.request_counts.completed == 4
            other = await c.batch.create([uploaded.id], metadata=tag)
            page = await c.batch.list(limit=1, metadata=tag, page_size=1)
            assert ([b.id for b in page], page.has_more) == ([other.id], True)
            rest = await c.batch.list(limit=5, after=page.last_id, metadata=tag)
            assert ([b.id for b in rest], rest.has_more) == ([batch.id], False)
            assert (await c.batch.jobs.get(batch.id)).status == "SUCCESS"
            with pytest.raises(InputError, match="limit"):
                await c.batch.list(limit=-1)
        key, url = queued.api_key, queued.url
        async with AsyncMistral(api_key=key, server_url=url, retry=FAST_RETRY) as c:
            uploaded = await c.files.upload(DATA, file_name="in.jsonl")
            waiting = await c.batch.create([uploaded.id])
            assert waiting.status == "validating"
            cancelling = await c.batch.cancel(waiting)
            assert cancelling.status in ("cancelling", "cancelled")
            done = await asyncio.wait_for(until_done_async(c, cancelling), 30)
            assert done.status == "cancelled" and done.cancelled_at is not None

    asyncio.run(scenario())
