"""The paginator: every item of a paged list, fetched page by page as iteration goes on.

The walk itself (which page next, when to stop, which items are new) is _pagination's
_Walk, which both paginators share; this module only fetches.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from .._pagination import Page, _Paginator

__all__ = ["AsyncPaginator"]

T = TypeVar("T")


class AsyncPaginator(_Paginator[T, Callable[[int, int], Awaitable[Page[T]]]]):
    """Every item of a paged list, fetched page by page as iteration proceeds.

    `fetch(page, page_size)` returns one Page. Each iteration starts a new walk. Items
    are deduplicated by `item_id` (default: the ``id`` attribute or key); `limit` caps
    the number of items; the walk ends as ``plan_next_page`` decides.
    """

    async def __aiter__(self) -> AsyncIterator[T]:
        async for _page, fresh in self._run():
            for item in fresh:  # unasync: async-only
                yield item  # unasync: async-only
            # unasync: sync-only yield from fresh

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Yield each page as the server sent it (items not deduplicated)."""
        async for page, _fresh in self._run():
            yield page

    # unasync: sync-only @property
    # unasync: sync-only def data(self) -> list[T]:
    # unasync: sync-only     """Every item in a list: the SDK's ``.data``, across all pages."""
    # unasync: sync-only     return list(self)
    # unasync: sync-only
    # unasync: sync-only @property
    # unasync: sync-only def total(self) -> int | None:
    # unasync: sync-only     """The item count the server reports (fetches page one)."""
    # unasync: sync-only     return 0 if self.limit == 0 else next(self.pages()).total

    async def _run(self) -> AsyncIterator[tuple[Page[T], list[T]]]:
        walk = self._walk()
        while walk.next_page is not None:
            page = await self._fetch(walk.next_page, self.page_size)
            yield page, walk.accept(page)
