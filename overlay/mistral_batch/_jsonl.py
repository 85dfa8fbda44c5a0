"""Lazy JSONL decoding in bounded memory, from byte chunks of any size.

Lines are split on b"\\n" only: U+2028, U+2029 and a lone \\r are data (str.splitlines
would break JSON strings holding them). A trailing \\r is tolerated (JSON treats it as
whitespace), blank lines are skipped but counted, and a UTF-8 BOM at the very start is
dropped. Each whole chunk is split at once; its lines are then decoded one at a time as
they are asked for, so that only the value in hand is alive: decoding a whole chunk's
lines at once kept thousands of young objects alive, and the garbage collector's passes
over them cost a third of the decoding time.
"""

from __future__ import annotations

import json
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    Callable,
    Generator,
    Iterable,
    Iterator,
    Sequence,
)
from typing import Any

from mistral_batch.errors import ResultDecodeError

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency, but optional in spirit
    orjson = None  # type: ignore[assignment]

__all__ = ["MAX_LINE_BYTES", "JsonlDecoder", "aiter_jsonl", "iter_jsonl", "loads", "pure_loads"]

#: The longest line decoded by default: a result line holds one answer, and a line past
#: this is far more likely a broken or hostile file than an answer. Settable per decoder.
MAX_LINE_BYTES = 100 * 1024 * 1024

Loads = Callable[[Any], Any]
"""A JSON parser taking bytes (and str, for the standard library's)."""

#: The pure-Python parser, always available; pass it as ``loads=`` to bypass orjson.
pure_loads: Loads = json.loads
#: The parser used by default: orjson's when installed, else the standard library's.
loads: Loads = orjson.loads if orjson is not None else pure_loads

#: The default parser, which refuses a blank line as json.loads does.
_STRICT_LOADS: Loads = loads
# The C scanner json.loads wraps; typeshed does not declare the attribute.
_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
#: The UTF-8 byte order mark, which a file saved by some editors starts with.
BOM = b"\xef\xbb\xbf"
_EXCERPT_CHARS = 80
# What json and orjson raise on bad input; orjson.JSONDecodeError is a ValueError.
_PARSE_ERRORS = (ValueError, TypeError, RecursionError)


