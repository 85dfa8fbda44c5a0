"""Input files, bytes and streams checked word for word: each InputError's exact message,
path and line (a missing file, a folder, an empty file, one over the limit, one that cannot
be read), the size limit at exactly max_bytes and one byte past it, the exact bytes of an
encoded request (with orjson and with the json fallback), the parser's reason for bad JSON,
and the files write_requests and spool_requests leave (their bytes, modes and parents)."""

from __future__ import annotations

import errno
import io
import json
import os
import stat
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson
import pytest

from mistral_batch import InputError, InputSummary, _input, check_input_file, write_requests
from mistral_batch._input import (
    check_input_data,
    check_request_line,
    encode_request,
    spool_requests,
)

BUCKET = "runs"  # made by the s3 fixture (tests/conftest.py)


def chat(i: int) -> dict[str, Any]:
    return {"custom_id": f"r{i}", "body": {"messages": [{"role": "user", "content": f"q{i}"}]}}


#: Twenty valid lines, over a thousand bytes (so sizes print with a thousands separator).
LINES = [json.dumps(chat(i), separators=(",", ":")).encode() + b"\n" for i in range(20)]
DATA = b"".join(LINES)
GOOD = b'{"custom_id":"a","body":{}}\n'


@pytest.fixture(params=["orjson", "json"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test twice: with orjson, and with the json fallback used when it is absent."""
    if request.param == "json":
        monkeypatch.setattr(_input, "orjson", None)
    return str(request.param)


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def as_given(path: Path, form: str) -> str | Path:
    return str(path) if form == "str" else path


def caught_by(call: Any, *args: Any, **kwargs: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- check_input_file on a local path ------------------------------------------------------


@pytest.mark.parametrize("form", ["str", "Path"])
def test_a_valid_file_is_summed_up_with_its_path(tmp_path: Path, form: str) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(DATA)
    summary = check_input_file(as_given(path, form))
    assert summary == InputSummary(count=20, bytes=len(DATA), path=path)
    assert type(summary.path) is type(path)


def test_a_local_name_that_fsspec_would_chain_is_read_as_a_local_file(tmp_path: Path) -> None:
    path = tmp_path / "in::part.jsonl"  # "::" chains file systems in an fsspec URL
    path.write_bytes(DATA)
    assert check_input_file(str(path)) == InputSummary(count=20, bytes=len(DATA), path=path)


@pytest.mark.parametrize("form", ["str", "Path"])
def test_a_file_of_exactly_the_limit_passes_and_one_byte_more_is_refused(
    tmp_path: Path, form: str
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(DATA)
    size = len(DATA)
    assert size > 1000
    assert check_input_file(as_given(path, form), max_bytes=size) == InputSummary(
        count=20, bytes=size, path=path
    )
    error = caught_by(check_input_file, as_given(path, form), max_bytes=size - 1)
    assert str(error) == f"{path}: the file is {size:,} bytes, over the {size - 1:,} accepted"
    assert (error.path, error.line, error.field) == (str(path), None, None)


@pytest.mark.parametrize("form", ["str", "Path"])
def test_a_missing_file_is_named(tmp_path: Path, form: str) -> None:
    path = tmp_path / "missing.jsonl"
    error = caught_by(check_input_file, as_given(path, form))
    assert str(error) == f"{path}: no such file"
    assert (error.reason, error.path, error.line) == ("no such file", str(path), None)


@pytest.mark.parametrize("form", ["str", "Path"])
def test_a_folder_is_not_an_input_file(tmp_path: Path, form: str) -> None:
    error = caught_by(check_input_file, as_given(tmp_path, form))
    assert str(error) == f"{tmp_path}: is a directory, not a file"
    assert (error.path, error.line) == (str(tmp_path), None)


@pytest.mark.parametrize("form", ["str", "Path"])
def test_an_empty_file_is_refused_as_empty(tmp_path: Path, form: str) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    error = caught_by(check_input_file, as_given(path, form))
    assert str(error) == f"{path}: the file is empty"
    assert (error.reason, error.path, error.line) == ("the file is empty", str(path), None)


def test_a_file_of_one_byte_is_read_not_called_empty(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_bytes(b"\n")
    error = caught_by(check_input_file, path)
    assert str(error) == f"{path} line 1: blank line; every line must hold one request"


def test_a_path_through_a_file_cannot_be_read(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_bytes(b"not a folder")
    path = plain / "in.jsonl"
    error = caught_by(check_input_file, path)
    assert str(error) == f"{path}: cannot read: {os.strerror(errno.ENOTDIR)}"
    assert (error.path, error.line) == (str(path), None)


def test_a_file_that_cannot_be_opened_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "secret.jsonl"
    path.write_bytes(GOOD)

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    # Simulated: file modes do not stop root, which may run the tests.
    monkeypatch.setattr(Path, "open", refuse)
    error = caught_by(check_input_file, str(path))
    assert str(error) == f"{path}: cannot read: Permission denied"
    assert (error.path, error.line) == (str(path), None)


class FailingRead(io.RawIOBase):
    """A file that opens but whose every read fails, as a failing disk's would."""

    def __init__(self, error: OSError) -> None:
        self.error = error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise self.error


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (OSError(errno.EIO, "Input/output error"), "Input/output error"),
        (OSError("the disk went away"), "the disk went away"),
    ],
    ids=["with-strerror", "without-strerror"],
)
def test_a_file_whose_reading_fails_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: OSError, words: str
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(GOOD)
    monkeypatch.setattr(Path, "open", lambda *args, **kwargs: FailingRead(error))
    refused = caught_by(check_input_file, path)
    assert str(refused) == f"{path}: cannot read: {words}"
    assert (refused.path, refused.line) == (str(path), None)
    assert refused.__cause__ is error


