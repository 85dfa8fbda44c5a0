"""Thousands of concurrent calls on one client: they queue in the client, not in httpx's
pool, none fails for having waited, and no more than max_concurrency are ever in flight.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from mistral_batch import APITimeoutError, AsyncMistral, InputError, Mistral
from mistral_batch._limiter import AsyncGate, Gate, Slot, check_max_concurrency
from mistral_batch.emulator import Emulator

MODEL = "mistral-small-latest"
REQUEST = {"custom_id": "0", "body": {"messages": [{"role": "user", "content": "hi"}]}}


@pytest.fixture(scope="module")
def job_id(emulator: Emulator) -> str:
    with Mistral(api_key=emulator.api_key, server_url=emulator.url) as client:
        return client.batch.jobs.create(requests=[REQUEST], model=MODEL).id


# The gate itself


def test_max_concurrency_must_be_a_positive_whole_number(emu: Emulator) -> None:
    assert check_max_concurrency(None) == 64
    assert check_max_concurrency(1) == 1
    for bad in (0, -3, 2.5, True, "8"):
        with pytest.raises(InputError, match="max_concurrency") as caught:
            Mistral(api_key="k", server_url=emu.url, max_concurrency=bad)  # type: ignore[arg-type]
        assert caught.value.field == "max_concurrency"
        with pytest.raises(InputError, match="max_concurrency"):
            AsyncMistral(api_key="k", server_url=emu.url, max_concurrency=bad)  # type: ignore[arg-type]


def test_a_slot_is_let_go_once_however_often_it_is_released() -> None:
    gate = Gate(1)
    slot = gate.enter()
    assert slot is not None
    assert gate.enter(deadline=time.monotonic()) is None  # full: no wait past the deadline
    slot.release()
    slot.release()  # a second release must not make room for two
    again = gate.enter()
    assert again is not None
    assert gate.enter(deadline=time.monotonic()) is None


def test_a_response_lets_its_slot_go_when_closed_or_at_once_if_already_read() -> None:
    freed: list[str] = []
    request = httpx.Request("GET", "http://127.0.0.1/")
    streamed = httpx.Response(200, stream=httpx.ByteStream(b"body"), request=request)
    streamed.stream = _Unread([b"bo", b"dy"])
    Slot(lambda: freed.append("streamed")).held_by(streamed)
    assert freed == []
    assert streamed.read() == b"body"  # read to its end, it closes itself
    assert freed == ["streamed"]
    whole = httpx.Response(200, content=b"body", request=request)
    Slot(lambda: freed.append("whole")).held_by(whole)
    assert freed == ["streamed", "whole"]


class _Unread(httpx.SyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks


def test_the_async_gate_serves_a_client_across_event_loops() -> None:
    gate = AsyncGate(2)

    async def use() -> int:
        slots = [await gate.enter(), await gate.enter()]
        assert await gate.enter(deadline=time.monotonic() + 0.01) is None
        for slot in slots:
            assert slot is not None
            slot.release()
        return 2

    assert asyncio.run(use()) == 2
    assert asyncio.run(use()) == 2  # a second loop: no "bound to a different event loop"


# Against the emulator: many calls, a small pool, no error


def test_2000_concurrent_gets_on_a_small_pool_of_our_own_all_succeed(
    emu: Emulator, job_id: str
) -> None:
    emu.reset_stats()

    async def scenario() -> list[str]:
        async with AsyncMistral(
            api_key=emu.api_key, server_url=emu.url, max_retries=0, max_concurrency=8
        ) as client:
            jobs = await asyncio.gather(*(client.batch.jobs.get(job_id) for _ in range(2000)))
        return [job.id for job in jobs]

    assert asyncio.run(scenario()) == [job_id] * 2000
    assert emu.stats.requests.get("get_batch_job") == 2000  # not one retried


def test_a_pool_of_the_users_with_a_tiny_pool_timeout_never_times_out(
    emu: Emulator, job_id: str
) -> None:
    # Without the gate, 500 calls queued in a pool of 4 connections wait far longer
    # than 0.2 s for one: most would end in PoolTimeout.
    emu.reset_stats()
    limits = httpx.Limits(max_connections=4)
    timeout = httpx.Timeout(30.0, pool=0.2)

    async def scenario() -> int:
        async with (
            httpx.AsyncClient(limits=limits, timeout=timeout) as http,
            AsyncMistral(
                api_key=emu.api_key,
                server_url=emu.url,
                http_client=http,
                max_retries=0,
                max_concurrency=4,
            ) as client,
        ):
            jobs = await asyncio.gather(*(client.batch.jobs.get(job_id) for _ in range(500)))
        return len(jobs)

    assert asyncio.run(scenario()) == 500
    assert emu.stats.requests.get("get_batch_job") == 500


def test_threads_sharing_a_client_wait_their_turn_without_error(emu: Emulator, job_id: str) -> None:
    # Each answer takes 50 ms; 8 threads on 2 connections would wait in the pool for
    # longer than its 0.05 s timeout, were they not queued before it.
    emu.inject(operation="get_batch_job", delay=0.05, count=None)
    emu.reset_stats()
    limits = httpx.Limits(max_connections=2)
    with (
        httpx.Client(limits=limits, timeout=httpx.Timeout(30.0, pool=0.05)) as http,
        Mistral(
            api_key=emu.api_key,
            server_url=emu.url,
            http_client=http,
            max_retries=0,
            max_concurrency=2,
        ) as client,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        ids = list(pool.map(lambda _: client.batch.jobs.get(job_id).id, range(32)))
    assert ids == [job_id] * 32
    assert emu.stats.requests.get("get_batch_job") == 32


# At most max_concurrency in flight, counted by the server


class _Counting(ThreadingHTTPServer):
    """Answers every GET with `body` after a pause, counting the requests it holds."""

    daemon_threads = True

    def __init__(self, body: bytes) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.body = body
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.served = 0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Counting

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.now += 1
            self.server.most = max(self.server.most, self.server.now)
        time.sleep(0.01)  # long enough for the others to pile up, were they let through
        with self.server.lock:
            self.server.now -= 1
            self.server.served += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def counting(emulator: Emulator, job_id: str) -> Iterator[_Counting]:
    answer = httpx.get(
        f"{emulator.url}/v1/batch/jobs/{job_id}",
        headers={"Authorization": f"Bearer {emulator.api_key}"},
    )
    server = _Counting(json.dumps(answer.json()).encode())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _url(server: _Counting) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_async_at_most_max_concurrency_requests_reach_the_server(
    counting: _Counting, job_id: str
) -> None:
    async def scenario() -> None:
        async with AsyncMistral(
            api_key="k", server_url=_url(counting), max_retries=0, max_concurrency=5
        ) as client:
            await asyncio.gather(*(client.batch.jobs.get(job_id) for _ in range(100)))

    asyncio.run(scenario())
    assert counting.served == 100
    assert counting.most == 5  # the bound holds, and is used in full


def test_sync_at_most_max_concurrency_requests_reach_the_server(
    counting: _Counting, job_id: str
) -> None:
    with (
        Mistral(api_key="k", server_url=_url(counting), max_retries=0, max_concurrency=3) as client,
        ThreadPoolExecutor(max_workers=12) as pool,
    ):
        list(pool.map(lambda _: client.batch.jobs.get(job_id), range(120)))
    assert counting.served == 120
    assert counting.most == 3


# A download holds its place until it is read or closed


def _uploaded(emu: Emulator) -> str:
    with Mistral(api_key=emu.api_key, server_url=emu.url) as client:
        return client.files.upload(json.dumps(REQUEST).encode() + b"\n", file_name="a.jsonl").id


def test_async_an_open_download_holds_its_place(emu: Emulator) -> None:
    file_id = _uploaded(emu)

    async def scenario() -> None:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, max_concurrency=1) as c:
            download = await c.files.download(file_id)
            waiting = asyncio.create_task(c.files.retrieve(file_id))
            await asyncio.sleep(0.3)
            assert not waiting.done()  # its turn cannot come while the download is open
            with pytest.raises(APITimeoutError), c.deadline(0.2):
                await c.files.retrieve(file_id)  # a deadline still holds in the queue
            await download.read()  # read to its end, the download lets its place go
            assert (await waiting).id == file_id

    asyncio.run(scenario())


def test_sync_an_open_download_holds_its_place(emu: Emulator) -> None:
    file_id = _uploaded(emu)
    with Mistral(api_key=emu.api_key, server_url=emu.url, max_concurrency=1) as c:
        download = c.files.download(file_id)
        with ThreadPoolExecutor(max_workers=1) as pool:
            waiting = pool.submit(c.files.retrieve, file_id)
            time.sleep(0.3)
            assert not waiting.done()
            with pytest.raises(APITimeoutError), c.deadline(0.2):
                c.files.retrieve(file_id)
            download.close()  # closed unread, it lets its place go too
            assert waiting.result(timeout=10).id == file_id
