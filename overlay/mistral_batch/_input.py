"""Building and checking batch input files (JSONL, one request per line).

A line is ``{"custom_id": "...", "body": {...}}``. The file is uploaded byte for byte,
so what the server would reject (a BOM, CRLF endings, a blank line, a duplicate
custom_id) is caught here with the line number, before an upload that would fail later.
"""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

import attrs

from mistral_batch._jsonl import BOM
from mistral_batch._local_files import atomic_file
from mistral_batch._storage import is_url, open_input, url_size
from mistral_batch._validation import json_type
from mistral_batch.errors import InputError

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency, but optional in spirit
    orjson = None  # type: ignore[assignment]

__all__ = [
    "MAX_INPUT_BYTES",
    "InputSummary",
    "check_input_data",
    "check_input_file",
    "encode_request",
    "write_requests",
]

#: The largest file the Files API accepts.
MAX_INPUT_BYTES = 512 * 1024 * 1024
_MISSING: Any = object()

StrPath = str | os.PathLike[str]
Request = Mapping[str, Any] | tuple[str, Any]


@attrs.frozen
class InputSummary:
    """What a valid input holds: its request count, its size in bytes, its path if any."""

    count: int
    bytes: int
    path: Path | None = None


def _dumps(value: Any) -> bytes:
    # NaN and the infinities are not JSON: json refuses them (allow_nan=False) and orjson
    # writes null in their place, so that a null in its output is looked into.
    try:
        if orjson is not None:
            out: bytes = orjson.dumps(value)
        else:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            out = text.encode("utf-8")
    except ValueError:
        _refuse_non_finite(value, "")
        raise
    if b"null" in out:
        _refuse_non_finite(value, "")
    return out


def _refuse_non_finite(value: Any, where: str) -> None:
    """ValueError naming the first NaN or infinity in `value` (a request), if it holds one."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where} is {value!r}, which JSON cannot hold")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _refuse_non_finite(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_non_finite(item, f"{where}[{index}]")


def _field(
    value: Any, name: str, kind: type, expected: str, line: int | None, path: StrPath | None
) -> Any:
    """A request's field `name`; InputError if it is missing or not a `kind`."""
    if value is _MISSING:
        raise InputError(f"{name} is missing", line=line, path=path, field=name)
    if not isinstance(value, kind):
        raise InputError(
            f"{name} must be {expected}, got {json_type(value)}", line=line, path=path, field=name
        )
    return value


def _check_fields(custom_id: Any, body: Any, line: int | None, path: StrPath | None) -> str:
    checked: str = _field(custom_id, "custom_id", str, "a string", line, path)
    if not checked:
        raise InputError("custom_id is empty", line=line, path=path, field="custom_id")
    _field(body, "body", Mapping, "a JSON object", line, path)
    return checked


def encode_request(
    request: Request, *, line: int | None = None, path: StrPath | None = None
) -> bytes:
    """Return one request as a compact JSON line ending in b"\\n"; InputError if invalid.

    `request` is a mapping with custom_id and body (other keys are kept) or a
    (custom_id, body) pair. Checks the custom_id is a non-empty string and the body a
    JSON object; `line` and `path` only serve the error message.
    """
    if isinstance(request, Mapping):
        custom_id, body = request.get("custom_id", _MISSING), request.get("body", _MISSING)
        value: Any = request
    elif isinstance(request, tuple | list) and len(request) == 2:
        custom_id, body = request
        value = {"custom_id": custom_id, "body": body}
    else:
        raise InputError(
            "a request must be a mapping with custom_id and body or a (custom_id, body) pair,"
            f" got {json_type(request)}",
            line=line,
            path=path,
        )
    _check_fields(custom_id, body, line, path)
    try:
        return _dumps(value if isinstance(value, dict) else dict(value)) + b"\n"
    except (TypeError, ValueError, OverflowError) as exc:
        raise InputError(f"request is not JSON-serializable: {exc}", line=line, path=path) from exc


def _first_use(first_line: dict[str, int], custom_id: str, line: int, path: StrPath | None) -> None:
    """Note that `custom_id` stands on `line`; InputError if an earlier line holds it."""
    if custom_id in first_line:
        raise InputError(
            f"duplicate custom_id {custom_id!r} (first on line {first_line[custom_id]})",
            line=line,
            path=path,
            field="custom_id",
        )
    first_line[custom_id] = line


def _too_large(verb: str, max_bytes: int, line: int, path: StrPath | None) -> InputError:
    """The error for an input that `verb` (is over, would exceed) the largest file."""
    return InputError(
        f"the input {verb} {max_bytes:,} bytes, the largest file accepted", line=line, path=path
    )


def _write_lines(
    requests: Iterable[Request],
    out: IO[bytes],
    max_bytes: int | None,
    path: Path | None,
    unique: bool = True,
) -> InputSummary:
    """Write and check each request; InputError at the first bad one. Without `unique`,
    custom_ids are not compared (a caller that checks them on disk)."""
    first_line: dict[str, int] = {}
    total = 0
    count = 0
    for count, request in enumerate(requests, 1):
        data = encode_request(request, line=count, path=path)
        if unique:
            custom_id = request["custom_id"] if isinstance(request, Mapping) else request[0]
            _first_use(first_line, custom_id, count, path)
        total += len(data)
        if max_bytes is not None and total > max_bytes:
            raise _too_large("would exceed", max_bytes, count, path)
        out.write(data)
    if count == 0:
        raise InputError("no requests to write", path=path)
    return InputSummary(count=count, bytes=total, path=path)


