"""Fault injection called at the ASGI level, without a server: a ``send`` that keeps what
it is given, a request without a body, and one fault applied to an app."""

from __future__ import annotations

import asyncio

from mistral_batch.emulator import Fault
from mistral_batch_emulator._faults import StatsCounter
from mistral_batch_emulator._inject import ASGIApp, Message, Scope, apply_fault


class Sent:
    """A ``send`` that keeps every message, with no transport behind it."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def __call__(self, message: Message) -> None:
        self.messages.append(message)


async def no_body() -> Message:
    """The ``receive`` of a request without a body."""
    return {"type": "http.request", "body": b"", "more_body": False}


def apply_to(fault: Fault, app: ASGIApp, scope: Scope | None = None) -> tuple[Sent, StatsCounter]:
    """What `fault` sends on `app`'s behalf, and the counts it leaves."""
    sent, stats = Sent(), StatsCounter()
    asyncio.run(apply_fault(fault, app, scope or {"type": "http"}, no_body, sent, stats))
    return sent, stats
