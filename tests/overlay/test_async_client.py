"""AsyncMistral against the emulator: the same operations, awaited."""

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from mistral_batch import AsyncMistral, File, InputError, NotFoundError, WaitTimeoutError
from mistral_batch.emulator import Emulator

from .conftest import FAST_RETRY

MODEL = "mistral-small-latest"


def chat(i: int) -> dict[str, Any]:
    return {"custom_id": f"a{i}", "body": {"messages": [{"role": "user", "content": str(i)}]}}


def jsonl(requests: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in requests)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_files_round_trip(emu: Emulator, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
            data = jsonl([chat(i) for i in range(4)])
            uploaded = await c.files.upload(File(file_name="a.jsonl", content=data))
            assert uploaded.num_lines == 4
            assert (await c.files.retrieve(uploaded.id)).id == uploaded.id
            download = await c.files.download(uploaded.id)
            assert await download.read() == data
            async with await c.files.download(uploaded.id) as d2:
                chunks = [chunk async for chunk in d2.stream]
            assert b"".join(chunks) == data
            size = await (await c.files.download(uploaded.id)).write_to(tmp_path / "x.jsonl")
            assert size == len(data) and (tmp_path / "x.jsonl").read_bytes() == data
            signed = await c.files.get_signed_url(uploaded.id)
            assert await (await c.files.download_signed_url(signed)).read() == data
            listed = [f.id async for f in c.files.list(page_size=1, search="a.jsonl")]
            assert uploaded.id in listed and len(listed) == len(set(listed))
            pages = [p async for p in c.files.list(page_size=1, search="a.jsonl").pages()]
            assert sum(len(p.items) for p in pages) == len(listed)
            assert (await c.files.delete(uploaded.id)).deleted
            with pytest.raises(NotFoundError):
                await c.files.retrieve(uploaded.id)

    run(scenario())


def test_jobs_through_their_life(emu: Emulator) -> None:
    async def scenario() -> None:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
            uploaded = await c.files.upload(jsonl([chat(i) for i in range(6)]))
            job = await c.batch.jobs.create(
                input_files=[uploaded.id], model=MODEL, metadata={"suite": "async"}
            )
            seen: list[int] = []

            async def on_progress(j: Any) -> None:
                seen.append(j.completed_requests)

            done = await c.batch.jobs.wait(job, timeout=30, on_progress=on_progress)
            assert done.status == "SUCCESS" and seen[-1] == 6
            async with await c.batch.jobs.results(done) as results:
                ids = sorted([r.custom_id async for r in results])
            assert ids == sorted(f"a{i}" for i in range(6))
            assert [r async for r in await c.batch.jobs.errors(done)] == []
            listed = [j.id async for j in c.batch.jobs.list(metadata={"suite": "async"})]
            assert listed == [job.id]
            assert (await c.batch.jobs.cancel(job.id)).status == "SUCCESS"
            assert (await c.batch.jobs.delete(job.id)).deleted
            with pytest.raises(InputError):
                await c.batch.jobs.create(input_files=[uploaded.id], model=MODEL, timeout_hours=0)

    run(scenario())


def test_wait_calls_a_plain_function_and_ignores_what_it_returns(emu: Emulator) -> None:
    # A progress bar's update() returns a value: awaiting it failed with a TypeError.
    async def scenario() -> None:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
            uploaded = await c.files.upload(jsonl([chat(i) for i in range(3)]))
            job = await c.batch.jobs.create(input_files=[uploaded.id], model=MODEL)
            seen: list[str] = []
            done = await c.batch.jobs.wait(
                job, timeout=30, on_progress=lambda j: seen.append(j.status) or True
            )
            assert done.status == "SUCCESS" and seen[-1] == "SUCCESS"

    run(scenario())


def test_run_and_wait_timeout(emu: Emulator) -> None:
    async def scenario() -> None:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
            finished = await c.batch.run([chat(i) for i in range(5)], model=MODEL)
            assert finished.job.succeeded_requests == 5
            # The short forms of other batch APIs, awaited.
            assert (await c.batch.get(finished.job.id)).id == finished.job.id
            assert finished.job.id in {j.id for j in await c.batch.list(limit=100)}
            again = await c.batch.create(
                input_files=[finished.input_file.id], model=MODEL, completion_window="2h"
            )
            assert (await c.batch.cancel(again.id)).id == again.id
            assert len([r async for r in await finished.results()]) == 5
            emu.set_requests_per_second(1)
            try:
                uploaded = await c.files.upload(jsonl([chat(i) for i in range(50)]))
                job = await c.batch.jobs.create(input_files=[uploaded.id], model=MODEL)
                with pytest.raises(WaitTimeoutError) as caught:
                    await c.batch.jobs.wait(job, timeout=0.3)
                assert caught.value.job.id == job.id
                await c.batch.jobs.cancel(job)
            finally:
                emu.set_requests_per_second(None)

    run(scenario())


def test_many_concurrent_gets_share_one_client(emu: Emulator) -> None:
    async def scenario() -> None:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url) as c:
            job = await c.batch.jobs.create(requests=[chat(0)], model=MODEL)
            got = await asyncio.gather(*(c.batch.jobs.get(job.id) for _ in range(50)))
            assert {j.id for j in got} == {job.id}

    run(scenario())
