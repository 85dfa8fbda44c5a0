import asyncio
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mistral_batch import AsyncPaginator, SyncPaginator
from mistral_batch._pagination import (
    DEFAULT_MAX_PAGES,
    Page,
    _Seen,
    _Walk,
    default_item_id,
    plan_next_page,
)
from mistral_batch.errors import InputError


class FakeList:
    """An in-memory list endpoint paging by number from 0, recording each request."""

    def __init__(self, items: list[dict[str, int]], *, report_total: bool = True) -> None:
        self.items = items
        self.report_total = report_total
        self.requests: list[tuple[int, int]] = []

    def __call__(self, page: int, page_size: int) -> Page[dict[str, int]]:
        self.requests.append((page, page_size))
        start = page * page_size
        total = len(self.items) if self.report_total else None
        return Page(self.items[start : start + page_size], page, total)


def items(n: int) -> list[dict[str, int]]:
    return [{"id": i} for i in range(n)]


@given(
    total=st.integers(min_value=0, max_value=60),
    page_size=st.integers(min_value=1, max_value=25),
    report_total=st.booleans(),
)
def test_each_item_exactly_once(total: int, page_size: int, report_total: bool) -> None:
    fake = FakeList(items(total), report_total=report_total)
    assert list(SyncPaginator(fake, page_size=page_size)) == items(total)
    # No request past the end except, without a total, the empty page after a full one.
    full_pages = -(-total // page_size)
    extra = 1 if (not report_total and total % page_size == 0) or total == 0 else 0
    assert len(fake.requests) == full_pages + extra


@given(
    total=st.integers(min_value=0, max_value=40),
    page_size=st.integers(min_value=1, max_value=10),
)
def test_async_each_item_exactly_once(total: int, page_size: int) -> None:
    fake = FakeList(items(total))

    async def fetch(page: int, size: int) -> Page[dict[str, int]]:
        return fake(page, size)

    async def collect() -> list[dict[str, int]]:
        return [item async for item in AsyncPaginator(fetch, page_size=page_size)]

    assert asyncio.run(collect()) == items(total)


def test_pages_are_the_server_pages() -> None:
    pages = list(SyncPaginator(FakeList(items(5)), page_size=2).pages())
    assert [(p.page, len(p.items), p.total) for p in pages] == [(0, 2, 5), (1, 2, 5), (2, 1, 5)]


def test_async_pages() -> None:
    fake = FakeList(items(3))

    async def fetch(page: int, size: int) -> Page[dict[str, int]]:
        return fake(page, size)

    async def collect() -> list[int]:
        return [p.page async for p in AsyncPaginator(fetch, page_size=2).pages()]

    assert asyncio.run(collect()) == [0, 1]


def test_server_ignoring_the_page_number_stops_after_a_repeat() -> None:
    calls = []

    def stuck(page: int, size: int) -> Page[dict[str, int]]:
        calls.append(page)
        return Page(items(size), page, None)

    assert list(SyncPaginator(stuck, page_size=3)) == items(3)
    assert calls == [0, 1]


def test_hard_cap_on_pages_without_ids() -> None:
    def endless(page: int, size: int) -> Page[int]:
        return Page([page] * size, page, None)

    got = list(SyncPaginator(endless, page_size=2, max_pages=4, item_id=lambda _: None))
    assert got == [0, 0, 1, 1, 2, 2, 3, 3]


def test_shifted_items_are_not_repeated() -> None:
    # A new item is inserted at the front after the first page: page 1 starts with an
    # item already seen on page 0.
    data = items(6)
    fake = FakeList(data)

    def shifting(page: int, size: int) -> Page[dict[str, int]]:
        if page == 1:
            fake.items = [{"id": 100}, *data]
        return fake(page, size)

    got = [i["id"] for i in SyncPaginator(shifting, page_size=3)]
    assert got == [0, 1, 2, 3, 4, 5]


def test_server_capping_page_size_is_followed_while_total_says_more() -> None:
    fake = FakeList(items(7))

    def capped(page: int, size: int) -> Page[dict[str, int]]:
        return fake(page, min(size, 3))

    # Asked for 5 a page, got 3: the reported total keeps the walk going.
    assert list(SyncPaginator(capped, page_size=5)) == items(7)
    assert [page for page, _ in fake.requests] == [0, 1, 2]


def test_limit_and_first_page() -> None:
    fake = FakeList(items(10))
    assert list(SyncPaginator(fake, page_size=3, limit=4)) == items(4)
    assert fake.requests == [(0, 3), (1, 3)]
    assert list(SyncPaginator(FakeList(items(10)), page_size=4, first_page=2)) == items(10)[8:]
    nothing = FakeList(items(3))
    assert list(SyncPaginator(nothing, limit=0)) == []
    assert nothing.requests == []


@pytest.mark.parametrize(
    "bad", [0, -1, True, 2.5, "10"], ids=["zero", "neg", "bool", "float", "str"]
)
def test_page_size_is_validated(bad: object) -> None:
    with pytest.raises(InputError, match="page_size"):
        SyncPaginator(FakeList([]), page_size=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"item_count": 0, "total": None}, None),
        ({"item_count": 3, "total": None}, None),
        ({"item_count": 5, "total": None}, 3),
        ({"item_count": 5, "total": 10, "items_seen": 10}, None),
        ({"item_count": 2, "total": 10, "items_seen": 7}, 3),
        ({"item_count": 5, "total": None, "repeated": True}, None),
        ({"item_count": 5, "total": None, "pages_seen": 9, "max_pages": 9}, None),
    ],
    ids=["empty", "short", "full", "total-reached", "short-but-total", "repeat", "cap"],
)
def test_plan_next_page(kwargs: dict[str, object], expected: int | None) -> None:
    args: dict[str, object] = {"page": 2, "page_size": 5, "items_seen": 0, "pages_seen": 3}
    plan: Callable[..., int | None] = plan_next_page
    assert plan(**{**args, **kwargs}) == expected


