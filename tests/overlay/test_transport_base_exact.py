"""The transport's shared decisions, to the letter: the request a redirect leads to (its
method, URL, headers, body and timeouts), and the exact errors made from a connection
that failed, from an error answer that echoes a secret, and from a malformed answer.

The decisions are taken on requests and answers built here; what travels is checked over
real sockets, on the emulator and on two small servers of loopback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest

from mistral_batch import (
    APIConnectionError,
    APITimeoutError,
    MalformedResponseError,
    PermissionDeniedError,
    RetryPolicy,
    UnsafeResponseError,
)
from mistral_batch._config import ClientConfig
from mistral_batch._encoding import ACCEPT_ENCODING
from mistral_batch._operations import DOWNLOAD_SIGNED_URL, RETRIEVE_FILE, UPLOAD_FILE
from mistral_batch._transport_base import USER_AGENT, TransportBase
from mistral_batch.emulator import Emulator

from .loopback import Origin, answering, on_both
from .samples import FILE_ANSWER

KEY = "sk-transport-base-0123456789"
API = "https://api.example.test"
SIGNED = "https://storage.example.test:8443/blob/TOKEN0123456789abc?sig=SIG-0123456&se=2030"
TIMEOUT = httpx.Timeout(connect=1.5, read=2.5, write=3.5, pool=4.5)
TIMEOUTS = {"timeout": {"connect": 1.5, "read": 2.5, "write": 3.5, "pool": 4.5}}
ONCE = RetryPolicy(max_attempts=1, initial_delay=0, max_delay=0)
FILE = FILE_ANSWER


@pytest.fixture
def transport() -> TransportBase:
    return TransportBase(ClientConfig(api_key=KEY, server_url=httpx.URL(API)))


@pytest.fixture
def builder() -> Iterator[httpx.Client]:
    """A client that only builds requests here: nothing is sent on it."""
    with httpx.Client(timeout=TIMEOUT) as client:
        yield client


def get(
    transport: TransportBase, builder: httpx.Client, url: str = "/v1/files/file-1"
) -> httpx.Request:
    return transport.build(builder, {"method": "get", "url": url, "headers": {"X-Trace": "t-1"}})


def sent_headers(host: str, *, authorization: bool) -> dict[str, str]:
    """The headers of a GET from `get`, as they must go to `host`."""
    headers = {
        "host": host,
        "connection": "keep-alive",
        "user-agent": USER_AGENT,
        "accept": "application/json",
        "accept-encoding": ACCEPT_ENCODING,
        "x-trace": "t-1",
    }
    if authorization:
        headers["authorization"] = f"Bearer {KEY}"
    return headers


def redirect(request: httpx.Request, location: str, status: int = 302) -> httpx.Response:
    return httpx.Response(status, headers={"Location": location}, request=request)


def never() -> httpx.Request:
    raise AssertionError("a safe method's body is not made again")


# --- next_hop -------------------------------------------------------------------------------


def test_a_get_redirected_on_its_origin_keeps_its_headers_key_and_timeouts(
    transport: TransportBase, builder: httpx.Client
) -> None:
    request = get(transport, builder)
    seen = [request.url]
    hop = transport.next_hop(
        request, redirect(request, "/v1/moved?page=2"), never, seen, replayable=False
    )
    target = httpx.URL(f"{API}/v1/moved?page=2")
    assert hop.method == "GET" and hop.url == target
    assert dict(hop.headers) == sent_headers("api.example.test", authorization=True)
    assert hop.read() == b""
    assert hop.extensions == TIMEOUTS
    assert seen == [httpx.URL(f"{API}/v1/files/file-1"), target]


def test_a_get_redirected_to_another_origin_goes_there_without_the_key(
    transport: TransportBase, builder: httpx.Client
) -> None:
    request = get(transport, builder, "/v1/files/file-1/content")
    seen = [request.url]
    hop = transport.next_hop(request, redirect(request, SIGNED, 307), never, seen, replayable=True)
    assert hop.method == "GET" and hop.url == httpx.URL(SIGNED)
    # The Host header names the target, port included; every header but the key is kept.
    assert dict(hop.headers) == sent_headers("storage.example.test:8443", authorization=False)
    assert hop.read() == b""
    assert hop.extensions == TIMEOUTS
    assert seen == [request.url, httpx.URL(SIGNED)]


def test_an_unauthenticated_get_may_go_to_another_origin_too(
    transport: TransportBase, builder: httpx.Client
) -> None:
    # A signed URL's download carries no key: leaving its origin has none to drop.
    args = {"method": "get", "url": SIGNED, "headers": {"X-Trace": "t-1"}}
    request = transport.build(builder, args, authenticated=False)
    seen = [request.url]
    hop = transport.next_hop(
        request,
        redirect(request, "https://mirror.example.test/b?sig=2"),
        never,
        seen,
        replayable=True,
    )
    assert hop.url == httpx.URL("https://mirror.example.test/b?sig=2")
    assert dict(hop.headers) == sent_headers("mirror.example.test", authorization=False)
    assert hop.extensions == TIMEOUTS
    assert seen == [httpx.URL(SIGNED), httpx.URL("https://mirror.example.test/b?sig=2")]


def test_a_head_sends_no_body_either(transport: TransportBase, builder: httpx.Client) -> None:
    request = transport.build(builder, {"method": "head", "url": "/v1/files/file-1/content"})
    hop = transport.next_hop(
        request, redirect(request, "/v2/c"), never, [request.url], replayable=True
    )
    assert hop.method == "HEAD" and hop.url == httpx.URL(f"{API}/v2/c")
    assert hop.headers["authorization"] == f"Bearer {KEY}"
    assert hop.read() == b""


def upload_factory(
    transport: TransportBase, builder: httpx.Client, made: list[httpx.Request]
) -> Callable[[], httpx.Request]:
    """Builds an upload as the transport does: each copy with its own boundary and body."""

    def fresh() -> httpx.Request:
        n = len(made) + 1
        parts = iter([f"--b{n}\r\n".encode(), b"copy ", str(n).encode(), f"\r\n--b{n}--".encode()])
        request = transport.build(
            builder,
            {"method": "post", "url": "/v1/files", "content": parts},
            headers={"Content-Type": f"multipart/form-data; boundary=b{n}"},
        )
        made.append(request)
        return request

    return fresh


def test_an_upload_redirected_on_its_origin_sends_a_fresh_copy_of_its_body(
    transport: TransportBase, builder: httpx.Client
) -> None:
    made: list[httpx.Request] = []
    factory = upload_factory(transport, builder, made)
    request = factory()
    seen = [request.url]
    hop = transport.next_hop(
        request, redirect(request, "/v2/files", 308), factory, seen, replayable=True
    )
    assert len(made) == 2 and hop.stream is made[1].stream
    assert hop.method == "POST" and hop.url == httpx.URL(f"{API}/v2/files")
    assert dict(hop.headers) == {
        "host": "api.example.test",
        "connection": "keep-alive",
        "user-agent": USER_AGENT,
        "accept": "application/json",
        "accept-encoding": ACCEPT_ENCODING,
        "content-type": "multipart/form-data; boundary=b2",
        "authorization": f"Bearer {KEY}",
        "transfer-encoding": "chunked",
    }
    assert hop.read() == b"--b2\r\ncopy 2\r\n--b2--"
    assert hop.extensions == TIMEOUTS
    assert seen == [httpx.URL(f"{API}/v1/files"), httpx.URL(f"{API}/v2/files")]


def test_an_upload_whose_source_cannot_be_read_twice_is_not_redirected(
    transport: TransportBase, builder: httpx.Client
) -> None:
    made: list[httpx.Request] = []
    factory = upload_factory(transport, builder, made)
    request = factory()
    with pytest.raises(UnsafeResponseError) as caught:
        transport.next_hop(
            request, redirect(request, "/v2/files", 307), factory, [request.url], replayable=False
        )
    assert type(caught.value) is UnsafeResponseError
    assert str(caught.value) == (
        "POST /v1/files: a redirect asked to send the body again, "
        "and its source cannot be read twice"
    )
    assert len(made) == 1


# --- connection_error -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "kind", "reason"),
    [
        (
            httpx.ConnectError("[Errno 111] Connection refused"),
            APIConnectionError,
            "ConnectError: [Errno 111] Connection refused",
        ),
        (httpx.ConnectError(""), APIConnectionError, "ConnectError"),
        (httpx.ConnectTimeout("timed out"), APITimeoutError, "ConnectTimeout: timed out"),
        (httpx.ConnectTimeout(""), APITimeoutError, "ConnectTimeout: timed out"),
        (httpx.ReadTimeout("timed out"), APITimeoutError, "ReadTimeout: timed out"),
        (httpx.ReadTimeout(""), APITimeoutError, "ReadTimeout: timed out"),
        (httpx.WriteTimeout("timed out"), APITimeoutError, "WriteTimeout: timed out"),
        (httpx.PoolTimeout(""), APITimeoutError, "PoolTimeout: timed out"),
        (
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            APIConnectionError,
            "RemoteProtocolError: Server disconnected without sending a response.",
        ),
        (httpx.ReadError(""), APIConnectionError, "ReadError"),
        (
            httpx.WriteError("[Errno 32] Broken pipe"),
            APIConnectionError,
            "WriteError: [Errno 32] Broken pipe",
        ),
    ],
)
def test_each_connection_failure_is_named_with_its_request(
    transport: TransportBase,
    builder: httpx.Client,
    exc: httpx.RequestError,
    kind: type[APIConnectionError],
    reason: str,
) -> None:
    request = transport.build(builder, {"method": "get", "url": "/v1/files/file-1?x=1"})
    error = transport.connection_error(RETRIEVE_FILE, request, exc)
    assert type(error) is kind
    # The path only: never the query string.
    assert str(error) == f"GET /v1/files/file-1 failed: {reason}"
    assert error.args == (f"GET /v1/files/file-1 failed: {reason}",)


def test_a_connection_failure_that_prints_the_url_or_the_key_shows_neither(
    transport: TransportBase, builder: httpx.Client
) -> None:
    request = transport.build(builder, {"method": "get", "url": "/v1/files/None?x=1"})
    exc = httpx.ConnectError(f"no route to {request.url} (sent Bearer {KEY})")
    error = transport.connection_error(RETRIEVE_FILE, request, exc)
    # "None" is a word of the path, not a secret: it stays.
    assert str(error) == (
        "GET /v1/files/None failed: ConnectError: no route to [REDACTED] (sent Bearer [REDACTED])"
    )


def test_a_signed_urls_connection_failure_shows_its_host_only(
    transport: TransportBase, builder: httpx.Client
) -> None:
    request = transport.build(builder, {"method": "get", "url": SIGNED}, authenticated=False)
    exc = httpx.ReadTimeout(f"sig=SIG-0123456 at /blob/TOKEN0123456789abc with {KEY}")
    error = transport.connection_error(DOWNLOAD_SIGNED_URL, request, exc)
    assert type(error) is APITimeoutError
    assert str(error) == (
        "GET https://storage.example.test/... failed: ReadTimeout: "
        "sig=[REDACTED] at [REDACTED] with [REDACTED]"
    )


# --- error_for and malformed ----------------------------------------------------------------


def echo(request: httpx.Request) -> httpx.Response:
    """An error answer that repeats the key and the signed URL's parts."""
    message = f"key {KEY} may not read sig=SIG-0123456 /blob/TOKEN0123456789abc"
    return httpx.Response(403, json={"message": message}, request=request)


