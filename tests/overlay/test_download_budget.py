"""A download owns its reconnecting: the first request and every resume share one retry
budget. Both clients, over the emulator."""

import asyncio
from collections.abc import Callable, Iterator

import pytest

from mistral_batch import APIConnectionError, AsyncMistral, Mistral, RetryPolicy
from mistral_batch.emulator import Emulator

BODY = b"".join(b'{"custom_id": "%d", "x": "%s"}\n' % (i, b"y" * 50) for i in range(40))
#: Three requests in all for a download, resumes included.
BUDGET = RetryPolicy(max_attempts=3, initial_delay=0.0, max_delay=0.0)


def served(emu: Emulator) -> int:
    return emu.stats.requests.get("download_file", 0)


@pytest.fixture
def file_id(emu: Emulator) -> Iterator[str]:
    with Mistral(api_key=emu.api_key, server_url=emu.url) as setup:
        yield setup.files.upload(BODY, file_name="budget.jsonl").id


def read_sync(emu: Emulator, file_id: str) -> bytes:
    with Mistral(api_key=emu.api_key, server_url=emu.url, retry=BUDGET) as client:
        return client.files.download(file_id).read()


def read_async(emu: Emulator, file_id: str) -> bytes:
    async def scenario() -> bytes:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=BUDGET) as c:
            return await (await c.files.download(file_id)).read()

    return asyncio.run(scenario())


Reader = Callable[[Emulator, str], bytes]
READERS = pytest.mark.parametrize("read", [read_sync, read_async], ids=["sync", "async"])


@READERS
def test_a_body_that_keeps_breaking_gets_the_budget_of_requests_and_no_more(
    emu: Emulator, file_id: str, read: Reader
) -> None:
    emu.inject("download_file", drop_after=100, count=None)
    before = served(emu)
    with pytest.raises(APIConnectionError, match="interrupted after"):
        read(emu, file_id)
    assert served(emu) - before == BUDGET.max_attempts


@READERS
def test_failed_openings_count_against_the_resumes(
    emu: Emulator, file_id: str, read: Reader
) -> None:
    # Two attempts go on opening the download; the third is its last, even though the
    # body it brings breaks: no resume gets a budget of its own.
    emu.inject("download_file", status=503, count=2)
    before = served(emu)
    emu.inject("download_file", drop_after=100, count=None)
    with pytest.raises(APIConnectionError):
        read(emu, file_id)
    assert served(emu) - before == BUDGET.max_attempts


@READERS
def test_a_body_broken_twice_is_read_whole_after_two_resumes(
    emu: Emulator, file_id: str, read: Reader
) -> None:
    emu.inject("download_file", drop_after=100, count=1)
    emu.inject("download_file", drop_after=250, count=1)
    before = served(emu)
    assert read(emu, file_id) == BODY
    assert served(emu) - before == 3
