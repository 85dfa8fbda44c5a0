"""A job without a job-level model, sync and async: each request names its own."""

import asyncio
import json
from typing import Any

from mistral_batch import AsyncMistral, Mistral
from mistral_batch.emulator import Emulator

from .conftest import FAST_RETRY


def line(i: int, model: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"messages": [{"role": "user", "content": f"q{i}"}]}
    if model is not None:
        body["model"] = model
    return {"custom_id": f"r{i}", "body": body}


REQUESTS = [line(0, "mistral-small-latest"), line(1, "codestral-latest"), line(2, None)]
DATA = b"".join(json.dumps(r).encode() + b"\n" for r in REQUESTS)


def test_sync_create_without_a_model_is_sent(client: Mistral) -> None:
    file_id = client.files.upload(DATA, file_name="in.jsonl").id
    job = client.batch.jobs.create(input_files=[file_id])
    assert job.model is None and job.agent_id is None
    done = client.batch.jobs.wait(job, timeout=30)
    assert (done.status, done.succeeded_requests, done.failed_requests) == ("SUCCESS", 2, 1)
    models = {r.custom_id: r.body["model"] for r in client.batch.jobs.results(done)}
    assert models == {"r0": "mistral-small-latest", "r1": "codestral-latest"}
    [failed] = list(client.batch.jobs.errors(done))
    assert (failed.custom_id, failed.status_code) == ("r2", 422)
    assert failed.body["detail"][0]["loc"] == ["body", "model"]


def test_async_create_without_a_model_is_sent(emu: Emulator) -> None:
    async def scenario() -> None:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
            job = await c.batch.jobs.create(requests=REQUESTS)
            assert job.model is None
            done = await c.batch.jobs.wait(job, timeout=30)
            assert (done.succeeded_requests, done.failed_requests) == (2, 1)
            results = [r async for r in await c.batch.jobs.results(done)]
            assert sorted(r.body["model"] for r in results) == [
                "codestral-latest",
                "mistral-small-latest",
            ]
            [failed] = [r async for r in await c.batch.jobs.errors(done)]
            assert (failed.custom_id, failed.status_code) == ("r2", 422)

    asyncio.run(scenario())
