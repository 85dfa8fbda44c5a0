"""The transport's requests, to the letter: the headers of each (names as they go on the
wire, and values), the key an authenticated request carries and an unauthenticated one
never does, the URL joined from the base, the query, the body and its type, and the
timeouts; then the delay before a retry, the deadline of an attempt, and when a URL is
kept out of the log lines.

The decisions are taken on requests built here; what travels is checked over real
sockets, on a small server of loopback that notes each header as it arrived.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from mistral_batch import (
    APIConnectionError,
    AsyncMistral,
    Mistral,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    UnsafeResponseError,
)
from mistral_batch._config import ClientConfig
from mistral_batch._deadline import scope
from mistral_batch._encoding import ACCEPT_ENCODING
from mistral_batch._operations import (
    CREATE_JOB,
    DOWNLOAD_SIGNED_URL,
    RETRIEVE_FILE,
    UPLOAD_FILE,
)
from mistral_batch._transport_base import USER_AGENT, TransportBase, _hidden

from .loopback import Origin, answering
from .samples import FILE_ANSWER

KEY = "sk-transport-build-0123456789"
API = "https://api.example.test"
SIGNED = "https://storage.example.test:8443/blob/TOKEN0123456789abc?sig=SIG-0123456&se=2030"
TIMEOUT = httpx.Timeout(connect=1.5, read=2.5, write=3.5, pool=4.5)
TIMEOUTS = {"timeout": {"connect": 1.5, "read": 2.5, "write": 3.5, "pool": 4.5}}
#: No jitter: without a Retry-After the delay is exactly 0, with one exactly what it asks.
POLICY = RetryPolicy(max_attempts=3, initial_delay=0, max_delay=0, max_retry_after=10)
ONCE = RetryPolicy(max_attempts=1, initial_delay=0, max_delay=0)
FILE = FILE_ANSWER


def make(**config: Any) -> TransportBase:
    return TransportBase(
        ClientConfig(api_key=KEY, server_url=httpx.URL(API), **{"retry": POLICY, **config})
    )


@pytest.fixture
def transport() -> TransportBase:
    return make()


@pytest.fixture
def builder() -> Iterator[httpx.Client]:
    """A client that only builds requests here: nothing is sent on it."""
    with httpx.Client(timeout=TIMEOUT) as client:
        yield client


def raw(request: httpx.Request) -> dict[str, str]:
    """The request's headers with their names spelt as they go on the wire."""
    assert len(request.headers.raw) == len({k.lower() for k, _ in request.headers.raw})
    return {k.decode(): v.decode() for k, v in request.headers.raw}


def api_headers(host: str = "api.example.test", **extra: str) -> dict[str, str]:
    """The headers of a plain authenticated request to `host`, and `extra`."""
    return {
        "Host": host,
        "Accept": "application/json",
        "Accept-Encoding": ACCEPT_ENCODING,
        "Connection": "keep-alive",
        "User-Agent": USER_AGENT,
        "Authorization": f"Bearer {KEY}",
        **extra,
    }


# --- build: headers and the key -------------------------------------------------------------


def test_a_request_is_authenticated_unless_told_otherwise(
    transport: TransportBase, builder: httpx.Client
) -> None:
    request = transport.build(builder, {"method": "get", "url": "/v1/files/file-1"})
    assert request.method == "GET"
    assert request.url == httpx.URL(f"{API}/v1/files/file-1")
    assert raw(request) == api_headers()
    assert request.read() == b""
    assert request.extensions == TIMEOUTS


def test_an_unauthenticated_request_carries_no_key_even_from_the_users_own_client(
    transport: TransportBase,
) -> None:
    # A user's client may hold the key among its default headers: a signed URL's host
    # must get neither ours nor theirs, while their other defaults go.
    own = {"Authorization": f"Bearer {KEY}", "X-Team": "blue"}
    with httpx.Client(timeout=TIMEOUT, headers=own) as users:
        request = transport.build(users, {"method": "get", "url": SIGNED}, authenticated=False)
    assert request.url == httpx.URL(SIGNED)
    assert raw(request) == {
        "Host": "storage.example.test:8443",
        "Accept": "application/json",
        "Accept-Encoding": ACCEPT_ENCODING,
        "Connection": "keep-alive",
        "User-Agent": USER_AGENT,
        "X-Team": "blue",
    }
    assert request.extensions == TIMEOUTS


