"""Result files read lazily from the network: one BatchResult per line, in bounded memory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import Self

from ._download import AsyncDownload, Download
from ._jsonl import MAX_LINE_BYTES, aiter_jsonl, iter_jsonl
from .errors import IncompleteDownloadError
from .models import BatchJob
from .results import BatchResult


def expected_results(job: BatchJob, which: str) -> int:
    """How many lines the job's `which` file ("output_file" or "error_file") should hold,
    by the job's own counters."""
    return job.succeeded_requests if which == "output_file" else job.failed_requests


def check_result_count(lines: int, expected: int | None) -> None:
    """Raise IncompleteDownloadError when a result file held fewer lines than the job
    counts: a file cut at a line's end decodes cleanly, and only the count tells."""
    if expected is not None and lines < expected:
        raise IncompleteDownloadError(
            f"the result file holds {lines} results where the job counts {expected}",
            expected=expected,
            received=lines,
        )


class ResultStream:
    """Iterates the results of a result file as it downloads; closes on every path.

    Use it in a ``with`` block, or iterate it to the end: either way the connection
    is released, also when the loop stops early or a line fails to decode. With
    `expected` (the job's count), a file with fewer lines raises IncompleteDownloadError
    at its end. A line longer than `max_line_bytes` (100 MiB by default) raises
    ResultDecodeError rather than fill memory.
    """

    def __init__(
        self,
        download: Download | None,
        *,
        expected: int | None = None,
        max_line_bytes: int = MAX_LINE_BYTES,
    ) -> None:
        self._download = download
        self._expected = expected
        self._max_line = max_line_bytes

    @classmethod
    def empty(cls) -> ResultStream:
        """A stream with no results (the job produced no such file)."""
        return cls(None)

    def __iter__(self) -> Iterator[BatchResult]:
        if self._download is None:
            return
        from_json = BatchResult.from_json
        lines = 0
        try:
            chunks = self._download.iter_bytes()
            for line, value in iter_jsonl(chunks, max_line_bytes=self._max_line):
                lines += 1
                yield from_json(value, line)
        finally:
            self.close()
        check_result_count(lines, self._expected)

    def close(self) -> None:
        """Release the connection."""
        if self._download is not None:
            self._download.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncResultStream:
    """The async twin of ResultStream: ``async for result in stream``.

    Leaving the loop early releases the connection only inside ``async with``; outside
    it, that waits for the event loop to finalize the abandoned iterator.
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
    def empty(cls) -> AsyncResultStream:
        """A stream with no results (the job produced no such file)."""
        return cls(None)

    async def _iterate(self) -> AsyncIterator[BatchResult]:
        if self._download is None:
            return
        lines = 0
        try:
            chunks = self._download.iter_bytes()
            async for line, value in aiter_jsonl(chunks, max_line_bytes=self._max_line):
                lines += 1
                yield BatchResult.from_json(value, line)
        finally:
            await self.close()
        check_result_count(lines, self._expected)

    def __aiter__(self) -> AsyncIterator[BatchResult]:
        return self._iterate()

    async def close(self) -> None:
        """Release the connection."""
        if self._download is not None:
            await self._download.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
