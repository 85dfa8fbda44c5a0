"""The words of an error answer, exactly: the message, fields, body and details of the
typed error made from each shape of body (Mistral's `message`, a `detail` string or list,
nested objects, HTML, text, nothing), how long texts are cut, what is redacted; and the
reading of an error body on both clients, over real sockets: cut at its limit and read no
further, inflated from gzip or deflate and cut at its limit however far it would inflate,
and cut at the deadline. Also the refusal of a download encoded although identity was asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from mistral_batch import (
    APIError,
    AsyncMistral,
    Mistral,
    RetryPolicy,
    UnprocessableEntityError,
    UnsafeResponseError,
)
from mistral_batch._answers import MAX_ERROR_BODY, check_encoding
from mistral_batch._error_answers import MAX_BODY_CHARS, MAX_MESSAGE_CHARS, error_from_response
from mistral_batch.emulator import Emulator

KEY = "sk-error-words-0123456789abcdef"
#: One attempt: each error is read once, as it came.
ONCE = RetryPolicy(max_attempts=1)
SIDES = ["sync", "async"]
#: What the client makes of a text longer than its bound: the start, and an ellipsis.
CUT = "\u2026"


def words(status: int, body: bytes | str, **headers: str) -> APIError:
    """The error made of an answer with `status`, `body` and `headers`."""
    data = body.encode() if isinstance(body, str) else body
    return error_from_response(status, headers, data)


# --- Mistral's error object, and objects nested in it ----------------------------------------


def test_the_error_object_gives_its_message_and_every_field() -> None:
    body = {
        "object": "error",
        "message": "No file with id 'f-1'",
        "type": "invalid_request_file",
        "param": "file_id",
        "code": 3310,
    }
    error = words(404, json.dumps(body), **{"x-request-id": "req-9"})
    assert error.message == "No file with id 'f-1'"
    assert (error.type, error.code, error.param) == ("invalid_request_file", "3310", "file_id")
    assert error.request_id == "req-9"
    assert error.body == json.dumps(body)
    assert str(error) == (
        "404 Not Found: No file with id 'f-1' "
        "(type=invalid_request_file, code=3310, param=file_id, request_id=req-9)"
    )


@pytest.mark.parametrize(
    ("body", "message", "fields"),
    [
        (
            {"error": {"message": "inner words", "type": "t", "code": 7, "param": None}},
            "inner words",
            ("t", "7", None),
        ),
        ({"error": "a bare string"}, "a bare string", (None, None, None)),
        ({"error": "not this", "message": "this one"}, "this one", (None, None, None)),
        ({"detail": "Unauthorized", "code": "x"}, "Unauthorized", (None, "x", None)),
        ({"message": None, "detail": {"why": "nested"}}, '{"why": "nested"}', (None, None, None)),
        ({"unknown": "shape"}, '{"unknown": "shape"}', (None, None, None)),
        (
            {"type": ["a", 1], "param": True},
            '{"type": ["a", 1], "param": true}',
            ('["a", 1]', None, "true"),
        ),
    ],
    ids=[
        "nested-error",
        "error-string",
        "message-first",
        "detail-string",
        "detail-object",
        "unknown-object",
        "odd-fields",
    ],
)
def test_each_json_shape_gives_its_message_and_fields(
    body: dict[str, Any], message: str, fields: tuple[str | None, str | None, str | None]
) -> None:
    error = words(400, json.dumps(body))
    assert error.message == message
    assert (error.type, error.code, error.param) == fields


def test_a_message_that_is_not_a_string_is_shown_as_json_not_as_python() -> None:
    body = '{"message": {"text": "caf\u00e9 ferm\u00e9", "ok": true, "n": [1, null]}}'
    error = words(400, body)
    assert error.message == '{"text": "caf\u00e9 ferm\u00e9", "ok": true, "n": [1, null]}'


def test_a_value_dumped_as_json_is_cut_at_the_message_bound() -> None:
    error = words(400, json.dumps({"message": ["y" * 400], "code": {"k": "z" * 400}}))
    assert MAX_MESSAGE_CHARS == 300
    assert error.message == '["' + "y" * 297 + CUT
    assert len(error.message) == MAX_MESSAGE_CHARS
    assert error.code == '{"k": "' + "z" * 292 + CUT


def test_a_long_json_message_is_cut_at_the_body_bound() -> None:
    error = words(400, json.dumps({"message": "m" * 5000}))
    assert MAX_BODY_CHARS == 4096
    assert error.message == "m" * 4095 + CUT
    assert error.body == json.dumps({"message": "m" * 5000})[:4095] + CUT


def test_a_message_of_exactly_the_bound_is_kept_whole() -> None:
    assert words(400, json.dumps({"message": "m" * 4096})).message == "m" * 4096


# --- A detail list of validation entries -------------------------------------------------------


@pytest.mark.parametrize(
    ("detail", "message"),
    [
        (
            [{"loc": ["body", "requests", 0], "msg": "Field required", "type": "missing"}],
            "body.requests.0: Field required",
        ),
        ([{"loc": "query", "message": "Bad page", "type": "value_error"}], "query: Bad page"),
        ([{"loc": 7, "msg": "Seven"}], "7: Seven"),
        ([{"msg": "No place", "message": "not this"}], "No place"),
        ([{"loc": [], "message": "Empty place"}], "Empty place"),
        ([{"type": "odd"}], "invalid"),
        ([{"loc": ["body"], "msg": "", "message": None}], "body: invalid"),
        (["plain words", None, 7], "plain words; null; 7"),
        ([{"msg": {"nested": True}}], '{"nested": true}'),
    ],
    ids=[
        "loc-list",
        "loc-string",
        "loc-number",
        "msg-first",
        "message-key",
        "nothing",
        "empty-msg",
        "not-objects",
        "msg-object",
    ],
)
def test_each_validation_entry_is_said_where_and_what(detail: list[Any], message: str) -> None:
    assert words(400, json.dumps({"detail": detail})).message == message


def entries(n: int) -> list[dict[str, Any]]:
    return [{"loc": ["body", f"f{i}"], "msg": f"bad {i}", "type": "t"} for i in range(n)]


@pytest.mark.parametrize(
    ("n", "message"),
    [
        (1, "body.f0: bad 0"),
        (3, "body.f0: bad 0; body.f1: bad 1; body.f2: bad 2"),
        (4, "body.f0: bad 0; body.f1: bad 1; body.f2: bad 2; and 1 more"),
        (5, "body.f0: bad 0; body.f1: bad 1; body.f2: bad 2; and 2 more"),
        (12, "body.f0: bad 0; body.f1: bad 1; body.f2: bad 2; and 9 more"),
    ],
)
def test_three_entries_are_said_and_the_rest_counted(n: int, message: str) -> None:
    assert words(400, json.dumps({"detail": entries(n)})).message == message


def test_an_empty_detail_list_shows_the_body_instead() -> None:
    assert words(400, '{"detail": []}').message == '{"detail": []}'


def test_the_details_of_a_422_are_kept_whole_with_secrets_redacted() -> None:
    detail = [
        {"loc": ["header", KEY, 0], "msg": f"bad key {KEY}", "type": "value_error"},
        "not an entry",
        {"loc": ["body", "model"], "msg": "Field required", "input": {"k": [KEY, 1, None]}},
    ]
    error = error_from_response(422, {}, json.dumps({"detail": detail}).encode(), secrets=[KEY])
    assert isinstance(error, UnprocessableEntityError)
    assert error.details == [
        {"loc": ["header", "[REDACTED]", 0], "msg": "bad key [REDACTED]", "type": "value_error"},
        {
            "loc": ["body", "model"],
            "msg": "Field required",
            "input": {"k": ["[REDACTED]", 1, None]},
        },
    ]
    assert error.message == (
        "header.[REDACTED].0: bad key [REDACTED]; not an entry; body.model: Field required"
    )


# --- Bodies that are not JSON ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "headers", "message"),
    [
        (
            "<html><head><title>  502   Bad &amp; Gateway\n</title></head><body>x</body></html>",
            {},
            "502 Bad & Gateway",
        ),
        (
            "<html><head><title> </title><style>p {}</style></head>"
            "<body><script>var a;</script><p>Service&nbsp;down,\n  try   later</p></body></html>",
            {},
            "Service down, try later",
        ),
        (
            "Gateway &lt;timeout&gt; upstream",
            {"content-type": "text/html"},
            "Gateway <timeout> upstream",
        ),
        ("<html><body> <p></p> </body></html>", {}, "Bad Gateway"),
        ("\n\n   upstream   connect\terror  \nsecond line", {}, "upstream connect error"),
        ("   \n\t\n", {}, "Bad Gateway"),
        ("", {}, "Bad Gateway"),
    ],
    ids=["title", "text-without-scripts", "html-by-type", "html-empty", "text", "blank", "empty"],
)
def test_html_and_text_give_their_words(body: str, headers: dict[str, str], message: str) -> None:
    assert words(502, body, **headers).message == message


def test_a_status_without_a_phrase_and_without_words_says_its_number() -> None:
    error = words(599, b"")
    assert error.message == "HTTP 599"
    assert str(error) == "599: HTTP 599"


def test_a_long_title_and_a_long_line_are_cut_at_the_message_bound() -> None:
    title = words(502, f"<title>{'t' * 400}</title>")
    line = words(502, "w" * 400 + "\nsecond")
    assert title.message == "t" * 299 + CUT
    assert line.message == "w" * 299 + CUT


def test_a_long_body_is_kept_cut_at_the_body_bound() -> None:
    text = "".join(f"line {i}\n" for i in range(1000))
    error = words(500, text)
    assert error.message == "line 0"
    assert error.body == text[:4095] + CUT
    assert words(500, "b" * 4096).body == "b" * 4096


def test_a_key_is_redacted_from_every_word_of_the_error() -> None:
    body = json.dumps({"message": f"bad key {KEY}", "param": KEY, "type": f"t-{KEY}"})
    error = error_from_response(
        401, {"X-Echo": f"Bearer {KEY}", "Request-Id": KEY}, body.encode(), secrets=[KEY]
    )
    assert error.message == "bad key [REDACTED]"
    assert (error.param, error.type) == ("[REDACTED]", "t-[REDACTED]")
    assert error.body == body.replace(KEY, "[REDACTED]")
    assert error.headers == {"x-echo": "Bearer [REDACTED]", "request-id": "[REDACTED]"}
    assert error.request_id == "[REDACTED]"
    for text in (f"<title>key {KEY}</title>", f"key {KEY}\nmore"):
        assert error_from_response(500, {}, text.encode(), secrets=[KEY]).message == (
            "key [REDACTED]"
        )


# --- Both clients, over real sockets ---------------------------------------------------------


def on(
    side: str,
    url: str,
    act: Callable[[Any], Any],
    *,
    api_key: str = KEY,
    own_http: bool = False,
    **options: Any,
) -> Any:
    """Run `act` on a client of `side` at `url`; its outcome, or the exception it raised.

    With `own_http`, the client is given an httpx client of the test's own, whose reads
    know nothing of the deadline: only the reader of the body can stop at it.
    """
    try:
        if side == "sync":
            with contextlib.ExitStack() as stack:
                http = stack.enter_context(httpx.Client(timeout=30.0)) if own_http else None
                c = stack.enter_context(
                    Mistral(api_key, url, retry=ONCE, http_client=http, **options)
                )
                return act(c)

        async def scenario() -> Any:
            async with contextlib.AsyncExitStack() as stack:
                http = None
                if own_http:
                    http = await stack.enter_async_context(httpx.AsyncClient(timeout=30.0))
                c = await stack.enter_async_context(
                    AsyncMistral(api_key, url, retry=ONCE, http_client=http, **options)
                )
                return await act(c)

        return asyncio.run(scenario())
    except Exception as exc:  # the outcome under test
        return exc


def retrieve(client: Any) -> Any:
    """Retrieve a file that is not there."""
    return client.files.retrieve("file-none")


# --- A download must come as it is stored ---------------------------------------------------


def answer_to(asked: str | None, sent: str | None) -> httpx.Response:
    """An answer sent with Content-Encoding `sent`, to a request that asked for `asked`."""
    ask = {} if asked is None else {"Accept-Encoding": asked}
    request = httpx.Request("GET", "https://api.example.test/v1/files/f/content", headers=ask)
    headers = {} if sent is None else {"Content-Encoding": sent}
    return httpx.Response(200, headers=headers, request=request)


@pytest.mark.parametrize(
    ("asked", "sent"),
    [
        (None, "gzip"),
        ("gzip, deflate", "gzip"),
        ("identity", None),
        ("identity", "identity"),
        ("identity", " Identity , "),
    ],
)
def test_an_encoding_is_refused_only_when_identity_was_asked(
    asked: str | None, sent: str | None
) -> None:
    check_encoding(answer_to(asked, sent))


@pytest.mark.parametrize(
    ("asked", "sent", "said"),
    [
        ("identity", "gzip", "gzip"),
        (" IDENTITY ", "GZip, deflate", "gzip, deflate"),
        ("identity", "identity, br", "br"),
    ],
)
def test_an_encoding_sent_against_identity_is_refused_by_name(
    asked: str, sent: str, said: str
) -> None:
    with pytest.raises(UnsafeResponseError) as refused:
        check_encoding(answer_to(asked, sent))
    assert str(refused.value) == f"refused a download sent as {said}: identity was asked for"


@pytest.mark.parametrize("side", SIDES)
def test_a_download_in_two_encodings_is_refused_naming_both(emu: Emulator, side: str) -> None:
    with Mistral(api_key=emu.api_key, server_url=emu.url, retry=ONCE) as setup:
        file_id = setup.files.upload(b'{"custom_id": "a", "body": {}}\n', file_name="a.jsonl").id
    emu.inject("download_file", encoding="gzip, deflate")

    def act(client: Any) -> Any:
        if side == "sync":
            return client.files.download(file_id).read()

        async def read() -> Any:
            return await (await client.files.download(file_id)).read()

        return read()

    outcome = on(side, emu.url, act, api_key=emu.api_key)
    assert isinstance(outcome, UnsafeResponseError), outcome
    assert str(outcome) == "refused a download sent as gzip, deflate: identity was asked for"


# --- Error bodies read over a socket, on both clients ----------------------------------------


NOT_THERE = (
    '{"object":"error","message":"File \'file-none\' not found","type":"not_found_error",'
    '"param":null,"code":"404"}'
)


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("encoding", [None, "gzip", "deflate"])
def test_an_error_body_is_read_whole_in_each_encoding(
    emu: Emulator, side: str, encoding: str | None
) -> None:
    if encoding is not None:
        emu.inject("retrieve_file", encoding=encoding)
    error = on(side, emu.url, retrieve, api_key=emu.api_key)
    assert isinstance(error, APIError), error
    assert error.message == "File 'file-none' not found"
    assert error.body == NOT_THERE
    assert error.headers.get("content-encoding") == encoding
    assert (error.type, error.code, error.param) == ("not_found_error", "404", None)


@pytest.mark.parametrize("side", SIDES)
def test_a_422_over_the_wire_keeps_its_details(emu: Emulator, side: str) -> None:
    emu.inject("retrieve_file", status=422)
    error = on(side, emu.url, retrieve, api_key=emu.api_key)
    assert isinstance(error, UnprocessableEntityError), error
    assert error.message == "body: Injected validation error"
    assert error.details == [
        {"loc": ["body"], "msg": "Injected validation error", "type": "value_error"}
    ]


@pytest.mark.parametrize("side", SIDES)
def test_a_proxy_page_over_the_wire_gives_its_title(emu: Emulator, side: str) -> None:
    emu.inject("retrieve_file", html=True, status=404)
    error = on(side, emu.url, retrieve, api_key=emu.api_key)
    assert isinstance(error, APIError), error
    assert error.message == "404 Error"
    assert str(error) == "404 Not Found: 404 Error"


#: How long a scripted server waits, at most, for a client to hang up before it writes on.
PATIENCE = 1.5


class Scripted:
    """A loopback server that answers every request with one error answer, in steps.

    The head goes with the first step; each later step first waits up to its seconds for
    the client to hang up, and is written only if it has not: a client that stops reading
    where it should never gets what comes after. `written` holds, for each connection,
    how many steps were written.
    """

    def __init__(
        self, status: int, headers: dict[str, str], steps: list[tuple[float, bytes]]
    ) -> None:
        fields = {
            "Content-Length": str(sum(len(part) for _, part in steps)),
            "Connection": "close",
            **headers,
        }
        head = f"HTTP/1.1 {status} Scripted\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in fields.items()
        )
        self._head = head.encode("latin-1") + b"\r\n"
        self._steps = steps
        self.written: list[int] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._stop = threading.Event()
        self._done = threading.Condition()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(10)
                steps = self._answer(conn)
            with self._done:
                self.written.append(steps)
                self._done.notify_all()

    def answered(self, connections: int) -> list[int]:
        """`written`, once that many connections have been answered and closed."""
        with self._done:
            self._done.wait_for(lambda: len(self.written) >= connections, timeout=30)
            return list(self.written)

    def _answer(self, conn: socket.socket) -> int:
        data = b""
        while b"\r\n\r\n" not in data:
            try:
                chunk = conn.recv(65536)
            except OSError:
                return 0
            if not chunk:
                return 0
            data += chunk
        for i, (wait, part) in enumerate(self._steps):
            if wait and _hangs_up(conn, wait):
                return i
            try:
                conn.sendall(self._head + part if i == 0 else part)
            except OSError:
                return i
        return len(self._steps)


def _hangs_up(conn: socket.socket, seconds: float) -> bool:
    """Whether the client hangs up within `seconds` (it sends nothing more after its request)."""
    conn.settimeout(seconds)
    try:
        return conn.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True
    finally:
        conn.settimeout(10)


@contextlib.contextmanager
def scripted(
    status: int, headers: dict[str, str], steps: list[tuple[float, bytes]]
) -> Iterator[Scripted]:
    """A Scripted server for the block."""
    server = Scripted(status, headers, steps)
    try:
        yield server
    finally:
        server.close()


JSON = {"Content-Type": "application/json"}
#: An error body of exactly the length the client reads of one: a whole JSON object.
FIRST = b'{"message": "the first 64 KiB of the answer"}'
EXACT = FIRST + b" " * (MAX_ERROR_BODY - len(FIRST))
#: What follows it: with it, the body is no JSON at all.
PAST = b'\n{"message": "past the limit"}'


@pytest.fixture
def past_the_limit() -> Iterator[Scripted]:
    with scripted(400, JSON, [(0, EXACT), (PATIENCE, PAST)]) as server:
        yield server


@pytest.mark.parametrize("side", SIDES)
def test_an_error_body_is_read_up_to_its_limit_and_no_further(
    past_the_limit: Scripted, side: str
) -> None:
    assert len(EXACT) == MAX_ERROR_BODY == 64 * 1024
    error = on(side, past_the_limit.url, retrieve)
    assert isinstance(error, APIError), error
    assert error.message == "the first 64 KiB of the answer"
    assert error.body == EXACT.decode()[:4095] + CUT
    assert past_the_limit.answered(1) == [1], "the client hung up once it had its 64 KiB"


@pytest.fixture
def long_text() -> Iterator[Scripted]:
    body = b"first line of the page\n" + b"x" * (3 * MAX_ERROR_BODY)
    with scripted(503, {"Content-Type": "text/plain"}, [(0, body)]) as server:
        yield server


@pytest.mark.parametrize("side", SIDES)
def test_an_error_body_longer_than_its_limit_keeps_its_start(
    long_text: Scripted, side: str
) -> None:
    error = on(side, long_text.url, retrieve)
    assert isinstance(error, APIError), error
    assert error.message == "first line of the page"
    assert error.body == "first line of the page\n" + "x" * (4095 - 23) + CUT
    assert str(error) == "503 Service Unavailable: first line of the page"


def inflating_to(size: int) -> bytes:
    """A gzip body that inflates to `size` bytes: a first line, then x's."""
    first = b"the inflated first line\n"
    return gzip.compress(first + b"x" * (size - len(first)), mtime=0)


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("size", [MAX_ERROR_BODY, MAX_ERROR_BODY + 1, 1024 * MAX_ERROR_BODY])
def test_an_error_body_inflating_past_its_limit_at_once_keeps_its_start(
    side: str, size: int
) -> None:
    # Sent in one piece, a few hundred bytes: all of it inflates in one step, however far.
    steps = [(0.0, inflating_to(size))]
    with scripted(400, {**JSON, "Content-Encoding": "gzip"}, steps) as server:
        error = on(side, server.url, retrieve)
    assert isinstance(error, APIError), error
    assert error.message == "the inflated first line"
    assert error.body == "the inflated first line\n" + "x" * (4095 - 24) + CUT


