"""How many requests one client has in flight: a gate in front of the connection pool.

httpx's pool keeps its waiters in a list it scans on every change, so thousands of
concurrent calls on one client slow down quadratically and end in PoolTimeout. The
transport lets at most `max_concurrency` requests through this gate, and the clients we
make have that many connections: a request that has passed the gate never waits for a
connection, and one waiting here waits its turn (roughly first come, first served: a
slot let go may be taken by a newcomer), for as long as it takes.

A request holds its slot from the moment it is sent until its answer is closed: read to
the end by the transport, or, for a download, read or closed by its reader.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Generic, TypeVar

import httpx

from .errors import InputError

if TYPE_CHECKING:
    import asyncio

__all__ = ["DEFAULT_MAX_CONCURRENCY", "AsyncGate", "Gate", "Slot", "check_max_concurrency"]

#: Under httpx's own default of 100 connections, so that a client of the user's own
#: making never has a request of ours wait for a connection either.
DEFAULT_MAX_CONCURRENCY = 64


def check_max_concurrency(value: int | None) -> int:
    """The number of requests a client may have in flight; InputError unless positive."""
    if value is None:
        return DEFAULT_MAX_CONCURRENCY
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(
            f"max_concurrency must be a whole number of at least 1, got {value!r}",
            field="max_concurrency",
        )
    return value


class Slot:
    """A place among the requests in flight; let go once, however often release() is called."""

    __slots__ = ("_free",)

    def __init__(self, free: Callable[[], None]) -> None:
        self._free: Callable[[], None] | None = free

    def release(self) -> None:
        """Give the place to the next request waiting, if not already done."""
        free, self._free = self._free, None
        if free is not None:
            free()

    def held_by(self, response: httpx.Response) -> httpx.Response:
        """`response`, which lets the slot go when it is closed (at once if it already is)."""
        if response.is_closed:
            self.release()
        elif isinstance(response.stream, httpx.AsyncByteStream):
            response.stream = _AsyncHeld(response.stream, self)
        elif isinstance(response.stream, httpx.SyncByteStream):
            response.stream = _Held(response.stream, self)
        return response


S = TypeVar("S", httpx.SyncByteStream, httpx.AsyncByteStream)


class _Holding(Generic[S]):
    """A response's stream, passed through, that lets its slot go when it is closed."""

    def __init__(self, inner: S, slot: Slot) -> None:
        self._inner: S = inner
        self._slot = slot


class _Held(_Holding[httpx.SyncByteStream], httpx.SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        return iter(self._inner)

    def close(self) -> None:
        try:
            self._inner.close()  # the connection goes back to the pool first
        finally:
            self._slot.release()


class _AsyncHeld(_Holding[httpx.AsyncByteStream], httpx.AsyncByteStream):
    def __aiter__(self) -> AsyncIterator[bytes]:
        return aiter(self._inner)

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._slot.release()


def _wait_for(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.0, deadline - time.monotonic())


class Gate:
    """At most `limit` requests in flight among the threads sharing one client."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._free = threading.BoundedSemaphore(limit)

    def enter(self, deadline: float | None = None) -> Slot | None:
        """A slot, waiting for one as long as needed, or until `deadline` (then None)."""
        timeout = _wait_for(deadline)
        if not self._free.acquire(timeout=timeout):
            return None
        return Slot(self._free.release)


class AsyncGate:
    """At most `limit` requests in flight among the tasks sharing one client."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        # One semaphore per event loop: an asyncio primitive belongs to the loop that
        # first waited on it, and a client may outlive one asyncio.run().
        self._loop: asyncio.AbstractEventLoop | None = None
        self._free: asyncio.Semaphore | None = None

    async def enter(self, deadline: float | None = None) -> Slot | None:
        """A slot, waiting for one as long as needed, or until `deadline` (then None)."""
        import asyncio

        loop = asyncio.get_running_loop()
        if self._free is None or self._loop is not loop:
            self._loop, self._free = loop, asyncio.Semaphore(self.limit)
        free = self._free
        if deadline is None or not free.locked():
            await free.acquire()
        else:
            try:
                async with asyncio.timeout(_wait_for(deadline)):
                    await free.acquire()
            except TimeoutError:
                return None
        return Slot(free.release)
