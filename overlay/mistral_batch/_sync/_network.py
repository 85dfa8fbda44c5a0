# Generated from overlay/mistral_batch/_async/_network.py by scripts/unasync.py; do not edit.
"""Network I/O that ends by the deadline in force: every read, write and connect of the
clients we make, and every chunk pulled from a body (see _deadline)."""

from __future__ import annotations

import ssl
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

import httpcore
import httpx

from .._deadline import io_timeout, scope

__all__ = ["BoundBackend", "BoundStream", "bound_io", "within"]

T = TypeVar("T")


def within(chunks: Iterable[T], at: float | None) -> Iterator[T]:
    """The items of `chunks`, each one pulled under the deadline `at`."""
    if at is None:
        # No deadline of its own: the one in force where it is pulled holds, as is.
        for item in chunks:
            yield item
        return
    iterator = iter(chunks)
    while True:
        with scope(at):
            try:
                item = next(iterator)
            except StopIteration:
                return
        yield item


class BoundStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the deadline in force."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read up to `max_bytes`, by the deadline."""
        return self._inner.read(max_bytes, io_timeout(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write `buffer`, by the deadline."""
        self._inner.write(buffer, io_timeout(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        """Close the connection."""
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        """The same connection over TLS, still bound by the deadline."""
        inner = self._inner.start_tls(
            ssl_context, server_hostname, io_timeout(timeout, httpcore.ConnectTimeout)
        )
        return BoundStream(inner)

    def get_extra_info(self, info: str) -> Any:
        """What the connection underneath says of itself."""
        return self._inner.get_extra_info(info)


class BoundBackend(httpcore.NetworkBackend):
    """Makes connections that end their I/O by the deadline in force."""

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
        """A TCP connection, made by the deadline."""
        limit = io_timeout(timeout, httpcore.ConnectTimeout)
        inner = self._inner.connect_tcp(host, port, limit, local_address, socket_options)
        return BoundStream(inner)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        """A Unix socket connection, made by the deadline."""
        limit = io_timeout(timeout, httpcore.ConnectTimeout)
        return BoundStream(self._inner.connect_unix_socket(path, limit, socket_options))

    def sleep(self, seconds: float) -> None:
        """Sleep as the backend underneath does."""
        self._inner.sleep(seconds)


def bound_io(client: httpx.Client) -> bool:
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
            pool._network_backend = BoundBackend(backend)  # type: ignore[union-attr]
            done = True
    return done