# --- check_input_file on an object-storage URL ---------------------------------------------


def test_an_object_is_summed_up_without_a_path(s3: Any) -> None:
    s3.pipe(f"{BUCKET}/exact/in.jsonl", DATA)
    url = f"s3://{BUCKET}/exact/in.jsonl"
    assert check_input_file(url) == InputSummary(count=20, bytes=len(DATA), path=None)
    assert check_input_file(url, max_bytes=len(DATA)).count == 20
    error = caught_by(check_input_file, url, max_bytes=len(DATA) - 1)
    assert str(error) == (
        f"{url}: the file is {len(DATA):,} bytes, over the {len(DATA) - 1:,} accepted"
    )
    assert (error.path, error.line) == (url, None)


def test_an_object_with_a_bad_line_is_named_by_its_url(s3: Any) -> None:
    s3.pipe(f"{BUCKET}/exact/bad.jsonl", GOOD + GOOD)
    url = f"s3://{BUCKET}/exact/bad.jsonl"
    error = caught_by(check_input_file, url)
    assert str(error) == f"{url} line 2: duplicate custom_id 'a' (first on line 1)"


# --- check_input_data on bytes and streams -------------------------------------------------


def test_bytes_of_exactly_the_limit_pass_and_one_byte_more_are_refused() -> None:
    size = len(DATA)
    assert check_input_data(DATA, max_bytes=size) == InputSummary(count=20, bytes=size)
    named = caught_by(check_input_data, DATA, name="in.jsonl", max_bytes=size - 1)
    assert str(named) == f"in.jsonl: the input is {size:,} bytes, over the {size - 1:,} accepted"
    assert (named.path, named.line) == ("in.jsonl", None)
    anonymous = caught_by(check_input_data, bytearray(DATA), max_bytes=size - 1)
    assert str(anonymous) == f"the input is {size:,} bytes, over the {size - 1:,} accepted"
    assert anonymous.path is None


def test_a_stream_of_exactly_the_limit_passes_and_one_byte_more_is_refused() -> None:
    size = len(DATA)
    assert check_input_data(io.BytesIO(DATA), max_bytes=size) == InputSummary(count=20, bytes=size)
    error = caught_by(check_input_data, io.BytesIO(DATA), name="in.jsonl", max_bytes=size - 1)
    assert str(error) == (
        f"in.jsonl line 20: the input is over {size - 1:,} bytes, the largest file accepted"
    )
    assert (error.path, error.line) == ("in.jsonl", 20)


def test_a_stream_already_partly_read_is_checked_from_where_it_stands() -> None:
    stream = io.BytesIO(b"a header the caller read\n" + DATA)
    stream.readline()
    start = stream.tell()
    assert check_input_data(stream, max_bytes=len(DATA)) == InputSummary(count=20, bytes=len(DATA))
    stream.seek(start)
    error = caught_by(check_input_data, stream, name="rest", max_bytes=len(DATA) - 1)
    assert str(error) == (
        f"rest line 20: the input is over {len(DATA) - 1:,} bytes, the largest file accepted"
    )


