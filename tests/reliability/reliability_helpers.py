"""Helpers shared by the reliability tests: clients, requests, counters."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx
from hypothesis import HealthCheck, settings

from mistral_batch import Backoff, Mistral, RetryPolicy
from mistral_batch.emulator import Emulator

KEY_A = "sk-reliability-workspace-a-0123456789"
KEY_B = "sk-reliability-workspace-b-9876543210"
MODEL = "mistral-small-latest"

#: Retries at once, so that fault tests take no time; Retry-After is still honoured
#: (the client's waits are recorded by SleepLog instead of slept).
FAST_RETRY = RetryPolicy(
    max_attempts=4, initial_delay=0.0, max_delay=0.0, max_retry_after=5.0, listing_lag=0.5
)


#: Polls a job every few milliseconds: the emulator runs small jobs at once.
QUICK_POLL = Backoff(initial=0.01, factor=1.5, max_delay=0.05)

#: The slow answer comes after SLOW seconds; the client stops reading after TIMEOUT.
SLOW, TIMEOUT = 0.6, httpx.Timeout(10.0, read=0.25)
SLOW_RETRY = RetryPolicy(max_attempts=2, initial_delay=0.0, max_delay=0.0)

#: The faults every operation meets (test_faults.py) and the create too
#: (test_create_once.py), as keywords of Emulator.inject.
FAULTS: dict[str, dict[str, Any]] = {
    "429-retry-after-seconds": {"status": 429, "retry_after": 1},
    "429-retry-after-http-date": {"status": 429, "retry_after": 2, "retry_after_date": True},
    "503-retry-after-seconds": {"status": 503, "retry_after": 1},
    "500": {"status": 500},
    "502": {"status": 502},
    "503": {"status": 503},
    "504": {"status": 504},
    "connection-reset": {"reset": True},
    "slower-than-timeout": {"delay": SLOW},
    "truncated-json": {"truncate": True},
    "html-error-page": {"html": True, "status": 502},
}


class SleepLog(list[float]):
    """Stands in for the transport's sleep: records each wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def fast_client(
    emu: Emulator,
    *,
    key: str | None = None,
    sleeps: SleepLog | None = None,
    retry: RetryPolicy = FAST_RETRY,
    timeout: float | httpx.Timeout | None = None,
    http_client: httpx.Client | None = None,
) -> Mistral:
    """A client of `emu`; with `sleeps`, its waits between attempts are only recorded."""
    client = Mistral(
        api_key=key or emu.api_key,
        server_url=emu.url,
        retry=retry,
        timeout=timeout,
        http_client=http_client,
    )
    if sleeps is not None:
        # The one thing replaced: a test must not spend the seconds a Retry-After asks for.
        client.files._t.sleep = sleeps
    return client


def served(emu: Emulator, operation: str) -> int:
    """How many requests of `operation` the emulator has answered so far."""
    return emu.stats.requests.get(operation, 0)


def total_served(emu: Emulator) -> int:
    """How many API requests the emulator has answered so far, every operation together."""
    return sum(emu.stats.requests.values())


def chat(custom_id: str, text: str = "hello") -> dict[str, Any]:
    """A chat request line."""
    return {"custom_id": custom_id, "body": {"messages": [{"role": "user", "content": text}]}}


def failing(custom_id: str) -> dict[str, Any]:
    """A request the model refuses (a chat without messages): it lands in the error file."""
    return {"custom_id": custom_id, "body": {"max_tokens": 5}}


def jsonl(requests: Iterable[dict[str, Any]]) -> bytes:
    """Requests as a JSONL input file's bytes."""
    return b"".join(json.dumps(r).encode() + b"\n" for r in requests)


def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll `predicate` until it holds; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


def examples(n: int) -> settings:
    """Hypothesis settings for `n` examples of a test that uses function-scoped fixtures.

    The fixtures (an emulator, a client) are shared on purpose: every example talks to the
    same server, and each example sets up what it needs itself.
    """
    # derandomize: the same examples every run, so RELIABILITY.md's counts do not move.
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