def write_requests(
    requests: Iterable[Request], dest: StrPath | IO[bytes], *, max_bytes: int = MAX_INPUT_BYTES
) -> InputSummary:
    """Write requests as a JSONL input file and return its summary; InputError if invalid.

    Requests are dicts ``{"custom_id": str, "body": {...}}`` or (custom_id, body) pairs,
    consumed lazily. A path is written to a temporary file beside it and renamed into
    place only once every request proved valid, so a failure leaves no partial file. A
    binary stream is written as it goes: on failure it holds the lines before the bad one.
    Errors name the request's line (request n is line n).
    """
    if not isinstance(dest, str | os.PathLike):
        return _write_lines(requests, dest, max_bytes, None)
    path = Path(dest)
    if path.is_dir():
        raise InputError("is a directory", path=path)
    # 0o666 less the umask: an input file is the user's own, not private by default.
    with atomic_file(path, 0o666, make_parents=False) as out:
        summary = _write_lines(requests, out, max_bytes, path)
    return summary


def _check_line(raw: bytes, number: int, path: StrPath | None) -> str:
    """Return the custom_id of one raw input line (newline included); InputError if bad."""
    return check_request_line(raw, number, path)[0]


def check_request_line(raw: bytes, number: int, path: StrPath | None) -> tuple[str, dict[str, Any]]:
    """Return the custom_id and the decoded request of one raw input line (its newline
    included), `number` counting from 1; InputError naming the line if it is not one."""
    if number == 1 and raw.startswith(BOM):
        raise InputError(
            "the file starts with a UTF-8 byte order mark (BOM); save it as UTF-8 without BOM",
            line=1,
            path=path,
        )
    if raw.endswith(b"\r\n"):
        raise InputError(
            "the line ends with CRLF (\\r\\n); the file is sent as is, so save it with"
            " LF (\\n) line endings",
            line=number,
            path=path,
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})",
            line=number,
            path=path,
        ) from exc
    if not text.strip():
        raise InputError("blank line; every line must hold one request", line=number, path=path)
    try:
        value = json.loads(text) if orjson is None else orjson.loads(raw)
    except (ValueError, RecursionError) as exc:
        reason = str(exc).split("\n", 1)[0]
        raise InputError(f"not valid JSON ({reason})", line=number, path=path) from exc
    if not isinstance(value, dict):
        raise InputError(
            f"a request must be a JSON object, got {json_type(value)}", line=number, path=path
        )
    custom_id = _check_fields(
        value.get("custom_id", _MISSING), value.get("body", _MISSING), number, path
    )
    return custom_id, value


def _check_stream(stream: IO[bytes], path: StrPath | None, max_bytes: int) -> tuple[int, int]:
    """Return (line count, byte count) of a valid input stream; InputError otherwise."""
    first_line: dict[str, int] = {}
    total = 0
    number = 0
    while True:
        # The limit keeps one endless line from filling memory.
        raw = stream.readline(max_bytes - total + 1)
        if not raw:
            break
        number += 1
        total += len(raw)
        if total > max_bytes:
            raise _too_large("is over", max_bytes, number, path)
        custom_id = _check_line(raw, number, path)
        _first_use(first_line, custom_id, number, path)
    if number == 0:
        raise InputError("the input is empty", path=path)
    return number, total


def check_input_data(
    source: bytes | bytearray | memoryview | IO[bytes],
    *,
    name: StrPath | None = None,
    max_bytes: int = MAX_INPUT_BYTES,
) -> InputSummary:
    """Return the summary of valid JSONL input given as bytes or a readable binary stream.

    Raises InputError naming the line of the first problem; `name` prefixes messages.
    A stream is read from its current position to its end, in bounded memory.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        if len(source) > max_bytes:
            raise InputError(
                f"the input is {len(source):,} bytes, over the {max_bytes:,} accepted", path=name
            )
        source = io.BytesIO(source)
    count, total = _check_stream(source, name, max_bytes)
    return InputSummary(count=count, bytes=total)


def spool_requests(requests: Iterable[Request], path: Path) -> InputSummary:
    """Write requests as a JSONL file of any size, checking each one but not that their
    custom_ids differ (the caller checks that); all or nothing, like write_requests."""
    with atomic_file(path, 0o600, make_parents=False) as out:
        return _write_lines(requests, out, None, path, unique=False)


def file_size(path: StrPath) -> int:
    """The size of the input file at `path`; InputError if there is none to read."""
    file = Path(path)
    try:
        size = file.stat().st_size
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=path) from exc
    if file.is_dir():
        raise InputError("is a directory, not a file", path=path)
    try:
        with file.open("rb"):
            pass
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=path) from exc
    return size


def check_input_file(path: StrPath, *, max_bytes: int = MAX_INPUT_BYTES) -> InputSummary:
    """Return the summary of a valid JSONL input file; InputError naming the first problem.

    The size is checked before reading; the file is then read line by line in bounded
    memory (a set of custom_ids is kept for the uniqueness check). `path` may be the URL
    of an object (s3://...: see the storage extra).
    """
    remote = is_url(path)
    size = url_size(str(path)) if remote else file_size(path)
    if size > max_bytes:
        raise InputError(f"the file is {size:,} bytes, over the {max_bytes:,} accepted", path=path)
    if size == 0:
        raise InputError("the file is empty", path=path)
    try:
        with open_input(str(path)) if remote else Path(path).open("rb") as stream:
            count, total = _check_stream(stream, path, max_bytes)
        return InputSummary(count=count, bytes=total, path=None if remote else Path(path))
    except InputError:
        raise
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=path) from exc
