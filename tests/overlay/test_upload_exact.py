"""Uploads, exactly: what each kind of source becomes (name, size, type, whether it can be
read again), the errors a bad one raises, the multipart body byte for byte, and the
request both clients put on the wire, as a loopback server receives it."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import IO, Any, cast

import pytest

from mistral_batch import AsyncMistral, File, InputError, Mistral, ServerError
from mistral_batch._input import MAX_INPUT_BYTES
from mistral_batch._upload import CHUNK, Multipart, UploadSource, _quote, upload_source
from mistral_batch.emulator import Emulator

from .conftest import FAST_RETRY
from .loopback import Serving, on_both
from .samples import FILE_ANSWER
from .streams import OneWay

LINES = b'{"custom_id": "0", "body": {"messages": [{"role": "user", "content": "hi"}]}}\n'
OCTETS = "application/octet-stream"


# --- Streams a caller may hand over -----------------------------------------------------------


class Detached(io.BytesIO):
    """A stream whose seekable() fails, as a detached or closed wrapper's does."""

    def seekable(self) -> bool:
        raise ValueError("I/O operation on a detached stream")


class NoTell(io.BytesIO):
    """A stream that claims to seek, but cannot tell where it stands (some sockets)."""

    def tell(self) -> int:
        raise OSError("Illegal seek")


