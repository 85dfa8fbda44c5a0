"""A run's parts on disk: a part's bytes read from the input, and the lines of its jobs'
result files read back with their places, to be recorded and, at the end, copied out.

A part is never copied: its upload reads the input's lines where they stand, one range
after another. A line of the input that lacks its newline (the last, sometimes) gets one
when it is not the last of its part, so that every part is JSONL.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from ._jsonl import MAX_LINE_BYTES, loads
from ._ledger import Answer, Placed
from ._upload import UploadSource
from .errors import ResultDecodeError
from .results import BatchResult

__all__ = ["answers_in", "outputs_by_kind", "part_source", "placed_lines", "requests_in"]

Ranges = Callable[[], Iterable[tuple[int, int]]]


class _RangeReader(io.RawIOBase):
    """Reads (offset, size) ranges of a file one after another, newline-terminated."""

    def __init__(self, path: Path, ranges: Iterable[tuple[int, int]]) -> None:
        self._file = path.open("rb")
        self._ranges = iter(ranges)
        self._left = 0
        self._last = b"\n"

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while self._left == 0:
            following = next(self._ranges, None)
            if following is None:
                return 0
            if self._last != b"\n":
                self._last = b"\n"
                view[0:1] = b"\n"
                # The range is read from the next call on.
                self._file.seek(following[0])
                self._left = following[1]
                return 1
            self._file.seek(following[0])
            self._left = following[1]
        data = self._file.read(min(len(view), self._left))
        if not data:
            raise OSError("the input file was cut short while a part of it was uploaded")
        view[: len(data)] = data
        self._left -= len(data)
        self._last = data[-1:]
        return len(data)

    def close(self) -> None:
        self._file.close()
        super().close()


def part_source(path: Path, ranges: Ranges, name: str) -> UploadSource:
    """The upload of a part made of `ranges` of the input at `path`, read afresh for
    each attempt; its size counts the newlines added between ranges."""
    total = missing = 0
    with path.open("rb") as probe:
        previous_end: int | None = None
        for offset, size in ranges():
            if previous_end is not None:
                missing += _lacks_newline(probe, previous_end)
            total += size
            previous_end = offset + size
    return UploadSource(
        name=name,
        size=total + missing,
        opener=lambda: io.BufferedReader(_RangeReader(path, ranges())),
        replayable=True,
        content_type="application/jsonl",
    )


def _lacks_newline(stream: IO[bytes], end: int) -> int:
    stream.seek(end - 1)
    return 0 if stream.read(1) == b"\n" else 1


def requests_in(source: UploadSource) -> Iterator[dict[str, Any]]:
    """The requests of a part, decoded, for a job that takes them in its create's body."""
    with source.opener() as stream:
        for raw in stream:
            yield {key: value for key, value in loads(raw).items() if key in _REQUEST_FIELDS}


#: A request's fields, as a create's body takes them.
_REQUEST_FIELDS = ("custom_id", "body")


def outputs_by_kind(outputs: Iterable[Any]) -> dict[str, list[bytes]]:
    """An inline job's outputs as the lines of its two result files: "output" for the
    successes, "errors" for the rest (a value that is no result among them)."""
    found: dict[str, list[bytes]] = {"output": [], "errors": []}
    for value in outputs:
        line = json.dumps(value, ensure_ascii=False).encode() + b"\n"
        ok = isinstance(value, dict) and BatchResult.from_json(value, 0).ok
        found["output" if ok else "errors"].append(line)
    return found


def answers_in(path: Path, kind: str, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[Answer]:
    """Each line of a downloaded result file as an Answer, with its place in the file.

    A line that is not a result (broken JSON, not an object, too long) answers nothing:
    it is given with no custom_id, so that its request counts as unanswered.
    """
    with path.open("rb") as stream:
        offset = 0
        for raw in iter(lambda: stream.readline(max_line_bytes + 1), b""):
            length = len(raw)
            if length > max_line_bytes:
                # Too long to decode: skip to its end, reading no more than the limit at once.
                while not raw.endswith(b"\n") and (raw := stream.readline(max_line_bytes + 1)):
                    length += len(raw)
                yield Answer(None, False, False, kind, offset, length)
            elif raw.strip():
                yield _answer(raw, kind, offset, length)
            offset += length


def _answer(raw: bytes, kind: str, offset: int, length: int) -> Answer:
    try:
        result = BatchResult.from_json(loads(raw), 0)
    except (ValueError, ResultDecodeError):
        return Answer(None, False, False, kind, offset, length)
    return Answer(result.custom_id, result.ok, result.transient, kind, offset, length)


def placed_lines(
    placed: Iterable[Placed],
    file_of: Callable[[int, str], Path],
    unanswered: Callable[[str], bytes],
) -> Iterator[tuple[Placed, bytes]]:
    """Each standing answer's line, newline-terminated, read from its result file (the
    file `file_of(part, kind)` names), or `unanswered(custom_id)` for a request without one.
    """
    current: tuple[int, str] | None = None
    stream: IO[bytes] | None = None
    try:
        for place in placed:
            if place.part is None or place.kind is None:
                yield place, unanswered(place.custom_id)
                continue
            key = (place.part, place.kind)
            if key != current or stream is None:
                if stream is not None:
                    stream.close()
                stream = file_of(*key).open("rb")
                current = key
            stream.seek(place.offset)
            line = stream.read(place.length)
            yield place, line if line.endswith(b"\n") else line + b"\n"
    finally:
        if stream is not None:
            stream.close()
