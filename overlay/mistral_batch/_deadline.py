"""Deadlines that hold against slow servers: every read, write and connect ends in time.

httpx's timeouts bound each read, so a server sending a byte every few seconds keeps a
call alive for as long as it likes. The deadline of the current attempt or operation
lives in a context variable; the network streams of our own clients (_async/_network)
take the time left as the timeout of each read and write, and the transport checks it
between chunks. No I/O here.
"""

from __future__ import annotations

import contextvars
import time

__all__ = ["current", "earliest", "expired", "io_timeout", "poll_deadline", "scope"]

#: The monotonic time by which the I/O now under way must end; None: no deadline.
_AT: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "mistral_batch_deadline", default=None
)


def current() -> float | None:
    """The deadline in force here, on the monotonic clock (None: none)."""
    return _AT.get()


def expired(at: float | None) -> bool:
    """True once `at` has passed."""
    return at is not None and time.monotonic() >= at


def earliest(*points: float | None) -> float | None:
    """The earliest of the given deadlines (None: no deadline among them)."""
    real = [p for p in points if p is not None]
    return min(real) if real else None


class scope:
    """Within the block, I/O ends by `at`, or by an earlier deadline already in force."""

    # A class rather than @contextmanager: it is entered twice on every call.
    __slots__ = ("_at", "_token")

    def __init__(self, at: float | None) -> None:
        self._at = at

    def __enter__(self) -> None:
        outer = _AT.get()
        at = self._at
        self._token = _AT.set(outer if at is None else at if outer is None else min(at, outer))

    def __exit__(self, *exc: object) -> None:
        _AT.reset(self._token)


def io_timeout(timeout: float | None, error: type[Exception]) -> float | None:
    """The timeout of one read, write or connect: `timeout`, shortened to the time left
    before the deadline in force; `error` once that has passed."""
    at = _AT.get()
    if at is None:
        return timeout
    remaining = at - time.monotonic()
    if remaining <= 0:
        raise error("the deadline has passed")
    return remaining if timeout is None else min(timeout, remaining)


def poll_deadline(at: float | None, timeout: float | None) -> float | None:
    """The deadline of one poll made by a wait that gives up at `at`.

    A wait polls one last time at its deadline; a little more time (a tenth of the wait,
    at least one second and at most five) lets that poll be answered, while a server
    that hangs still cannot hold the wait for longer.
    """
    if at is None or timeout is None:
        return at
    return at + min(5.0, max(1.0, timeout / 10))