def test_an_authenticated_request_sends_our_key_over_the_users_own(
    transport: TransportBase,
) -> None:
    with httpx.Client(timeout=TIMEOUT, headers={"authorization": "Bearer theirs"}) as users:
        request = transport.build(users, {"method": "get", "url": "/v1/files/file-1"})
    assert raw(request) == api_headers()


def test_the_callers_headers_come_over_the_defaults_but_never_over_the_key(
    transport: TransportBase, builder: httpx.Client
) -> None:
    args = {
        "method": "get",
        "url": "/v1/files/file-1/content",
        "headers": {"Accept": "application/octet-stream", "X-Trace": "t-1"},
    }
    extra = {"X-Trace": "t-2", "Range": "bytes=5-", "Authorization": "Bearer other"}
    request = transport.build(builder, args, headers=extra)
    assert raw(request) == api_headers(
        Accept="application/octet-stream", **{"X-Trace": "t-2", "Range": "bytes=5-"}
    )
    # The arguments given are left as they were.
    assert args["headers"] == {"Accept": "application/octet-stream", "X-Trace": "t-1"}


def test_the_method_is_sent_in_capitals(transport: TransportBase, builder: httpx.Client) -> None:
    request = transport.build(builder, {"method": "delete", "url": "/v1/batch/jobs/job-1"})
    assert request.method == "DELETE"
    assert request.url == httpx.URL(f"{API}/v1/batch/jobs/job-1")
    assert raw(request) == api_headers()


# --- build: the body ------------------------------------------------------------------------


def test_a_json_body_is_sent_compact_with_its_type_and_length(
    transport: TransportBase, builder: httpx.Client
) -> None:
    body = {"input_files": ["file-1"], "endpoint": "/v1/chat/completions", "note": "é"}
    args = {
        "method": "post",
        "url": "/v1/batch/jobs",
        "json": body,
        "headers": {"Content-Type": "application/json"},
    }
    request = transport.build(builder, args)
    sent = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    assert request.read() == sent
    assert request.method == "POST" and request.url == httpx.URL(f"{API}/v1/batch/jobs")
    assert raw(request) == api_headers(
        **{"Content-Type": "application/json", "Content-Length": str(len(sent))}
    )
    assert request.extensions == TIMEOUTS


def test_a_streamed_body_goes_in_chunks_with_the_type_it_was_given(
    transport: TransportBase, builder: httpx.Client
) -> None:
    parts = iter([b"--b1\r\n", b"data", b"\r\n--b1--"])
    request = transport.build(
        builder,
        {"method": "post", "url": "/v1/files", "content": parts},
        headers={"Content-Type": "multipart/form-data; boundary=b1"},
    )
    assert raw(request) == api_headers(
        **{
            "Content-Type": "multipart/form-data; boundary=b1",
            "Transfer-Encoding": "chunked",
        }
    )
    assert request.read() == b"--b1\r\ndata\r\n--b1--"


# --- build: the URL and its query -----------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "joined"),
    [
        ("https://api.example.test", "https://api.example.test/v1/files"),
        ("https://api.example.test/", "https://api.example.test/v1/files"),
        ("https://api.example.test/v1/", "https://api.example.test/v1/files"),
        ("https://gw.example.test/mistral", "https://gw.example.test/mistral/v1/files"),
        ("https://gw.example.test/mistral/", "https://gw.example.test/mistral/v1/files"),
        ("https://gw.example.test:8443/a/b/v1", "https://gw.example.test:8443/a/b/v1/files"),
    ],
)
def test_the_path_is_joined_to_the_base_url(builder: httpx.Client, base: str, joined: str) -> None:
    config = ClientConfig.resolve(
        KEY, base, timeout=None, max_retries=None, retry=None, allow_insecure_http=False
    )
    request = TransportBase(config).build(builder, {"method": "get", "url": "/v1/files"})
    assert str(request.url) == joined
    host = httpx.URL(joined).netloc.decode()
    assert raw(request) == api_headers(host)


