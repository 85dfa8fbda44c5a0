"""Page walking for the list endpoints: the pure core that the paginators drive.

The API pages by number (from 0) and size, and usually reports a total. A walk must
end even when the server misbehaves (ignores the page number, reports a wrong total),
and must yield each item once even when items shift between pages while we walk
(a job created meanwhile pushes the newest-first list down by one).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

import attrs

from mistral_batch._validation import validate_page, validate_page_size

__all__ = ["DEFAULT_MAX_PAGES", "Page", "plan_next_page"]

logger = logging.getLogger("mistral_batch")

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 100
#: A walk stops after this many pages whatever the server says: 10 million items at 100.
DEFAULT_MAX_PAGES = 100_000
#: A walk stops after this many pages in a row that bring no item it has not met.
MAX_BARREN_PAGES = 3
#: Ids remembered exactly (some 100 MB at most); past that, those of RECENT_PAGES pages.
MAX_REMEMBERED_IDS = 1_000_000
RECENT_PAGES = 4

ItemId = Callable[[Any], Hashable | None]


@attrs.frozen
class Page(Generic[T]):
    """One page of a list: its items, its number (from 0), and the total if reported."""

    items: Sequence[T]
    page: int
    total: int | None = None


def default_item_id(item: object) -> Hashable | None:
    """Return an item's ``id`` attribute or ``"id"`` key, or None if it has neither."""
    value = getattr(item, "id", None)
    if value is None and isinstance(item, dict):
        value = item.get("id")
    return value if isinstance(value, Hashable) else None


def plan_next_page(
    *,
    page: int,
    item_count: int,
    page_size: int,
    total: int | None,
    items_seen: int,
    pages_seen: int,
    max_pages: int = DEFAULT_MAX_PAGES,
    repeated: bool = False,
) -> int | None:
    """Return the number of the page to fetch after `page`, or None when the walk is over.

    It is over at an empty page; at a `repeated` page (one met before, or a run that
    brings nothing new); after `max_pages` pages; when `items_seen` (distinct
    items so far) reaches a reported `total`; and at a short page when no total is
    reported. With a total, a short page does not end the walk while items remain,
    since a server may cap page_size below what was asked.
    """
    if item_count == 0 or repeated:
        return None
    if pages_seen >= max_pages:
        logger.warning("stopped listing after %d pages, the max_pages limit", pages_seen)
        return None
    if total is not None:
        return page + 1 if items_seen < total else None
    return page + 1 if item_count >= page_size else None


@attrs.define
class _Seen:
    """The ids a walk has met, in bounded memory.

    Every id is remembered exactly up to `limit`; past it, only the ids of the last
    `recent` pages are, which still catches items shifting between neighbouring pages
    (the cause of repeats in a healthy listing) while memory stays bounded.
    """

    limit: int = MAX_REMEMBERED_IDS
    recent: int = RECENT_PAGES
    exact: set[Hashable] = attrs.field(factory=set)
    window: deque[set[Hashable]] = attrs.field(factory=deque)

    def __contains__(self, key: Hashable) -> bool:
        return key in self.exact or any(key in page for page in self.window)

    def add_page(self, keys: set[Hashable]) -> None:
        """Remember the new ids of one page."""
        room = self.limit - len(self.exact)
        if room >= len(keys):
            self.exact.update(keys)
            return
        self.window.append(keys)
        while len(self.window) > self.recent:
            self.window.popleft()


@attrs.define
class _Walk(Generic[T]):
    """The state of one walk: the pure core that the sync and async loops drive.

    It stops, besides where plan_next_page says, at a page met before at any distance
    (the same ids in any order: a server ignoring the page number, or cycling through a
    few pages), and after MAX_BARREN_PAGES pages in a row that bring nothing new.
    """

    page_size: int
    max_pages: int
    item_id: ItemId
    limit: int | None
    next_page: int | None
    #: Items on the pages before the first one fetched, which a reported total counts.
    skipped: int = 0
    seen: _Seen = attrs.field(factory=_Seen)
    #: One fingerprint per page met: 8 bytes or so a page, however long the walk.
    fingerprints: set[int] = attrs.field(factory=set)
    barren: int = 0
    pages_seen: int = 0
    distinct: int = 0
    yielded: int = 0

    def accept(self, page: Page[T]) -> list[T]:
        """Record `page` (the one numbered next_page); return its new items, set next_page."""
        # The number we asked for, not page.page: a fetch function could mislabel it.
        number = self.next_page if self.next_page is not None else page.page
        ids = [self.item_id(item) for item in page.items]
        repeated = self._met_before(ids)
        self.pages_seen += 1
        fresh: list[T] = []
        new_keys: set[Hashable] = set()
        for item, key in zip(page.items, ids, strict=True):
            if key is not None:
                if key in new_keys or key in self.seen:
                    continue
                new_keys.add(key)
            fresh.append(item)
        self.seen.add_page(new_keys)
        self.distinct += len(fresh)
        self.barren = self.barren + 1 if ids and not fresh else 0
        if self.limit is not None:
            fresh = fresh[: max(0, self.limit - self.yielded)]
        self.yielded += len(fresh)
        if repeated:
            logger.warning("page %d repeats a page met before; stopped listing", number)
        elif self.barren >= MAX_BARREN_PAGES:
            logger.warning(
                "%d pages in a row brought nothing new; stopped listing at page %d",
                self.barren,
                number,
            )
        self.next_page = plan_next_page(
            page=number,
            item_count=len(page.items),
            page_size=self.page_size,
            total=page.total,
            items_seen=self.skipped + self.distinct,
            pages_seen=self.pages_seen,
            max_pages=self.max_pages,
            repeated=repeated or self.barren >= MAX_BARREN_PAGES,
        )
        if self.limit is not None and self.yielded >= self.limit:
            self.next_page = None
        return fresh

    def _met_before(self, ids: list[Hashable | None]) -> bool:
        if not ids or None in ids:
            return False
        fingerprint = hash(frozenset(ids))
        if fingerprint in self.fingerprints:
            return True
        self.fingerprints.add(fingerprint)
        return False


#: How a paginator fetches one page: a function, or a coroutine function.
Fetch = TypeVar("Fetch")


class _Paginator(Generic[T, Fetch]):
    """What the sync and async paginators share: their settings, and a fresh walk."""

    def __init__(
        self,
        fetch: Fetch,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        first_page: int = 0,
        max_pages: int = DEFAULT_MAX_PAGES,
        limit: int | None = None,
        item_id: ItemId = default_item_id,
    ) -> None:
        self.page_size = validate_page_size(page_size)
        self.first_page = validate_page(first_page)
        if max_pages < 1:
            raise ValueError(f"max_pages must be >= 1, got {max_pages}")
        if limit is not None and limit < 0:
            raise ValueError(f"limit must be >= 0 or None, got {limit}")
        self.max_pages = max_pages
        self.limit = limit
        self.item_id = item_id
        self._fetch = fetch

    def _walk(self) -> _Walk[T]:
        return _Walk(
            page_size=self.page_size,
            max_pages=self.max_pages,
            item_id=self.item_id,
            limit=self.limit,
            next_page=None if self.limit == 0 else self.first_page,
            skipped=self.first_page * self.page_size,
        )
