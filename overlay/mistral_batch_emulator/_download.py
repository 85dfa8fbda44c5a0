"""File content responses: large chunks straight from disk, with single byte ranges."""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO
from urllib.parse import quote

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ._errors import ApiError, not_found
from ._http import state_of
from ._records import FileRecord

CHUNK_SIZE = 1024 * 1024
_RANGE = re.compile(r"\Abytes=(\d*)-(\d*)\Z")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The first and last byte asked by a single-range ``Range`` header, if any.

    Raises ApiError(416) for a range that starts past the end; other shapes of header
    (several ranges, other units, garbage) are ignored, as RFC 9110 allows.
    """
    if not header:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first_text, last_text = match.groups()
    if first_text == "":
        suffix = int(last_text)
        if suffix == 0:
            raise _unsatisfiable(size)
        return max(0, size - suffix), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if first >= size:
        raise _unsatisfiable(size)
    if last < first:
        return None
    return first, min(last, size - 1)


def _unsatisfiable(size: int) -> ApiError:
    return ApiError(
        416, "Requested range not satisfiable", headers={"Content-Range": f"bytes */{size}"}
    )


def content_disposition(filename: str) -> str:
    """A Content-Disposition header value that is safe for any file name."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


class FileResponse(Response):
    """Sends ``length`` bytes of an open file from ``offset``, in large chunks."""

    def __init__(
        self,
        handle: IO[bytes],
        offset: int,
        length: int,
        status_code: int,
        headers: dict[str, str],
        send_body: bool,
    ) -> None:
        super().__init__(status_code=status_code, headers=headers)
        self._handle = handle
        self._offset = offset
        self._length = length
        self._send_body = send_body
        self.background: BackgroundTask | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            left = self._length if self._send_body else 0
            self._handle.seek(self._offset)
            while left > 0:
                chunk = self._handle.read(min(CHUNK_SIZE, left))
                if not chunk:
                    break
                left -= len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": left > 0})
            if left > 0 or not self._send_body or self._length == 0:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            self._handle.close()


def file_response(request: Request, record: FileRecord, path: Path) -> Response:
    """The content of a stored file, whole or from the asked range."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by FileResponse
    except FileNotFoundError:
        raise not_found("File", record.id) from None
    size = record.bytes
    headers = {
        "content-type": "application/octet-stream",
        "content-disposition": content_disposition(record.filename),
    }
    byte_range = None
    if state_of(request).settings.range_support:
        headers["accept-ranges"] = "bytes"
        try:
            byte_range = parse_range(request.headers.get("range"), size)
        except ApiError:
            handle.close()
            raise
    status, offset, length = 200, 0, size
    if byte_range is not None:
        first, last = byte_range
        status, offset, length = 206, first, last - first + 1
        headers["content-range"] = f"bytes {first}-{last}/{size}"
    headers["content-length"] = str(length)
    return FileResponse(handle, offset, length, status, headers, request.method != "HEAD")
