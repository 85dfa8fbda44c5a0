"""Fixtures for the client's tests: one emulator per module, over real sockets."""

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mistral_batch import AsyncMistral, Mistral, RetryPolicy
from mistral_batch.emulator import Emulator

#: Retries without waiting, so that fault tests run fast.
FAST_RETRY = RetryPolicy(
    max_attempts=4, initial_delay=0.0, max_delay=0.0, max_retry_after=5.0, listing_lag=0.5
)


def on(side: str, emu: Emulator, act: Callable[[Any], Any], **settings: Any) -> Any:
    """What `act(client)` gives on a client of `emu` (made with `settings`, the fast retry
    unless they say): the sync one (side "sync"), or the asyncio one, awaited."""
    options: dict[str, Any] = {
        "api_key": emu.api_key,
        "server_url": emu.url,
        "retry": FAST_RETRY,
        **settings,
    }
    if side == "sync":
        with Mistral(**options) as client:
            return act(client)

    async def scenario() -> Any:
        async with AsyncMistral(**options) as client:
            return await act(client)

    return asyncio.run(scenario())


def outcome(side: str, emu: Emulator, act: Callable[[Any], Any], **settings: Any) -> Any:
    """What `act(client)` gives or raises, as `on` runs it."""
    try:
        return on(side, emu, act, **settings)
    except Exception as exc:  # the outcome under test
        return exc


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(api_keys=["key-a", "key-b"]) as emu:
        yield emu


@pytest.fixture
def emu(emulator: Emulator) -> Iterator[Emulator]:
    """The module's emulator, with its faults cleared after each test."""
    yield emulator
    emulator.clear_faults()
    emulator.set_range_support(True)


@pytest.fixture
def client(emu: Emulator) -> Iterator[Mistral]:
    with Mistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
        yield c
