import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from mistral_batch import _input
from mistral_batch._input import (
    MAX_INPUT_BYTES,
    InputSummary,
    check_input_data,
    check_input_file,
    encode_request,
    write_requests,
)
from mistral_batch.errors import InputError


def requests(n: int) -> list[dict[str, Any]]:
    return [{"custom_id": str(i), "body": {"messages": [{"content": f"q{i} é"}]}} for i in range(n)]


def test_max_size() -> None:
    assert MAX_INPUT_BYTES == 512 * 1024 * 1024


def test_write_then_check_round_trip(tmp_path: Path) -> None:
    dest = tmp_path / "input.jsonl"
    written = write_requests(requests(3), dest)
    data = dest.read_bytes()
    assert written == InputSummary(count=3, bytes=len(data), path=dest)
    assert data.count(b"\n") == 3 and data.endswith(b"\n")
    assert "é".encode() in data  # UTF-8, not \u escapes
    assert b", " not in data and b": " not in data  # compact
    assert [json.loads(line) for line in data.splitlines()] == requests(3)
    assert check_input_file(dest) == written
    assert [p.name for p in tmp_path.iterdir()] == ["input.jsonl"]


def test_pairs_and_streams() -> None:
    out = io.BytesIO()
    summary = write_requests(iter([("a", {"x": 1}), ("b", {})]), out)
    assert out.getvalue() == b'{"custom_id":"a","body":{"x":1}}\n{"custom_id":"b","body":{}}\n'
    assert summary == InputSummary(count=2, bytes=len(out.getvalue()), path=None)


def test_json_fallback_encodes_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = encode_request(requests(1)[0])
    monkeypatch.setattr(_input, "orjson", None)
    assert encode_request(requests(1)[0]) == fast
    with pytest.raises(InputError, match="not JSON-serializable"):
        encode_request(("a", {"x": float("nan")}))


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ({"body": {}}, "custom_id is missing"),
        ({"custom_id": None, "body": {}}, "custom_id must be a string, got null"),
        ({"custom_id": 3, "body": {}}, "custom_id must be a string, got number"),
        ({"custom_id": "", "body": {}}, "custom_id is empty"),
        ({"custom_id": "x"}, "body is missing"),
        ({"custom_id": "x", "body": [1]}, "body must be a JSON object, got array"),
        ({"custom_id": "x", "body": "hi"}, "body must be a JSON object, got string"),
        ({"custom_id": "x", "body": {"t": object()}}, "not JSON-serializable"),
        (("x",), "a request must be a mapping"),
        ("x", "a request must be a mapping"),
        ({"custom_id": "0", "body": {}}, "duplicate custom_id '0' (first on line 1)"),
    ],
    ids=[
        "no-id",
        "null-id",
        "int-id",
        "empty-id",
        "no-body",
        "list-body",
        "str-body",
        "unserializable",
        "short-pair",
        "not-a-request",
        "duplicate",
    ],
)
def test_write_rejects_bad_requests_and_leaves_no_file(
    tmp_path: Path, bad: Any, words: str
) -> None:
    dest = tmp_path / "input.jsonl"
    with pytest.raises(InputError) as info:
        write_requests([*requests(2), bad], dest)
    assert info.value.line == 3
    assert str(info.value).startswith(f"{dest} line 3: ")
    assert words in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_write_keeps_an_existing_file_on_failure(tmp_path: Path) -> None:
    dest = tmp_path / "input.jsonl"
    dest.write_bytes(b"old")
    with pytest.raises(InputError):
        write_requests([{"custom_id": "a"}], dest)
    assert dest.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [dest]


