import json
import pickle

import pytest

from mistral_batch._error_answers import error_from_response
from mistral_batch._secrets import redact
from mistral_batch.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InputError,
    MistralBatchError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    ServerError,
    UnprocessableEntityError,
    WaitTimeoutError,
)

KEY = "sk-test-0123456789abcdef"


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (413, RequestTooLargeError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
        (599, ServerError),
        (418, APIError),
        (302, APIError),
    ],
)
def test_status_picks_the_class(status: int, cls: type[APIError]) -> None:
    error = error_from_response(status, {}, b"")
    assert type(error) is cls
    assert error.status_code == status


def test_mistral_error_object_gives_every_field_and_a_useful_str() -> None:
    body = (
        b'{"object":"error","message":"No file with id \'x\'","type":"invalid_request_file",'
        b'"param":null,"code":"3310"}'
    )
    error = error_from_response(404, {"X-Request-Id": "req-1"}, body)
    assert error.message == "No file with id 'x'"
    assert (error.type, error.code, error.param) == ("invalid_request_file", "3310", None)
    assert error.request_id == "req-1"
    assert str(error) == (
        "404 Not Found: No file with id 'x' (type=invalid_request_file, code=3310, "
        "request_id=req-1)"
    )


def test_validation_detail_list_is_summarized_and_kept() -> None:
    body = (
        b'{"detail":[{"loc":["body","model"],"msg":"Field required","type":"missing"},'
        b'{"loc":["body","endpoint"],"msg":"Input should be a valid enum","type":"enum"}]}'
    )
    error = error_from_response(422, {}, body)
    assert isinstance(error, UnprocessableEntityError)
    assert (
        error.message == "body.model: Field required; body.endpoint: Input should be a valid enum"
    )
    assert [d["type"] for d in error.details] == ["missing", "enum"]


def test_detail_string() -> None:
    error = error_from_response(401, {"request-id": "r2"}, b'{"detail":"Unauthorized"}')
    assert error.message == "Unauthorized"
    assert error.request_id == "r2"
    assert str(error) == "401 Unauthorized (request_id=r2)"


def test_bare_message_and_nested_error_object() -> None:
    assert error_from_response(400, {}, b'{"message":"bad thing"}').message == "bad thing"
    nested = error_from_response(400, {}, b'{"error":{"message":"inner","type":"t","code":7}}')
    assert (nested.message, nested.type, nested.code) == ("inner", "t", "7")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[1, 2, 3]", "[1, 2, 3]"),
        (b'"just a string"', '"just a string"'),
        (b'{"object":"error","message":"cut', '{"object":"error","message":"cut'),
        (b"upstream connect error\nor disconnect", "upstream connect error"),
        (b"", "Bad Gateway"),
        (b"   \n ", "Bad Gateway"),
        (b"\xff\xfe bad \xc3", "\ufffd\ufffd bad \ufffd"),
        (b"{}", "Bad Gateway"),
        (b'{"message": null, "detail": 42}', "42"),
    ],
    ids=["array", "string", "truncated", "plain", "empty", "blank", "non-utf8", "empty-obj", "odd"],
)
def test_odd_bodies_never_raise(body: bytes, message: str) -> None:
    error = error_from_response(502, {}, body)
    assert error.message == message


def test_html_takes_the_title() -> None:
    page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>"
    assert error_from_response(502, {}, page).message == "502 Bad Gateway"


def test_html_without_title_takes_the_text() -> None:
    page = b"<html><style>p{}</style><body><p>Service   &amp; more\n unavailable</p></body>"
    error = error_from_response(503, {"content-type": "text/html"}, page)
    assert error.message == "Service & more unavailable"


def test_body_is_truncated() -> None:
    error = error_from_response(500, {}, b"x" * 100_000)
    assert len(error.body) <= 4096
    assert len(error.message) <= 300


def test_unknown_status_str() -> None:
    assert str(error_from_response(599, {}, b"boom")) == "599: boom"