@pytest.mark.parametrize(
    ("args", "url"),
    [
        ({"params": {"page": 0, "page_size": 10}}, f"{API}/v1/files?page=0&page_size=10"),
        ({"params": {"purpose": "batch meta"}}, f"{API}/v1/files?purpose=batch+meta"),
        ({"params": {}}, f"{API}/v1/files"),
        ({"params": None}, f"{API}/v1/files"),
        ({}, f"{API}/v1/files"),
    ],
    ids=["params", "quoted", "empty", "none", "absent"],
)
def test_the_query_comes_from_the_params(
    transport: TransportBase, builder: httpx.Client, args: dict[str, Any], url: str
) -> None:
    request = transport.build(builder, {"method": "get", "url": "/v1/files", **args})
    assert str(request.url) == url
    assert raw(request) == api_headers()


@pytest.mark.parametrize("params", [{}, None, "absent"])
def test_a_query_already_in_the_url_is_kept(
    transport: TransportBase, builder: httpx.Client, params: Any
) -> None:
    # Empty params would put nothing in place of the query: a signed URL its signature.
    given = {} if params == "absent" else {"params": params}
    request = transport.build(
        builder, {"method": "get", "url": "/v1/files?page=2&x=a%20b", **given}
    )
    assert str(request.url) == f"{API}/v1/files?page=2&x=a%20b"
    signed = transport.build(
        builder, {"method": "get", "url": SIGNED, **given}, authenticated=False
    )
    assert str(signed.url) == SIGNED


def test_an_absolute_url_is_used_as_it_is(transport: TransportBase, builder: httpx.Client) -> None:
    request = transport.build(builder, {"method": "get", "url": SIGNED}, authenticated=False)
    assert str(request.url) == SIGNED
    assert request.url.params["sig"] == "SIG-0123456"


def test_the_timeouts_are_the_clients_and_not_cut_by_a_deadline(
    transport: TransportBase, builder: httpx.Client
) -> None:
    # Each read and write is cut to the deadline as it happens (see _deadline), not here.
    with scope(time.monotonic() + 0.5):
        request = transport.build(builder, {"method": "get", "url": "/v1/files"})
    assert request.extensions == TIMEOUTS


# --- retry_delay ----------------------------------------------------------------------------


def server_error(status: int = 503) -> ServerError:
    return ServerError("unavailable", status_code=status)


