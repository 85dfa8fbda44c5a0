"""Result files read lazily from the network: one BatchResult per line, in bounded memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Self

from .._jsonl import MAX_LINE_BYTES, aiter_jsonl
from .._results_io import check_result_count
from ..results import BatchResult
from ._closing import AsyncClosing
from ._download import AsyncDownload

__all__ = ["AsyncResultStream"]


class AsyncResultStream(AsyncClosing):
    """Iterates the results of a result file as it downloads; closes on every path.

    Use it in a ``with`` block, or iterate it to the end: either way the connection
    is released, also when a line fails to decode; a loop left early releases it at
    once inside the block, else when the abandoned iterator is finalized. With
    `expected` (the job's count), a file with fewer lines raises IncompleteDownloadError
    at its end. A line longer than `max_line_bytes` (100 MiB by default) raises
    ResultDecodeError rather than fill memory.
    """

    def __init__(
        self,
        download: AsyncDownload | None,
        *,
        expected: int | None = None,
        max_line_bytes: int = MAX_LINE_BYTES,
    ) -> None:
        self._download = download
        self._expected = expected
        self._max_line = max_line_bytes

    @classmethod
    def empty(cls) -> Self:
        """A stream with no results (the job produced no such file)."""
        return cls(None)

    async def _iterate(self) -> AsyncIterator[BatchResult]:
        if self._download is None:
            return
        from_json = BatchResult.from_json
        lines = 0
        try:
            chunks = self._download.iter_bytes()
            async for line, value in aiter_jsonl(chunks, max_line_bytes=self._max_line):
                lines += 1
                yield from_json(value, line)
        finally:
            await self.close()
        check_result_count(lines, self._expected)

    def __aiter__(self) -> AsyncIterator[BatchResult]:
        return self._iterate()

    async def close(self) -> None:
        """Release the connection."""
        if self._download is not None:
            await self._download.close()
