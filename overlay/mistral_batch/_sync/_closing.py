# Generated from overlay/mistral_batch/_async/_closing.py by scripts/unasync.py; do not edit.
"""Closing at the end of a block: what a client, a download and a result stream share."""

from __future__ import annotations

from types import TracebackType
from typing import Self

__all__ = ["Closing"]


class Closing:
    """A context manager whose block ends by closing it, however the block ends."""

    def close(self) -> None:
        """Release what this object holds."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
