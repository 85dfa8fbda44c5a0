"""What a download decides: the request for the bytes from an offset on, where an
interrupted body stands, and when to give up. Pure; the readers are in _async/_download.

The generated ``download_file`` module reads the whole body into memory; our readers send
the request it builds with ``stream=True`` instead, and resume it from where it broke.
"""

from __future__ import annotations

from typing import Self

import attrs
import httpx

from ._deadline import expired
from .errors import (
    APIConnectionError,
    APITimeoutError,
    IncompleteDownloadError,
    MistralBatchError,
)

#: identity: a compressed body would make byte counts and Range offsets meaningless.
ACCEPT_BYTES = {
    "Accept": "application/octet-stream, application/json",
    "Accept-Encoding": "identity",
}


def request_headers(offset: int) -> dict[str, str]:
    """The headers of a download's request for the bytes from `offset` on: the one place
    a Range is made, for the API and for signed URLs alike."""
    return {**ACCEPT_BYTES, "Range": f"bytes={offset}-"} if offset else dict(ACCEPT_BYTES)


def announced_length(response: httpx.Response) -> int | None:
    """The body's length as the server announced it, or None."""
    value = response.headers.get("content-length")
    return int(value) if value is not None and value.isdigit() else None


@attrs.define
class Resume:
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
        announced = announced_length(response)
        if announced is not None and self.total is not None and announced != self.total:
            raise IncompleteDownloadError(
                f"the file changed size during the download ({self.total} -> {announced})",
                expected=self.total,
                received=self.received,
            )
        return self.received

    def check_complete(self) -> None:
        """Raise IncompleteDownloadError unless every byte of the file arrived."""
        if self.total is not None and self.received != self.total:
            raise IncompleteDownloadError(
                f"download ended after {self.received} of {self.total} bytes",
                expected=self.total,
                received=self.received,
            )


class DownloadBase:
    """What the sync and async readers of a download share: the status, headers, size."""

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


def gave_up(state: Resume, exc: Exception, deadline: float | None) -> Exception:
    """The error a download ends with once it may not resume again."""
    if expired(deadline):
        return APITimeoutError(f"download stopped by its deadline after {state.received} bytes")
    if isinstance(exc, IncompleteDownloadError):
        return exc
    return APIConnectionError(
        f"download interrupted after {state.received} bytes, {state.attempts} times: "
        f"{type(exc).__name__}"
    )
