"""File downloads exactly: the header, the ASGI messages, HEAD, ranges, a lost blob."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from emulator_helpers import api_client, upload
from starlette.requests import Request

from mistral_batch.emulator import Emulator
from mistral_batch_emulator._download import (
    CHUNK_SIZE,
    FileResponse,
    content_disposition,
    file_response,
)
from mistral_batch_emulator._errors import ApiError
from mistral_batch_emulator._records import FileRecord
from mistral_batch_emulator._settings import Settings

BOUNDARY_HEADERS = {"Content-Type": "multipart/form-data; boundary=b0und"}


@pytest.mark.parametrize(
    ("filename", "header"),
    [
        ("plain.txt", "attachment; filename=\"plain.txt\"; filename*=UTF-8''plain.txt"),
        (
            'say "hi"?.txt',
            "attachment; filename=\"say 'hi'_.txt\"; filename*=UTF-8''say%20%22hi%22%3F.txt",
        ),
        (
            "r\u00e9sum\u00e9.txt",
            "attachment; filename=\"r_sum_.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt",
        ),
        ("a/b;c'd", "attachment; filename=\"a/b;c'd\"; filename*=UTF-8''a/b%3Bc%27d"),
    ],
)
def test_content_disposition_exact(filename: str, header: str) -> None:
    assert content_disposition(filename) == header


def _messages(response: FileResponse) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("a download reads no request body")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "headers": []}
    asyncio.run(response(scope, receive, send))  # type: ignore[arg-type]
    return sent


def _start(status: int, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {"type": "http.response.start", "status": status, "headers": headers}


def _body(chunk: bytes, more: bool) -> dict[str, Any]:
    return {"type": "http.response.body", "body": chunk, "more_body": more}


HEADERS = {"content-type": "application/octet-stream", "content-length": "3"}
RAW = [(b"content-type", b"application/octet-stream"), (b"content-length", b"3")]


def test_file_response_sends_the_asked_bytes_in_one_message() -> None:
    handle = io.BytesIO(b"0123456789")
    sent = _messages(FileResponse(handle, 4, 3, 206, HEADERS, True))
    assert sent == [_start(206, RAW), _body(b"456", False)]
    assert handle.closed


def test_file_response_without_body_sends_one_empty_message() -> None:
    handle = io.BytesIO(b"0123456789")
    sent = _messages(FileResponse(handle, 0, 3, 200, HEADERS, False))
    assert sent == [_start(200, RAW), _body(b"", False)]
    assert handle.closed


def test_file_response_of_nothing_sends_one_empty_message() -> None:
    handle = io.BytesIO(b"")
    headers = {"content-length": "0"}
    sent = _messages(FileResponse(handle, 0, 0, 200, headers, True))
    assert sent == [_start(200, [(b"content-length", b"0")]), _body(b"", False)]
    assert handle.closed


def test_file_response_of_a_shorter_file_ends_with_an_empty_message() -> None:
    handle = io.BytesIO(b"0123")
    sent = _messages(FileResponse(handle, 2, 3, 206, HEADERS, True))
    assert sent == [_start(206, RAW), _body(b"23", True), _body(b"", False)]
    assert handle.closed


@pytest.mark.parametrize("extra", [1, 2, CHUNK_SIZE])
def test_file_response_in_chunks_ends_on_the_last_one(extra: int) -> None:
    content = bytes(range(256)) * (CHUNK_SIZE // 256) + b"\x07" * extra
    headers = {"content-length": str(len(content))}
    sent = _messages(FileResponse(io.BytesIO(content), 0, len(content), 200, headers, True))
    assert [(m["type"], len(m.get("body", b"")), m.get("more_body")) for m in sent] == [
        ("http.response.start", 0, None),
        ("http.response.body", CHUNK_SIZE, True),
        ("http.response.body", extra, False),
    ]
    assert b"".join(m.get("body", b"") for m in sent) == content


def _record(size: int, filename: str = "data.bin") -> FileRecord:
    return FileRecord(
        id="00000000-0000-4000-8000-000000000000",
        workspace="w",
        filename=filename,
        purpose="ocr",
        sample_type="pretrain",
        source="upload",
        num_lines=0,
        mimetype="application/octet-stream",
        signature="s",
        bytes=size,
        created_at=0.0,
    )


def _request(method: str, headers: list[tuple[bytes, bytes]] | None = None) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(emulator=SimpleNamespace(settings=Settings())))
    scope = {"type": "http", "method": method, "headers": headers or [], "app": app}
    return Request(scope)


def _file_headers(length: int, *extra: tuple[bytes, bytes]) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-type", b"application/octet-stream"),
        (
            b"content-disposition",
            b"attachment; filename=\"data.bin\"; filename*=UTF-8''data.bin",
        ),
        (b"accept-ranges", b"bytes"),
        *extra,
        (b"content-length", str(length).encode()),
    ]


@pytest.fixture
def blob(tmp_path: Path) -> Path:
    """A stored file of ten bytes, 0 to 9."""
    path = tmp_path / "blob"
    path.write_bytes(b"0123456789")
    return path


def test_file_response_to_head_sends_headers_only(blob: Path) -> None:
    response = file_response(_request("HEAD"), _record(10), blob)
    assert isinstance(response, FileResponse)
    assert _messages(response) == [_start(200, _file_headers(10)), _body(b"", False)]


def test_file_response_to_get_sends_the_bytes(blob: Path) -> None:
    response = file_response(_request("GET"), _record(10), blob)
    assert isinstance(response, FileResponse)
    assert _messages(response) == [_start(200, _file_headers(10)), _body(b"0123456789", False)]


def test_file_response_to_head_with_a_range(blob: Path) -> None:
    request = _request("HEAD", [(b"range", b"bytes=2-4")])
    response = file_response(request, _record(10), blob)
    assert isinstance(response, FileResponse)
    headers = _file_headers(3, (b"content-range", b"bytes 2-4/10"))
    assert _messages(response) == [_start(206, headers), _body(b"", False)]


def test_file_response_of_a_missing_blob_is_404(tmp_path: Path) -> None:
    record = _record(10)
    with pytest.raises(ApiError) as raised:
        file_response(_request("GET"), record, tmp_path / "gone")
    assert (raised.value.status, raised.value.message) == (404, f"File {record.id!r} not found")


# Over a real socket.


def _not_found(file_id: str) -> dict[str, Any]:
    return {
        "object": "error",
        "message": f"File {file_id!r} not found",
        "type": "not_found_error",
        "param": None,
        "code": "404",
    }


def test_head_gives_the_headers_of_get_and_no_body(emulator: Emulator) -> None:
    with api_client(emulator, contract=False) as client:
        stored = upload(client, b"0123456789", "digits.txt")
        url = f"/v1/files/{stored['id']}/content"
        head = client.head(url)
        assert head.status_code == 200
        assert head.content == b""
        ranged = client.head(url, headers={"Range": "bytes=2-4"})
        assert ranged.status_code == 206 and ranged.content == b""
        get = client.get(url)
    for response, length in ((head, "10"), (get, "10"), (ranged, "3")):
        assert response.headers["content-length"] == length
        assert response.headers["content-type"] == "application/octet-stream"
        assert response.headers["accept-ranges"] == "bytes"
        assert response.headers["content-disposition"] == (
            "attachment; filename=\"digits.txt\"; filename*=UTF-8''digits.txt"
        )
    assert ranged.headers["content-range"] == "bytes 2-4/10"
    assert get.content == b"0123456789"


def test_a_download_one_byte_past_a_chunk_arrives_whole(client: httpx.Client) -> None:
    content = bytes(range(256)) * (CHUNK_SIZE // 256) + b"!"
    stored = upload(client, content, "big.bin", purpose="ocr")
    url = f"/v1/files/{stored['id']}/content"
    whole = client.get(url)
    assert whole.status_code == 200 and whole.content == content
    ranged = client.get(url, headers={"Range": f"bytes=1-{CHUNK_SIZE + 1}"})
    assert ranged.status_code == 206 and ranged.content == content[1:]
    assert ranged.headers["content-range"] == f"bytes 1-{CHUNK_SIZE}/{CHUNK_SIZE + 1}"


def test_a_file_whose_blob_is_gone_is_404(emulator: Emulator, client: httpx.Client) -> None:
    stored = upload(client, b"0123456789", "digits.txt")
    url = f"/v1/files/{stored['id']}/content"
    signed = client.get(f"/v1/files/{stored['id']}/url").json()["url"]
    assert emulator.data_dir is not None
    blob = emulator.data_dir / "blobs" / stored["id"]
    assert blob.read_bytes() == b"0123456789"
    blob.unlink()
    response = client.get(url)
    assert response.status_code == 404
    assert response.json() == _not_found(stored["id"])
    with httpx.Client(timeout=30) as anonymous:
        by_url = anonymous.get(signed)
    assert by_url.status_code == 404
    assert by_url.json() == _not_found(stored["id"])
    # The record itself stays: only its content is missing.
    assert client.get(f"/v1/files/{stored['id']}").status_code == 200


def test_a_quoted_file_name_is_served_in_a_safe_header(client: httpx.Client) -> None:
    body = (
        b'--b0und\r\nContent-Disposition: form-data; name="file"; filename="say \\"hi\\"?.txt"'
        b"\r\n\r\nx\r\n--b0und--\r\n"
    )
    response = client.post("/v1/files", content=body, headers=BOUNDARY_HEADERS)
    assert response.status_code == 200, response.text
    stored = response.json()
    download = client.get(f"/v1/files/{stored['id']}/content")
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"say 'hi'_.txt\"; filename*=UTF-8''say%20%22hi%22%3F.txt"
    )
