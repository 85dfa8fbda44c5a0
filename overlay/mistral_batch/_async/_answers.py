"""Reading an answer's body: whole and inflated within its bound, or the start of an error.

Every body is read by its deadline: a server that drips an answer is cut off when the
attempt's time is up, whatever the httpx client's own timeouts say.
"""

from __future__ import annotations

import httpx

from .._answers import MAX_ERROR_BODY, already_read, answered, late
from .._deadline import expired, scope
from .._encoding import MAX_ANSWER_BYTES, BoundedDecoder
from ..errors import UnsafeResponseError

__all__ = ["aread_answer", "aread_error_body"]


async def aread_answer(response: httpx.Response, at: float | None) -> httpx.Response:
    """The response with its whole body read and inflated, by `at`; the connection closed."""
    whole = already_read(response, MAX_ANSWER_BYTES)
    if whole is not None:
        return answered(response, whole)
    parts = []
    try:
        decoder = BoundedDecoder(response.headers.get("content-encoding", ""), MAX_ANSWER_BYTES)
        with scope(at):
            async for raw in response.aiter_raw():
                parts.append(decoder.feed(raw))
                if expired(at):
                    raise late(response)
    finally:
        await response.aclose()
    return answered(response, b"".join(parts))


async def aread_error_body(response: httpx.Response, at: float | None) -> bytes:
    """As much of an error body as a message needs (what could be read of it, at least)."""
    if response.is_stream_consumed:
        return response.content[:MAX_ERROR_BODY]
    body = b""
    try:
        decoder = BoundedDecoder(response.headers.get("content-encoding", ""), MAX_ERROR_BODY)
        with scope(at):
            async for raw in response.aiter_raw():
                body += decoder.feed_start(raw)
                if len(body) >= MAX_ERROR_BODY or expired(at):
                    break
    except (httpx.RequestError, UnsafeResponseError, ValueError):
        pass
    finally:
        await response.aclose()
    return body