def test_write_empty_and_too_large(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no requests"):
        write_requests([], tmp_path / "a.jsonl")
    with pytest.raises(InputError, match="exceed 100 bytes") as info:
        write_requests(requests(10), tmp_path / "b.jsonl", max_bytes=100)
    assert info.value.line == 2
    assert list(tmp_path.iterdir()) == []


def test_write_file_mode_follows_umask(tmp_path: Path) -> None:
    dest = tmp_path / "input.jsonl"
    write_requests(requests(1), dest)
    umask = os.umask(0)
    os.umask(umask)
    assert dest.stat().st_mode & 0o777 == 0o666 & ~umask


GOOD_LINE = b'{"custom_id":"a","body":{}}\n'


@pytest.mark.parametrize(
    ("data", "line", "words"),
    [
        (b'\xef\xbb\xbf{"custom_id":"a","body":{}}\n', 1, "byte order mark (BOM)"),
        (GOOD_LINE + b'{"custom_id":"b","body":{}}\r\n', 2, "CRLF"),
        (GOOD_LINE + b'{"custom_id":"\xff","body":{}}\n', 2, "not valid UTF-8 (byte 0xff"),
        (GOOD_LINE + b'{"custom_id":"b",\n', 2, "not valid JSON"),
        (GOOD_LINE + b"[1, 2]\n", 2, "must be a JSON object, got array"),
        (GOOD_LINE + b'"text"\n', 2, "must be a JSON object, got string"),
        (GOOD_LINE + b'{"custom_id":"b"}\n', 2, "body is missing"),
        (GOOD_LINE + b'{"custom_id":"b","body":[1]}\n', 2, "body must be a JSON object, got array"),
        (GOOD_LINE + b'{"body":{}}\n', 2, "custom_id is missing"),
        (GOOD_LINE + b'{"custom_id":"","body":{}}\n', 2, "custom_id is empty"),
        (GOOD_LINE + b'{"custom_id":7,"body":{}}\n', 2, "custom_id must be a string, got number"),
        (GOOD_LINE + b"\n" + GOOD_LINE, 2, "blank line"),
        (GOOD_LINE + b"   \n", 2, "blank line"),
        (GOOD_LINE + b"x\n" + GOOD_LINE, 2, "not valid JSON"),
        (GOOD_LINE + GOOD_LINE, 2, "duplicate custom_id 'a' (first on line 1)"),
    ],
    ids=[
        "bom",
        "crlf",
        "not-utf8",
        "not-json",
        "array",
        "string",
        "no-body",
        "body-array",
        "no-id",
        "empty-id",
        "int-id",
        "blank-line",
        "whitespace-line",
        "garbage",
        "duplicate",
    ],
)
def test_check_names_the_line(tmp_path: Path, data: bytes, line: int, words: str) -> None:
    path = tmp_path / "input.jsonl"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        check_input_file(path)
    assert info.value.line == line
    assert info.value.path == str(path)
    assert str(info.value).startswith(f"{path} line {line}: ")
    assert words in str(info.value)
    with pytest.raises(InputError) as same:
        check_input_data(data, name="upload.jsonl")
    assert str(same.value) == str(info.value).replace(str(path), "upload.jsonl")


def test_check_accepts_a_last_line_without_newline_and_extra_keys() -> None:
    data = GOOD_LINE + b'{"custom_id":"b","body":{"x":"\xe2\x80\xa8"},"extra":1}'
    assert check_input_data(data) == InputSummary(count=2, bytes=len(data))
    assert check_input_data(io.BytesIO(data)).count == 2


def test_check_file_problems(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file") as info:
        check_input_file(tmp_path / "missing.jsonl")
    assert info.value.path == str(tmp_path / "missing.jsonl")
    with pytest.raises(InputError, match="is a directory"):
        check_input_file(tmp_path)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        check_input_file(empty)
    with pytest.raises(InputError, match="empty"):
        check_input_data(b"")


def test_check_size_is_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_bytes(GOOD_LINE * 10)
    with pytest.raises(InputError, match="over the 100 accepted") as info:
        check_input_file(path, max_bytes=100)
    assert info.value.line is None  # refused from the size alone
    with pytest.raises(InputError, match="over 100 bytes") as streamed:
        check_input_data(
            io.BytesIO(b"".join(encode_request(r) for r in requests(9))), max_bytes=100
        )
    assert streamed.value.line == 2  # each line is 60 bytes


def test_check_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.jsonl"
    path.write_bytes(GOOD_LINE)

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    # Simulated: file modes do not stop root, which may run the tests.
    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(InputError, match="cannot read: Permission denied") as info:
        check_input_file(path)
    assert info.value.path == str(path)