@pytest.mark.parametrize(
    ("retry_after", "delay"),
    [
        (None, 0.0),
        ("4", 4.0),
        ("2.5", 2.5),
        ("10", 10.0),
        ("-3", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("soon", 0.0),
        ("11", None),
    ],
)
def test_a_retry_waits_what_retry_after_asks_up_to_the_policys_cap(
    transport: TransportBase, retry_after: str | None, delay: float | None
) -> None:
    got = transport.retry_delay(
        RETRIEVE_FILE, 1, error=server_error(), status=503, retry_after=retry_after
    )
    assert got == delay


def test_a_rate_limit_errors_own_wait_comes_before_the_header(transport: TransportBase) -> None:
    limited = RateLimitError("slow down", status_code=429, retry_after=2.0)
    assert transport.retry_delay(RETRIEVE_FILE, 1, error=limited, status=429) == 2.0
    assert (
        transport.retry_delay(RETRIEVE_FILE, 1, error=limited, status=429, retry_after="7") == 2.0
    )
    unread = RateLimitError("slow down", status_code=429)
    assert transport.retry_delay(RETRIEVE_FILE, 1, error=unread, status=429, retry_after="3") == 3.0
    assert transport.retry_delay(RETRIEVE_FILE, 1, error=unread, status=429) == 0.0
    too_long = RateLimitError("slow down", status_code=429, retry_after=11.0)
    assert (
        transport.retry_delay(RETRIEVE_FILE, 1, error=too_long, status=429, retry_after="1") is None
    )


def test_no_retry_past_the_last_attempt_or_for_a_status_not_retried(
    transport: TransportBase,
) -> None:
    assert transport.retry_delay(RETRIEVE_FILE, 2, error=server_error(), status=503) == 0.0
    assert transport.retry_delay(RETRIEVE_FILE, 3, error=server_error(), status=503) is None
    missing = NotFoundError("no such file", status_code=404)
    assert transport.retry_delay(RETRIEVE_FILE, 1, error=missing, status=404) is None


def test_a_request_is_taken_as_replayable_unless_told_otherwise(
    transport: TransportBase,
) -> None:
    assert transport.retry_delay(RETRIEVE_FILE, 1, error=server_error(), status=503) == 0.0
    assert (
        transport.retry_delay(RETRIEVE_FILE, 1, error=server_error(), status=503, replayable=False)
        is None
    )


def test_an_unsafe_answer_is_never_retried_whatever_its_status(
    transport: TransportBase,
) -> None:
    unsafe = UnsafeResponseError("redirect to plain http")
    assert transport.retry_delay(RETRIEVE_FILE, 1, error=unsafe, status=503) is None
    assert transport.retry_delay(RETRIEVE_FILE, 1, error=unsafe) is None


def test_a_create_is_retried_only_when_it_provably_was_not_acted_on(
    transport: TransportBase,
) -> None:
    lost = APIConnectionError("reset")
    # Without being told, the request is taken as sent.
    assert transport.retry_delay(CREATE_JOB, 1, error=lost) is None
    assert transport.retry_delay(CREATE_JOB, 1, error=lost, sent=True) is None
    assert transport.retry_delay(CREATE_JOB, 1, error=lost, sent=False) == 0.0
    refused = APIConnectionError("refused")
    refused.request_sent = False
    assert transport.retry_delay(CREATE_JOB, 1, error=refused) == 0.0
    assert transport.retry_delay(CREATE_JOB, 1, error=server_error(), status=503) is None
    limited = RateLimitError("slow down", status_code=429, retry_after=1.0)
    assert transport.retry_delay(CREATE_JOB, 1, error=limited, status=429) == 1.0
    # A safe call is retried after a lost answer all the same.
    assert transport.retry_delay(RETRIEVE_FILE, 1, error=lost) == 0.0


def test_no_retry_that_could_not_start_before_the_deadline(transport: TransportBase) -> None:
    error = server_error()
    past = time.monotonic() - 1
    assert transport.retry_delay(RETRIEVE_FILE, 1, error=error, status=503, deadline=past) is None
    soon = time.monotonic() + 5
    assert (
        transport.retry_delay(
            RETRIEVE_FILE, 1, error=error, status=503, retry_after="8", deadline=soon
        )
        is None
    )
    later = time.monotonic() + 1000
    assert (
        transport.retry_delay(
            RETRIEVE_FILE, 1, error=error, status=503, retry_after="8", deadline=later
        )
        == 8.0
    )


def test_a_retry_due_exactly_at_the_deadline_is_not_made() -> None:
    # At 1e30 s the clock's reading is lost in rounding: now + wait == deadline exactly.
    patient = make(retry=RetryPolicy(max_attempts=3, max_retry_after=1e31))
    at = 1e30
    assert time.monotonic() + at == at
    got = patient.retry_delay(
        RETRIEVE_FILE, 1, error=server_error(), status=503, retry_after="1e30", deadline=at
    )
    assert got is None
    assert (
        patient.retry_delay(
            RETRIEVE_FILE, 1, error=server_error(), status=503, retry_after="1e30", deadline=2e30
        )
        == 1e30
    )


# --- attempt_deadline -----------------------------------------------------------------------


def test_an_attempt_is_bounded_by_the_attempt_timeout_when_no_deadline_is_set() -> None:
    transport = make(attempt_timeout=30.0)
    before = time.monotonic()
    at = transport.attempt_deadline(RETRIEVE_FILE, None)
    after = time.monotonic()
    assert at is not None and before + 30.0 <= at <= after + 30.0


def test_an_attempt_ends_by_the_earlier_of_its_own_bound_and_the_operations() -> None:
    transport = make(attempt_timeout=30.0)
    soon = time.monotonic() + 5.0
    assert transport.attempt_deadline(RETRIEVE_FILE, soon) == soon
    before = time.monotonic()
    at = transport.attempt_deadline(RETRIEVE_FILE, before + 1000.0)
    after = time.monotonic()
    assert at is not None and before + 30.0 <= at <= after + 30.0


def test_an_upload_attempt_has_no_bound_of_its_own() -> None:
    transport = make(attempt_timeout=30.0)
    assert transport.attempt_deadline(UPLOAD_FILE, None) is None
    later = time.monotonic() + 1000.0
    assert transport.attempt_deadline(UPLOAD_FILE, later) == later


def test_without_an_attempt_timeout_only_the_operations_deadline_holds() -> None:
    transport = make(attempt_timeout=None)
    assert transport.attempt_deadline(RETRIEVE_FILE, None) is None
    later = time.monotonic() + 1000.0
    assert transport.attempt_deadline(RETRIEVE_FILE, later) == later


# --- _hidden --------------------------------------------------------------------------------


def logged(request: httpx.Request, caplog: pytest.LogCaptureFixture) -> str:
    """What httpx's log line naming `request` says, as the client's filter leaves it."""
    caplog.clear()
    logging.getLogger("httpx").info("HTTP Request: GET %s", request.url)
    [record] = [r for r in caplog.records if r.name == "httpx"]
    return record.getMessage()


def test_a_url_is_kept_out_of_the_log_only_while_it_is_secret(
    transport: TransportBase, builder: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="httpx")
    api = transport.build(builder, {"method": "get", "url": "/v1/files/file-0123456789abcdef"})
    shown = f"HTTP Request: GET {api.url}"
    signed = transport.build(builder, {"method": "get", "url": SIGNED}, authenticated=False)
    # An API call, alone or redirected on its own origin, is logged as it is.
    with _hidden(api, RETRIEVE_FILE):
        assert logged(api, caplog) == shown
    with _hidden(api, RETRIEVE_FILE, httpx.URL(f"{API}/v1/files/file-1")):
        assert logged(api, caplog) == shown
    # A signed URL, and where a redirect led to another origin, are not.
    with _hidden(signed, DOWNLOAD_SIGNED_URL):
        assert logged(signed, caplog) == "HTTP Request: GET [REDACTED]"
    with _hidden(signed, RETRIEVE_FILE, api.url):
        assert logged(signed, caplog) == "HTTP Request: GET [REDACTED]"
    with _hidden(api, DOWNLOAD_SIGNED_URL, api.url):
        assert logged(api, caplog) == "HTTP Request: GET [REDACTED]"
    # Once sent, a URL is no longer hidden.
    assert logged(signed, caplog) == f"HTTP Request: GET {SIGNED}"


# --- Over real sockets ----------------------------------------------------------------------


def both(make_sync: Callable[[], Mistral], make_async: Callable[[], AsyncMistral]) -> list[str]:
    """The ids a lookup of file-1 returns, with a Mistral and with an AsyncMistral."""
    ids: list[str] = []
    with make_sync() as client:
        ids.append(client.files.retrieve("file-1").id)

    async def in_async() -> None:
        async with make_async() as client:
            ids.append((await client.files.retrieve("file-1")).id)

    asyncio.run(in_async())
    return ids


def test_a_call_sends_these_headers_spelt_so() -> None:
    with Origin(answering(json.dumps(FILE).encode(), "application/json")) as api:
        ids = both(
            lambda: Mistral(KEY, api.url, retry=ONCE),
            lambda: AsyncMistral(KEY, api.url, retry=ONCE),
        )
    assert ids == ["file-1", "file-1"]
    expected = {
        "Host": api.netloc,
        "Accept": "application/json",
        "Accept-Encoding": ACCEPT_ENCODING,
        "Connection": "keep-alive",
        "User-Agent": USER_AGENT,
        "Authorization": f"Bearer {KEY}",
    }
    assert api.received == [("GET", "/v1/files/file-1", expected)] * 2


def test_a_signed_download_sends_no_key_though_the_users_client_holds_one() -> None:
    own = {"Authorization": f"Bearer {KEY}"}
    with (
        Origin(answering(b"payload", "application/octet-stream")) as storage,
        httpx.Client(headers=own) as users,
        Mistral(KEY, storage.url, retry=ONCE, http_client=users) as client,
    ):
        download = client.files.download_signed_url(f"{storage.url}/blob?sig=abc")
        try:
            assert download.read() == b"payload"
        finally:
            download.close()
    [(method, path, headers)] = storage.received
    assert (method, path) == ("GET", "/blob?sig=abc")
    assert headers == {
        "Host": storage.netloc,
        # A download asks for the bytes as stored, so that it can resume by range.
        "Accept": "application/octet-stream, application/json",
        "Accept-Encoding": "identity",
        "Connection": "keep-alive",
        "User-Agent": USER_AGENT,
    }