#: A body in three steps: the first comes at once, the second well after the deadline,
#: the third only to a client that still reads after the second.
DEADLINE = 0.5
STEPS = [(0.0, b'{"message": "cut '), (PATIENCE, b"here"), (PATIENCE, b'", "type": "late"}')]


@pytest.fixture
def slow_body() -> Iterator[Scripted]:
    with scripted(400, JSON, STEPS) as server:
        yield server


@pytest.mark.parametrize("side", SIDES)
def test_an_error_body_is_read_until_the_deadline_and_no_longer(
    slow_body: Scripted, side: str
) -> None:
    # The client's own reads end at the deadline: what came before it is the body.
    error = on(side, slow_body.url, retrieve, deadline=DEADLINE)
    assert isinstance(error, APIError), error
    assert error.message == '{"message": "cut'
    assert error.body == '{"message": "cut '
    assert slow_body.answered(1) == [1]


@pytest.mark.parametrize("side", SIDES)
def test_an_error_body_read_by_another_http_client_stops_at_the_first_piece_past_the_deadline(
    slow_body: Scripted, side: str
) -> None:
    # Reads of an httpx client of the user's own wait as its timeouts say; the piece that
    # comes after the deadline is kept, and nothing is read after it.
    error = on(side, slow_body.url, retrieve, own_http=True, deadline=DEADLINE)
    assert isinstance(error, APIError), error
    assert error.message == '{"message": "cut here'
    assert error.body == '{"message": "cut here'
    assert slow_body.answered(1) == [2]
