"""What reading an answer's body decides: its bounds, its headers once read, its encoding.

The transport sends every request with ``stream=True`` and reads bodies with
_async/_answers (and its generated sync twin), so that no answer is inflated past its
bound (see _encoding) nor read after its deadline (see _deadline), whichever httpx
client carries it. No I/O here.
"""

from __future__ import annotations

import httpx

from ._encoding import codings
from .errors import UnsafeResponseError

__all__ = ["MAX_ERROR_BODY", "already_read", "answered", "check_encoding", "late"]

#: Reads as far into an error body as a message needs; a proxy's page can be large.
MAX_ERROR_BODY = 64 * 1024

#: Headers that described the body as sent, not the bytes handed on.
_AS_SENT = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def late(response: httpx.Response) -> httpx.ReadTimeout:
    """The error for a body still coming in when its deadline passed."""
    return httpx.ReadTimeout("the deadline has passed", request=response.request)


def answered(response: httpx.Response, body: bytes) -> httpx.Response:
    """`response` with `body`, read and inflated, in place of its stream."""
    headers: httpx.Headers | list[tuple[str, str]] = response.headers
    if "content-encoding" in response.headers:
        sent = response.headers.multi_items()
        headers = [(k, v) for k, v in sent if k.lower() not in _AS_SENT]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=response.request,
        extensions=response.extensions,
    )


def already_read(response: httpx.Response, limit: int) -> bytes | None:
    """The body of a response its transport handed over whole (httpx.MockTransport does),
    already inflated by httpx; None for a response still to be read."""
    if not response.is_stream_consumed:
        return None
    body = response.content
    if len(body) > limit:
        raise UnsafeResponseError(f"refused an answer larger than {limit} bytes")
    return body


def check_encoding(response: httpx.Response) -> None:
    """Refuse a body encoded although its request asked for identity (a download).

    Byte counts, the announced size and Range offsets all count the bytes as stored; an
    inflated body would make every one of them wrong, and could be of any size.
    """
    asked = response.request.headers.get("accept-encoding", "").strip().lower()
    found = codings(response.headers.get("content-encoding", ""))
    if asked == "identity" and found:
        raise UnsafeResponseError(
            f"refused a download sent as {', '.join(found)}: identity was asked for"
        )
