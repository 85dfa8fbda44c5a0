"""Shared by every suite: a test fails when it leaves an HTTP response open.

A response left open holds its connection until the garbage collector finds it, and a
client that does so under load runs out of connections. httpx hands every response that
came over a socket through HTTPTransport (or AsyncHTTPTransport); each is counted there,
and the test fails at its end if any was neither read to its end nor closed. Answers made
without a socket (httpx.MockTransport, a body already in memory) hold nothing and are not
counted. This works for both clients, and for the command when it runs in-process.

Also shared: `s3`, a real S3 API on loopback (moto's server) for object storage, with the
environment pointing s3:// URLs at it, in this process and the commands it starts.

And Ctrl-C reaches the commands the tests start and interrupt, wherever the suite runs.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Give SIGINT back its default handler when the suite started with it ignored.

    A shell starts a background job (``cmd &``) with SIGINT ignored, which the processes it
    starts inherit, and a Python started so never raises KeyboardInterrupt: the tests that
    interrupt a command they started would wait for it in vain. A handler, unlike an
    ignored signal, is not inherited: the commands then start with Ctrl-C as usual.
    """
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


#: What each open response was, by the id of its tracked stream.
Ledger = dict[int, str]


class _Tracked(httpx.SyncByteStream):
    """A response's stream, noted in the ledger until it is closed."""

    def __init__(self, inner: httpx.SyncByteStream, what: str, ledger: Ledger) -> None:
        self._inner, self._ledger = inner, ledger
        ledger[id(self)] = what

    def __iter__(self) -> Iterator[bytes]:
        yield from self._inner

    def close(self) -> None:
        self._ledger.pop(id(self), None)
        self._inner.close()


class _AsyncTracked(httpx.AsyncByteStream):
    """The async twin of _Tracked."""

    def __init__(self, inner: httpx.AsyncByteStream, what: str, ledger: Ledger) -> None:
        self._inner, self._ledger = inner, ledger
        ledger[id(self)] = what

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for part in self._inner:
            yield part

    async def aclose(self) -> None:
        self._ledger.pop(id(self), None)
        await self._inner.aclose()


def _what(request: httpx.Request, response: httpx.Response) -> str:
    # The path only: a query string may hold a signed URL's secret.
    return f"{request.method} {request.url.path} -> {response.status_code}"


@pytest.fixture(autouse=True)
def responses_closed(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Ledger]:
    """Fails the test if a response that came over a socket is left open at its end.

    Tests marked ``other_client`` drive another project's client (the official SDK,
    whose guide leaves downloads open): its hygiene is not ours to assert.
    """
    ledger: Ledger = {}
    if request.node.get_closest_marker("other_client") is not None:
        yield ledger
        return
    send = httpx.HTTPTransport.handle_request
    asend = httpx.AsyncHTTPTransport.handle_async_request

    def handle_request(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        response = send(self, request)
        assert isinstance(response.stream, httpx.SyncByteStream)
        response.stream = _Tracked(response.stream, _what(request, response), ledger)
        return response

    async def handle_async_request(
        self: httpx.AsyncHTTPTransport, request: httpx.Request
    ) -> httpx.Response:
        response = await asend(self, request)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _AsyncTracked(response.stream, _what(request, response), ledger)
        return response

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle_request)
    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", handle_async_request)
    yield ledger
    if ledger:
        left = sorted(ledger.values())
        pytest.fail(f"{len(left)} response(s) left open: {', '.join(left)}", pytrace=False)


#: The bucket the `s3` fixture makes.
BUCKET = "runs"


@pytest.fixture(scope="session")
def s3() -> Iterator[object]:
    """An s3fs file system over a fresh S3 on loopback, holding the bucket BUCKET."""
    s3fs = pytest.importorskip("s3fs")
    server_module = pytest.importorskip("moto.server")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    # moto keeps its buckets in the process: a second session in one process (as a
    # mutation run makes) starts from none, as the first did.
    httpx.post(f"http://{host}:{port}/moto-api/reset").raise_for_status()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        env.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
        s3fs.S3FileSystem.clear_instance_cache()
        fs = s3fs.S3FileSystem()
        fs.mkdir(BUCKET)
        try:
            yield fs
        finally:
            s3fs.S3FileSystem.clear_instance_cache()
            server.stop()
