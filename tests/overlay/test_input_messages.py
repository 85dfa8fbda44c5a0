"""Each refusal of an input file or request, word for word, with its line and field: what a
user reads before anything is uploaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from mistral_batch import InputError, write_requests
from mistral_batch._input import check_input_data, check_input_file, encode_request

OK = b'{"custom_id":"a","body":{}}\n'

FILES: list[tuple[str, bytes, str, int | None, str | None]] = [
    (
        "bom",
        b"\xef\xbb\xbf" + OK,
        "line 1: the file starts with a UTF-8 byte order mark (BOM); save it as UTF-8 without BOM",
        1,
        None,
    ),
    (
        "crlf",
        OK[:-1] + b"\r\n",
        "line 1: the line ends with CRLF (\\r\\n); the file is sent as is, so save it with LF"
        " (\\n) line endings",
        1,
        None,
    ),
    (
        "utf-8",
        OK + b'{"custom_id":"\xff","body":{}}\n',
        "line 2: not valid UTF-8 (byte 0xff at column 15)",
        2,
        None,
    ),
    ("blank", OK + b"\n", "line 2: blank line; every line must hold one request", 2, None),
    ("array", b"[1]\n", "line 1: a request must be a JSON object, got array", 1, None),
    ("no custom_id", b'{"body":{}}\n', "line 1: custom_id is missing", 1, "custom_id"),
    (
        "custom_id a number",
        b'{"custom_id":3,"body":{}}\n',
        "line 1: custom_id must be a string, got number",
        1,
        "custom_id",
    ),
    (
        "custom_id empty",
        b'{"custom_id":"","body":{}}\n',
        "line 1: custom_id is empty",
        1,
        "custom_id",
    ),
    ("no body", b'{"custom_id":"a"}\n', "line 1: body is missing", 1, "body"),
    (
        "body a list",
        b'{"custom_id":"a","body":[]}\n',
        "line 1: body must be a JSON object, got array",
        1,
        "body",
    ),
    (
        "duplicate",
        OK + b'{"custom_id":"b","body":{}}\n' + OK,
        "line 3: duplicate custom_id 'a' (first on line 1)",
        3,
        "custom_id",
    ),
    ("empty", b"", "the input is empty", None, None),
]


@pytest.mark.parametrize(
    ("data", "message", "line", "field"), [f[1:] for f in FILES], ids=[f[0] for f in FILES]
)
def test_each_problem_of_a_file_is_named_with_its_line(
    tmp_path: Path, data: bytes, message: str, line: int | None, field: str | None
) -> None:
    with pytest.raises(InputError) as caught:
        check_input_data(data, name="in.jsonl")
    error = caught.value
    expected = f"in.jsonl {message}" if line else f"in.jsonl: {message}"
    assert (str(error), error.line, error.field) == (expected, line, field)
    assert error.path == "in.jsonl"
    if data:  # the same from a file on disk, named by its path
        path = tmp_path / "in.jsonl"
        path.write_bytes(data)
        with pytest.raises(InputError) as on_disk:
            check_input_file(path)
        assert (on_disk.value.reason, on_disk.value.line) == (error.reason, line)


def test_bad_json_is_named_with_the_parsers_reason() -> None:
    with pytest.raises(InputError) as caught:
        check_input_data(b'{"custom_id":"a","body":{}\n')
    assert caught.value.line == 1
    assert caught.value.reason.startswith("not valid JSON (")


@pytest.mark.parametrize("request_", [("a",), 3, "ab"], ids=["one-tuple", "number", "string"])
def test_a_request_neither_mapping_nor_pair_is_refused(request_: object) -> None:
    with pytest.raises(InputError) as caught:
        encode_request(request_, line=4, path="p")  # type: ignore[arg-type]
    kind = {"one-tuple": "array", "number": "number", "string": "string"}
    assert str(caught.value).startswith(
        "p line 4: a request must be a mapping with custom_id and body or a (custom_id, body)"
        " pair, got "
    )
    assert str(caught.value).split("got ")[-1] in kind.values()
    assert caught.value.line == 4


def test_a_request_encodes_compact_with_its_other_keys() -> None:
    assert encode_request(("a", {"x": 1})) == b'{"custom_id":"a","body":{"x":1}}\n'
    assert encode_request({"custom_id": "b", "body": {}, "extra": 2}) == (
        b'{"custom_id":"b","body":{},"extra":2}\n'
    )
    with pytest.raises(InputError, match=r"^p line 2: request is not JSON-serializable: "):
        encode_request({"custom_id": "a", "body": {"x": {1, 2}}}, line=2, path="p")


def test_written_requests_are_refused_with_the_line_of_the_first_bad_one(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    with pytest.raises(InputError) as caught:
        write_requests([("a", {}), ("b", {}), ("a", {})], path)
    assert (caught.value.reason, caught.value.line, caught.value.field) == (
        "duplicate custom_id 'a' (first on line 1)",
        3,
        "custom_id",
    )
    with pytest.raises(InputError) as empty:
        write_requests([], path)
    assert (str(empty.value), empty.value.line) == (f"{path}: no requests to write", None)
    assert not path.exists()
    summary = write_requests([("a", {}), {"custom_id": "b", "body": {"n": 1}}], path)
    assert (summary.count, summary.bytes, summary.path) == (2, path.stat().st_size, path)