def test_a_long_line_is_read_no_further_than_one_byte_past_the_limit() -> None:
    head = b"already read\n"
    stream = io.BytesIO(head + GOOD + b"x" * 1000 + b"\n" + GOOD)
    stream.readline()
    error = caught_by(check_input_data, stream, name="in", max_bytes=100)
    assert str(error) == "in line 2: the input is over 100 bytes, the largest file accepted"
    assert error.line == 2
    assert stream.tell() == len(head) + 101


# --- check_request_line: the parser's reason -----------------------------------------------

BAD_JSON = [
    b'{"custom_id":"a","body":{}\n',
    b"x\n",
    b'{"custom_id":"a","body":{}}{}\n',
    b'{"custom_id":"a","body":{},}\n',
]


def parser_message(raw: bytes, backend: str) -> str:
    try:
        if backend == "orjson":
            orjson.loads(raw)
        else:
            json.loads(raw.decode())
    except ValueError as exc:
        return str(exc)
    raise AssertionError(f"{raw!r} parsed")


@pytest.mark.parametrize("raw", BAD_JSON, ids=["unclosed", "word", "two-values", "comma"])
def test_bad_json_is_named_with_the_parsers_message(backend: str, raw: bytes) -> None:
    message = parser_message(raw, backend)
    assert "\n" not in message and " " in message
    error = caught_by(check_request_line, raw, 3, "p.jsonl")
    assert str(error) == f"p.jsonl line 3: not valid JSON ({message})"
    assert (error.reason, error.path, error.line, error.field) == (
        f"not valid JSON ({message})",
        "p.jsonl",
        3,
        None,
    )
    from_data = caught_by(check_input_data, GOOD + raw, name="in")
    assert str(from_data) == f"in line 2: not valid JSON ({message})"


def test_the_parsers_differ_and_orjson_is_the_one_used() -> None:
    raw = BAD_JSON[0]
    assert parser_message(raw, "orjson") != parser_message(raw, "json")
    error = caught_by(check_request_line, raw, 1, None)
    assert error.reason == f"not valid JSON ({parser_message(raw, 'orjson')})"


def test_a_valid_line_is_decoded_by_either_parser(backend: str) -> None:
    raw = b'{"custom_id":"\xc3\xa9","body":{"n":[1,2.5,null,true]},"extra":"x"}\n'
    assert check_request_line(raw, 4, None) == (
        "é",
        {"custom_id": "é", "body": {"n": [1, 2.5, None, True]}, "extra": "x"},
    )
    assert check_input_data(DATA) == InputSummary(count=20, bytes=len(DATA))


# --- encode_request: the exact bytes --------------------------------------------------------


class Request(Mapping[str, Any]):
    """A mapping that is not a dict, as a caller's own request type may be."""

    def __init__(self, **items: Any) -> None:
        self.items_ = items

    def __getitem__(self, key: str) -> Any:
        return self.items_[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.items_)

    def __len__(self) -> int:
        return len(self.items_)


BODY = {"messages": [{"role": "user", "content": "ça va ? 日本"}], "n": 1.5, "ok": True}
ENCODED = (
    '{"custom_id":"é","body":{"messages":[{"role":"user","content":"ça va ? 日本"}],'
    '"n":1.5,"ok":true}}\n'
).encode()


@pytest.mark.parametrize(
    "request_",
    [
        ("é", BODY),
        ["é", BODY],
        {"custom_id": "é", "body": BODY},
        types.MappingProxyType({"custom_id": "é", "body": BODY}),
        Request(custom_id="é", body=BODY),
    ],
    ids=["pair", "list-pair", "dict", "mappingproxy", "own-mapping"],
)
def test_a_request_encodes_to_compact_utf8_json(backend: str, request_: Any) -> None:
    assert encode_request(request_) == ENCODED


