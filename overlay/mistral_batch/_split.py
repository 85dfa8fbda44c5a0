"""Where a run's input is cut into parts, each within one file's bytes and one job's requests.

Pure: `split` is handed the size of each request line in input order (its newline
included) and yields each part as soon as it is closed, so an input of any length is
split in one pass, in constant memory. A part is a run of whole, consecutive lines:
its requests are ``first .. first + count - 1`` and its bytes ``start .. start + size - 1``
of the input, so it can be sent as a slice of the input file without copying it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

from .errors import InputError

__all__ = ["Part", "split"]


@attrs.frozen
class Part:
    """A slice of the input: `count` requests from request `first`, `size` bytes from `start`."""

    index: int
    first: int
    count: int
    start: int
    size: int

    @property
    def end(self) -> int:
        """The offset just past the part's last byte."""
        return self.start + self.size


def split(sizes: Iterable[int], *, max_bytes: int, max_requests: int) -> Iterator[Part]:
    """Cut lines of the given sizes into parts of at most `max_bytes` and `max_requests`.

    Each part takes as many lines as fit, in order. A single line over `max_bytes` can go
    in no part: InputError names it (1-based) when it is reached, so a caller that plans
    every part before sending any sends nothing.
    """
    if max_bytes < 1 or max_requests < 1:
        raise ValueError(
            f"a part must allow at least one byte and one request, got max_bytes={max_bytes}"
            f" and max_requests={max_requests}"
        )
    index = first = count = start = size = 0
    for line, length in enumerate(sizes):
        if length > max_bytes:
            raise InputError(
                f"the request is {length:,} bytes, over the {max_bytes:,} that one file may hold",
                line=line + 1,
            )
        if count == max_requests or size + length > max_bytes:
            yield Part(index=index, first=first, count=count, start=start, size=size)
            index, first, start = index + 1, first + count, start + size
            count = size = 0
        count += 1
        size += length
    if count:
        yield Part(index=index, first=first, count=count, start=start, size=size)
