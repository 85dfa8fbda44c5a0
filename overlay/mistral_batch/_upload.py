"""Upload sources and the streaming multipart body that carries them.

The generated ``upload_file`` module sends a fixed boundary (``+++``) that a file's own
bytes can contain, and reads the whole file into memory. Here the same form parts go out
under a random boundary, with the file read in chunks, and a Content-Length computed in
advance so that nothing is buffered whole.
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, cast

import attrs

from ._input import MAX_INPUT_BYTES
from ._local_files import Progress
from .errors import InputError

CHUNK = 1024 * 1024


@attrs.define
class File:
    """A file to upload: a name and its content (bytes or a binary file object)."""

    file_name: str
    content: bytes | IO[bytes]
    content_type: str | None = None


@attrs.define
class UploadSource:
    """Where an upload's bytes come from, and whether they can be read again for a retry."""

    name: str
    size: int | None
    opener: Callable[[], IO[bytes]]
    replayable: bool
    content_type: str = "application/octet-stream"


def _stream_size(stream: IO[bytes]) -> int | None:
    try:
        if not stream.seekable():
            return None
        here = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(here)
        return end - here
    except (OSError, ValueError):
        return None


def _from_stream(name: str, stream: IO[bytes], content_type: str | None) -> UploadSource:
    seekable = False
    start = 0
    try:
        seekable = stream.seekable()
        start = stream.tell() if seekable else 0
    except (OSError, ValueError):
        seekable = False

    def opener() -> IO[bytes]:
        if seekable:
            stream.seek(start)
        return cast(IO[bytes], _Unclosable(stream))

    return UploadSource(
        name=name,
        size=_stream_size(stream),
        opener=opener,
        replayable=seekable,
        content_type=content_type or "application/octet-stream",
    )


def _from_path(path: Path, content_type: str | None) -> UploadSource:
    try:
        if path.is_dir():
            raise InputError("is a directory, not a file", path=path)
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except PermissionError:
        raise InputError("cannot be read (permission denied)", path=path) from None
    return UploadSource(
        name=path.name,
        size=size,
        opener=lambda: path.open("rb"),
        replayable=True,
        content_type=content_type or "application/octet-stream",
    )


def upload_source(file: Any, file_name: str | None = None) -> UploadSource:
    """Normalize what users pass as `file` (path, bytes, file object, File, dict); an
    UploadSource, made by the client itself, is taken as it is."""
    if isinstance(file, UploadSource):
        return file
    if isinstance(file, Mapping):
        if "content" not in file:
            raise InputError("the file dict needs 'file_name' and 'content'", field="file")
        file = File(
            file_name=str(file.get("file_name") or file_name or "upload.jsonl"),
            content=file["content"],
            content_type=file.get("content_type"),
        )
    if isinstance(file, File):
        name, content, ctype = file.file_name, file.content, file.content_type
        if isinstance(content, (bytes, bytearray, memoryview)):
            data = bytes(content)
            return UploadSource(
                name=name,
                size=len(data),
                opener=lambda: io.BytesIO(data),
                replayable=True,
                content_type=ctype or "application/octet-stream",
            )
        if not hasattr(content, "read"):
            raise InputError(
                f"content must be bytes or a binary file, got {type(content).__name__}",
                field="file",
            )
        return _from_stream(name, content, ctype)
    if isinstance(file, (str, os.PathLike)):
        source = _from_path(Path(file), None)
        if file_name:
            source.name = file_name
        return source
    if isinstance(file, (bytes, bytearray, memoryview)):
        return upload_source(File(file_name=file_name or "upload.jsonl", content=bytes(file)))
    if hasattr(file, "read"):
        name = file_name or Path(str(getattr(file, "name", "upload.jsonl"))).name
        return _from_stream(name, file, None)
    raise InputError(
        f"cannot upload a {type(file).__name__}: give a path, bytes, a binary file, "
        "a File or {'file_name': ..., 'content': ...}",
        field="file",
    )


class _Unclosable(io.RawIOBase):
    """Reads a caller's stream without closing it: the caller opened it, the caller closes it."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        if isinstance(data, str):
            raise InputError("the file is open in text mode; open it with 'rb'", field="file")
        return data


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


@attrs.define
class Multipart:
    """A multipart/form-data body from the generated parts, streamed with a random boundary."""

    fields: list[tuple[str, bytes]]
    source: UploadSource
    boundary: str = attrs.field(factory=lambda: secrets.token_hex(16))
    progress: Progress | None = None

    @property
    def content_type(self) -> str:
        """The Content-Type header, boundary included."""
        return f"multipart/form-data; boundary={self.boundary}"

    def _head(self) -> bytes:
        out = bytearray()
        for name, value in self.fields:
            disposition = f'form-data; name="{_quote(name)}"'
            out += f"--{self.boundary}\r\nContent-Disposition: {disposition}".encode()
            out += b"\r\n\r\n" + value + b"\r\n"
        out += (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{_quote(self.source.name)}"\r\n'
            f"Content-Type: {self.source.content_type}\r\n\r\n"
        ).encode()
        return bytes(out)

    def _tail(self) -> bytes:
        return f"\r\n--{self.boundary}--\r\n".encode()

    @property
    def content_length(self) -> int | None:
        """The body's exact length, when the source's size is known."""
        if self.source.size is None:
            return None
        return len(self._head()) + self.source.size + len(self._tail())

    def headers(self) -> dict[str, str]:
        """Content-Type and, when known, Content-Length."""
        headers = {"Content-Type": self.content_type}
        length = self.content_length
        if length is not None:
            headers["Content-Length"] = str(length)
        return headers

    def _chunks(self) -> Iterator[bytes]:
        yield self._head()
        sent = 0
        total = self.source.size
        stream = self.source.opener()
        try:
            while chunk := stream.read(CHUNK):
                sent += len(chunk)
                if sent > MAX_INPUT_BYTES:
                    raise InputError(
                        f"the file is larger than the {MAX_INPUT_BYTES // 2**20} MB limit",
                        field="file",
                    )
                if self.progress is not None:
                    self.progress(sent, total)
                yield chunk
        finally:
            stream.close()
        if total is not None and sent != total:
            raise InputError(f"the file changed while uploading ({sent} of {total} bytes)")
        yield self._tail()

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        # File reads are short and local; the event loop is not blocked for long.
        for chunk in self._chunks():
            yield chunk