class Zeros(io.RawIOBase):
    """`size` zero bytes, read a chunk at a time, never held whole."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        n = self.left if size < 0 else min(size, self.left)
        self.left -= n
        return bytes(n)


def read_all(source: UploadSource) -> bytes:
    stream = source.opener()
    try:
        return stream.read()
    finally:
        stream.close()


# --- What a source becomes ------------------------------------------------------------------


def test_bytes_become_a_replayable_source_named_upload_jsonl_by_default() -> None:
    for given in (LINES, bytearray(LINES), memoryview(LINES)):
        source = upload_source(given)
        assert (source.name, source.size, source.replayable) == ("upload.jsonl", len(LINES), True)
        assert source.content_type == OCTETS
        assert read_all(source) == read_all(source) == LINES
    assert upload_source(LINES, "named.jsonl").name == "named.jsonl"


def test_a_file_keeps_its_name_and_content_type() -> None:
    typed = upload_source(File(file_name="in.jsonl", content=LINES, content_type="text/plain"))
    assert (typed.name, typed.size, typed.content_type) == ("in.jsonl", len(LINES), "text/plain")
    assert typed.replayable is True
    assert read_all(typed) == LINES
    content: Any = bytearray(b"\x00\x01")  # upload_source takes any bytes-like content
    untyped = upload_source(File(file_name="b.bin", content=content))
    assert (untyped.name, untyped.size, untyped.content_type) == ("b.bin", 2, OCTETS)
    assert File(file_name="x", content=b"").content_type is None


def test_a_file_holding_a_stream_keeps_its_content_type() -> None:
    typed = upload_source(File("s.jsonl", io.BytesIO(LINES), content_type="application/jsonl"))
    assert (typed.name, typed.size, typed.content_type) == (
        "s.jsonl",
        len(LINES),
        "application/jsonl",
    )
    assert typed.replayable is True
    untyped = upload_source(File("s.jsonl", io.BytesIO(LINES)))
    assert untyped.content_type == OCTETS


def test_a_dict_takes_its_name_then_the_argument_then_a_default() -> None:
    named = upload_source({"file_name": "d.jsonl", "content": LINES}, "ignored.jsonl")
    assert (named.name, named.size, named.content_type) == ("d.jsonl", len(LINES), OCTETS)
    assert upload_source({"content": LINES}, "arg.jsonl").name == "arg.jsonl"
    assert upload_source({"content": LINES}).name == "upload.jsonl"
    assert upload_source({"file_name": "", "content": LINES}).name == "upload.jsonl"
    typed = upload_source({"file_name": "t.csv", "content": LINES, "content_type": "text/csv"})
    assert typed.content_type == "text/csv"
    assert read_all(typed) == LINES


def test_an_upload_source_is_taken_as_it_is() -> None:
    source = UploadSource(name="n", size=1, opener=lambda: io.BytesIO(b"x"), replayable=False)
    assert upload_source(source, "other.jsonl") is source
    assert source.content_type == OCTETS


def test_a_path_becomes_a_replayable_source_named_after_the_file(tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    path.write_bytes(LINES * 2)
    for given in (path, str(path)):
        source = upload_source(given)
        assert (source.name, source.size, source.replayable) == (
            "requests.jsonl",
            2 * len(LINES),
            True,
        )
        assert source.content_type == OCTETS
        assert read_all(source) == read_all(source) == LINES * 2
    assert upload_source(path, "renamed.jsonl").name == "renamed.jsonl"
    assert upload_source(path, "").name == "requests.jsonl"


def test_a_seekable_stream_is_sent_from_where_it_stands_and_rewound_for_a_retry() -> None:
    stream = io.BytesIO(b"HEAD" + LINES)
    stream.read(4)
    source = upload_source(stream, "s.jsonl")
    assert (source.name, source.size, source.replayable) == ("s.jsonl", len(LINES), True)
    assert stream.tell() == 4  # measuring it left it where it was
    assert read_all(source) == LINES
    assert read_all(source) == LINES  # the second opening starts again at byte 4
    assert not stream.closed  # the caller opened it, the caller closes it


def test_a_stream_is_named_after_its_file_or_upload_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "named.jsonl"
    path.write_bytes(LINES)
    with path.open("rb") as opened:
        assert upload_source(opened).name == "named.jsonl"
        assert upload_source(opened, "given.jsonl").name == "given.jsonl"
    assert upload_source(io.BytesIO(LINES)).name == "upload.jsonl"


def test_a_stream_that_cannot_seek_is_sent_once_with_no_size() -> None:
    stream = OneWay(LINES)
    source = upload_source(stream, "p.jsonl")
    assert (source.name, source.size, source.replayable) == ("p.jsonl", None, False)
    assert source.content_type == OCTETS
    assert read_all(source) == LINES
    assert read_all(source) == b""  # nothing rewinds it


@pytest.mark.parametrize(
    "stream", [Detached(LINES), NoTell(LINES)], ids=["seekable-fails", "tell-fails"]
)
def test_a_stream_whose_position_cannot_be_known_is_not_replayable(stream: io.BytesIO) -> None:
    source = upload_source(stream, "q.jsonl")
    assert (source.size, source.replayable) == (None, False)
    assert read_all(source) == LINES


def test_the_opened_stream_is_readable_and_leaves_the_callers_open() -> None:
    stream = io.BytesIO(LINES)
    opened = upload_source(stream).opener()
    assert opened.readable() is True
    assert opened.read(5) == LINES[:5]
    opened.close()
    assert not stream.closed


def test_a_stream_in_text_mode_is_refused_when_read(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(LINES)
    with path.open() as text:
        opened = upload_source(text).opener()
        with pytest.raises(InputError) as caught:
            opened.read(10)
    assert str(caught.value) == "the file is open in text mode; open it with 'rb'"
    assert (caught.value.field, caught.value.path) == ("file", None)


# --- Sources refused before anything is sent ---------------------------------------------------


def test_a_directory_is_refused_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        upload_source(tmp_path)
    assert caught.value.reason == "is a directory, not a file"
    assert caught.value.path == str(tmp_path)
    assert str(caught.value) == f"{tmp_path}: is a directory, not a file"


def test_a_missing_path_is_refused_with_its_path(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(InputError) as caught:
        upload_source(str(missing))
    assert str(caught.value) == f"{missing}: no such file"
    assert (caught.value.reason, caught.value.path) == ("no such file", str(missing))


def test_a_dict_without_content_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        upload_source({"file_name": "a.jsonl"})
    assert str(caught.value) == "the file dict needs 'file_name' and 'content'"
    assert (caught.value.field, caught.value.path) == ("file", None)


@pytest.mark.parametrize(
    ("content", "kind"), [("text, not bytes", "str"), (12, "int"), (None, "NoneType")]
)
def test_content_that_is_neither_bytes_nor_a_binary_file_is_refused(
    content: Any, kind: str
) -> None:
    for given in (File(file_name="a.jsonl", content=content), {"content": content}):
        with pytest.raises(InputError) as caught:
            upload_source(given)
        assert str(caught.value) == f"content must be bytes or a binary file, got {kind}"
        assert caught.value.field == "file"


@pytest.mark.parametrize(("given", "kind"), [(12345, "int"), ([LINES], "list"), (None, "NoneType")])
def test_what_cannot_be_uploaded_is_named(given: Any, kind: str) -> None:
    with pytest.raises(InputError) as caught:
        upload_source(given)
    assert str(caught.value) == (
        f"cannot upload a {kind}: give a path, bytes, a binary file, "
        "a File or {'file_name': ..., 'content': ...}"
    )
    assert caught.value.field == "file"


# --- The multipart body ----------------------------------------------------------------------


def test_quote_escapes_what_would_end_or_break_a_quoted_name() -> None:
    assert _quote('a\\b"c\rd\ne') == "a\\\\b%22c%0Dd%0Ae"
    assert _quote("plain-name_1.jsonl") == "plain-name_1.jsonl"
    assert _quote("\\") == "\\\\"


def test_the_body_is_exact_with_its_fields_and_quoted_file_name() -> None:
    source = upload_source(
        File(file_name='we"ird\\na\rme\n.jsonl', content=b"xyz", content_type="text/plain")
    )
    fields = [("purpose", b"batch"), ('odd"name', b"v")]
    body = Multipart(fields=fields, source=source, boundary="BOUND")
    expected = (
        b'--BOUND\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
        b'--BOUND\r\nContent-Disposition: form-data; name="odd%22name"\r\n\r\nv\r\n'
        b'--BOUND\r\nContent-Disposition: form-data; name="file"; '
        b'filename="we%22ird\\\\na%0Dme%0A.jsonl"\r\n'
        b"Content-Type: text/plain\r\n\r\n"
        b"xyz\r\n--BOUND--\r\n"
    )
    assert b"".join(body) == expected
    assert body.content_type == "multipart/form-data; boundary=BOUND"
    assert body.content_length == len(expected)
    assert body.headers() == {
        "Content-Type": "multipart/form-data; boundary=BOUND",
        "Content-Length": str(len(expected)),
    }


def test_the_body_without_fields_of_an_untyped_source() -> None:
    body = Multipart(fields=[], source=upload_source(LINES), boundary="b")
    expected = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="upload.jsonl"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + LINES + b"\r\n--b--\r\n"
    )
    assert b"".join(body) == expected
    assert body.content_length == len(expected)


def test_the_default_boundary_is_random_hex() -> None:
    first = Multipart(fields=[], source=upload_source(LINES))
    second = Multipart(fields=[], source=upload_source(LINES))
    assert re.fullmatch(r"[0-9a-f]{32}", first.boundary)
    assert first.boundary != second.boundary
    assert first.progress is None


def test_a_body_of_unknown_size_has_no_content_length() -> None:
    body = Multipart(
        fields=[("purpose", b"batch")], source=upload_source(OneWay(LINES)), boundary="z"
    )
    assert body.content_length is None
    assert body.headers() == {"Content-Type": "multipart/form-data; boundary=z"}
    sent = b"".join(body)
    assert sent.startswith(
        b'--z\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
    )
    assert sent.endswith(b"\r\n" + LINES + b"\r\n--z--\r\n")


def test_the_body_comes_in_chunks_with_progress_after_each() -> None:
    data = bytes(range(256)) * (CHUNK // 256) + b"tail"
    seen: list[tuple[int, int | None]] = []
    body = Multipart(
        fields=[],
        source=upload_source(data),
        boundary="q",
        progress=lambda s, t: seen.append((s, t)),
    )
    chunks = list(body)
    assert chunks[0] == body._head() and chunks[-1] == b"\r\n--q--\r\n"
    assert chunks[1:-1] == [data[:CHUNK], b"tail"]
    assert seen == [(CHUNK, len(data)), (len(data), len(data))]


def test_progress_of_a_stream_of_unknown_size_has_no_total() -> None:
    seen: list[tuple[int, int | None]] = []
    body = Multipart(
        fields=[], source=upload_source(OneWay(LINES)), progress=lambda s, t: seen.append((s, t))
    )
    b"".join(body)
    assert seen == [(len(LINES), None)]


def test_the_async_body_is_the_same_bytes() -> None:
    source = upload_source(File("a.jsonl", LINES * 3, content_type="text/plain"))
    body = Multipart(fields=[("purpose", b"batch")], source=source, boundary="A")

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in body])

    assert asyncio.run(collect()) == b"".join(body)


def test_a_file_that_changed_size_while_uploading_is_refused() -> None:
    source = UploadSource(name="n", size=10, opener=lambda: io.BytesIO(b"12345"), replayable=True)
    with pytest.raises(InputError) as caught:
        b"".join(Multipart(fields=[], source=source))
    assert str(caught.value) == "the file changed while uploading (5 of 10 bytes)"


def test_a_stream_past_the_size_limit_is_refused_while_sending_and_closed() -> None:
    stream = Zeros(MAX_INPUT_BYTES + 1)
    source = UploadSource(
        name="big", size=None, opener=lambda: cast(IO[bytes], stream), replayable=False
    )
    sent = 0
    with pytest.raises(InputError) as caught:
        for chunk in Multipart(fields=[], source=source):
            sent += len(chunk)
    assert str(caught.value) == "the file is larger than the 512 MB limit"
    assert caught.value.field == "file"
    assert stream.closed
    # Every byte up to the limit went out; the one past it did not.
    assert (
        sent - len(Multipart(fields=[], source=source, boundary="x" * 32)._head())
        == MAX_INPUT_BYTES
    )


def test_a_stream_of_exactly_the_limit_is_sent() -> None:
    source = UploadSource(
        name="big",
        size=None,
        opener=lambda: cast(IO[bytes], Zeros(MAX_INPUT_BYTES)),
        replayable=False,
    )
    body = Multipart(fields=[], source=source, boundary="e")
    sent = sum(len(chunk) for chunk in body)
    assert sent == len(body._head()) + MAX_INPUT_BYTES + len(body._tail())


# --- What the server receives, from both clients -------------------------------------------

FILE_OBJECT = {**FILE_ANSWER, "id": "f-up", "bytes": len(LINES), "filename": "x.jsonl"}


class Received:
    """One request as the server read it."""

    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        self.method, self.path, self.headers, self.body = method, path, headers, body


class Peer(Serving):
    """A loopback server that reads each request whole (chunked or not) and answers 200
    with FILE_OBJECT, or with `status` for the first `failures` requests."""

    def __init__(self, failures: int = 0, status: int = 503) -> None:
        self.received: list[Received] = []
        peer = self
        left = [failures]

        class Handler(BaseHTTPRequestHandler):
            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    out = bytearray()
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            self.rfile.readline()
                            return bytes(out)
                        out += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length", "0")))

            def do_POST(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                peer.received.append(Received(self.command, self.path, headers, self._body()))
                if left[0]:
                    left[0] -= 1
                    answer, code = b'{"message": "try again"}', status
                else:
                    answer, code = json.dumps(FILE_OBJECT).encode(), 200
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(Handler)


def expected_body(
    boundary: str, fields: list[tuple[str, bytes]], name: str, ctype: str, data: bytes
) -> bytes:
    out = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode() + v + b"\r\n"
        for k, v in fields
    )
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
    return (
        out
        + f"{head}Content-Type: {ctype}\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )


def boundary_of(received: Received) -> str:
    match = re.fullmatch(
        r"multipart/form-data; boundary=([0-9a-f]{32})", received.headers["content-type"]
    )
    assert match, received.headers["content-type"]
    return match.group(1)


def maker(url: str, **options: Any) -> Callable[[type], Any]:
    return lambda cls: cls(
        api_key="sk-upload-test-0123456789", server_url=url, retry=FAST_RETRY, **options
    )


def test_both_clients_send_the_exact_form_with_every_argument() -> None:
    with Peer() as peer:
        outcomes = on_both(
            maker(peer.url),
            lambda c: c.files.upload(
                File(file_name="a.jsonl", content=LINES, content_type="application/jsonl"),
                purpose="batch",
                visibility="user",
                expiry=48,
            ),
        )
    assert [o.id for o in outcomes] == ["f-up", "f-up"]
    assert len(peer.received) == 2
    for received in peer.received:
        assert (received.method, received.path) == ("POST", "/v1/files")
        assert received.headers["authorization"] == "Bearer sk-upload-test-0123456789"
        boundary = boundary_of(received)
        fields = [("purpose", b"batch"), ("visibility", b"user"), ("expiry", b"48")]
        assert received.body == expected_body(
            boundary, fields, "a.jsonl", "application/jsonl", LINES
        )
        assert received.headers["content-length"] == str(len(received.body))


def test_both_clients_upload_for_batch_by_default_and_can_leave_the_purpose_out() -> None:
    with Peer() as peer:
        on_both(maker(peer.url), lambda c: c.files.upload(LINES, file_name='n"q.jsonl'))
        on_both(maker(peer.url), lambda c: c.files.upload(LINES, purpose=None))
    defaults, without = peer.received[:2], peer.received[2:]
    for received in defaults:
        fields = [("purpose", b"batch")]
        assert received.body == expected_body(
            boundary_of(received), fields, "n%22q.jsonl", OCTETS, LINES
        )
    for received in without:
        assert received.body == expected_body(
            boundary_of(received), [], "upload.jsonl", OCTETS, LINES
        )


def test_both_clients_stream_a_source_of_unknown_size_chunked() -> None:
    with Peer() as peer:
        outcomes = on_both(
            maker(peer.url), lambda c: c.files.upload(OneWay(LINES * 5), file_name="p.jsonl")
        )
    assert [o.id for o in outcomes] == ["f-up", "f-up"]
    for received in peer.received:
        assert "content-length" not in received.headers
        assert received.headers["transfer-encoding"] == "chunked"
        expected = expected_body(
            boundary_of(received), [("purpose", b"batch")], "p.jsonl", OCTETS, LINES * 5
        )
        assert received.body == expected


def test_both_clients_report_upload_progress_exactly() -> None:
    data = b"z" * (CHUNK + 10)
    seen: list[list[tuple[int, int | None]]] = [[], []]
    calls = iter(seen)

    def act(client: Any) -> Any:
        mine = next(calls)
        return client.files.upload(data, progress=lambda sent, total: mine.append((sent, total)))

    with Peer() as peer:
        on_both(maker(peer.url), act)
    assert seen == [[(CHUNK, len(data)), (len(data), len(data))]] * 2
    assert [len(r.body) for r in peer.received] == [
        int(r.headers["content-length"]) for r in peer.received
    ]


@pytest.mark.parametrize("side", ["sync", "async"])
def test_an_upload_that_can_be_read_again_is_retried(side: str) -> None:
    with Peer(failures=2) as peer:
        if side == "sync":
            with maker(peer.url)(Mistral) as client:
                uploaded = client.files.upload(io.BytesIO(LINES), file_name="r.jsonl")
        else:

            async def scenario() -> Any:
                async with maker(peer.url)(AsyncMistral) as client:
                    return await client.files.upload(io.BytesIO(LINES), file_name="r.jsonl")

            uploaded = asyncio.run(scenario())
    assert uploaded.id == "f-up"
    assert len(peer.received) == 3
    # Each attempt is a fresh body, under a boundary of its own, with the whole file again.
    for received in peer.received:
        fields = [("purpose", b"batch")]
        assert received.body == expected_body(
            boundary_of(received), fields, "r.jsonl", OCTETS, LINES
        )
    assert len({boundary_of(r) for r in peer.received}) == 3


@pytest.mark.parametrize("side", ["sync", "async"])
def test_an_upload_that_cannot_be_read_again_is_not_retried(side: str) -> None:
    with Peer(failures=1) as peer, pytest.raises(ServerError) as caught:
        if side == "sync":
            with maker(peer.url)(Mistral) as client:
                client.files.upload(OneWay(LINES), file_name="once.jsonl")
        else:

            async def scenario() -> None:
                async with maker(peer.url)(AsyncMistral) as client:
                    await client.files.upload(OneWay(LINES), file_name="once.jsonl")

            asyncio.run(scenario())
    assert caught.value.status_code == 503
    assert len(peer.received) == 1


@pytest.mark.parametrize("side", ["sync", "async"])
def test_bad_sources_are_refused_by_both_clients_before_sending(
    emu: Emulator, tmp_path: Path, side: str
) -> None:
    before = emu.stats.requests.get("upload_file", 0)
    cases: list[tuple[Any, str]] = [
        (tmp_path, f"{tmp_path}: is a directory, not a file"),
        ({"file_name": "a.jsonl"}, "the file dict needs 'file_name' and 'content'"),
        (File("a.jsonl", cast(Any, "text")), "content must be bytes or a binary file, got str"),
    ]
    for given, message in cases:

        def act(client: Any, given: Any = given) -> Any:
            return client.files.upload(given)

        if side == "sync":
            with (
                Mistral(api_key=emu.api_key, server_url=emu.url) as client,
                pytest.raises(InputError) as caught,
            ):
                act(client)
        else:

            async def scenario(given: Any = given) -> None:
                async with AsyncMistral(api_key=emu.api_key, server_url=emu.url) as client:
                    await act(client, given)

            with pytest.raises(InputError) as caught:
                asyncio.run(scenario())
        assert str(caught.value) == message
    assert emu.stats.requests.get("upload_file", 0) == before
