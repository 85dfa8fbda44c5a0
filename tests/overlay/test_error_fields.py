"""Each error keeps exactly what it was given, and says it: one test per constructor."""

from mistral_batch.errors import (
    APIError,
    IncompleteDownloadError,
    InputError,
    MalformedResponseError,
    ResultDecodeError,
    UnexpectedStatusError,
)


def test_an_api_error_keeps_its_fields_and_defaults_to_empty_ones() -> None:
    error = APIError("bad model", status_code=400)
    assert error.args == ("bad model",)
    assert (error.message, error.status_code, error.body, error.headers) == (
        "bad model",
        400,
        "",
        {},
    )
    assert (error.type, error.code, error.param, error.request_id) == (None, None, None, None)


def test_an_api_error_copies_the_headers_it_is_given() -> None:
    headers = {"x-request-id": "r-1"}
    error = APIError("m", status_code=500, headers=headers, param="model", body="{}")
    headers["x-request-id"] = "changed"
    assert error.headers == {"x-request-id": "r-1"}
    assert (error.param, error.body) == ("model", "{}")


def test_an_api_errors_str_names_its_param() -> None:
    error = APIError("no such model", status_code=400, param="model", code="3001")
    assert str(error) == "400 Bad Request: no such model (code=3001, param=model)"


def test_the_repeated_phrase_is_cut_but_the_message_keeps_its_own_letters() -> None:
    error = APIError("Unauthorized: Xeno key", status_code=401)
    assert str(error) == "401 Unauthorized: Xeno key"


def test_an_incomplete_download_keeps_its_counts() -> None:
    error = IncompleteDownloadError("short by 2 bytes", expected=10, received=8)
    assert error.args == ("short by 2 bytes",)
    assert (error.expected, error.received) == (10, 8)
    assert str(IncompleteDownloadError("x")) == "x"
    assert (IncompleteDownloadError("x").expected, IncompleteDownloadError("x").received) == (
        None,
        None,
    )


def test_an_input_error_keeps_its_reason_field_and_row() -> None:
    error = InputError("not an object", field="body", row=3)
    assert (error.reason, error.field, error.row, error.line, error.path) == (
        "not an object",
        "body",
        3,
        None,
        None,
    )
    assert str(error) == "row 3: not an object"


def test_an_input_error_names_every_place_it_was_given() -> None:
    error = InputError("too long", path="in.jsonl", line=2, row=0)
    assert str(error) == "in.jsonl line 2 row 0: too long"
    assert str(InputError("empty")) == "empty"


def test_a_malformed_response_keeps_its_message_and_field() -> None:
    error = MalformedResponseError("not a list", "data")
    assert error.args == ("not a list",)
    assert error.field == "data"
    assert MalformedResponseError("not JSON").field is None


def test_a_result_decode_error_keeps_its_line_and_excerpt() -> None:
    error = ResultDecodeError("not JSON", line=7, excerpt="{oops")
    assert error.args == ("not JSON",)
    assert (error.line, error.excerpt) == (7, "{oops")
    assert ResultDecodeError("x", line=1).excerpt is None


def test_an_unexpected_status_keeps_the_status_and_the_job() -> None:
    job = object()
    error = UnexpectedStatusError("unknown status PAUSED", status="PAUSED", job=job)
    assert error.args == ("unknown status PAUSED",)
    assert error.status == "PAUSED"
    assert error.job is job
    assert UnexpectedStatusError("x", status="S").job is None
