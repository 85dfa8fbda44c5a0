"""Uploads refused, exactly: a declared size past the limit, a file found past it while it
streams in, and a client that leaves."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from starlette.requests import Request
from starlette.types import Message

from mistral_batch.emulator import Emulator
from mistral_batch_emulator._errors import ApiError
from mistral_batch_emulator._upload import receive_upload


def raw_answer(emu: Emulator, request: bytes) -> tuple[list[str], bytes]:
    """The head lines and body of the answer to `request`, read until the server hangs up."""
    answer = b""
    with socket.create_connection((emu.host, emu.port), timeout=5) as sock:
        sock.sendall(request)
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return head.decode().split("\r\n"), body


def test_a_declared_size_past_the_limit_is_refused_and_the_connection_closed(
    make_emulator: Callable[..., Emulator],
) -> None:
    """The 413 comes before any body byte, says Connection: close, and the server hangs up."""
    emu = make_emulator(max_upload_bytes=1000)
    framing = (
        f"POST /v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {emu.api_key}\r\n"
        "Content-Type: multipart/form-data; boundary=xyzzy\r\n"
        f"Content-Length: {1000 + 1024 * 1024 + 1}\r\n\r\n"
    )
    lines, body = raw_answer(emu, framing.encode())
    assert lines[0] == "HTTP/1.1 413 Request Entity Too Large"
    assert "connection: close" in lines[1:]
    assert orjson.loads(body) == {
        "object": "error",
        "message": "File larger than the 1000 bytes limit",
        "type": "request_too_large",
        "param": None,
        "code": "413",
    }


def test_a_file_found_past_the_limit_as_it_streams_in_is_refused_and_the_connection_closed(
    make_emulator: Callable[..., Emulator],
) -> None:
    """A size declared within the allowance, but a file part past the limit: 413, and
    Connection: close, as the rest of the body is never read."""
    emu = make_emulator(max_upload_bytes=1000)
    body = (
        b'--xyzzy\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
        b'--xyzzy\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\n'
        + b"x" * 4000
        + b"\r\n--xyzzy--\r\n"
    )
    head = (
        f"POST /v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {emu.api_key}\r\n"
        "Content-Type: multipart/form-data; boundary=xyzzy\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    lines, answer = raw_answer(emu, head.encode() + body)
    assert lines[0] == "HTTP/1.1 413 Request Entity Too Large"
    assert "connection: close" in lines[1:]
    assert orjson.loads(answer)["message"] == "File larger than the 1000 bytes limit"


def test_a_client_gone_before_the_end_of_its_upload_is_a_400(tmp_path: Path) -> None:
    """The server's disconnect message, mid-body, ends the upload with a 400 and its words."""
    head = b'--xyzzy\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nab'
    messages: list[Message] = [
        {"type": "http.request", "body": head, "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> Message:
        return messages.pop(0)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/files",
        "headers": [(b"content-type", b"multipart/form-data; boundary=xyzzy")],
    }
    with pytest.raises(ApiError) as caught:
        asyncio.run(receive_upload(Request(scope, receive), tmp_path / "upload", 1000))
    assert (caught.value.status, caught.value.message) == (
        400,
        "The client went away before the upload ended",
    )
    assert caught.value.headers == {}
