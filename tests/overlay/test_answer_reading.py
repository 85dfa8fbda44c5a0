"""Reading an answer, exactly: the typed error made of an error answer for each content
type and shape of body (JSON with and without a charset, text, HTML, invalid UTF-8, JSON
that is no object, nothing), with its class, status, words, fields, body and headers; a
body already read, at, under and over its bound; the answer rebuilt once its body is read
(its headers as sent, or without those that described the encoded bytes); the error of an
answer still coming in at its deadline; and a whole answer read over a real socket on
both clients, in many pieces, inflated, refused past MAX_ANSWER_BYTES, cut at the deadline.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import json
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mistral_batch import (
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    ServerError,
    UnsafeResponseError,
)
from mistral_batch._answers import already_read, answered, late
from mistral_batch._async._answers import aread_answer
from mistral_batch._encoding import MAX_ANSWER_BYTES
from mistral_batch._error_answers import MAX_BODY_CHARS, error_from_response
from mistral_batch._sync._answers import read_answer

from .samples import FILE_ANSWER
from .test_error_words import CUT, JSON, PATIENCE, SIDES, Scripted, on, scripted

URL = "https://api.example.test/v1/files/f-1"


def request() -> httpx.Request:
    return httpx.Request("GET", URL)


# --- Each content type and shape of an error body ------------------------------------------


MISTRAL = (
    b'{"object": "error", "message": "No file with id \'f-1\'", "type": "invalid_request_file",'
    b' "param": "file_id", "code": "3310"}'
)


@pytest.mark.parametrize(
    ("status", "content_type", "body", "cls", "message", "fields"),
    [
        (
            404,
            "application/json",
            MISTRAL,
            NotFoundError,
            "No file with id 'f-1'",
            ("invalid_request_file", "3310", "file_id"),
        ),
        (
            404,
            "application/json; charset=utf-8",
            MISTRAL,
            NotFoundError,
            "No file with id 'f-1'",
            ("invalid_request_file", "3310", "file_id"),
        ),
        (
            502,
            "text/plain; charset=utf-8",
            b"\n  upstream   connect error\nsecond line",
            ServerError,
            "upstream connect error",
            (None, None, None),
        ),
        (
            502,
            "Text/HTML; Charset=UTF-8",
            b"Gateway &lt;timeout&gt; upstream\n<p>x</p>",
            ServerError,
            "Gateway <timeout> upstream x",
            (None, None, None),
        ),
        (
            503,
            "",
            b" \n\t<html><head><title>Down &amp; out</title></head></html>",
            ServerError,
            "Down & out",
            (None, None, None),
        ),
        (
            400,
            "application/json",
            b'{"message": "caf\xe9 \xff ferm\xc3\xa9", "param": "q"}',
            BadRequestError,
            "caf\ufffd \ufffd ferm\u00e9",
            (None, None, "q"),
        ),
        (
            400,
            "application/json",
            b'["first", "second"]',
            BadRequestError,
            '["first", "second"]',
            (None, None, None),
        ),
        (
            401,
            "application/json",
            b'"a bare string"',
            AuthenticationError,
            '"a bare string"',
            (None, None, None),
        ),
        (400, "application/json", b"null", BadRequestError, "null", (None, None, None)),
        (400, "application/json", b"", BadRequestError, "Bad Request", (None, None, None)),
        (599, "text/plain", b"", ServerError, "HTTP 599", (None, None, None)),
        (600, "text/plain", b"", APIError, "HTTP 600", (None, None, None)),
    ],
    ids=[
        "json",
        "json-charset",
        "text",
        "html-by-type",
        "html-by-start",
        "invalid-utf8",
        "json-list",
        "json-string",
        "json-null",
        "empty",
        "599-server",
        "600-not-server",
    ],
)
def test_each_content_type_and_shape_gives_its_error_exactly(
    status: int,
    content_type: str,
    body: bytes,
    cls: type[APIError],
    message: str,
    fields: tuple[str | None, str | None, str | None],
) -> None:
    headers = {"Content-Type": content_type, "X-Request-Id": "req-1"}
    error = error_from_response(status, headers, body)
    assert type(error) is cls
    assert error.status_code == status
    assert error.message == message
    assert (error.type, error.code, error.param) == fields
    assert error.body == body.decode("utf-8", errors="replace")
    assert error.headers == {"content-type": content_type, "x-request-id": "req-1"}
    assert error.request_id == "req-1"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"error": "a bare string"}, "a bare string"),
        ({"error": "the error", "message": ""}, "the error"),
        ({"error": "the error", "message": None}, "the error"),
        ({"error": "not this", "message": "this one"}, "this one"),
    ],
    ids=["error-alone", "empty-message", "null-message", "message-first"],
)
def test_an_error_string_is_the_message_only_when_there_is_none(
    body: dict[str, Any], message: str
) -> None:
    error = error_from_response(400, {}, json.dumps(body).encode())
    assert error.message == message
    assert (error.type, error.code, error.param) == (None, None, None)


def test_an_object_of_unknown_shape_shows_its_first_line() -> None:
    body = b'\n{"unknown":\n  "shape", "param": "p"}'
    error = error_from_response(400, {"content-type": "application/json"}, body)
    assert error.message == '{"unknown":'
    assert (error.type, error.code, error.param) == (None, None, "p")
    assert error.body == body.decode()


@pytest.mark.parametrize(
    ("length", "kept"),
    [
        (MAX_BODY_CHARS - 1, "m" * (MAX_BODY_CHARS - 1)),
        (MAX_BODY_CHARS, "m" * MAX_BODY_CHARS),
        (MAX_BODY_CHARS + 1, "m" * (MAX_BODY_CHARS - 1) + CUT),
    ],
    ids=["under", "at", "over"],
)
def test_a_message_and_a_body_are_cut_only_past_their_bound(length: int, kept: str) -> None:
    as_message = error_from_response(400, {}, json.dumps({"message": "m" * length}).encode())
    as_body = error_from_response(400, {}, b"m" * length)
    assert as_message.message == kept
    assert as_body.body == kept
    assert len(as_body.body) == min(length, MAX_BODY_CHARS)


# --- A body already read, and the answer rebuilt around a body -------------------------------


@pytest.mark.parametrize("size", [0, 9, 10])
def test_a_body_already_read_within_its_limit_is_handed_over(size: int) -> None:
    response = httpx.Response(200, content=b"b" * size)
    assert response.is_stream_consumed
    assert already_read(response, 10) == b"b" * size


def test_a_body_already_read_past_its_limit_is_refused() -> None:
    response = httpx.Response(200, content=b"b" * 11)
    with pytest.raises(UnsafeResponseError) as refused:
        already_read(response, 10)
    assert str(refused.value) == "refused an answer larger than 10 bytes"


def test_a_body_still_to_be_read_is_not_read_here() -> None:
    response = httpx.Response(200, stream=httpx.ByteStream(b"b" * 11))
    assert already_read(response, 10) is None
    assert not response.is_stream_consumed


def sent(headers: list[tuple[str, str]]) -> httpx.Response:
    """An answer as it came, its body still to be read."""
    return httpx.Response(
        201,
        headers=headers,
        stream=httpx.ByteStream(b"as sent"),
        request=request(),
        extensions={"reason_phrase": b"Made", "http_version": b"HTTP/1.1"},
    )


def test_an_answer_not_encoded_keeps_every_header_as_sent() -> None:
    response = sent(
        [
            ("Content-Type", "application/json"),
            ("Transfer-Encoding", "chunked"),
            ("X-Twice", "1"),
            ("X-Twice", "2"),
        ]
    )
    answer = answered(response, b'{"ok": true}')
    assert answer.status_code == 201
    assert answer.headers.multi_items() == [
        ("content-type", "application/json"),
        ("transfer-encoding", "chunked"),
        ("x-twice", "1"),
        ("x-twice", "2"),
        ("content-length", "12"),
    ]
    assert answer.content == b'{"ok": true}'
    assert answer.is_stream_consumed
    assert answer.request is response.request
    assert answer.extensions == {"reason_phrase": b"Made", "http_version": b"HTTP/1.1"}
    assert answer.reason_phrase == "Made"


def test_an_answer_kept_with_its_length_as_sent_when_not_encoded() -> None:
    response = sent([("Content-Length", "7"), ("X-Kept", "yes")])
    answer = answered(response, b"as sent")
    assert answer.headers.multi_items() == [("content-length", "7"), ("x-kept", "yes")]
    assert answer.text == "as sent"


def test_an_inflated_answer_drops_the_headers_that_described_its_encoded_bytes() -> None:
    response = sent(
        [
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
            ("Content-Length", "31"),
            ("Transfer-Encoding", "chunked"),
            ("X-Twice", "1"),
            ("X-Twice", "2"),
        ]
    )
    answer = answered(response, b'{"inflated": true}')
    assert answer.status_code == 201
    assert answer.headers.multi_items() == [
        ("content-type", "application/json"),
        ("x-twice", "1"),
        ("x-twice", "2"),
        ("content-length", "18"),
    ]
    assert answer.json() == {"inflated": True}
    assert answer.request is response.request
    assert answer.extensions == {"reason_phrase": b"Made", "http_version": b"HTTP/1.1"}


def test_an_answer_still_coming_in_at_its_deadline_is_a_read_timeout() -> None:
    response = sent([])
    error = late(response)
    assert type(error) is httpx.ReadTimeout
    assert str(error) == "the deadline has passed"
    assert error.request is response.request


@pytest.mark.parametrize("side", SIDES)
def test_an_answer_already_read_is_rebuilt_as_it_came(side: str) -> None:
    response = httpx.Response(
        200,
        headers={"Content-Type": "application/json", "X-Kept": "yes"},
        content=b'{"id": "f-1"}',
        request=request(),
        extensions={"reason_phrase": b"OK"},
    )
    if side == "sync":
        answer = read_answer(response, None)
    else:
        answer = asyncio.run(aread_answer(response, None))
    assert answer.headers.multi_items() == [
        ("content-type", "application/json"),
        ("x-kept", "yes"),
        ("content-length", "13"),
    ]
    assert answer.json() == {"id": "f-1"}
    assert answer.request is response.request
    assert answer.extensions == {"reason_phrase": b"OK"}


# --- A whole answer, over a real socket on both clients --------------------------------------


FILE = {**FILE_ANSWER, "id": "file-read-whole", "bytes": 31, "created_at": 1700000000}
HEAD = json.dumps(FILE).encode()
#: A file object padded to several times what one read of the socket takes.
LONG = HEAD + b" " * (5 * 64 * 1024)


def retrieve(client: Any) -> Any:
    return client.files.retrieve("file-read-whole")


def check_file(outcome: Any) -> None:
    assert not isinstance(outcome, Exception), outcome
    assert (outcome.id, outcome.filename, outcome.bytes) == ("file-read-whole", "a.jsonl", 31)
    assert (outcome.created_at, outcome.purpose) == (1700000000, "batch")


@pytest.mark.parametrize("side", SIDES)
def test_a_whole_answer_in_many_pieces_is_read_as_one(side: str) -> None:
    half = len(LONG) // 2
    with scripted(200, JSON, [(0.0, LONG[:half]), (0.1, LONG[half:])]) as server:
        check_file(on(side, server.url, retrieve))
        assert server.answered(1) == [2]


def deflated(data: bytes) -> bytes:
    return zlib.compress(data)


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_whole_encoded_answer_is_inflated_in_pieces(side: str, encoding: str) -> None:
    packed = gzip.compress(LONG, mtime=0) if encoding == "gzip" else deflated(LONG)
    half = len(packed) // 2
    headers = {**JSON, "Content-Encoding": encoding}
    with scripted(200, headers, [(0.0, packed[:half]), (0.1, packed[half:])]) as server:
        check_file(on(side, server.url, retrieve))


@functools.cache
def inflating_past_the_bound() -> bytes:
    """A gzip body that inflates to one byte more than MAX_ANSWER_BYTES."""
    return gzip.compress(HEAD + b" " * (MAX_ANSWER_BYTES + 1 - len(HEAD)), mtime=0)


@pytest.mark.parametrize("side", SIDES)
def test_an_answer_inflating_past_its_bound_is_refused(side: str) -> None:
    headers = {**JSON, "Content-Encoding": "gzip"}
    with scripted(200, headers, [(0.0, inflating_past_the_bound())]) as server:
        outcome = on(side, server.url, retrieve)
    assert type(outcome) is UnsafeResponseError, outcome
    assert str(outcome) == (
        f"refused an answer larger than {MAX_ANSWER_BYTES} bytes once inflated from gzip"
    )


#: A success in three steps: the first at once, the second well after the deadline, the
#: third only to a client that still reads after the second.
DEADLINE = 0.5
STEPS = [(0.0, HEAD[:20]), (PATIENCE, HEAD[20:40]), (PATIENCE, HEAD[40:])]
FAILED = "GET /v1/files/file-read-whole failed: ReadTimeout"
#: A read of the client's own, cut short at the deadline: the socket's timeout, or anyio's
#: (which says nothing: the client says it in the socket's words).
CUT_SHORT = {"sync": f"{FAILED}: timed out", "async": f"{FAILED}: timed out"}
#: An answer given up once a piece came in after the deadline.
TIMED_OUT = f"{FAILED}: the deadline has passed"


@pytest.fixture
def slow_answer() -> Iterator[Scripted]:
    with scripted(200, JSON, STEPS) as server:
        yield server


@pytest.mark.parametrize("side", SIDES)
def test_a_whole_answer_is_read_until_the_deadline_and_no_longer(
    slow_answer: Scripted, side: str
) -> None:
    # The client's own reads end at the deadline: the second step is never waited for.
    outcome = on(side, slow_answer.url, retrieve, deadline=DEADLINE)
    assert type(outcome) is APITimeoutError, outcome
    assert str(outcome) == CUT_SHORT[side]
    assert slow_answer.answered(1) == [1]


@pytest.mark.parametrize("side", SIDES)
def test_a_whole_answer_read_by_another_http_client_fails_at_the_first_piece_past_the_deadline(
    slow_answer: Scripted, side: str
) -> None:
    # Reads of an httpx client of the user's own wait as its timeouts say: the piece that
    # comes after the deadline is read, and then the answer is given up.
    outcome = on(side, slow_answer.url, retrieve, own_http=True, deadline=DEADLINE)
    assert type(outcome) is APITimeoutError, outcome
    assert str(outcome) == TIMED_OUT
    assert slow_answer.answered(1) == [2]