def test_a_signed_urls_error_answer_keeps_neither_its_secrets_nor_the_key(
    transport: TransportBase, builder: httpx.Client
) -> None:
    request = transport.build(builder, {"method": "get", "url": SIGNED}, authenticated=False)
    response = echo(request)
    error = transport.error_for(DOWNLOAD_SIGNED_URL, request, response, response.content)
    assert type(error) is PermissionDeniedError and error.status_code == 403
    assert error.message == "key [REDACTED] may not read sig=[REDACTED] [REDACTED]"


def test_an_error_answer_from_where_a_redirect_led_keeps_neither_the_key_nor_that_url(
    transport: TransportBase, builder: httpx.Client
) -> None:
    first = get(transport, builder, "/v1/files/file-1/content")
    args = {"method": "get", "url": SIGNED}
    response = echo(transport.build(builder, args, authenticated=False))
    error = transport.error_for(RETRIEVE_FILE, first, response, response.content)
    assert type(error) is PermissionDeniedError
    assert error.message == "key [REDACTED] may not read sig=[REDACTED] [REDACTED]"


class FieldError(ValueError):
    """A parse error that names the field it failed on, as the answers' readers do."""

    field = "bytes"


def test_a_malformed_answer_names_the_request_and_the_failure(
    transport: TransportBase, builder: httpx.Client
) -> None:
    request = transport.build(builder, {"method": "get", "url": "/v1/files/file-1?x=1"})
    error = transport.malformed(RETRIEVE_FILE, request, FieldError("not an integer"))
    assert type(error) is MalformedResponseError and error.field == "bytes"
    assert str(error) == (
        "GET /v1/files/file-1: malformed response body (FieldError: not an integer)"
    )
    error = transport.malformed(RETRIEVE_FILE, request, KeyError("id"))
    assert error.field is None
    assert str(error) == "GET /v1/files/file-1: malformed response body (KeyError: 'id')"


