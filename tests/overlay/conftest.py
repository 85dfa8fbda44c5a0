"""Fixtures for the client's tests: one emulator per module, over real sockets."""

from collections.abc import Iterator

import pytest

from mistral_batch import Mistral, RetryPolicy
from mistral_batch.emulator import Emulator

#: Retries without waiting, so that fault tests run fast.
FAST_RETRY = RetryPolicy(
    max_attempts=4, initial_delay=0.0, max_delay=0.0, max_retry_after=5.0, listing_lag=0.5
)


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