class JsonlDecoder:
    """An incremental JSONL decoder: feed it byte chunks, get (line_number, value) pairs.

    After a ResultDecodeError the decoder is spent: make a new one to start again.
    """

    def __init__(self, *, loads: Loads | None = None, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        # Looked up at call time, so that patching the module's `loads` takes effect.
        self._loads: Loads = loads or globals()["loads"]
        self._max_line = max_line_bytes
        self._parts: list[bytes] = []  # the unterminated tail, kept as pieces: no O(n^2) joins
        self._pending = 0  # the bytes in _parts
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
        region = self._complete(chunk)
        if region is not None:
            out.extend(self._values(region))

    def close_into(self, out: list[tuple[int, Any]]) -> None:
        """Append the value of an unterminated last line to `out`, as close() returns."""
        tail = self._tail()
        if tail:
            out.extend(self._values(tail))

    def _complete(self, chunk: bytes) -> bytes | None:
        """The lines `chunk` completes, joined by b"\\n" without the last one; None if none.

        The bytes after the last newline are kept for the next chunk.
        """
        if self._at_start:
            chunk = self._strip_bom(chunk)
            if self._at_start:
                return None
        if b"\n" not in chunk:
            if chunk:
                self._keep(chunk)
            return None
        if self._parts:
            self._check_length(self._pending + chunk.find(b"\n"))
            self._parts.append(chunk)
            chunk = b"".join(self._parts)
            self._parts.clear()
            self._pending = 0
        end = chunk.rfind(b"\n")
        if end + 1 < len(chunk):
            # Held unchecked: the lines before it are counted (and given) first, and the
            # next chunk or the close checks it against the limit, by its own number.
            self._parts.append(chunk[end + 1 :])
            self._pending = len(chunk) - end - 1
        return chunk[:end]

    def _keep(self, piece: bytes) -> None:
        """Hold bytes of a line not yet ended, refusing a line past the limit."""
        self._pending += len(piece)
        self._check_length(self._pending)
        self._parts.append(piece)

    def _check_length(self, length: int) -> None:
        if length > self._max_line:
            number = self._line + 1
            raise ResultDecodeError(
                f"line {number} is longer than {self._max_line:,} bytes, the limit "
                "(max_line_bytes); the file is broken, or holds answers larger than expected",
                line=number,
                excerpt="",
            )

    def _tail(self) -> bytes:
        """The last line when no newline ended it (b"" if none); the decoder is then empty."""
        if self._at_start:
            # Fewer than three bytes ever arrived: a BOM prefix that never completed is data.
            self._at_start = False
        tail = b"".join(self._parts)
        self._parts.clear()
        self._pending = 0
        return tail

    def _strip_bom(self, chunk: bytes) -> bytes:
        head = b"".join(self._parts) + chunk if self._parts else chunk
        if len(head) < len(BOM) and BOM.startswith(head):
            # Too short to tell yet whether the stream starts with a BOM.
            self._parts = [head] if head else []
            self._pending = len(head)
            return b""
        self._at_start = False
        self._parts = []
        self._pending = 0
        return head[len(BOM) :] if head.startswith(BOM) else head

    def _values(self, region: bytes) -> Iterator[tuple[int, Any]]:
        """(line_number, value) for the lines of `region` (whole lines joined by b"\\n",
        no final newline), decoded as they are asked for; blank lines are skipped.

        Raises ResultDecodeError at a malformed line, after the values before it.
        """
        lines = self._split(region)
        number = self._line
        self._line += len(lines)
        parse: Loads = self._scan_whole if lines and isinstance(lines[0], str) else self._loads
        # Only a region longer than the limit can hold a line past it (one that arrived
        # within a chunk; longer ones never got this far): the common case checks nothing.
        limit = self._max_line if len(region) > self._max_line else None
        # orjson and json refuse a blank line, which is then skipped below; a parser of the
        # caller's own may not, so that blank lines are looked for first.
        custom = self._loads is not _STRICT_LOADS and self._loads is not pure_loads
        for raw in lines:
            number += 1
            if limit is not None:
                # A decoded line's length is in characters: the limit is in bytes.
                size = len(raw.encode("utf-8")) if isinstance(raw, str) else len(raw)
                if size > limit:
                    self._line = number - 1
                    self._check_length(size)
            if custom and (not raw or raw.isspace()):
                continue  # blank, whatever the parser would make of it
            try:
                value = parse(raw)
            except (StopIteration, *_PARSE_ERRORS):
                # Blank or malformed, or valid but for trailing whitespace: look closer.
                if not raw.strip():
                    continue
                try:
                    value = self._loads(raw)
                except _PARSE_ERRORS as exc:
                    raise _decode_error(number, raw, exc) from exc
            yield number, value

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

    @staticmethod
    def _scan_whole(line: str) -> Any:
        """The value of `line`, read by the C scanner json.loads wraps.

        json.loads spends half its time in Python wrappers around the scanner; calling it
        directly needs a check that the line was consumed whole (else ValueError, and the
        caller retries with json.loads, which allows trailing whitespace such as \\r).
        """
        value, end = _scan(line, 0)
        if end != len(line):
            raise ValueError("trailing characters")
        return value


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
    chunks: Iterable[bytes], *, loads: Loads | None = None, max_line_bytes: int = MAX_LINE_BYTES
) -> Generator[tuple[int, Any], None, None]:
    """Yield (line_number, value) for each non-blank line of the JSONL in `chunks`.

    Values of the lines before a malformed one are yielded before ResultDecodeError is
    raised, and so it is at a line longer than `max_line_bytes`. If `chunks` has a close()
    (a generator, a response stream) it is called when this iterator finishes, fails, or
    is closed early.
    """
    decoder = JsonlDecoder(loads=loads, max_line_bytes=max_line_bytes)
    iterator = iter(chunks)
    try:
        for chunk in iterator:
            region = decoder._complete(chunk)
            if region is not None:
                yield from decoder._values(region)
        tail = decoder._tail()
        if tail:
            yield from decoder._values(tail)
    finally:
        close = getattr(iterator, "close", None)
        if callable(close):
            close()


async def aiter_jsonl(
    chunks: AsyncIterable[bytes],
    *,
    loads: Loads | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> AsyncGenerator[tuple[int, Any], None]:
    """Yield (line_number, value) for each non-blank line, from async chunks.

    Behaves as iter_jsonl, calling aclose() on `chunks` when it has one.
    """
    decoder = JsonlDecoder(loads=loads, max_line_bytes=max_line_bytes)
    iterator = aiter(chunks)
    try:
        async for chunk in iterator:
            region = decoder._complete(chunk)
            if region is not None:
                for item in decoder._values(region):
                    yield item
        tail = decoder._tail()
        if tail:
            for item in decoder._values(tail):
                yield item
    finally:
        aclose = getattr(iterator, "aclose", None)
        if callable(aclose):
            await aclose()
