"""Deadlines that hold against slow servers: every read, write and connect ends in time.

httpx's timeouts bound each read, so a server sending a byte every few seconds keeps a
call alive for as long as it likes. The deadline of the current attempt or operation
lives in a context variable; the network streams of our own clients take the time left
as the timeout of each read and write, and the transport checks it between chunks.
"""

from __future__ import annotations

import contextvars
import ssl
import time
import typing
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, TypeVar

import httpcore
import httpx

__all__ = [
    "awithin",
    "bound_io",
    "current",
    "earliest",
    "expired",
    "poll_deadline",
    "scope",
    "within",
]

T = TypeVar("T")

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


def within(chunks: Iterable[T], at: float | None) -> Iterator[T]:
    """The items of `chunks`, each one pulled under the deadline `at`."""
    iterator = iter(chunks)
    while True:
        with scope(at):
            try:
                item = next(iterator)
            except StopIteration:
                return
        yield item


async def awithin(chunks: typing.AsyncIterable[T], at: float | None) -> AsyncIterator[T]:
    """The async twin of within()."""
    iterator = aiter(chunks)
    while True:
        with scope(at):
            try:
                item = await anext(iterator)
            except StopAsyncIteration:
                return
        yield item


def _timeout(timeout: float | None, error: type[Exception]) -> float | None:
    at = _AT.get()
    if at is None:
        return timeout
    remaining = at - time.monotonic()
    if remaining <= 0:
        raise error("the deadline has passed")
    return remaining if timeout is None else min(timeout, remaining)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _timeout(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _timeout(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(
            ssl_context, server_hostname, _timeout(timeout, httpcore.ConnectTimeout)
        )
        return _Stream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        limit = _timeout(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_tcp(host, port, limit, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        limit = _timeout(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_unix_socket(path, limit, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _AsyncStream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, _timeout(timeout, httpcore.ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, _timeout(timeout, httpcore.WriteTimeout))

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        inner = await self._inner.start_tls(
            ssl_context, server_hostname, _timeout(timeout, httpcore.ConnectTimeout)
        )
        return _AsyncStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _AsyncBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        limit = _timeout(timeout, httpcore.ConnectTimeout)
        inner = await self._inner.connect_tcp(host, port, limit, local_address, socket_options)
        return _AsyncStream(inner)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        limit = _timeout(timeout, httpcore.ConnectTimeout)
        return _AsyncStream(await self._inner.connect_unix_socket(path, limit, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def bound_io(client: httpx.Client | httpx.AsyncClient) -> bool:
    """Make every read, write and connect of `client` end by the deadline in force.

    Only for clients we made: httpx has no public way to reach its connection pool's
    network backend, so this wraps the private attribute, and says False (the deadline
    is then checked between chunks only) where a version of httpx lays it out otherwise.
    """
    transports = [getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()]
    done = False
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, httpcore.NetworkBackend):
            pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
            done = True
        elif isinstance(backend, httpcore.AsyncNetworkBackend):
            pool._network_backend = _AsyncBackend(backend)  # type: ignore[union-attr]
            done = True
    return done


def poll_deadline(at: float | None, timeout: float | None) -> float | None:
    """The deadline of one poll made by a wait that gives up at `at`.

    A wait polls one last time at its deadline; a little more time (a tenth of the wait,
    at least one second and at most five) lets that poll be answered, while a server
    that hangs still cannot hold the wait for longer.
    """
    if at is None or timeout is None:
        return at
    return at + min(5.0, max(1.0, timeout / 10))
