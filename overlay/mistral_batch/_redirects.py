"""Which redirects are followed: decided from the request and the answer alone. Pure.

httpx follows any redirect it is given; the transport follows them itself, asking here
first, so that no redirect can lower https to http, send a create or an upload to
another origin, turn an upload into a GET, or loop.
"""

from __future__ import annotations

import httpx

from .errors import UnsafeResponseError

__all__ = ["MAX_REDIRECTS", "redirect_target", "same_origin"]

#: More hops than any storage service needs; past it, the chain is taken as a loop.
MAX_REDIRECTS = 10

#: Statuses that keep the method and body; the others turn a POST into a GET.
_KEEPS_METHOD = frozenset({307, 308})
_SAFE_METHODS = frozenset({"GET", "HEAD"})


def same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    """True when both URLs have the same scheme, host and port."""
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


def redirect_target(
    method: str, url: httpx.URL, status: int, location: str, seen: list[httpx.URL]
) -> httpx.URL:
    """The URL to follow a redirect to, or UnsafeResponseError saying why it is refused.

    `url` is the URL that was redirected, `seen` every URL of the chain so far.
    """
    try:
        target = url.join(location)
    except (httpx.InvalidURL, ValueError):
        raise UnsafeResponseError(f"a redirect to an unreadable location ({status})") from None
    where = f"{method} {url.scheme}://{url.host}"
    if target.scheme not in ("http", "https") or not target.host:
        raise UnsafeResponseError(f"{where}: refused a redirect to a {target.scheme}: URL")
    if url.scheme == "https" and target.scheme == "http":
        raise UnsafeResponseError(
            f"{where}: refused a redirect from https to plain http ({target.host})"
        )
    if method.upper() not in _SAFE_METHODS:
        if status not in _KEEPS_METHOD:
            raise UnsafeResponseError(
                f"{where}: refused a {status} redirect, which would send the request again "
                "as a GET without its body"
            )
        if not same_origin(url, target):
            raise UnsafeResponseError(
                f"{where}: refused a redirect of a {method} to another origin ({target.host})"
            )
    if target in seen or len(seen) > MAX_REDIRECTS:
        raise UnsafeResponseError(f"{where}: redirect loop after {len(seen)} hops")
    return target
