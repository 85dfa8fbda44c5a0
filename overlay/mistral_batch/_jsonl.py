"""Lazy JSONL decoding in bounded memory, from byte chunks of any size.

Lines are split on b"\\n" only: U+2028, U+2029 and a lone \\r are data (str.splitlines
would break JSON strings holding them). A trailing \\r is tolerated (JSON treats it as
whitespace), blank lines are skipped but counted, and a UTF-8 BOM at the very start is
dropped. Each whole chunk is split at once and decoded with one ``map`` over its lines,
so that the per-line cost is the ``loads`` call alone.
"""

from __future__ import annotations

import json
import operator
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    Callable,
    Generator,
    Iterable,
    Sequence,
)
from typing import Any, cast

from mistral_batch.errors import ResultDecodeError

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency, but optional in spirit
    orjson = None  # type: ignore[assignment]

__all__ = ["JsonlDecoder", "aiter_jsonl", "iter_jsonl", "loads", "pure_loads"]

Loads = Callable[[Any], Any]
"""A JSON parser taking bytes (and str, for the standard library's)."""

#: The pure-Python parser, always available; pass it as ``loads=`` to bypass orjson.
pure_loads: Loads = json.loads
#: The parser used by default: orjson's when installed, else the standard library's.
loads: Loads = orjson.loads if orjson is not None else pure_loads

# The C scanner json.loads wraps; typeshed does not declare the attribute.
_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_first = operator.itemgetter(0)
_second = operator.itemgetter(1)
_BOM = b"\xef\xbb\xbf"
_EXCERPT_CHARS = 80
# What json and orjson raise on bad input; orjson.JSONDecodeError is a ValueError.
_PARSE_ERRORS = (ValueError, TypeError, RecursionError)


class JsonlDecoder:
    """An incremental JSONL decoder: feed it byte chunks, get (line_number, value) pairs.

    After a ResultDecodeError the decoder is spent: make a new one to start again.
    """

    def __init__(self, *, loads: Loads | None = None) -> None:
        # Looked up at call time, so that patching the module's `loads` takes effect.
        self._loads: Loads = loads or globals()["loads"]
        self._parts: list[bytes] = []  # the unterminated tail, kept as pieces: no O(n^2) joins
        self._line = 0  # lines completed so far
        self._at_start = True
        self._text = self._loads is json.loads

    def feed(self, chunk: bytes) -> list[tuple[int, Any]]:
        """Return the values of the lines completed by `chunk`, with 1-based line numbers.

        Raises ResultDecodeError on a malformed line; values of earlier lines in the same
        chunk are then lost, which ``iter_jsonl`` avoids by yielding them first.
        """
        out: list[tuple[int, Any]] = []
        self.feed_into(chunk, out)
        return out

    def close(self) -> list[tuple[int, Any]]:
        """Return the value of a last line not ended by a newline (empty list if none)."""
        out: list[tuple[int, Any]] = []
        self.close_into(out)
        return out

    def feed_into(self, chunk: bytes, out: list[tuple[int, Any]]) -> None:
        """Append the values of the lines completed by `chunk` to `out`, as feed() returns."""
        if self._at_start:
            chunk = self._strip_bom(chunk)
            if self._at_start:
                return
        if b"\n" not in chunk:
            if chunk:
                self._parts.append(chunk)
            return
        if self._parts:
            self._parts.append(chunk)
            chunk = b"".join(self._parts)
            self._parts.clear()
        end = chunk.rfind(b"\n")
        if end + 1 < len(chunk):
            self._parts.append(chunk[end + 1 :])
        self._decode(chunk[:end], out)

    def close_into(self, out: list[tuple[int, Any]]) -> None:
        """Append the value of an unterminated last line to `out`, as close() returns."""
        if self._at_start:
            # Fewer than three bytes ever arrived: a BOM prefix that never completed is data.
            self._at_start = False
        tail = b"".join(self._parts)
        self._parts.clear()
        if tail:
            self._decode(tail, out)

    def _strip_bom(self, chunk: bytes) -> bytes:
        head = b"".join(self._parts) + chunk if self._parts else chunk
        if len(head) < len(_BOM) and _BOM.startswith(head):
            # Too short to tell yet whether the stream starts with a BOM.
            self._parts = [head] if head else []
            return b""
        self._at_start = False
        self._parts = []
        return head[len(_BOM) :] if head.startswith(_BOM) else head

    def _decode(self, region: bytes, out: list[tuple[int, Any]]) -> None:
        """Decode `region`, whole lines joined by b"\\n" (no final newline), into `out`."""
        lines = self._split(region)
        first = self._line + 1
        self._line += len(lines)
        values = self._fast(lines)
        if values is not None:
            out.extend(zip(range(first, first + len(values)), values, strict=True))
            return
        # Blank or malformed lines: redo this region line by line, to skip or name them.
        for number, raw in enumerate(lines, first):
            if not raw.strip():
                continue
            try:
                value = self._loads(raw)
            except _PARSE_ERRORS as exc:
                raise _decode_error(number, raw, exc) from exc
            out.append((number, value))

    def _split(self, region: bytes) -> Sequence[bytes | str]:
        if self._text:
            try:
                text = region.decode("utf-8")
            except UnicodeDecodeError:
                return region.split(b"\n")  # the slow path will name the bad line
            # A raw \r cannot occur inside a valid JSON string, so this only drops CRs
            # ending lines, which the scanner below would not skip.
            return (text.replace("\r\n", "\n") if "\r" in text else text).split("\n")
        return region.split(b"\n")

    def _fast(self, lines: Sequence[bytes | str]) -> list[Any] | None:
        """Return the values of `lines`, or None if any is blank or malformed."""
        try:
            if not self._text or not isinstance(lines[0], str):
                return list(map(self._loads, lines))
            # json.loads spends half its time in Python wrappers around the C scanner;
            # calling the scanner directly needs a check that each line was consumed whole.
            pairs = [_scan(line, 0) for line in cast("list[str]", lines)]
        except (StopIteration, *_PARSE_ERRORS):
            return None
        if list(map(_second, pairs)) != list(map(len, lines)):
            return None  # trailing whitespace such as \r, or trailing garbage
        return list(map(_first, pairs))


