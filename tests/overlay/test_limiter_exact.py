"""The gates in front of the connection pool, exactly: each keeps the limit it was given,
and lets that many requests through at once, the next waiting until a slot is let go or
its deadline passes."""

from __future__ import annotations

import asyncio
import time

from mistral_batch._limiter import AsyncGate, Gate


def test_a_gate_keeps_its_limit_and_lets_that_many_through() -> None:
    gate = Gate(2)
    assert gate.limit == 2
    first, second = gate.enter(), gate.enter()
    assert first is not None and second is not None
    assert gate.enter(time.monotonic() + 0.05) is None
    first.release()
    assert gate.enter(time.monotonic() + 0.05) is not None


def test_an_async_gate_keeps_its_limit_and_lets_that_many_through() -> None:
    gate = AsyncGate(2)
    assert gate.limit == 2

    async def scenario() -> None:
        first, second = await gate.enter(), await gate.enter()
        assert first is not None and second is not None
        assert await gate.enter(time.monotonic() + 0.05) is None
        first.release()
        assert await gate.enter(time.monotonic() + 0.05) is not None

    asyncio.run(scenario())
