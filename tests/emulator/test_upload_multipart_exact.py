"""Multipart uploads byte by byte, over a real socket: field names, field limits, names."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mistral_batch_emulator._upload import MAX_FIELD_BYTES

BOUNDARY = b"exact-boundary"
HEADERS = {"Content-Type": "multipart/form-data; boundary=exact-boundary"}


def _part(disposition: bytes, value: bytes) -> bytes:
    return b"--" + BOUNDARY + b"\r\nContent-Disposition: " + disposition + b"\r\n\r\n" + value


def _body(*parts: bytes) -> bytes:
    return b"\r\n".join(parts) + b"\r\n--" + BOUNDARY + b"--\r\n"


def _file(content: bytes = b"x\n", filename: bytes = b"in.txt") -> bytes:
    return _part(b'form-data; name="file"; filename="' + filename + b'"', content)


def _field(name: bytes, value: bytes) -> bytes:
    return _part(b'form-data; name="' + name + b'"', value)


def _post(client: httpx.Client, body: bytes) -> httpx.Response:
    return client.post("/v1/files", content=body, headers=HEADERS)


def _stored(client: httpx.Client, body: bytes) -> dict[str, Any]:
    response = _post(client, body)
    assert response.status_code == 200, response.text
    stored: dict[str, Any] = response.json()
    return stored


def _too_long(name: str) -> dict[str, Any]:
    return {
        "detail": [{"loc": ["body", name], "msg": "Form field too long", "type": "string_too_long"}]
    }


def test_a_field_of_exactly_the_limit_is_accepted(client: httpx.Client) -> None:
    purpose = b"batch" + b" " * (MAX_FIELD_BYTES - len(b"batch"))
    assert len(purpose) == MAX_FIELD_BYTES
    stored = _stored(client, _body(_field(b"purpose", purpose), _file(b'{"body": {}}\n')))
    assert (stored["purpose"], stored["sample_type"], stored["num_lines"]) == (
        "batch",
        "batch_request",
        1,
    )
    assert client.get("/v1/files").json()["total"] == 1


@pytest.mark.parametrize("file_first", [False, True])
def test_a_field_one_byte_over_the_limit_is_refused_exactly(
    client: httpx.Client, file_first: bool
) -> None:
    purpose = b"batch" + b" " * (MAX_FIELD_BYTES + 1 - len(b"batch"))
    parts = [_field(b"purpose", purpose), _file()]
    response = _post(client, _body(*(reversed(parts) if file_first else parts)))
    assert response.status_code == 422
    assert response.json() == _too_long("purpose")
    assert client.get("/v1/files").json()["total"] == 0


def test_a_too_long_field_is_named_by_its_decoded_name(client: httpx.Client) -> None:
    response = _post(
        client, _body(_field(b"n\xffm\xc3\xa9", b"v" * (MAX_FIELD_BYTES + 1)), _file())
    )
    assert response.status_code == 422
    assert response.json() == _too_long("n\ufffdm\u00e9")


def test_a_field_whose_name_is_not_utf8_is_ignored(client: httpx.Client) -> None:
    body = _body(_field(b"purpose\xff", b"batch"), _field(b"\xfe", b"ocr"), _file())
    stored = _stored(client, body)
    assert (stored["purpose"], stored["filename"], stored["bytes"]) == ("fine-tune", "in.txt", 2)


def test_a_file_name_that_is_not_utf8_is_decoded_with_replacement(
    client: httpx.Client,
) -> None:
    stored = _stored(client, _body(_file(filename=b"caf\xe9 \xc3\xa9t\xc3\xa9.jsonl")))
    assert stored["filename"] == "caf\ufffd \u00e9t\u00e9.jsonl"
    assert stored["mimetype"] == "application/jsonl"


@pytest.mark.parametrize(
    ("filename", "shown", "mimetype"),
    [
        (b"../../etc/passwd", "passwd", "application/octet-stream"),
        (b"C:\\\\temp\\\\report.txt", "report.txt", "text/plain"),
        (b"sub/..", "upload", "application/octet-stream"),
        (b".", "upload", "application/octet-stream"),
        (b"", "upload", "application/octet-stream"),
        (b"be\x01ll\x7f.txt", "bell.txt", "text/plain"),
    ],
)
def test_the_stored_file_name_is_cleaned(
    client: httpx.Client, filename: bytes, shown: str, mimetype: str
) -> None:
    stored = _stored(client, _body(_file(filename=filename)))
    assert (stored["filename"], stored["mimetype"]) == (shown, mimetype)


def test_the_first_of_repeated_fields_counts(client: httpx.Client) -> None:
    body = _body(_field(b"purpose", b"ocr"), _field(b"purpose", b"batch"), _file())
    assert _stored(client, body)["purpose"] == "ocr"


def test_a_field_value_that_is_not_utf8_is_refused_as_such(client: httpx.Client) -> None:
    response = _post(client, _body(_field(b"visibility", b"user\xff"), _file()))
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "loc": ["body", "visibility"],
                "msg": "Input should be 'workspace' or 'user'",
                "type": "enum",
            }
        ]
    }


@pytest.mark.parametrize(
    ("content", "purpose", "facts"),
    [
        (b'{"custom_id": "1", "body": {}}\n' * 3, "batch", (3, "batch_request")),
        (b'{"custom_id": 1, "body": {}}\n', "batch", (1, "pretrain")),
        (b'{"custom_id": 1, "body": {}, "messages": []}\n', "batch", (1, "instruct")),
        (b'{"body": {}, "messages": []}\n', "ocr", (1, "instruct")),
        (b"not json\n" + b'{"messages": []}\n', "batch", (2, "pretrain")),
        (b"[]\n", "batch", (1, "pretrain")),
        (b"\n \n", "batch", (0, "pretrain")),
    ],
)
def test_sample_type_and_line_count_of_an_upload(
    client: httpx.Client, content: bytes, purpose: str, facts: tuple[int, str]
) -> None:
    stored = _stored(client, _body(_field(b"purpose", purpose.encode()), _file(content)))
    assert (stored["num_lines"], stored["sample_type"]) == facts
    assert stored["bytes"] == len(content)
