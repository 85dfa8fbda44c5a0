"""Limits at their edges, sync and async: a page of at most `limit` jobs, an input of
exactly the size limit (and one byte more), an upload of what is left of a stream.
"""

from __future__ import annotations

import asyncio
import io
import json
import secrets
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from mistral_batch import (
    AsyncMistral,
    AsyncPaginator,
    BadRequestError,
    InputError,
    Mistral,
    Page,
    RetryPolicy,
    SyncPaginator,
    check_input_file,
    write_requests,
)
from mistral_batch._input import MAX_INPUT_BYTES, check_input_data
from mistral_batch._upload import File, Multipart, upload_source
from mistral_batch.emulator import Emulator

from .conftest import FAST_RETRY

MODEL = "mistral-small-latest"


def chat(i: int) -> dict[str, Any]:
    return {"custom_id": f"r{i}", "body": {"messages": [{"role": "user", "content": str(i)}]}}


def jsonl(requests: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in requests)


LINES = jsonl([chat(i) for i in range(10)])
HEAD = b"".join(LINES.splitlines(keepends=True)[:3])  # three lines a caller already read


# --- batch.list(limit=k): at most k jobs, the newest first -----------------------------------


@pytest.fixture(scope="module")
def five_jobs(emulator: Emulator) -> tuple[dict[str, str], list[str]]:
    """Five jobs under one tag, newest first."""
    tag = {"bounds": secrets.token_hex(4)}
    with Mistral(api_key=emulator.api_key, server_url=emulator.url, retry=FAST_RETRY) as c:
        made = [
            c.batch.jobs.create(requests=[chat(i)], model=MODEL, metadata=tag).id for i in range(5)
        ]
    return tag, made[::-1]


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5, 6])
def test_sync_list_gives_at_most_limit_jobs(
    client: Mistral, five_jobs: tuple[dict[str, str], list[str]], limit: int
) -> None:
    tag, newest_first = five_jobs
    # Pages of two jobs, so that a limit falls inside, and at the end of, Mistral's pages.
    page = client.batch.list(limit=limit, metadata=tag, page_size=2)
    assert [b.id for b in page] == newest_first[:limit]
    assert page.has_more is (limit < 5)


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5, 6])
def test_async_list_gives_at_most_limit_jobs(
    emu: Emulator, five_jobs: tuple[dict[str, str], list[str]], limit: int
) -> None:
    tag, newest_first = five_jobs

    async def scenario() -> None:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
            page = await c.batch.list(limit=limit, metadata=tag, page_size=2)
            assert [b.id for b in page] == newest_first[:limit]
            assert page.has_more is (limit < 5)
            after = await c.batch.list(limit=limit, after=newest_first[0], metadata=tag)
            assert [b.id for b in after] == newest_first[1 : 1 + limit]

    asyncio.run(scenario())


