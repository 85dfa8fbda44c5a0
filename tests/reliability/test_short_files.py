"""Files that come short while every answer agrees with the cut: never taken as whole.

A download is checked against the file's size from its metadata, and a result file's
lines against the job's counters; the destination of write_to holds the whole file or
what it held before. The emulator's `truncate` fault plays a proxy that cuts a body and
sends the matching Content-Length; short_files.py plays close-delimited cuts, servers
that send too much, and result files shorter than their job.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from reliability_helpers import FAST_RETRY, fast_client, served
from short_files import JOB_ID, KEY, OUTPUT_ID, Behaviour, ShortFiles, lines

from mistral_batch import AsyncMistral, IncompleteDownloadError, Mistral
from mistral_batch.emulator import Emulator

SIDES = ["sync", "async"]
HELLO = {"role": "user", "content": "hello"}
OLD = b"what the destination held before\n"


def read(url: str, key: str, file_id: str, side: str) -> bytes:
    """The file's content through files.download(...).read(), on one side."""
    if side == "sync":
        with Mistral(api_key=key, server_url=url, retry=FAST_RETRY) as client:
            return client.files.download(file_id).read()

    async def main() -> bytes:
        async with AsyncMistral(api_key=key, server_url=url, retry=FAST_RETRY) as client:
            return await (await client.files.download(file_id)).read()

    return asyncio.run(main())


def write(url: str, key: str, file_id: str, side: str, path: Path) -> int:
    """files.download(...).write_to(path), on one side."""
    if side == "sync":
        with Mistral(api_key=key, server_url=url, retry=FAST_RETRY) as client:
            return client.files.download(file_id).write_to(path)

    async def main() -> int:
        async with AsyncMistral(api_key=key, server_url=url, retry=FAST_RETRY) as client:
            return await (await client.files.download(file_id)).write_to(path)

    return asyncio.run(main())


def results(url: str, side: str) -> list[str]:
    """The custom_ids of jobs.results(JOB_ID), read to the end, on one side."""
    if side == "sync":
        with Mistral(api_key=KEY, server_url=url, retry=FAST_RETRY) as client:
            return [r.custom_id for r in client.batch.jobs.results(JOB_ID)]

    async def main() -> list[str]:
        async with AsyncMistral(api_key=KEY, server_url=url, retry=FAST_RETRY) as client:
            return [r.custom_id async for r in await client.batch.jobs.results(JOB_ID)]

    return asyncio.run(main())


@pytest.fixture
def stored(emu: Emulator) -> tuple[str, bytes]:
    data = os.urandom(200_001)
    with fast_client(emu) as client:
        return client.files.upload(data, file_name="blob.bin").id, data


# --- A cut whose Content-Length agrees --------------------------------------------------


@pytest.mark.parametrize("side", SIDES)
def test_a_cut_that_announces_its_own_length_is_resumed(
    emu: Emulator, stored: tuple[str, bytes], side: str, recorder: Any
) -> None:
    file_id, data = stored
    emu.inject("download_file", truncate=True)  # half the body, Content-Length to match
    before = served(emu, "download_file")

    got = read(emu.url, emu.api_key, file_id, side)

    recorder.loss("downloads checked for a partial file", 1, 0 if got == data else 1)
    assert got == data
    assert served(emu, "download_file") - before == 2, "the rest, asked for with Range"


@pytest.mark.parametrize("side", SIDES)
def test_a_cut_that_lasts_leaves_the_destination_as_it_was(
    emu: Emulator, stored: tuple[str, bytes], side: str, tmp_path: Path
) -> None:
    file_id, _ = stored
    target = tmp_path / "copy.bin"
    target.write_bytes(OLD)
    emu.inject("download_file", truncate=True, count=None)

    with pytest.raises(IncompleteDownloadError) as caught:
        write(emu.url, emu.api_key, file_id, side, target)

    assert caught.value.expected == 200_001
    assert caught.value.received is not None and caught.value.received < 200_001
    assert target.read_bytes() == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["copy.bin"]


# --- Close-delimited bodies, and bodies that say too much -------------------------------


@pytest.mark.parametrize("side", SIDES)
def test_a_close_delimited_body_cut_short_is_resumed(side: str) -> None:
    content = lines(50)
    half = len(content) // 2 + 1
    behaviour = Behaviour(content=content, meta_bytes=len(content), cut_at=half, length=False)
    with ShortFiles(behaviour) as server:
        got = read(server.url, KEY, OUTPUT_ID, side)
    assert got == content
    assert server.downloads() == 2, "the first answer stops half way; a Range asks the rest"


