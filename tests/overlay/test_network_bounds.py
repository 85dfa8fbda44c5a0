"""The network backends of the clients we make: each connect, read and write ends by the
deadline in force, and otherwise does as the backend underneath, over real sockets.

A listening socket that never accepts is enough of a server: the kernel completes the
connection, small writes go into its buffer, and reads wait for bytes that never come."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest

from mistral_batch._async._network import AsyncBoundBackend, AsyncBoundStream
from mistral_batch._async._network import bound_io as async_bound_io
from mistral_batch._deadline import scope
from mistral_batch._sync._network import BoundBackend, BoundStream, bound_io

SIDES = ["sync", "async"]
SMALL_BUFFER = (socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
Address = tuple[str, int] | str


@pytest.fixture
def silent() -> Iterator[tuple[str, int]]:
    """A loopback address whose connections are made and never answered."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield "127.0.0.1", server.getsockname()[1]


@pytest.fixture
def silent_unix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The same on a Unix socket."""
    # Named from its folder: a socket's path may not be longer than 107 bytes.
    monkeypatch.chdir(tmp_path)
    path = "s.sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(path)
        server.listen()
        yield path


def passed() -> scope:
    """A deadline that has already passed."""
    return scope(time.monotonic() - 1)


def none() -> scope:
    """No deadline."""
    return scope(None)


class Recording(httpcore.SyncBackend):
    """The sync backend, noting the timeout each connect is given."""

    def __init__(self) -> None:
        self.timeouts: list[float | None] = []

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, *a: Any) -> Any:
        self.timeouts.append(timeout)
        return super().connect_tcp(host, port, timeout, *a)

    def connect_unix_socket(self, path: str, timeout: float | None = None, *a: Any) -> Any:
        self.timeouts.append(timeout)
        return super().connect_unix_socket(path, timeout, *a)


class AsyncRecording(httpcore.AnyIOBackend):
    """The asyncio backend, noting the timeout each connect is given."""

    def __init__(self) -> None:
        self.timeouts: list[float | None] = []

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, *a: Any) -> Any:
        self.timeouts.append(timeout)
        return await super().connect_tcp(host, port, timeout, *a)

    async def connect_unix_socket(self, path: str, timeout: float | None = None, *a: Any) -> Any:
        self.timeouts.append(timeout)
        return await super().connect_unix_socket(path, timeout, *a)


def on(
    side: str,
    address: Address,
    act: Callable[[Any], Any] = lambda stream: stream,
    *,
    connecting: Callable[[], scope] = none,
    acting: Callable[[], scope] = none,
    **connect: Any,
) -> tuple[Any, list[float | None]]:
    """Connect to `address` over `side`'s bound backend under `connecting()`, then call
    `act(stream)` under `acting()`: its value or the exception raised, and the timeouts
    the backend underneath was given to connect."""
    inner: Any = Recording() if side == "sync" else AsyncRecording()

    def sync() -> Any:
        backend = BoundBackend(inner)
        with connecting():
            stream = (
                backend.connect_unix_socket(address, **connect)
                if isinstance(address, str)
                else backend.connect_tcp(*address, **connect)
            )
        assert type(stream) is BoundStream
        try:
            with acting():
                return act(stream)
        finally:
            stream.close()

    async def concurrent() -> Any:
        backend = AsyncBoundBackend(inner)
        with connecting():
            stream = await (
                backend.connect_unix_socket(address, **connect)
                if isinstance(address, str)
                else backend.connect_tcp(*address, **connect)
            )
        assert type(stream) is AsyncBoundStream
        try:
            with acting():
                outcome = act(stream)
                return await outcome if asyncio.iscoroutine(outcome) else outcome
        finally:
            await stream.aclose()

    try:
        return (sync() if side == "sync" else asyncio.run(concurrent())), inner.timeouts
    except Exception as exc:  # the outcome under test
        return exc, inner.timeouts


@pytest.fixture(params=["tcp", "unix"])
def address(request: pytest.FixtureRequest, silent: tuple[str, int], silent_unix: str) -> Address:
    return silent if request.param == "tcp" else silent_unix


@pytest.mark.parametrize("side", SIDES)
def test_a_read_begun_after_the_deadline_is_a_read_timeout(side: str, address: Address) -> None:
    outcome, _ = on(side, address, lambda s: s.read(10), acting=passed)
    assert type(outcome) is httpcore.ReadTimeout, outcome
    assert str(outcome) == "the deadline has passed"


@pytest.mark.parametrize("side", SIDES)
def test_a_write_begun_after_the_deadline_is_a_write_timeout(side: str, address: Address) -> None:
    outcome, _ = on(side, address, lambda s: s.write(b"GET / HTTP/1.1\r\n"), acting=passed)
    assert type(outcome) is httpcore.WriteTimeout, outcome
    assert str(outcome) == "the deadline has passed"


@pytest.mark.parametrize("side", SIDES)
def test_tls_begun_after_the_deadline_is_a_connect_timeout(side: str, address: Address) -> None:
    context = ssl.create_default_context()
    outcome, _ = on(side, address, lambda s: s.start_tls(context, "localhost"), acting=passed)
    assert type(outcome) is httpcore.ConnectTimeout, outcome
    assert str(outcome) == "the deadline has passed"


@pytest.mark.parametrize("side", SIDES)
def test_a_connect_begun_after_the_deadline_is_a_connect_timeout(
    side: str, address: Address
) -> None:
    outcome, timeouts = on(side, address, connecting=passed)
    assert type(outcome) is httpcore.ConnectTimeout, outcome
    assert str(outcome) == "the deadline has passed"
    assert timeouts == []  # nothing was tried


@pytest.mark.parametrize("side", SIDES)
def test_a_connect_is_given_the_time_left_or_its_own_timeout_if_shorter(
    side: str, address: Address
) -> None:
    def by(seconds: float) -> Callable[[], scope]:
        return lambda: scope(time.monotonic() + seconds)

    _, left = on(side, address, connecting=by(30))
    _, own = on(side, address, connecting=by(30), timeout=2.5)
    _, unbound = on(side, address, timeout=2.5)
    _, free = on(side, address)
    assert len(left) == 1 and 29 < left[0] <= 30  # type: ignore[operator]
    assert (own, unbound, free) == ([2.5], [2.5], [None])


@pytest.mark.timeout(20)  # a read that lost its timeout waits for ever
@pytest.mark.parametrize("side", SIDES)
def test_without_a_deadline_a_read_keeps_its_own_timeout(side: str, address: Address) -> None:
    outcome, _ = on(side, address, lambda s: s.read(10, timeout=0.2))
    assert type(outcome) is httpcore.ReadTimeout, outcome


@pytest.mark.parametrize("side", SIDES)
def test_the_socket_options_reach_the_socket(side: str, address: Address) -> None:
    def receive_buffer(stream: Any) -> int:
        sock: socket.socket = stream.get_extra_info("socket")
        return sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)

    asked, _ = on(side, address, receive_buffer, socket_options=[SMALL_BUFFER])
    default, _ = on(side, address, receive_buffer)
    # The kernel keeps twice the size asked for (its own bookkeeping): whatever it keeps,
    # it is not its default.
    assert asked != default, (asked, default)
    assert asked == on(side, address, receive_buffer, socket_options=[SMALL_BUFFER])[0]


@pytest.mark.timeout(20)  # a handshake that lost its timeout waits for ever
@pytest.mark.parametrize("side", SIDES)
def test_tls_with_a_silent_server_ends_at_its_own_timeout(side: str, address: Address) -> None:
    context = ssl.create_default_context()
    outcome, _ = on(side, address, lambda s: s.start_tls(context, "localhost", timeout=0.2))
    assert type(outcome) is httpcore.ConnectTimeout, outcome


@pytest.mark.parametrize("side", SIDES)
def test_tls_starts_with_the_context_given(side: str, address: Address) -> None:
    # A context that allows no protocol fails at once, where any other would wait for
    # the silent server (and time out).
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    outcome, _ = on(side, address, lambda s: s.start_tls(context, "localhost", timeout=5))
    assert type(outcome) is httpcore.ConnectError, outcome
    assert "NO_PROTOCOLS_AVAILABLE" in str(outcome) or "no protocols" in str(outcome), outcome


@pytest.mark.parametrize("side", SIDES)
def test_a_connect_goes_to_the_host_asked_from_the_address_asked(side: str) -> None:
    # Both on loopback, neither the default one: a host or local address dropped on the
    # way would connect from or to 127.0.0.1.
    def source(stream: Any) -> str:
        sock: socket.socket = stream.get_extra_info("socket")
        return str(sock.getsockname()[0])

    with socket.create_server(("127.0.0.2", 0)) as server:
        there = ("127.0.0.2", server.getsockname()[1])
        outcome, _ = on(side, there, source, local_address="127.0.0.3")
    assert outcome == "127.0.0.3"


def test_a_sleep_sleeps_as_the_backend_underneath_does() -> None:
    started = time.monotonic()
    BoundBackend(httpcore.SyncBackend()).sleep(0.05)
    asyncio.run(AsyncBoundBackend(httpcore.AnyIOBackend()).sleep(0.05))
    assert time.monotonic() - started >= 0.1


def refuse(request: httpx.Request) -> httpx.Response:
    return httpx.Response(599)


def test_a_client_whose_pools_are_mounted_is_bound_through_its_mounts(
    silent: tuple[str, int],
) -> None:
    url = f"http://{silent[0]}:{silent[1]}/"
    with httpx.Client(
        transport=httpx.MockTransport(refuse), mounts={"http://": httpx.HTTPTransport()}
    ) as client:
        assert bound_io(client) is True
        with passed(), pytest.raises(httpx.ConnectTimeout, match="the deadline has passed"):
            client.get(url)

    async def concurrent() -> None:
        async with httpx.AsyncClient(
            transport=httpx.MockTransport(refuse), mounts={"http://": httpx.AsyncHTTPTransport()}
        ) as client:
            assert async_bound_io(client) is True
            with passed(), pytest.raises(httpx.ConnectTimeout, match="the deadline has passed"):
                await client.get(url)

    asyncio.run(concurrent())


def test_a_client_without_a_pool_is_not_bound() -> None:
    with httpx.Client(transport=httpx.MockTransport(refuse)) as client:
        assert bound_io(client) is False
    assert async_bound_io(httpx.AsyncClient(transport=httpx.MockTransport(refuse))) is False
