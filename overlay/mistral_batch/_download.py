"""Streaming downloads: read in chunks, or write to a file that appears only when complete.

The generated ``download_file`` module reads the whole body into memory; these classes
send the request it builds with ``stream=True`` instead.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Self

import attrs
import httpx

from ._deadline import awithin, expired, within
from ._local_files import PRIVATE_FILE_MODE, Progress, atomic_file
from .errors import (
    APIConnectionError,
    APITimeoutError,
    IncompleteDownloadError,
    MistralBatchError,
)

#: Sends the download request again, with extra headers (Range), and returns the response.
Reopen = Callable[[dict[str, str]], httpx.Response]
AsyncReopen = Callable[[dict[str, str]], Awaitable[httpx.Response]]


def _length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    return int(value) if value is not None and value.isdigit() else None


@attrs.define
class _Resume:
    """Where an interrupted download stands, and how to ask for the rest. Pure."""

    total: int | None
    received: int = 0
    attempts: int = 0
    #: Bytes of the current response that the reader already has (a server that
    #: ignored Range sent the file again from the start).
    skip: int = 0

    def take(self, chunk: bytes) -> bytes:
        """The part of `chunk` the reader does not have yet, counted as received.

        Raises IncompleteDownloadError for bytes past the file's size: a server that
        sends more than the file holds is not trusted for the rest either.
        """
        if self.skip:
            chunk, self.skip = chunk[self.skip :], max(0, self.skip - len(chunk))
        if self.total is not None and self.received + len(chunk) > self.total:
            raise IncompleteDownloadError(
                f"the server sent more than the file's {self.total} bytes",
                expected=self.total,
                received=self.received + len(chunk),
            )
        self.received += len(chunk)
        return chunk

    def range_headers(self) -> dict[str, str]:
        return {"Range": f"bytes={self.received}-"} if self.received else {}

    def continues(self, response: httpx.Response) -> bool:
        """True if `response` carries the bytes after those received; False: start over."""
        if response.status_code != 206 or not self.received:
            return False
        content_range = str(response.headers.get("content-range", ""))
        return content_range.startswith(f"bytes {self.received}-")

    def restart_skip(self, response: httpx.Response) -> int:
        """How many bytes of `response` were delivered already and must be skipped."""
        if self.continues(response):
            return 0
        # The server sent the whole file again: skip what the reader already has.
        announced = _length(response)
        if announced is not None and self.total is not None and announced != self.total:
            raise IncompleteDownloadError(
                f"the file changed size during the download ({self.total} -> {announced})",
                expected=self.total,
                received=self.received,
            )
        return self.received

    def check_complete(self) -> None:
        if self.total is not None and self.received != self.total:
            raise IncompleteDownloadError(
                f"download ended after {self.received} of {self.total} bytes",
                expected=self.total,
                received=self.received,
            )


class _Common:
    response: httpx.Response

    @property
    def status_code(self) -> int:
        """The HTTP status of the response."""
        return self.response.status_code

    @property
    def headers(self) -> httpx.Headers:
        """The response headers."""
        return self.response.headers

    _total: int | None
    _consumed: bool

    @property
    def content_length(self) -> int | None:
        """The file's size: from its metadata where known, else as the server first
        announced it (None: neither said)."""
        return self._total

    def expect(self, size: int | None) -> Self:
        """Check the download against `size` bytes, the file's size from its metadata.

        A proxy or a storage fault can cut a file and send a Content-Length that agrees
        with the cut, or end a body without one; only the metadata's size tells. A
        short body is then resumed from where it stopped, or raises
        IncompleteDownloadError. None keeps the check against what the server announces.
        """
        if size is not None:
            self._total = size
        return self

    def _claim(self) -> None:
        # The body can be read once; a second read would find the stream spent.
        if self._consumed:
            raise MistralBatchError("a download can be read once; call files.download again")
        self._consumed = True


class Download(_Common):
    """A file's content as it arrives: iterate it, read it, or write it to a path.

    Every way of reading resumes after a dropped connection: with a Range request, or,
    when the server ignores Range, by reading again and skipping what was already
    delivered; the byte count is checked against what the server announced. Use it as
    a context manager (or call close()) so the connection is released.
    """

    def __init__(
        self,
        response: httpx.Response,
        reopen: Reopen,
        max_attempts: int,
        *,
        deadline: float | None = None,
    ) -> None:
        self.response = response
        self._reopen = reopen
        self._max_attempts = max_attempts
        self._deadline = deadline
        self._total = _length(response)
        self._consumed = False

    def iter_bytes(self) -> Iterator[bytes]:
        """The body in chunks, as they come; the connection closes at the end."""
        self._claim()
        state = _Resume(total=self.content_length)
        try:
            while True:
                try:
                    for chunk in within(self.response.iter_bytes(), self._deadline):
                        chunk = state.take(chunk)
                        if chunk:
                            yield chunk
                    self.response.close()
                    state.check_complete()
                    return
                except (httpx.RequestError, IncompleteDownloadError) as exc:
                    self.response.close()
                    state.attempts += 1
                    if state.attempts >= self._max_attempts or expired(self._deadline):
                        raise _gave_up(state, exc, self._deadline) from None
                    self.response = self._reopen(state.range_headers())
                    state.skip = state.restart_skip(self.response)
        finally:
            self.response.close()

    @property
    def stream(self) -> Iterator[bytes]:
        """The body in chunks (the official SDK's ``.stream``)."""
        return self.iter_bytes()

    def __iter__(self) -> Iterator[bytes]:
        return self.iter_bytes()

    def read(self) -> bytes:
        """The whole body in memory; prefer write_to() for big files."""
        return b"".join(self.iter_bytes())

    def write_to(
        self,
        path: str | os.PathLike[str],
        progress: Progress | None = None,
        *,
        mode: int = PRIVATE_FILE_MODE,
    ) -> int:
        """Write the body to `path`, all or nothing, and return its size in bytes.

        The bytes go to a temporary file beside `path`, renamed into place only once
        their count matches what the server announced. The file is created with `mode`
        less the umask: 0o600 by default, readable by its owner alone, since results
        may hold personal data (``mode=0o666`` follows the umask alone).
        """
        total = self.content_length
        received = 0
        with atomic_file(Path(path), mode) as out:
            for chunk in self.iter_bytes():
                out.write(chunk)
                received += len(chunk)
                if progress is not None:
                    progress(received, total)
        return received

    def close(self) -> None:
        """Release the connection."""
        self.response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncDownload(_Common):
    """The async twin of Download: ``async for``, read(), write_to(), close()."""

    def __init__(
        self,
        response: httpx.Response,
        reopen: AsyncReopen,
        max_attempts: int,
        *,
        deadline: float | None = None,
    ) -> None:
        self.response = response
        self._reopen = reopen
        self._max_attempts = max_attempts
        self._deadline = deadline
        self._total = _length(response)
        self._consumed = False

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """The body in chunks, as they come; the connection closes at the end."""
        self._claim()
        state = _Resume(total=self.content_length)
        try:
            while True:
                try:
                    async for chunk in awithin(self.response.aiter_bytes(), self._deadline):
                        chunk = state.take(chunk)
                        if chunk:
                            yield chunk
                    await self.response.aclose()
                    state.check_complete()
                    return
                except (httpx.RequestError, IncompleteDownloadError) as exc:
                    await self.response.aclose()
                    state.attempts += 1
                    if state.attempts >= self._max_attempts or expired(self._deadline):
                        raise _gave_up(state, exc, self._deadline) from None
                    self.response = await self._reopen(state.range_headers())
                    state.skip = state.restart_skip(self.response)
        finally:
            await self.response.aclose()

    @property
    def stream(self) -> AsyncIterator[bytes]:
        """The body in chunks (the official SDK's ``.stream``)."""
        return self.iter_bytes()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.iter_bytes()

    async def read(self) -> bytes:
        """The whole body in memory; prefer write_to() for big files."""
        return b"".join([chunk async for chunk in self.iter_bytes()])

    async def write_to(
        self,
        path: str | os.PathLike[str],
        progress: Progress | None = None,
        *,
        mode: int = PRIVATE_FILE_MODE,
    ) -> int:
        """Write the body to `path`, all or nothing, 0o600 unless `mode` says otherwise.

        See Download.write_to.
        """
        total = self.content_length
        received = 0
        with atomic_file(Path(path), mode) as out:
            async for chunk in self.iter_bytes():
                out.write(chunk)
                received += len(chunk)
                if progress is not None:
                    progress(received, total)
        return received

    async def close(self) -> None:
        """Release the connection."""
        await self.response.aclose()

    aclose = close

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def _gave_up(state: _Resume, exc: Exception, deadline: float | None) -> Exception:
    if expired(deadline):
        return APITimeoutError(f"download stopped by its deadline after {state.received} bytes")
    if isinstance(exc, IncompleteDownloadError):
        return exc
    return APIConnectionError(
        f"download interrupted after {state.received} bytes, {state.attempts} times: "
        f"{type(exc).__name__}"
    )