def _decode_error(number: int, raw: bytes | str, exc: BaseException) -> ResultDecodeError:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    text = raw.rstrip("\r")
    excerpt = text[:_EXCERPT_CHARS]
    if len(text) > _EXCERPT_CHARS:
        excerpt += "..."
    reason = str(exc).split("\n", 1)[0] or type(exc).__name__
    return ResultDecodeError(
        f"line {number}: invalid JSON ({reason}): {excerpt!r}", line=number, excerpt=excerpt
    )


def iter_jsonl(
    chunks: Iterable[bytes], *, loads: Loads | None = None
) -> Generator[tuple[int, Any], None, None]:
    """Yield (line_number, value) for each non-blank line of the JSONL in `chunks`.

    Values of the lines before a malformed one are yielded before ResultDecodeError is
    raised. If `chunks` has a close() (a generator, a response stream) it is called when
    this iterator finishes, fails, or is closed early.
    """
    decoder = JsonlDecoder(loads=loads)
    out: list[tuple[int, Any]] = []
    iterator = iter(chunks)
    try:
        for chunk in iterator:
            try:
                decoder.feed_into(chunk, out)
            except ResultDecodeError:
                yield from out
                raise
            yield from out
            out.clear()
        try:
            decoder.close_into(out)
        except ResultDecodeError:
            yield from out
            raise
        yield from out
    finally:
        close = getattr(iterator, "close", None)
        if callable(close):
            close()


async def aiter_jsonl(
    chunks: AsyncIterable[bytes], *, loads: Loads | None = None
) -> AsyncGenerator[tuple[int, Any], None]:
    """Yield (line_number, value) for each non-blank line, from async chunks.

    Behaves as iter_jsonl, calling aclose() on `chunks` when it has one.
    """
    decoder = JsonlDecoder(loads=loads)
    out: list[tuple[int, Any]] = []
    iterator = aiter(chunks)
    try:
        async for chunk in iterator:
            failure: ResultDecodeError | None = None
            try:
                decoder.feed_into(chunk, out)
            except ResultDecodeError as exc:
                failure = exc
            for item in out:
                yield item
            out.clear()
            if failure is not None:
                raise failure
        try:
            decoder.close_into(out)
        except ResultDecodeError:
            for item in out:
                yield item
            raise
        for item in out:
            yield item
    finally:
        aclose = getattr(iterator, "aclose", None)
        if callable(aclose):
            await aclose()
