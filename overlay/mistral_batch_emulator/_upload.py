"""Multipart uploads streamed to disk, measured and checked while they arrive.

The request body goes through python-multipart's streaming parser: the file part is
written to a temporary file chunk by chunk and never held whole in memory, and the size
limit is enforced as bytes arrive, so an oversized upload is refused at once.
"""

from __future__ import annotations

import hashlib
import mimetypes
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import orjson
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from ._errors import ApiError, ValidationFailed, issue

MAX_FIELD_BYTES = 64 * 1024
# A line longer than this is counted but not checked, so memory stays bounded.
_MAX_CHECKED_LINE = 16 * 1024 * 1024
# Room for the multipart framing around the file when checking Content-Length.
_FRAMING_ALLOWANCE = 1024 * 1024


class LineScanner:
    """Counts non-blank lines and sees what they hold: batch requests, chat samples."""

    def __init__(self) -> None:
        self.lines = 0
        self.all_batch_requests = True
        self.all_chat_samples = True
        self._rest = bytearray()
        self._checking = True
        #: Once a line is too long to hold: whether the line under way has a non-blank byte.
        self._filled = False

    def feed(self, data: bytes) -> None:
        """Take the next bytes of the file."""
        if not self._checking:
            self._count(data)
            return
        newline = data.find(b"\n")
        if newline < 0:
            self._rest += data
            if len(self._rest) > _MAX_CHECKED_LINE:
                # Counted but not checked from here on: nothing is held any more.
                self._checking = False
                self.all_batch_requests = self.all_chat_samples = False
                self._filled = bool(self._rest.strip())
                self._rest = bytearray()
            return
        self._rest += data[:newline]
        self._line(bytes(self._rest))
        lines = data[newline + 1 :].split(b"\n")
        self._rest = bytearray(lines.pop())
        for line in lines:
            self._line(line)

    def finish(self) -> None:
        """Take the end of the file."""
        if self._rest:
            self._line(bytes(self._rest))
            self._rest = bytearray()
        if self._filled:
            self.lines += 1
            self._filled = False

    def _count(self, data: bytes) -> None:
        """Count the non-blank lines `data` ends, going on from the line under way."""
        *ended, rest = data.split(b"\n")
        for line in ended:
            if self._filled or line.strip():
                self.lines += 1
            self._filled = False
        self._filled = self._filled or bool(rest.strip())

    def _line(self, line: bytes) -> None:
        if not line.strip():
            return
        self.lines += 1
        if not (self.all_batch_requests or self.all_chat_samples):
            return
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            self.all_batch_requests = self.all_chat_samples = False
            return
        if not isinstance(value, dict):
            self.all_batch_requests = self.all_chat_samples = False
            return
        custom_id = value.get("custom_id")
        if not isinstance(value.get("body"), dict) or not (
            custom_id is None or isinstance(custom_id, str)
        ):
            self.all_batch_requests = False
        if not isinstance(value.get("messages"), list):
            self.all_chat_samples = False


def clean_filename(raw: str) -> str:
    """A safe display name from a client's file name: no folders, no control characters."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if name in ("", ".", ".."):
        name = "upload"
    return name[:255]


def guess_mimetype(filename: str) -> str:
    """The MIME type of a file, from its name."""
    if filename.lower().endswith(".jsonl"):
        return "application/jsonl"
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


@dataclass
class Upload:
    """What arrived: the file's name, size, hash, line facts and the other form fields."""

    path: Path
    filename: str | None = None
    size: int = 0
    fields: dict[str, str] = field(default_factory=dict)
    scanner: LineScanner = field(default_factory=LineScanner)
    signature: str = ""


class _TooLarge(Exception):
    pass


class _Receiver:
    """python-multipart callbacks that route the file part to disk and keep the fields."""

    def __init__(self, upload: Upload, max_bytes: int) -> None:
        self.upload = upload
        self.max_bytes = max_bytes
        self.ended = False
        self._headers: dict[bytes, bytes] = {}
        self._header_name = b""
        self._header_value = b""
        self._target: IO[bytes] | None = None
        self._field: str | None = None
        self._field_data = bytearray()
        self.file_done = False
        self._hash = hashlib.blake2b(digest_size=8)

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
            "on_end": self.end,
        }

    def end(self) -> None:
        self.ended = True

    def part_begin(self) -> None:
        self._headers = {}
        self._target = None
        self._field = None
        self._field_data = bytearray()

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def header_end(self) -> None:
        self._headers[self._header_name.strip().lower()] = self._header_value.strip()
        self._header_name = self._header_value = b""

    def headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if name == "file" and not self.file_done:
            filename = options.get(b"filename", b"").decode("utf-8", "replace")
            self.upload.filename = clean_filename(filename)
            self._target = open(self.upload.path, "wb")  # noqa: SIM115 - closed in part_end
        else:
            self._field = name

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self._target is not None:
            chunk = data[start:end]
            self.upload.size += len(chunk)
            if self.upload.size > self.max_bytes:
                raise _TooLarge
            self._target.write(chunk)
            self._hash.update(chunk)
            self.upload.scanner.feed(chunk)
        elif self._field is not None:
            self._field_data += data[start:end]
            if len(self._field_data) > MAX_FIELD_BYTES:
                raise ValidationFailed(
                    [issue(["body", self._field], "Form field too long", "string_too_long")]
                )

    def part_end(self) -> None:
        if self._target is not None:
            self._target.close()
            self._target = None
            self.file_done = True
            self.upload.scanner.finish()
            self.upload.signature = self._hash.hexdigest()
        elif self._field:
            value = self._field_data.decode("utf-8", "replace")
            self.upload.fields.setdefault(self._field, value)

    def close(self) -> None:
        if self._target is not None:
            self._target.close()


def _boundary(request: Request) -> bytes:
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data":
        raise ApiError(400, "Upload must be sent as multipart/form-data")
    boundary = options.get(b"boundary", b"")
    if not boundary or len(boundary) > 200:
        raise ApiError(400, "The multipart/form-data Content-Type has no usable boundary")
    return boundary


#: Sent with a refusal before the body was read, so the server stops reading the rest
#: and the client stops sending it.
_CLOSE = {"Connection": "close"}


async def receive_upload(request: Request, path: Path, max_bytes: int) -> Upload:
    """Stream a multipart upload's file part to ``path``; 400, 413 or 422 on bad input."""
    boundary = _boundary(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + _FRAMING_ALLOWANCE:
        raise ApiError(413, f"File larger than the {max_bytes} bytes limit", headers=_CLOSE)
    upload = Upload(path)
    receiver = _Receiver(upload, max_bytes)
    parser = MultipartParser(boundary, receiver.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except _TooLarge:
        raise ApiError(
            413, f"File larger than the {max_bytes} bytes limit", headers=_CLOSE
        ) from None
    except MultipartParseError as error:
        raise ApiError(400, f"Malformed multipart/form-data body: {error}") from None
    except ClientDisconnect:
        raise ApiError(400, "The client went away before the upload ended") from None
    finally:
        receiver.close()
    if not receiver.ended:
        raise ApiError(400, "Malformed multipart/form-data body: no closing boundary")
    if upload.filename is None or not receiver.file_done:
        raise ValidationFailed([issue(["body", "file"], "Field required", "missing")])
    return upload