def _pages(n: int, size: int) -> list[Page[int]]:
    items = list(range(n))
    return [Page(items=items[i : i + size], page=i // size, total=n) for i in range(0, n, size)]


@pytest.mark.parametrize("limit", [0, 1, 2, 3, 5, 7, 8])
def test_both_paginators_stop_at_the_limit_and_fetch_no_page_beyond(limit: int) -> None:
    pages = _pages(7, 2)
    fetched: list[int] = []

    def fetch(page: int, page_size: int) -> Page[int]:
        fetched.append(page)
        return pages[page]

    async def afetch(page: int, page_size: int) -> Page[int]:
        return fetch(page, page_size)

    async def walk() -> list[int]:
        return [i async for i in AsyncPaginator(afetch, page_size=2, limit=limit)]

    expected = list(range(min(limit, 7)))
    needed = list(range((min(limit, 7) + 1) // 2))  # the pages that hold those items
    assert list(SyncPaginator(fetch, page_size=2, limit=limit)) == expected
    assert fetched == needed
    fetched.clear()
    assert asyncio.run(walk()) == expected
    assert fetched == needed


# --- An input of exactly the size limit is accepted; one byte more is refused -----------------


def _exactly(size: int) -> bytes:
    """One valid request line of exactly `size` bytes, newline included."""
    # Compact, as write_requests encodes a request.
    line = b'{"custom_id":"a","body":{"pad":""}}\n'
    return line.replace(b'"pad":""', b'"pad":"' + b"x" * (size - len(line)) + b'"')


def test_input_data_of_exactly_the_limit_is_accepted_and_one_byte_more_refused() -> None:
    data = _exactly(300)
    assert len(data) == 300
    assert check_input_data(data, max_bytes=300).bytes == 300
    assert check_input_data(io.BytesIO(data), max_bytes=300).bytes == 300
    with pytest.raises(InputError, match="over the 299 accepted"):
        check_input_data(data, max_bytes=299)
    with pytest.raises(InputError, match="over 299 bytes"):
        check_input_data(io.BytesIO(data), max_bytes=299)


def test_an_input_file_of_exactly_the_limit_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(_exactly(300))
    assert check_input_file(path, max_bytes=300).bytes == 300
    with pytest.raises(InputError, match="the file is 300 bytes, over the 299 accepted"):
        check_input_file(path, max_bytes=299)


def test_written_requests_of_exactly_the_limit_are_accepted(tmp_path: Path) -> None:
    data = _exactly(300)
    request = json.loads(data)
    assert write_requests([request], tmp_path / "in.jsonl", max_bytes=300).bytes == 300
    assert (tmp_path / "in.jsonl").read_bytes() == data
    with pytest.raises(InputError, match="would exceed 299 bytes"):
        write_requests([request], tmp_path / "again.jsonl", max_bytes=299)
    assert not (tmp_path / "again.jsonl").exists()


class _Zeros(io.RawIOBase):
    """`size` zero bytes from a stream that cannot tell its size (no seek), in no memory."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n


def _streamed(size: int) -> int:
    """How many of the file's bytes a multipart body of a `size`-byte stream carries."""
    source = upload_source(File(file_name="big.jsonl", content=io.BufferedReader(_Zeros(size))))
    assert source.size is None  # so that the limit is checked as the bytes go out
    body = Multipart(fields=[], source=source)
    sent = sum(len(chunk) for chunk in body)
    return sent - len(body._head()) - len(body._tail())


def test_an_upload_of_unknown_size_may_reach_the_limit_but_not_pass_it() -> None:
    assert _streamed(MAX_INPUT_BYTES) == MAX_INPUT_BYTES
    with pytest.raises(InputError, match="larger than the 512 MB limit"):
        _streamed(MAX_INPUT_BYTES + 1)


@pytest.fixture
def sparse(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """Two files taking no disk: exactly the upload limit, and one byte more."""
    exact, over = tmp_path / "exact.jsonl", tmp_path / "over.jsonl"
    for path, size in ((exact, MAX_INPUT_BYTES), (over, MAX_INPUT_BYTES + 1)):
        with path.open("wb") as f:
            f.truncate(size)
    yield exact, over


class _Drain:
    """A loopback server that reads each request's body to its end, counting its bytes,
    and answers 400: enough to see what a client sent, without keeping any of it."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(30)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.announced: list[int] = []
        self.received: list[int] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(30)
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, rest = data.partition(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            self.announced.append(length)
            got, buffer = len(rest), bytearray(1 << 20)
            while got < length and (n := conn.recv_into(buffer)):
                got += n
            self.received.append(got)
            body = b'{"message": "drained"}'
            conn.sendall(
                b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
            )

    def close(self) -> None:
        self.listener.close()
        self.thread.join(timeout=30)


@pytest.fixture
def drain() -> Iterator[_Drain]:
    server = _Drain()
    yield server
    server.close()


def test_sync_a_file_of_exactly_the_limit_is_sent_whole(
    sparse: tuple[Path, Path], drain: _Drain
) -> None:
    exact, _ = sparse
    one_try = RetryPolicy(max_attempts=1)
    key, url = "sk-bounds-0123456789", drain.url
    with Mistral(api_key=key, server_url=url, retry=one_try) as c, pytest.raises(BadRequestError):
        c.files.upload(exact)
    assert drain.received == drain.announced
    assert drain.announced[0] > MAX_INPUT_BYTES


def test_async_a_file_of_exactly_the_limit_is_sent_whole(
    sparse: tuple[Path, Path], drain: _Drain
) -> None:
    exact, _ = sparse
    one_try = RetryPolicy(max_attempts=1)

    async def scenario() -> None:
        key, url = "sk-bounds-0123456789", drain.url
        async with AsyncMistral(api_key=key, server_url=url, retry=one_try) as c:
            with pytest.raises(BadRequestError, match="drained"):
                await c.files.upload(exact)

    asyncio.run(scenario())
    assert drain.received == drain.announced
    assert drain.announced[0] > MAX_INPUT_BYTES


def test_sync_a_file_one_byte_over_the_limit_is_refused_unsent(
    emu: Emulator, client: Mistral, sparse: tuple[Path, Path]
) -> None:
    _, over = sparse
    before = emu.stats.requests.get("upload_file", 0)
    with pytest.raises(InputError, match=f"{MAX_INPUT_BYTES + 1} bytes"):
        client.files.upload(over)
    assert emu.stats.requests.get("upload_file", 0) == before


def test_async_a_file_one_byte_over_the_limit_is_refused_unsent(
    emu: Emulator, sparse: tuple[Path, Path]
) -> None:
    _, over = sparse
    before = emu.stats.requests.get("upload_file", 0)

    async def scenario() -> None:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
            with pytest.raises(InputError, match=f"{MAX_INPUT_BYTES + 1} bytes"):
                await c.files.upload(over)

    asyncio.run(scenario())
    assert emu.stats.requests.get("upload_file", 0) == before


# --- An upload from a stream already partly read sends what is left -------------------------


class _Pipe(io.RawIOBase):
    """A stream that cannot seek, as a pipe: its size is unknown until read."""

    def __init__(self, data: bytes) -> None:
        self.inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self.inner.readinto(buffer)


def _partly_read(kind: str) -> IO[bytes]:
    stream: IO[bytes] = io.BytesIO(LINES) if kind == "seekable" else io.BufferedReader(_Pipe(LINES))
    for _ in range(3):
        stream.readline()
    return stream


@pytest.mark.parametrize("kind", ["seekable", "pipe"])
def test_the_length_announced_for_a_partly_read_stream_is_what_is_left(kind: str) -> None:
    body = Multipart(fields=[], source=upload_source(File("in.jsonl", _partly_read(kind))))
    sent = b"".join(body)
    assert sent[len(body._head()) : len(sent) - len(body._tail())] == LINES[len(HEAD) :]
    # A stream that can seek announces what is left of it; a pipe, nothing (chunked).
    assert body.content_length == (len(sent) if kind == "seekable" else None)


@pytest.mark.parametrize("kind", ["seekable", "pipe"])
def test_sync_an_upload_from_a_partly_read_stream_sends_the_rest(
    client: Mistral, kind: str
) -> None:
    uploaded = client.files.upload(File("in.jsonl", _partly_read(kind)))
    assert (uploaded.bytes, uploaded.num_lines) == (len(LINES) - len(HEAD), 7)
    assert client.files.download(uploaded.id).read() == LINES[len(HEAD) :]


@pytest.mark.parametrize("kind", ["seekable", "pipe"])
def test_async_an_upload_from_a_partly_read_stream_sends_the_rest(emu: Emulator, kind: str) -> None:
    async def scenario() -> None:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
            uploaded = await c.files.upload(File("in.jsonl", _partly_read(kind)))
            assert (uploaded.bytes, uploaded.num_lines) == (len(LINES) - len(HEAD), 7)
            assert await (await c.files.download(uploaded.id)).read() == LINES[len(HEAD) :]

    asyncio.run(scenario())
