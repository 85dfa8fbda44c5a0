"""Compressed answers: one layer of gzip or deflate is read, within a bound; stacked or
unknown encodings, bombs that inflate past the bound, and downloads encoded although we
asked for identity are refused at once, not retried, and nothing is written.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
from pathlib import Path
from typing import Any

import pytest
from hostile import Hostile, Received, answer
from reliability_helpers import FAST_RETRY, MODEL, chat, jsonl, served

from mistral_batch import AsyncMistral, MalformedResponseError, Mistral, UnsafeResponseError
from mistral_batch._encoding import MAX_ANSWER_BYTES
from mistral_batch.emulator import Emulator

KEY = "sk-hostile-encodings-0123456789"


def clients(emu: Emulator) -> tuple[Mistral, AsyncMistral]:
    return (
        Mistral(emu.api_key, emu.url, retry=FAST_RETRY),
        AsyncMistral(emu.api_key, emu.url, retry=FAST_RETRY),
    )


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_one_layer_of_compression_is_read(emulator: Emulator, encoding: str, recorder: Any) -> None:
    recorder.tried_one("Hostile servers: encodings", f"answer in {encoding}")
    sync, asyn = clients(emulator)
    with sync:
        job = sync.batch.jobs.create(requests=[chat("a")], model=MODEL)
        emulator.inject("get_batch_job", encoding=encoding)
        assert sync.batch.jobs.get(job.id).id == job.id

    async def in_async() -> None:
        async with asyn:
            emulator.inject("get_batch_job", encoding=encoding)
            assert (await asyn.batch.jobs.get(job.id)).id == job.id

    asyncio.run(in_async())


def test_stacked_compression_is_refused_not_retried(emulator: Emulator, recorder: Any) -> None:
    recorder.tried_one("Hostile servers: encodings", "answer in gzip, gzip")
    sync, asyn = clients(emulator)
    with sync:
        job = sync.batch.jobs.create(requests=[chat("a")], model=MODEL)
        emulator.inject("get_batch_job", encoding="gzip, gzip", count=None)
        before = served(emulator, "get_batch_job")
        with pytest.raises(UnsafeResponseError, match="2 times"):
            sync.batch.jobs.get(job.id)

    async def in_async() -> None:
        async with asyn:
            with pytest.raises(UnsafeResponseError, match="2 times"):
                await asyn.batch.jobs.get(job.id)

    asyncio.run(in_async())
    emulator.clear_faults()
    assert served(emulator, "get_batch_job") - before == 2


def test_a_download_encoded_against_our_asking_is_refused(
    emulator: Emulator, tmp_path: Path, recorder: Any
) -> None:
    recorder.tried_one("Hostile servers: encodings", "download in gzip")
    sync, asyn = clients(emulator)
    target = tmp_path / "out.jsonl"
    with sync:
        file_id = sync.files.upload(jsonl([chat("a"), chat("b")]), file_name="in.jsonl").id
        emulator.inject("download_file", encoding="gzip", count=None)
        with pytest.raises(UnsafeResponseError, match="identity"):
            sync.files.download(file_id).write_to(target)

    async def in_async() -> None:
        async with asyn:
            with pytest.raises(UnsafeResponseError, match="identity"):
                await (await asyn.files.download(file_id)).write_to(target)

    asyncio.run(in_async())
    emulator.clear_faults()
    assert list(tmp_path.iterdir()) == []


def bomb(request: Received, conn: socket.socket) -> None:
    # A few hundred KiB that inflate to more than the bound allows.
    body = gzip.compress(b" " * (MAX_ANSWER_BYTES + 1024 * 1024), compresslevel=9, mtime=0)
    answer(conn, 200, body, {"Content-Encoding": "gzip"})


def test_a_compression_bomb_stops_at_the_bound(recorder: Any) -> None:
    recorder.tried_one("Hostile servers: encodings", "gzip bomb")
    with Hostile(bomb) as server:
        refused = pytest.raises(UnsafeResponseError, match=str(MAX_ANSWER_BYTES))
        with Mistral(KEY, server.url, retry=FAST_RETRY) as client, refused:
            client.files.retrieve("file-1")

        async def in_async() -> None:
            async with AsyncMistral(KEY, server.url, retry=FAST_RETRY) as client:
                with pytest.raises(UnsafeResponseError, match=str(MAX_ANSWER_BYTES)):
                    await client.files.retrieve("file-1")

        asyncio.run(in_async())
    assert len(server.received) == 2  # refused at once, not retried


def corrupt(request: Received, conn: socket.socket) -> None:
    # A gzip header, then bytes that inflate to nothing: no answer can be read from it.
    body = gzip.compress(b'{"id": "file-1"}', mtime=0)[:12] + b"\x00garbage\xff" * 8
    answer(conn, 200, body, {"Content-Encoding": "gzip"})


def test_an_answer_that_cannot_be_inflated_is_malformed_on_both_clients(recorder: Any) -> None:
    recorder.tried_one("Hostile servers: encodings", "corrupt gzip")
    says = r"GET /v1/files/file-1: malformed response body \(ValueError: the answer's gzip"
    with Hostile(corrupt) as server:
        refused = pytest.raises(MalformedResponseError, match=says)
        with Mistral(KEY, server.url, retry=FAST_RETRY) as client, refused:
            client.files.retrieve("file-1")

        async def in_async() -> None:
            async with AsyncMistral(KEY, server.url, retry=FAST_RETRY) as client:
                with pytest.raises(MalformedResponseError, match=says):
                    await client.files.retrieve("file-1")

        asyncio.run(in_async())
    # A broken answer may come right the next time: each client tried as its policy allows.
    assert len(server.received) == 2 * FAST_RETRY.max_attempts