def test_the_other_keys_of_a_mapping_are_kept_in_order(backend: str) -> None:
    request = Request(extra=[1], custom_id="b", body={}, zz=None)
    assert encode_request(request) == b'{"extra":[1],"custom_id":"b","body":{},"zz":null}\n'


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"x": float("nan")}, "body.x is nan"),
        ({"m": [{"t": 1.0}, {"t": float("-inf")}]}, "body.m[1].t is -inf"),
    ],
)
def test_nan_and_infinities_are_refused_by_either_encoder_by_name(
    backend: str, body: dict[str, Any], named: str
) -> None:
    # orjson would write null in their place, json refuses them: the same error from both.
    error = caught_by(encode_request, ("a", body), line=2, path="p")
    says = f"p line 2: request is not JSON-serializable: {named}, which JSON cannot hold"
    assert str(error) == says
    assert (error.path, error.line) == ("p", 2)
    # A null of the request's own is kept.
    assert encode_request(("a", {"x": None})) == b'{"custom_id":"a","body":{"x":null}}\n'


# --- write_requests -------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["str", "Path"])
def test_written_requests_are_the_exact_bytes(tmp_path: Path, form: str) -> None:
    path = tmp_path / "in.jsonl"
    summary = write_requests([chat(i) for i in range(20)], as_given(path, form))
    assert path.read_bytes() == DATA
    assert summary == InputSummary(count=20, bytes=len(DATA), path=path)


def test_requests_are_not_written_to_a_folder(tmp_path: Path) -> None:
    error = caught_by(write_requests, [("a", {})], tmp_path)
    assert str(error) == f"{tmp_path}: is a directory"
    assert (error.reason, error.path, error.line) == ("is a directory", str(tmp_path), None)
    assert list(tmp_path.iterdir()) == []


def test_requests_are_not_written_where_the_folder_is_missing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_requests([("a", {})], tmp_path / "no" / "in.jsonl")
    assert list(tmp_path.iterdir()) == []


def test_a_written_file_of_exactly_the_limit_passes_and_one_byte_more_is_refused(
    tmp_path: Path,
) -> None:
    path = tmp_path / "in.jsonl"
    requests = [chat(i) for i in range(20)]
    assert write_requests(requests, path, max_bytes=len(DATA)).bytes == len(DATA)
    path.unlink()
    error = caught_by(write_requests, requests, path, max_bytes=len(DATA) - 1)
    assert str(error) == (
        f"{path} line 20: the input would exceed {len(DATA) - 1:,} bytes, the largest file accepted"
    )
    assert (error.path, error.line) == (str(path), 20)
    assert list(tmp_path.iterdir()) == []


def test_a_stream_written_to_stops_before_the_request_over_the_limit() -> None:
    out = io.BytesIO()
    requests = [chat(i) for i in range(20)]
    assert write_requests(requests, out, max_bytes=len(DATA)) == InputSummary(
        count=20, bytes=len(DATA), path=None
    )
    out = io.BytesIO()
    error = caught_by(write_requests, requests, out, max_bytes=len(LINES[0]) + 1)
    assert str(error) == (
        f"line 2: the input would exceed {len(LINES[0]) + 1} bytes, the largest file accepted"
    )
    assert (error.path, error.line) == (None, 2)
    assert out.getvalue() == LINES[0]


# --- spool_requests (a run's requests, spooled to a private file) -------------------------


def test_spooled_requests_are_the_exact_bytes_in_a_private_file(
    tmp_path: Path, umask_022: None
) -> None:
    path = tmp_path / "spool.jsonl"
    summary = spool_requests(iter([chat(i) for i in range(20)]), path)
    assert summary == InputSummary(count=20, bytes=len(DATA), path=path)
    assert path.read_bytes() == DATA
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(tmp_path.iterdir()) == [path]


def test_spooled_requests_may_share_a_custom_id(tmp_path: Path) -> None:
    path = tmp_path / "spool.jsonl"
    summary = spool_requests([("a", {}), ("b", {}), ("a", {})], path)
    assert path.read_bytes() == (
        b'{"custom_id":"a","body":{}}\n{"custom_id":"b","body":{}}\n{"custom_id":"a","body":{}}\n'
    )
    assert (summary.count, summary.bytes) == (3, path.stat().st_size)


def test_a_bad_spooled_request_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "spool.jsonl"
    error = caught_by(spool_requests, [("a", {}), ("b", [])], path)
    assert str(error) == f"{path} line 2: body must be a JSON object, got array"
    assert (error.path, error.line, error.field) == (str(path), 2, "body")
    assert list(tmp_path.iterdir()) == []


def test_a_spool_is_not_made_where_the_folder_is_missing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        spool_requests([("a", {})], tmp_path / "no" / "spool.jsonl")
    assert list(tmp_path.iterdir()) == []
