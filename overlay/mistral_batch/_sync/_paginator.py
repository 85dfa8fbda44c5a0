# Generated from overlay/mistral_batch/_async/_paginator.py by scripts/unasync.py; do not edit.
"""The paginator: every item of a paged list, fetched page by page as iteration goes on.

The walk itself (which page next, when to stop, which items are new) is _pagination's
_Walk, which both paginators share; this module only fetches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from .._pagination import Page, _Paginator

__all__ = ["SyncPaginator"]

T = TypeVar("T")


class SyncPaginator(_Paginator[T, Callable[[int, int], Page[T]]]):
    """Every item of a paged list, fetched page by page as iteration proceeds.

    `fetch(page, page_size)` returns one Page. Each iteration starts a new walk. Items
    are deduplicated by `item_id` (default: the ``id`` attribute or key); `limit` caps
    the number of items; the walk ends as ``plan_next_page`` decides.
    """

    def __iter__(self) -> Iterator[T]:
        for _page, fresh in self._run():
            yield from fresh

    def pages(self) -> Iterator[Page[T]]:
        """Yield each page as the server sent it (items not deduplicated)."""
        for page, _fresh in self._run():
            yield page

    @property
    def data(self) -> list[T]:
        """Every item in a list: the SDK's ``.data``, across all pages."""
        return list(self)

    # unasync: sync-only
    @property
    def total(self) -> int | None:
        """The item count the server reports (fetches page one)."""
        return 0 if self.limit == 0 else next(self.pages()).total

    def _run(self) -> Iterator[tuple[Page[T], list[T]]]:
        walk = self._walk()
        while walk.next_page is not None:
            page = self._fetch(walk.next_page, self.page_size)
            yield page, walk.accept(page)