def test_a_signed_urls_malformed_answer_shows_its_host_only(
    transport: TransportBase, builder: httpx.Client
) -> None:
    request = transport.build(builder, {"method": "get", "url": SIGNED}, authenticated=False)
    error = transport.malformed(DOWNLOAD_SIGNED_URL, request, ValueError("corrupt"))
    assert type(error) is MalformedResponseError and error.field is None
    assert str(error) == (
        "GET https://storage.example.test/...: malformed response body (ValueError: corrupt)"
    )


def test_an_upload_that_got_no_answer_is_named_by_its_path(
    transport: TransportBase, builder: httpx.Client
) -> None:
    made: list[httpx.Request] = []
    request = upload_factory(transport, builder, made)()
    error = transport.connection_error(UPLOAD_FILE, request, httpx.WriteTimeout(""))
    assert type(error) is APITimeoutError
    assert str(error) == "POST /v1/files failed: WriteTimeout: timed out"


# --- Over real sockets ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "kind", "reasons"),
    [
        # The sync socket says "timed out"; the async one (anyio) says nothing: the same words.
        ({"delay": 2.0}, APITimeoutError, ["ReadTimeout: timed out"] * 2),
        (
            {"reset": True},
            APIConnectionError,
            ["RemoteProtocolError: Server disconnected without sending a response."] * 2,
        ),
    ],
    ids=["read-timeout", "reset"],
)
def test_a_request_that_reached_the_server_but_got_no_answer(
    emu: Emulator, fault: dict[str, Any], kind: type[APIConnectionError], reasons: list[str]
) -> None:
    emu.inject("retrieve_file", count=None, **fault)
    outcomes = on_both(
        lambda cls: cls(emu.api_key, emu.url, timeout=0.3, retry=ONCE),
        lambda c: c.files.retrieve("file-1"),
    )
    assert [type(o) for o in outcomes] == [kind, kind], outcomes
    assert [str(o) for o in outcomes] == [f"GET /v1/files/file-1 failed: {r}" for r in reasons]
    assert [o.request_sent for o in outcomes] == [True, True]


