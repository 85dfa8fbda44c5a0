"""Files write_to creates are their owner's alone (0o600) unless the caller asks otherwise."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from mistral_batch import AsyncMistral, File, Mistral
from mistral_batch.emulator import Emulator

from .conftest import FAST_RETRY

DATA = b'{"custom_id": "a", "body": {}}\n'


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("umask_022")
def test_write_to_makes_private_files_unless_asked(client: Mistral, tmp_path: Path) -> None:
    file_id = client.files.upload(File(file_name="a.jsonl", content=DATA)).id
    private, shared = tmp_path / "private.jsonl", tmp_path / "shared.jsonl"
    assert client.files.download(file_id).write_to(private) == len(DATA)
    assert client.files.download(file_id).write_to(shared, mode=0o644) == len(DATA)
    assert (mode_of(private), mode_of(shared)) == (0o600, 0o644)
    # Replacing a file that others could read leaves one that they cannot.
    client.files.download(file_id).write_to(shared)
    assert mode_of(shared) == 0o600
    assert shared.read_bytes() == DATA


@pytest.mark.usefixtures("umask_022")
def test_async_write_to_makes_private_files_unless_asked(emu: Emulator, tmp_path: Path) -> None:
    private, shared = tmp_path / "private.jsonl", tmp_path / "shared.jsonl"

    async def scenario() -> None:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
            file_id = (await c.files.upload(File(file_name="a.jsonl", content=DATA))).id
            assert await (await c.files.download(file_id)).write_to(private) == len(DATA)
            await (await c.files.download(file_id)).write_to(shared, mode=0o666)

    asyncio.run(scenario())
    # 0o666 asks for the umask's choice alone.
    assert (mode_of(private), mode_of(shared)) == (0o600, 0o644)
    assert private.read_bytes() == shared.read_bytes() == DATA


def test_a_failing_progress_callback_leaves_no_response_open(emu: Emulator, tmp_path: Path) -> None:
    # The open-response check of tests/conftest.py fails this test if the body is left.
    def fail(received: int, total: int | None) -> None:
        raise RuntimeError("the callback broke")

    with Mistral(api_key=emu.api_key, server_url=emu.url) as client:
        file_id = client.files.upload(b'{"a": 1}\n' * 1000, file_name="x.jsonl").id
        with pytest.raises(RuntimeError, match="callback broke"):
            client.files.download(file_id).write_to(tmp_path / "x.jsonl", progress=fail)

    async def in_async() -> None:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url) as aclient:
            download = await aclient.files.download(file_id)
            with pytest.raises(RuntimeError, match="callback broke"):
                await download.write_to(tmp_path / "y.jsonl", progress=fail)
            # At once, not when the event loop finalizes the abandoned generator.
            assert download.response.is_closed

    asyncio.run(in_async())
    assert not (tmp_path / "x.jsonl").exists() and not (tmp_path / "y.jsonl").exists()
