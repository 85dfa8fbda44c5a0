"""Retry-After, on both clients: honoured on 503 as on 429, exactly; refused past the cap.

The transport's sleep is replaced by a recorder, so that each wait is known to the
hundredth without spending it. The policy's own backoff waits 0 s here (FAST_RETRY), so
any other wait can only come from the header.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from mistral_batch import AsyncMistral, BadRequestError, Mistral, RateLimitError, ServerError
from mistral_batch.emulator import Emulator

from .conftest import FAST_RETRY

LINES = b'{"custom_id": "a", "body": {}}\n'
#: FAST_RETRY honours up to 5 s.
CAP = FAST_RETRY.max_retry_after


def served(emu: Emulator) -> int:
    return emu.stats.requests.get("retrieve_file", 0)


def sync_call(emu: Emulator, file_id: str) -> tuple[Any, list[float]]:
    """Retrieve the file with a sync client; its result (or error) and the waits it asked."""
    sleeps: list[float] = []
    with Mistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as client:
        client.files._t.sleep = sleeps.append
        try:
            return client.files.retrieve(file_id), sleeps
        except Exception as exc:
            return exc, sleeps


def async_call(emu: Emulator, file_id: str) -> tuple[Any, list[float]]:
    """The same with an async client."""
    sleeps: list[float] = []

    async def scenario() -> Any:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:

            async def sleep(seconds: float) -> None:
                sleeps.append(seconds)

            c.files._t.sleep = sleep
            try:
                return await c.files.retrieve(file_id)
            except Exception as exc:
                return exc

    return asyncio.run(scenario()), sleeps


CALLS = {"sync": sync_call, "async": async_call}


@pytest.fixture
def file_id(client: Mistral) -> str:
    return client.files.upload(LINES, file_name="retry-after.jsonl").id


@pytest.mark.parametrize("side", CALLS)
@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("seconds", [1, 2.5])
def test_retry_after_in_seconds_is_waited_exactly(
    emu: Emulator, file_id: str, side: str, status: int, seconds: float
) -> None:
    emu.inject("retrieve_file", status=status, retry_after=seconds, count=2)
    before = served(emu)
    found, sleeps = CALLS[side](emu, file_id)
    assert getattr(found, "id", None) == file_id, found
    assert sleeps == [seconds, seconds]
    assert served(emu) - before == 3


@pytest.mark.parametrize("side", CALLS)
@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_as_a_date_is_waited_until_that_date(
    emu: Emulator, file_id: str, side: str, status: int
) -> None:
    emu.inject("retrieve_file", status=status, retry_after=3, retry_after_date=True)
    found, sleeps = CALLS[side](emu, file_id)
    assert getattr(found, "id", None) == file_id, found
    # An HTTP date has whole seconds: "now + 3 s" is between 2 and 3 s away.
    assert len(sleeps) == 1 and 1.5 < sleeps[0] <= 3.0, sleeps


@pytest.mark.parametrize("side", CALLS)
@pytest.mark.parametrize(("status", "error"), [(429, RateLimitError), (503, ServerError)])
def test_a_retry_after_past_the_cap_fails_at_once(
    emu: Emulator, file_id: str, side: str, status: int, error: type[Exception]
) -> None:
    emu.inject("retrieve_file", status=status, retry_after=CAP + 1, count=None)
    before = served(emu)
    found, sleeps = CALLS[side](emu, file_id)
    assert isinstance(found, error) and found.status_code == status
    assert sleeps == []
    assert served(emu) - before == 1


@pytest.mark.parametrize("side", CALLS)
def test_a_retry_after_at_the_cap_is_honoured(emu: Emulator, file_id: str, side: str) -> None:
    emu.inject("retrieve_file", status=503, retry_after=CAP)
    found, sleeps = CALLS[side](emu, file_id)
    assert getattr(found, "id", None) == file_id, found
    assert sleeps == [CAP]


@pytest.mark.parametrize("side", CALLS)
def test_a_retry_after_on_a_status_not_retried_is_ignored(
    emu: Emulator, file_id: str, side: str
) -> None:
    emu.inject("retrieve_file", status=400, retry_after=1)
    before = served(emu)
    found, sleeps = CALLS[side](emu, file_id)
    assert isinstance(found, BadRequestError)
    assert sleeps == []
    assert served(emu) - before == 1


@pytest.mark.parametrize("side", CALLS)
def test_each_retry_is_logged_with_its_wait(
    emu: Emulator, file_id: str, side: str, caplog: pytest.LogCaptureFixture
) -> None:
    emu.inject("retrieve_file", status=503, retry_after=1)
    caplog.set_level(logging.DEBUG, logger="mistral_batch")
    found, _ = CALLS[side](emu, file_id)
    assert getattr(found, "id", None) == file_id, found
    ours = [r for r in caplog.records if r.name == "mistral_batch"]
    retries = [r.getMessage() for r in ours if r.levelno == logging.INFO]
    assert len(retries) == 1
    assert retries[0].startswith("retrieve_file attempt 1 failed (503 Service Unavailable")
    assert retries[0].endswith("; retrying in 1.00s")
    answers = [r.getMessage() for r in ours if r.levelno == logging.DEBUG]
    path = f"/v1/files/{file_id}"
    assert answers == [f"retrieve_file GET {path} -> 503", f"retrieve_file GET {path} -> 200"]
