"""A file's content as it arrives: read in chunks, or written to a file that appears only
when complete. The download sends its own requests: the first one and every resume."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Self

import httpx

from .._deadline import expired, scope
from .._download import DownloadBase, Resume, announced_length, gave_up, request_headers
from .._generated import RequestArgs
from .._local_files import PRIVATE_FILE_MODE, Progress
from .._storage import atomic_output
from .._transport_base import Attempts, Operation
from ..errors import IncompleteDownloadError
from ._closing import AsyncClosing
from ._network import awithin
from ._transport import AsyncTransport


class AsyncDownload(DownloadBase, AsyncClosing):
    """A file's content as it arrives: iterate it, read it, or write it to a path.

    Every way of reading resumes after a dropped connection: with a Range request, or,
    when the server ignores Range, by reading again and skipping what was already
    delivered; the byte count is checked against the file's size. The first request and
    every resume share one retry budget. Use it as a context manager (or call close())
    so that the connection is released.
    """

    def __init__(
        self,
        transport: AsyncTransport,
        op: Operation,
        args: RequestArgs,
        *,
        authenticated: bool = True,
        deadline: float | None = None,
    ) -> None:
        self._t = transport
        self._op = op
        self._args = args
        self._authenticated = authenticated
        self._deadline = deadline
        self._attempts = Attempts()
        self._total: int | None = None
        self._consumed = False

    async def open(self, offset: int = 0) -> Self:
        """Send the request for the bytes from `offset` on: the first one, and each resume.

        The first response's announced length is taken as the file's size until
        expect() gives a truer one.
        """
        with scope(self._deadline):
            self.response = await self._t.stream(
                self._op,
                self._args,
                headers=request_headers(offset),
                authenticated=self._authenticated,
                attempts=self._attempts,
            )
        if not offset and self._total is None:
            self._total = announced_length(self.response)
        return self

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """The body in chunks, as they come; the connection closes at the end."""
        self._claim()
        state = Resume(total=self.content_length)
        budget = self._t.config.retry.max_attempts
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
                    if self._attempts.count >= budget or expired(self._deadline):
                        raise gave_up(state, exc, self._deadline) from None
                    await self.open(state.received)
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
        """Write the body to `path`, all or nothing, and return its size in bytes.

        The bytes go to a temporary file beside `path`, renamed into place only once
        their count matches the file's size. The file is created with `mode` less the
        umask: 0o600 by default, readable by its owner alone, since results may hold
        personal data (``mode=0o666`` follows the umask alone). `path` may be the URL
        of an object (s3://...: see the storage extra), written the same way.
        """
        total = self.content_length
        received = 0
        try:
            with atomic_output(path, mode) as out:
                async for chunk in self.iter_bytes():
                    out.write(chunk)
                    received += len(chunk)
                    if progress is not None:
                        progress(received, total)
        finally:
            # A failed write or progress callback leaves the body unread: let it go now,
            # not when the garbage collector finds it.
            await self.close()
        return received

    async def close(self) -> None:
        """Release the connection."""
        await self.response.aclose()
