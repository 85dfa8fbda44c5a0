# Generated from overlay/mistral_batch/_async/_results.py by scripts/unasync.py; do not edit.
"""Result files read lazily from the network: one BatchResult per line, in bounded memory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Self

from .._jsonl import MAX_LINE_BYTES, iter_jsonl
from .._results_io import check_result_count
from ..results import BatchResult
from ._closing import Closing
from ._download import Download

__all__ = ["ResultStream"]


class ResultStream(Closing):
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
        download: Download | None,
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

    def _iterate(self) -> Iterator[BatchResult]:
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

    def __iter__(self) -> Iterator[BatchResult]:
        return self._iterate()

    def close(self) -> None:
        """Release the connection."""
        if self._download is not None:
            self._download.close()
