"""An operation's deadline holds on both clients, over every attempt and the wait for a
turn; a server slower than the deadline makes the call fail in time, not succeed late.

The server is only a little slower than the deadline, so that a deadline that did not
hold shows at once as an answer received."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from mistral_batch import (
    APITimeoutError,
    Mistral,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    ServerError,
)
from mistral_batch.emulator import Emulator

from .conftest import outcome as call

SIDES = ["sync", "async"]
RETRY = RetryPolicy(max_attempts=4, initial_delay=0.0, max_delay=0.0, listing_lag=0.0)


@pytest.fixture
def file_id(emu: Emulator) -> str:
    with Mistral(api_key=emu.api_key, server_url=emu.url) as c:
        return c.files.upload(b'{"custom_id": "a", "body": {}}\n', file_name="d.jsonl").id


@pytest.mark.parametrize("side", SIDES)
def test_a_slow_answer_fails_at_the_operation_deadline(
    emu: Emulator, side: str, file_id: str
) -> None:
    emu.inject("retrieve_file", delay=1.5)
    started = time.monotonic()
    outcome = call(side, emu, lambda c: c.files.retrieve(file_id), deadline=0.4, retry=RETRY)
    assert isinstance(outcome, APITimeoutError), outcome
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("side", SIDES)
def test_a_read_cut_by_the_deadline_says_why_in_the_same_words_on_both_clients(
    emu: Emulator, side: str, file_id: str
) -> None:
    emu.inject("retrieve_file", delay=1.5)
    outcome = call(side, emu, lambda c: c.files.retrieve(file_id), deadline=0.4, retry=RETRY)
    assert isinstance(outcome, APITimeoutError), outcome
    # The socket's timeout or the deadline's own check, whichever comes first by the clock.
    said = str(outcome).rpartition(" failed: ")[2]
    assert said in ("ReadTimeout: timed out", "ReadTimeout: the deadline has passed"), said


@pytest.mark.parametrize("side", SIDES)
def test_retries_stop_at_the_operation_deadline(emu: Emulator, side: str, file_id: str) -> None:
    # Each attempt answers a 503 after 0.3 s: four attempts, as the policy allows, would
    # take 1.2 s; the deadline lets two or three begin (the third, cut short, times out).
    emu.reset_stats()
    emu.inject("retrieve_file", status=503, delay=0.3, count=None)
    outcome = call(side, emu, lambda c: c.files.retrieve(file_id), deadline=0.75, retry=RETRY)
    emu.clear_faults()
    assert isinstance(outcome, APITimeoutError | ServerError), outcome
    assert emu.stats.requests.get("retrieve_file", 0) in (2, 3)


@pytest.mark.parametrize("side", SIDES)
def test_a_slow_answer_fails_at_the_attempt_timeout(emu: Emulator, side: str, file_id: str) -> None:
    emu.inject("retrieve_file", delay=1.5, count=None)
    outcome = call(
        side,
        emu,
        lambda c: c.files.retrieve(file_id),
        timeout=0.3,
        retry=RetryPolicy(max_attempts=2, initial_delay=0.0, max_delay=0.0),
    )
    emu.clear_faults()
    assert isinstance(outcome, APITimeoutError), outcome


@pytest.mark.parametrize("side", SIDES)
def test_a_block_whose_time_is_spent_sends_nothing_more(
    emu: Emulator, side: str, file_id: str
) -> None:
    emu.inject("retrieve_file", delay=1.0)

    def two_calls(c: Any) -> Any:
        if side == "sync":
            with c.deadline(0.4):
                with pytest.raises(APITimeoutError):
                    c.files.retrieve(file_id)  # spends the block's time
                emu.reset_stats()
                return c.files.retrieve(file_id)

        async def both() -> Any:
            with c.deadline(0.4):
                with pytest.raises(APITimeoutError):
                    await c.files.retrieve(file_id)
                emu.reset_stats()
                return await c.files.retrieve(file_id)

        return both()

    outcome = call(side, emu, two_calls, retry=RETRY)
    assert isinstance(outcome, APITimeoutError), outcome
    assert str(outcome) == "retrieve_file: the deadline passed after 0 attempt(s)"
    assert emu.stats.requests.get("retrieve_file", 0) == 0


@pytest.mark.parametrize("side", SIDES)
def test_a_wait_for_a_turn_ends_at_the_deadline(emu: Emulator, side: str, file_id: str) -> None:
    # One call holds the only turn for a second; the other waits for it, past its deadline.
    emu.inject("retrieve_file", delay=1.0)
    if side == "sync":

        def in_threads(c: Any) -> Any:
            import threading

            holder = threading.Thread(target=c.files.retrieve, args=(file_id,))
            holder.start()
            time.sleep(0.2)
            try:
                with c.deadline(0.3):
                    return c.files.retrieve(file_id)
            finally:
                holder.join()

        outcome = call(side, emu, in_threads, max_concurrency=1, retry=RETRY)
    else:

        async def in_tasks(c: Any) -> Any:
            holder = asyncio.ensure_future(c.files.retrieve(file_id))
            await asyncio.sleep(0.2)
            try:
                with c.deadline(0.3):
                    return await c.files.retrieve(file_id)
            finally:
                await holder

        outcome = call(side, emu, lambda c: in_tasks(c), max_concurrency=1, retry=RETRY)
    assert isinstance(outcome, APITimeoutError), outcome
    assert str(outcome) == "retrieve_file: the deadline passed after 0 attempt(s)"


@pytest.mark.parametrize("side", SIDES)
def test_a_retry_after_past_the_deadline_fails_at_once(
    emu: Emulator, side: str, file_id: str
) -> None:
    emu.inject("retrieve_file", status=429, retry_after=2)
    started = time.monotonic()
    outcome = call(side, emu, lambda c: c.files.retrieve(file_id), deadline=0.8, retry=RETRY)
    assert isinstance(outcome, RateLimitError), outcome
    assert time.monotonic() - started < 0.8  # no wait that could not end in time


#: A byte every 20 ms: a file's object takes seconds to arrive whole, each byte well within
#: any read timeout, so that only the operation's deadline can cut it.
DRIP = 0.02


@pytest.mark.parametrize("side", SIDES)
def test_a_drip_fed_answer_fails_at_the_operation_deadline(
    emu: Emulator, side: str, file_id: str
) -> None:
    emu.inject("retrieve_file", drip=DRIP)
    started = time.monotonic()
    outcome = call(side, emu, lambda c: c.files.retrieve(file_id), deadline=0.4, retry=RETRY)
    assert isinstance(outcome, APITimeoutError), outcome
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("side", SIDES)
def test_a_drip_fed_error_body_is_read_until_the_deadline_only(emu: Emulator, side: str) -> None:
    emu.inject("retrieve_file", drip=DRIP)
    started = time.monotonic()
    outcome = call(side, emu, lambda c: c.files.retrieve("file-none"), deadline=0.4, retry=RETRY)
    assert isinstance(outcome, NotFoundError), outcome
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("side", SIDES)
def test_a_drip_fed_error_before_a_retry_is_read_until_the_deadline_only(
    emu: Emulator, side: str, file_id: str
) -> None:
    emu.inject("retrieve_file", status=503, drip=DRIP, count=None)
    started = time.monotonic()
    outcome = call(side, emu, lambda c: c.files.retrieve(file_id), deadline=0.4, retry=RETRY)
    emu.clear_faults()
    assert isinstance(outcome, APITimeoutError | ServerError), outcome
    assert time.monotonic() - started < 1.5
