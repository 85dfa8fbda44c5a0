"""The page walker at its edges, on both paginators: ids read from attributes or keys,
pages a server mislabels or repeats, runs of pages that bring nothing new, a walk that
starts past the first page, the bounded memory of ids met, and what each stop logs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from mistral_batch import AsyncPaginator, Page, SyncPaginator
from mistral_batch._pagination import MAX_BARREN_PAGES, _Seen, default_item_id, plan_next_page

Fetch = Callable[[int, int], Page[Any]]


def walk_both(fetch: Fetch, **options: Any) -> tuple[list[Any], list[int]]:
    """The items a walk yields and the pages it asked for, the same on both paginators."""
    asked: list[int] = []

    def recording(page: int, page_size: int) -> Page[Any]:
        asked.append(page)
        return fetch(page, page_size)

    async def arecording(page: int, page_size: int) -> Page[Any]:
        return recording(page, page_size)

    async def awalk() -> list[Any]:
        return [item async for item in AsyncPaginator(arecording, **options)]

    items = list(SyncPaginator(recording, **options))
    sync_asked = list(asked)
    asked.clear()
    assert asyncio.run(awalk()) == items
    assert asked == sync_asked
    return items, sync_asked


def test_an_id_is_the_attribute_or_else_the_key_and_must_be_hashable() -> None:
    assert default_item_id(SimpleNamespace(id="job-1")) == "job-1"
    assert default_item_id({"id": "file-1"}) == "file-1"
    assert default_item_id({"id": ["a", "list"]}) is None
    assert default_item_id(SimpleNamespace(id=["a", "list"])) is None
    assert default_item_id(SimpleNamespace(name="no id")) is None
    assert default_item_id(7) is None


def test_items_with_an_id_attribute_are_yielded_once_across_pages() -> None:
    a, b, c = (SimpleNamespace(id=name) for name in "abc")
    pages = [Page([a, b], 0), Page([b, c], 1), Page([], 2)]
    items, asked = walk_both(lambda page, size: pages[page], page_size=2)
    assert items == [a, b, c]
    assert asked == [0, 1, 2]


def test_a_mislabelled_page_is_taken_as_the_one_asked_for() -> None:
    # Every answer says page 0: the walk still moves on by the number it asked for.
    items, asked = walk_both(
        lambda page, size: Page([{"id": f"{page}-{i}"} for i in range(2)] if page < 3 else [], 0),
        page_size=2,
    )
    assert asked == [0, 1, 2, 3]
    assert [item["id"] for item in items] == ["0-0", "0-1", "1-0", "1-1", "2-0", "2-1"]


def test_a_repeated_page_stops_the_walk_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="mistral_batch")
    items, asked = walk_both(lambda page, size: Page([{"id": "a"}, {"id": "b"}], page), page_size=2)
    assert [item["id"] for item in items] == ["a", "b"]
    assert asked == [0, 1]
    assert caplog.messages == ["page 1 repeats a page met before; stopped listing"] * 2


def test_pages_that_bring_nothing_new_stop_the_walk_after_exactly_the_limit(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="mistral_batch")
    # Two pages of new items, then pages mixing old ids in new pairs: none is a repeat
    # of a page met before, none brings anything new.
    pairs = [("a", "b"), ("c", "d"), ("a", "c"), ("b", "d"), ("a", "d"), ("b", "c")]
    assert MAX_BARREN_PAGES == 3

    def fetch(page: int, size: int) -> Page[Any]:
        return Page([{"id": i} for i in pairs[page]] if page < len(pairs) else [], page)

    items, asked = walk_both(fetch, page_size=2)
    assert [item["id"] for item in items] == ["a", "b", "c", "d"]
    assert asked == [0, 1, 2, 3, 4]
    expected = "3 pages in a row brought nothing new; stopped listing at page 4"
    assert caplog.messages == [expected] * 2


def test_a_walk_from_a_later_page_counts_the_pages_before_it_towards_the_total() -> None:
    # 9 items in all, pages of 3: from page 2, the first page read completes the total.
    def fetch(page: int, size: int) -> Page[Any]:
        return Page([{"id": f"{page}-{i}"} for i in range(3)], page, total=9)

    items, asked = walk_both(fetch, page_size=3, first_page=2)
    assert asked == [2]
    assert len(items) == 3


def test_the_max_pages_limit_stops_the_walk_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="mistral_batch")
    items, asked = walk_both(
        lambda page, size: Page([{"id": f"{page}-a"}, {"id": f"{page}-b"}], page),
        page_size=2,
        max_pages=1,
    )
    assert asked == [0] and len(items) == 2
    assert caplog.messages == ["stopped listing after 1 pages, the max_pages limit"] * 2
    caplog.clear()
    assert (
        plan_next_page(
            page=3, item_count=2, page_size=2, total=None, items_seen=8, pages_seen=4, max_pages=4
        )
        is None
    )
    assert caplog.messages == ["stopped listing after 4 pages, the max_pages limit"]


@pytest.mark.parametrize("paginator", [SyncPaginator, AsyncPaginator])
def test_bad_settings_are_refused_with_their_value(paginator: Any) -> None:
    def fetch(page: int, size: int) -> Page[Any]:
        raise AssertionError("nothing is fetched")

    paginator(fetch, max_pages=1)  # the smallest allowed
    with pytest.raises(ValueError, match=r"^max_pages must be >= 1, got 0$"):
        paginator(fetch, max_pages=0)
    with pytest.raises(ValueError, match=r"^limit must be >= 0 or None, got -1$"):
        paginator(fetch, limit=-1)


def test_ids_are_remembered_exactly_up_to_the_limit_then_by_recent_pages() -> None:
    seen = _Seen(limit=3, recent=2)
    seen.add_page({1, 2, 3})  # exactly the room there is
    assert seen.exact == {1, 2, 3} and not seen.window
    for page in ({4}, {5}, {6}):
        seen.add_page(page)
    assert list(seen.window) == [{5}, {6}]  # the last `recent` pages, no more, no fewer
    assert 1 in seen and 6 in seen and 5 in seen
    assert 4 not in seen
