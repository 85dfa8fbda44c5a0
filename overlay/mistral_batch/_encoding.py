"""Content encodings: what we accept, and inflating with a bound on the result. Pure.

httpx inflates a whole chunk at once and stacks any encodings a server lists, so a small
body marked ``gzip, gzip`` can inflate to hundreds of MiB in one step. Answers are read
raw here instead, and inflated at most to their bound.
"""

from __future__ import annotations

import zlib

from .errors import UnsafeResponseError

__all__ = ["ACCEPT_ENCODING", "MAX_ANSWER_BYTES", "BoundedDecoder", "codings"]

#: What API calls ask for: one layer of gzip or deflate, or none.
ACCEPT_ENCODING = "gzip, deflate"
#: The largest answer to an API call, once inflated; a page of jobs is far smaller.
MAX_ANSWER_BYTES = 64 * 1024 * 1024

_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def codings(content_encoding: str) -> list[str]:
    """The encodings a Content-Encoding header lists, identity left out, lowercased."""
    found = [c.strip().lower() for c in content_encoding.split(",")]
    return [c for c in found if c and c != "identity"]


class BoundedDecoder:
    """Inflates one answer's raw bytes, refusing more than `limit` bytes of result."""

    def __init__(self, content_encoding: str, limit: int = MAX_ANSWER_BYTES) -> None:
        listed = codings(content_encoding)
        if len(listed) > 1:
            raise UnsafeResponseError(f"refused an answer encoded {len(listed)} times over")
        if listed and listed[0] not in _WBITS:
            raise UnsafeResponseError(
                f"refused an answer in an encoding not asked for: {listed[0]}"
            )
        self.coding = listed[0] if listed else None
        self.limit = limit
        self.produced = 0
        self._inflate = None if self.coding is None else zlib.decompressobj(_WBITS[self.coding])
        self._started = False

    def feed(self, raw: bytes) -> bytes:
        """The inflated bytes of the next raw chunk."""
        out = raw if self._inflate is None else self._decompress(raw)
        self.produced += len(out)
        if self.produced > self.limit:
            raise UnsafeResponseError(
                f"refused an answer larger than {self.limit} bytes"
                + (f" once inflated from {self.coding}" if self.coding else "")
            )
        return out

    def feed_start(self, raw: bytes) -> bytes:
        """The inflated bytes of the next raw chunk, cut where the limit is reached.

        For reading only the start of a body (an error's words): never refused for size.
        """
        out = raw if self._inflate is None else self._decompress(raw)
        out = out[: self.limit - self.produced]
        self.produced += len(out)
        return out

    def _decompress(self, raw: bytes) -> bytes:
        assert self._inflate is not None
        left = self.limit - self.produced
        try:
            try:
                out = self._inflate.decompress(raw, left + 1)
            except zlib.error:
                if self._started or self.coding != "deflate":
                    raise
                # Some servers send deflate without its zlib header.
                self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                out = self._inflate.decompress(raw, left + 1)
        except zlib.error as exc:
            # A ValueError: the answer is malformed, as a cut JSON body would be.
            raise ValueError(f"the answer's {self.coding} stream is corrupt: {exc}") from None
        self._started = True
        return out
