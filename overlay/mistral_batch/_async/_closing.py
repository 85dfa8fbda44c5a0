"""Closing at the end of a block: what a client, a download and a result stream share."""

from __future__ import annotations

from types import TracebackType
from typing import Self

__all__ = ["AsyncClosing"]


class AsyncClosing:
    """A context manager whose block ends by closing it, however the block ends."""

    async def close(self) -> None:
        """Release what this object holds."""
        raise NotImplementedError

    async def aclose(self) -> None:  # unasync: async-only
        """The same as close(), under the name asyncio code looks for."""  # unasync: async-only
        await self.close()  # unasync: async-only

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