@pytest.mark.parametrize("side", SIDES)
def test_a_close_delimited_body_cut_every_time_is_an_error(side: str, tmp_path: Path) -> None:
    content = lines(50)
    behaviour = Behaviour(
        content=content, meta_bytes=len(content), cut_at=100, length=False, ranges=False
    )
    target = tmp_path / "out.jsonl"
    with ShortFiles(behaviour) as server, pytest.raises(IncompleteDownloadError):
        write(server.url, KEY, OUTPUT_ID, side, target)
    assert not target.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("side", SIDES)
def test_more_bytes_than_the_file_holds_is_an_error(side: str) -> None:
    content = lines(5)
    behaviour = Behaviour(content=content, meta_bytes=len(content) - 10)
    with ShortFiles(behaviour) as server, pytest.raises(IncompleteDownloadError) as caught:
        read(server.url, KEY, OUTPUT_ID, side)
    assert caught.value.expected == len(content) - 10


@pytest.mark.parametrize("side", SIDES)
def test_without_a_size_in_the_metadata_the_announced_length_is_checked(side: str) -> None:
    content = lines(5)
    with ShortFiles(Behaviour(content=content, meta_bytes=None)) as server:
        assert read(server.url, KEY, OUTPUT_ID, side) == content


# --- Result files shorter than their job ------------------------------------------------


@pytest.mark.parametrize("side", SIDES)
def test_a_result_file_shorter_than_its_job_is_an_error(side: str, recorder: Any) -> None:
    # The file and its metadata agree on 2 lines; the job counts 3 successes.
    content = lines(2)
    behaviour = Behaviour(content=content, meta_bytes=len(content), succeeded=3)
    with ShortFiles(behaviour) as server, pytest.raises(IncompleteDownloadError) as caught:
        results(server.url, side)
    recorder.loss("result files checked against their job's counts", 1, 0)
    assert (caught.value.expected, caught.value.received) == (3, 2)
    assert "holds 2 results where the job counts 3" in str(caught.value)


@pytest.mark.parametrize("side", SIDES)
def test_a_result_file_as_long_as_its_job_reads_to_the_end(side: str) -> None:
    content = lines(3)
    behaviour = Behaviour(content=content, meta_bytes=len(content), succeeded=3)
    with ShortFiles(behaviour) as server:
        assert results(server.url, side) == ["r0", "r1", "r2"]


# --- The command reports what is on disk ------------------------------------------------


def test_the_command_reports_the_lines_on_disk_and_fails(tmp_path: Path, recorder: Any) -> None:
    pytest.importorskip("mistral_batch.cli")
    (tmp_path / "in.jsonl").write_bytes(
        b"".join(
            json.dumps({"custom_id": f"r{i}", "body": {"messages": [HELLO]}}).encode() + b"\n"
            for i in range(3)
        )
    )
    content = lines(2)  # the job counts 3 successes; the file and its metadata hold 2
    behaviour = Behaviour(content=content, meta_bytes=len(content), succeeded=3)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MISTRAL_")}
    command = [sys.executable, "-m", "mistral_batch.cli", "--no-progress", "run", "in.jsonl"]
    with ShortFiles(behaviour) as server:
        env = {**environ, "MISTRAL_API_KEY": KEY, "MISTRAL_SERVER_URL": server.url}
        done = subprocess.run(
            [*command, "--model", "mistral-small-latest", "-o", "out.jsonl"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    recorder.loss("result files checked against their job's counts", 1, 0)
    # The request the short file left out was sent again in each round, and is at last
    # in the error file as one no job answered: nothing is lost without a word.
    assert done.returncode == 1, done.stdout + done.stderr
    assert (tmp_path / "out.jsonl").read_bytes() == content
    assert "out.jsonl (2 lines" in done.stdout, "the summary counts what is on disk"
    assert "No answer: 1 request, in the error file" in done.stdout
    assert "1 request got no answer from any job" in done.stderr
    [missing] = [
        json.loads(line) for line in (tmp_path / "in.errors.jsonl").read_text().splitlines()
    ]
    assert missing["custom_id"] == "r2" and missing["error"]["code"] == "unanswered"
