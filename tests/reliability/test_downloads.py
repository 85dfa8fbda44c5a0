"""Downloads cut at random offsets: the file ends byte-identical, or the call raises and
the destination path holds what it held before, never a part of the new file."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reliability_helpers import FAST_RETRY, examples, fast_client

from mistral_batch import (
    APIConnectionError,
    AsyncMistral,
    IncompleteDownloadError,
    Mistral,
)
from mistral_batch.emulator import Emulator

SIZE = 300_001
OLD = b"the previous content of the destination\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def blob(emulator: Emulator) -> Iterator[tuple[str, bytes]]:
    data = os.urandom(SIZE)
    with fast_client(emulator) as client:
        yield client.files.upload(data, file_name="blob.bin").id, data


def fresh_folder(base: Path, name: str) -> Path:
    folder = base / name
    folder.mkdir()
    (folder / "copy.bin").write_bytes(OLD)
    return folder


def check_outcome(folder: Path, data: bytes, outcome: int | BaseException, recorder: Any) -> bool:
    """Whole or untouched, with no temporary file left; True when the download succeeded."""
    assert [p.name for p in folder.iterdir()] == ["copy.bin"], "a temporary file was left"
    content = (folder / "copy.bin").read_bytes()
    whole = sha256(content) == sha256(data)
    recorder.loss("downloads checked for a partial file", 1, 0 if whole or content == OLD else 1)
    if isinstance(outcome, BaseException):
        assert isinstance(outcome, APIConnectionError | IncompleteDownloadError), outcome
        assert content == OLD, "a failed download changed the destination"
        return False
    assert outcome == len(data) and whole
    return True


cut_offsets = st.lists(st.integers(min_value=0, max_value=SIZE - 1), min_size=1, max_size=6)


@pytest.mark.parametrize("range_support", [True, False], ids=["range-honoured", "range-ignored"])
@examples(30)
@given(cuts=cut_offsets)
def test_a_download_cut_anywhere_is_whole_or_absent(
    emu: Emulator,
    client: Mistral,
    blob: tuple[str, bytes],
    tmp_path_factory: pytest.TempPathFactory,
    recorder: Any,
    range_support: bool,
    cuts: list[int],
) -> None:
    file_id, data = blob
    emu.clear_faults()
    emu.set_range_support(range_support)
    for offset in cuts:  # one cut per response, in this order
        emu.inject("download_file", drop_after=offset)
    folder = fresh_folder(tmp_path_factory.mktemp("cut"), "out")
    mode = "Range honoured" if range_support else "Range ignored"
    recorder.tried_one("Property examples", f"download cut at random offsets, {mode}")

    outcome: int | BaseException
    try:
        outcome = client.files.download(file_id).write_to(folder / "copy.bin")
    except Exception as exc:
        outcome = exc
    succeeded = check_outcome(folder, data, outcome, recorder)
    if len(cuts) < FAST_RETRY.max_attempts:
        # Fewer cuts than attempts: it must have come through.
        assert succeeded


def test_a_download_that_never_gets_through_leaves_the_old_file(
    emu: Emulator, client: Mistral, blob: tuple[str, bytes], tmp_path: Path, recorder: Any
) -> None:
    file_id, data = blob
    emu.set_range_support(False)  # so that every attempt is cut, not only the first
    emu.inject("download_file", drop_after=SIZE // 2, count=None)
    folder = fresh_folder(tmp_path, "out")
    with pytest.raises(APIConnectionError) as caught:
        client.files.download(file_id).write_to(folder / "copy.bin")
    assert not check_outcome(folder, data, caught.value, recorder)
    assert "interrupted" in str(caught.value)


def test_a_cut_signed_download_resumes(
    emu: Emulator, client: Mistral, blob: tuple[str, bytes], tmp_path: Path, recorder: Any
) -> None:
    file_id, data = blob
    signed = client.files.get_signed_url(file_id, expiry=1)
    emu.inject("signed_download", drop_after=1234, count=2)
    folder = fresh_folder(tmp_path, "out")
    outcome = client.files.download_signed_url(signed).write_to(folder / "copy.bin")
    assert check_outcome(folder, data, outcome, recorder)


@pytest.mark.parametrize("range_support", [True, False], ids=["range-honoured", "range-ignored"])
@examples(8)
@given(cuts=st.lists(st.integers(min_value=0, max_value=SIZE - 1), min_size=1, max_size=3))
def test_the_async_client_resumes_cut_downloads_too(
    emu: Emulator,
    blob: tuple[str, bytes],
    tmp_path_factory: pytest.TempPathFactory,
    recorder: Any,
    range_support: bool,
    cuts: list[int],
) -> None:
    file_id, data = blob
    emu.clear_faults()
    emu.set_range_support(range_support)
    for offset in cuts:
        emu.inject("download_file", drop_after=offset)
    folder = fresh_folder(tmp_path_factory.mktemp("cut"), "out")
    recorder.tried_one("Property examples", "async download cut at random offsets")

    async def fetch() -> int:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
            download = await c.files.download(file_id)
            return await download.write_to(folder / "copy.bin")

    assert check_outcome(folder, data, asyncio.run(fetch()), recorder)
