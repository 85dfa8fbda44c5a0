"""Every response is closed as soon as the client is done with it, sync and async.

An error body read for its message, an error body too long to read whole, and each
response of a download that was cut and resumed: none may keep its connection once the
call has returned. `responses_closed` (tests/conftest.py) holds the responses still open;
it is checked right after each call, while the client is still open, so that closing the
client cannot hide a leak.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from hostile import Hostile, Received, answer
from reliability_helpers import FAST_RETRY, chat, fast_client, jsonl, served

from mistral_batch import AsyncMistral, BadRequestError, Mistral, NotFoundError
from mistral_batch._answers import MAX_ERROR_BODY
from mistral_batch.emulator import Emulator

LINES = jsonl([chat(str(i), "x" * 200) for i in range(40)])
#: An error body four times longer than the client reads of one.
LONG_ERROR = b'{"message": "' + b"x" * (4 * MAX_ERROR_BODY) + b'"}'

KEY = "sk-closed-responses-0123456789"


def fast_client_at(url: str) -> Mistral:
    """A client of a hand-made server on loopback, retrying at once."""
    return Mistral(api_key=KEY, server_url=url, retry=FAST_RETRY)


def _long_error(request: Received, conn: socket.socket) -> None:
    answer(conn, 400, LONG_ERROR)


def test_sync_an_error_body_read_for_its_message_is_closed(
    emu: Emulator, responses_closed: dict[int, str]
) -> None:
    with fast_client(emu) as client:
        with pytest.raises(NotFoundError):
            client.files.retrieve("no-such-file")
        assert responses_closed == {}


def test_async_an_error_body_read_for_its_message_is_closed(
    emu: Emulator, responses_closed: dict[int, str]
) -> None:
    async def scenario() -> None:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
            with pytest.raises(NotFoundError):
                await c.files.retrieve("no-such-file")
            assert responses_closed == {}

    asyncio.run(scenario())


def test_sync_an_error_body_too_long_to_read_whole_is_closed(
    responses_closed: dict[int, str],
) -> None:
    with Hostile(_long_error) as server:
        with fast_client_at(server.url) as client, pytest.raises(BadRequestError):
            client.files.retrieve("some-file")
        assert responses_closed == {}


def test_async_an_error_body_too_long_to_read_whole_is_closed(
    responses_closed: dict[int, str],
) -> None:
    async def scenario(url: str) -> None:
        async with AsyncMistral(api_key=KEY, server_url=url) as c:
            with pytest.raises(BadRequestError):
                await c.files.retrieve("some-file")
            assert responses_closed == {}

    with Hostile(_long_error) as server:
        asyncio.run(scenario(server.url))


def _cut_download(emu: Emulator) -> str:
    """A file whose next download is cut after 100 bytes, so that it must resume."""
    with fast_client(emu) as setup:
        file_id = setup.files.upload(LINES, file_name="cut.jsonl").id
    emu.inject("download_file", drop_after=100)
    return file_id


@pytest.mark.parametrize("how", ["read", "iterate", "write_to"])
def test_sync_a_resumed_download_closes_both_responses(
    emu: Emulator, responses_closed: dict[int, str], tmp_path: Path, how: str
) -> None:
    file_id = _cut_download(emu)
    before = served(emu, "download_file")
    with fast_client(emu) as client:
        download = client.files.download(file_id)
        if how == "read":
            data = download.read()
        elif how == "iterate":
            data = b"".join(download)
        else:
            assert download.write_to(tmp_path / "out.jsonl") == len(LINES)
            data = (tmp_path / "out.jsonl").read_bytes()
        assert data == LINES
        assert served(emu, "download_file") - before == 2, "the download was resumed once"
        assert responses_closed == {}


@pytest.mark.parametrize("how", ["read", "iterate", "write_to"])
def test_async_a_resumed_download_closes_both_responses(
    emu: Emulator, responses_closed: dict[int, str], tmp_path: Path, how: str
) -> None:
    file_id = _cut_download(emu)
    before = served(emu, "download_file")

    async def scenario() -> bytes:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
            download = await c.files.download(file_id)
            if how == "read":
                data = await download.read()
            elif how == "iterate":
                data = b"".join([chunk async for chunk in download])
            else:
                assert await download.write_to(tmp_path / "out.jsonl") == len(LINES)
                data = (tmp_path / "out.jsonl").read_bytes()
            assert responses_closed == {}
            return data

    assert asyncio.run(scenario()) == LINES
    assert served(emu, "download_file") - before == 2, "the download was resumed once"
