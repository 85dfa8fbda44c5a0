"""Streams a caller may hand over, for the tests of uploads."""

from __future__ import annotations

import io
from typing import Any


class OneWay(io.RawIOBase):
    """A stream that can be read once, start to end, and never rewound (a pipe, a socket)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)