def ids_of(page_items: list[dict[str, int]]) -> list[int]:
    return [item["id"] for item in page_items]


def test_alternating_pages_stop_at_the_first_page_met_again() -> None:
    calls = []
    a, b = items(3), [{"id": i} for i in range(10, 13)]

    def alternating(page: int, size: int) -> Page[dict[str, int]]:
        calls.append(page)
        return Page(a if page % 2 == 0 else b, page, 10**9)

    assert ids_of(list(SyncPaginator(alternating, page_size=3))) == [0, 1, 2, 10, 11, 12]
    assert calls == [0, 1, 2]


def test_the_same_page_shuffled_is_met_again() -> None:
    calls = []

    def shuffled(page: int, size: int) -> Page[dict[str, int]]:
        calls.append(page)
        order = items(3)
        return Page(order[page % 3 :] + order[: page % 3], page, None)

    assert sorted(ids_of(list(SyncPaginator(shuffled, page_size=3)))) == [0, 1, 2]
    assert calls == [0, 1]


def test_a_run_of_pages_that_bring_nothing_new_stops_the_walk() -> None:
    # Every page after the first two mixes ids already met in a new combination, so no
    # page repeats, but none brings anything new either.
    calls = []
    pool = items(6)

    def remixed(page: int, size: int) -> Page[dict[str, int]]:
        calls.append(page)
        if page < 2:
            return Page(pool[page * 3 : page * 3 + 3], page, 10**9)
        return Page([pool[0], pool[page % 5 + 1], pool[(page + 1) % 5 + 1]], page, 10**9)

    assert ids_of(list(SyncPaginator(remixed, page_size=3))) == list(range(6))
    assert calls == [0, 1, 2, 3, 4]


def test_a_long_walk_of_fresh_ids_remembers_a_bounded_number() -> None:
    walk: _Walk[dict[str, int]] = _Walk(
        page_size=10,
        max_pages=DEFAULT_MAX_PAGES,
        item_id=default_item_id,
        limit=None,
        next_page=0,
        seen=_Seen(limit=50, recent=2),
    )
    for number in range(1000):
        fresh = walk.accept(Page([{"id": number * 10 + i} for i in range(10)], number, None))
        assert len(fresh) == 10
        remembered = len(walk.seen.exact) + sum(len(page) for page in walk.seen.window)
        assert remembered <= 50 + 2 * 10
    # A shift between neighbouring pages is still caught past the exact limit.
    shifted = walk.accept(Page([{"id": 9995 + i} for i in range(10)], 1000, None))
    assert ids_of(shifted) == list(range(10000, 10005))
    assert walk.next_page == 1001