def test_a_refused_connection_provably_sent_nothing() -> None:
    url = nobody_listening()
    outcomes = on_both(lambda cls: cls(KEY, url, retry=ONCE), lambda c: c.files.retrieve("f"))
    assert [type(o) for o in outcomes] == [APIConnectionError] * 2, outcomes
    assert all(str(o).startswith("GET /v1/files/f failed: ConnectError: ") for o in outcomes)
    assert [o.request_sent for o in outcomes] == [False, False]


def nobody_listening() -> str:
    """A loopback URL whose port was just let go: connecting to it is refused."""
    server = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    return f"http://127.0.0.1:{port}"


def test_a_lookup_redirected_to_another_origin_reaches_it_without_the_key() -> None:
    body = json.dumps(FILE).encode()
    with Origin(answering(body, "application/json")) as storage:
        moved = f"{storage.url}/mirror?sig=SIG-0123456"
        with Origin(lambda path: (302, {"Location": moved}, b"")) as api:
            outcomes = on_both(
                lambda cls: cls(KEY, api.url, retry=ONCE), lambda c: c.files.retrieve("file-1")
            )
    assert [o.id for o in outcomes] == ["file-1", "file-1"], outcomes
    assert [(m, p) for m, p, _ in api.received] == [("GET", "/v1/files/file-1")] * 2
    assert [(m, p) for m, p, _ in storage.received] == [("GET", "/mirror?sig=SIG-0123456")] * 2
    for (_, _, sent), (_, _, sent_on) in zip(api.received, storage.received, strict=True):
        asked = {name.lower(): value for name, value in sent.items()}
        followed = {name.lower(): value for name, value in sent_on.items()}
        assert asked["host"] == api.netloc and asked["authorization"] == f"Bearer {KEY}"
        assert followed["host"] == storage.netloc and "authorization" not in followed
        assert followed["user-agent"] == USER_AGENT
        assert followed["accept"] == "application/json"