def test_rate_limit_retry_after() -> None:
    error = error_from_response(429, {"Retry-After": "7"}, b"{}")
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7.0
    dated = error_from_response(
        429, {"retry-after": "Thu, 01 Jan 1970 00:01:40 GMT"}, b"", now=40.0
    )
    assert isinstance(dated, RateLimitError)
    assert dated.retry_after == 60.0
    garbage = error_from_response(429, {"retry-after": "soon"}, b"")
    assert isinstance(garbage, RateLimitError)
    assert garbage.retry_after is None


def test_secrets_are_redacted_everywhere() -> None:
    body = f'{{"message":"bad key {KEY}","param":"{KEY}","detail":"x"}}'.encode()
    error = error_from_response(401, {"x-echo": f"Bearer {KEY}"}, body, secrets=[KEY])
    for text in (str(error), error.message, error.body, repr(error.headers), error.param or ""):
        assert KEY not in text
    assert "[REDACTED]" in error.message


def test_secrets_are_redacted_from_plain_text_and_html() -> None:
    for body in (f"key {KEY} refused".encode(), f"<title>{KEY}</title>".encode()):
        error = error_from_response(500, {}, body, secrets=[KEY, ""])
        assert KEY not in str(error) and KEY not in error.body


def test_redact_longest_secret_first() -> None:
    assert redact("abcdef and abc", ["abc", "abcdef"]) == "[REDACTED] and [REDACTED]"
    assert redact("nothing", []) == "nothing"


def test_input_error_message_names_path_and_line() -> None:
    error = InputError("body must be a JSON object, got list", line=3, path="input.jsonl")
    assert str(error) == "input.jsonl line 3: body must be a JSON object, got list"
    assert (error.line, error.path, error.reason) == (3, "input.jsonl", error.reason)
    assert isinstance(error, ValueError)
    assert str(InputError("bad", field="model")) == "bad"


def test_families() -> None:
    assert issubclass(APITimeoutError, APIConnectionError)
    assert issubclass(APIConnectionError, MistralBatchError)
    timeout = WaitTimeoutError("gave up", job={"id": "j"})
    assert isinstance(timeout, TimeoutError)
    assert timeout.job == {"id": "j"}
    assert str(timeout) == "gave up"


@pytest.mark.parametrize(
    "error",
    [
        error_from_response(422, {"x-request-id": "r"}, b'{"detail":[{"loc":["a"],"msg":"m"}]}'),
        InputError("bad", line=2, path="f.jsonl"),
        WaitTimeoutError("late", job="job"),
    ],
    ids=["api", "input", "wait"],
)
def test_errors_survive_pickling(error: MistralBatchError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.__dict__ == error.__dict__


@pytest.mark.parametrize(
    ("status", "message", "shown"),
    [
        (
            401,
            "Unauthorized: missing or unknown API key",
            "401 Unauthorized: missing or unknown API key",
        ),
        (401, "unauthorized - bad key", "401 Unauthorized: bad key"),
        (404, "Not Found", "404 Not Found"),
        (400, "Bad Requests are refused", "400 Bad Request: Bad Requests are refused"),
    ],
)
def test_the_reason_phrase_is_said_once(status: int, message: str, shown: str) -> None:
    body = json.dumps({"message": message}).encode()
    assert str(error_from_response(status, {}, body)) == shown


def test_details_of_a_422_hold_no_secret_even_when_the_body_escapes_it() -> None:
    key = "sk-escaped-key-0123456789"
    escaped = "".join(f"\\u{ord(c):04x}" for c in key)  # JSON that parses back to the key
    issue = {"loc": ["header", "authorization"], "msg": "bad key KEY", "input": {"KEY": 1}}
    body = json.dumps({"detail": [issue]}).replace("KEY", escaped).encode()
    error = error_from_response(422, {"content-type": "application/json"}, body, secrets=[key])
    assert error.details and key not in json.dumps(error.details)
    assert error.details[0]["msg"] == "bad key [REDACTED]"
    assert key not in str(error) and key not in error.body
