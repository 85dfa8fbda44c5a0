"""The cutting of a run's input into parts: no request lost, none twice, each part within bounds."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mistral_batch._split import Part, split
from mistral_batch.errors import InputError

sizes_lists = st.lists(st.integers(min_value=1, max_value=50), max_size=200)
byte_limits = st.integers(min_value=50, max_value=400)
request_limits = st.integers(min_value=1, max_value=30)


@given(sizes_lists, byte_limits, request_limits)
def test_every_request_is_in_exactly_one_part_in_order(
    sizes: list[int], max_bytes: int, max_requests: int
) -> None:
    parts = list(split(sizes, max_bytes=max_bytes, max_requests=max_requests))
    covered = [i for part in parts for i in range(part.first, part.first + part.count)]
    assert covered == list(range(len(sizes)))
    assert [part.index for part in parts] == list(range(len(parts)))
    offset = 0
    for part in parts:
        assert part.start == offset
        assert part.size == sum(sizes[part.first : part.first + part.count])
        offset = part.end
    assert offset == sum(sizes)


@given(sizes_lists, byte_limits, request_limits)
def test_every_part_is_within_both_limits_and_as_full_as_they_allow(
    sizes: list[int], max_bytes: int, max_requests: int
) -> None:
    parts = list(split(sizes, max_bytes=max_bytes, max_requests=max_requests))
    for part, following in itertools.pairwise(parts):
        assert 1 <= part.count <= max_requests
        assert part.size <= max_bytes
        # A part closes only when the next line would break a limit.
        assert part.count == max_requests or part.size + sizes[following.first] > max_bytes
    if parts:
        assert 1 <= parts[-1].count <= max_requests
        assert parts[-1].size <= max_bytes


def test_the_limits_are_inclusive() -> None:
    assert list(split([10, 10, 10], max_bytes=20, max_requests=5)) == [
        Part(index=0, first=0, count=2, start=0, size=20),
        Part(index=1, first=2, count=1, start=20, size=10),
    ]
    assert list(split([1, 1, 1, 1, 1], max_bytes=100, max_requests=2)) == [
        Part(index=0, first=0, count=2, start=0, size=2),
        Part(index=1, first=2, count=2, start=2, size=2),
        Part(index=2, first=4, count=1, start=4, size=1),
    ]


def test_a_line_of_exactly_the_byte_limit_fits_alone() -> None:
    assert list(split([3, 5, 3], max_bytes=5, max_requests=10)) == [
        Part(index=0, first=0, count=1, start=0, size=3),
        Part(index=1, first=1, count=1, start=3, size=5),
        Part(index=2, first=2, count=1, start=8, size=3),
    ]


def test_no_lines_make_no_parts() -> None:
    assert list(split([], max_bytes=10, max_requests=10)) == []


def test_a_line_over_the_byte_limit_is_named() -> None:
    with pytest.raises(InputError) as caught:
        list(split([4, 4, 11, 4], max_bytes=10, max_requests=10))
    assert caught.value.line == 3
    assert "11 bytes, over the 10 that one file may hold" in str(caught.value)


def test_the_parts_come_as_they_close_from_an_endless_input() -> None:
    def endless() -> Iterator[int]:
        while True:
            yield 1

    parts = split(endless(), max_bytes=1_000, max_requests=3)
    assert next(parts) == Part(index=0, first=0, count=3, start=0, size=3)
    assert next(parts).first == 3


@pytest.mark.parametrize(("max_bytes", "max_requests"), [(0, 1), (1, 0), (-1, 5)])
def test_limits_below_one_are_refused(max_bytes: int, max_requests: int) -> None:
    with pytest.raises(ValueError, match=f"max_bytes={max_bytes} and max_requests={max_requests}"):
        list(split([1], max_bytes=max_bytes, max_requests=max_requests))


def test_limits_of_one_are_the_least_allowed() -> None:
    assert list(split([1, 1], max_bytes=1, max_requests=1)) == [
        Part(index=0, first=0, count=1, start=0, size=1),
        Part(index=1, first=1, count=1, start=1, size=1),
    ]
