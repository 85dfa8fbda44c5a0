"""Reading an answer's body: raw, inflated within bounds, and by the deadline. Sync and async.

The transport sends every request with ``stream=True`` and reads bodies here, so that no
answer is inflated past its bound (see _encoding) nor read after its deadline (see
_deadline), whichever httpx client carries it.
"""

from __future__ import annotations

import httpx

from ._deadline import expired, scope
from ._encoding import MAX_ANSWER_BYTES, BoundedDecoder, codings
from .errors import UnsafeResponseError

__all__ = [
    "MAX_ERROR_BODY",
    "aread_answer",
    "aread_error_body",
    "check_encoding",
    "read_answer",
    "read_error_body",
]

#: Reads as far into an error body as a message needs; a proxy's page can be large.
MAX_ERROR_BODY = 64 * 1024

#: Headers that described the body as sent, not the bytes handed on.
_AS_SENT = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def _late(response: httpx.Response) -> httpx.ReadTimeout:
    return httpx.ReadTimeout("the deadline has passed", request=response.request)


def _answered(response: httpx.Response, body: bytes) -> httpx.Response:
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


def _already_read(response: httpx.Response, limit: int) -> bytes | None:
    """The body of a response its transport handed over whole (httpx.MockTransport does),
    already inflated by httpx; None for a response still to be read."""
    if not response.is_stream_consumed:
        return None
    body = response.content
    if len(body) > limit:
        raise UnsafeResponseError(f"refused an answer larger than {limit} bytes")
    return body


def read_answer(response: httpx.Response, at: float | None) -> httpx.Response:
    """The response with its whole body read and inflated, by `at`; the connection closed."""
    whole = _already_read(response, MAX_ANSWER_BYTES)
    if whole is not None:
        return _answered(response, whole)
    parts = []
    try:
        decoder = BoundedDecoder(response.headers.get("content-encoding", ""), MAX_ANSWER_BYTES)
        with scope(at):
            for raw in response.iter_raw():
                parts.append(decoder.feed(raw))
                if expired(at):
                    raise _late(response)
    finally:
        response.close()
    return _answered(response, b"".join(parts))


async def aread_answer(response: httpx.Response, at: float | None) -> httpx.Response:
    """The async twin of read_answer()."""
    whole = _already_read(response, MAX_ANSWER_BYTES)
    if whole is not None:
        return _answered(response, whole)
    parts = []
    try:
        decoder = BoundedDecoder(response.headers.get("content-encoding", ""), MAX_ANSWER_BYTES)
        with scope(at):
            async for raw in response.aiter_raw():
                parts.append(decoder.feed(raw))
                if expired(at):
                    raise _late(response)
    finally:
        await response.aclose()
    return _answered(response, b"".join(parts))


def read_error_body(response: httpx.Response, at: float | None) -> bytes:
    """As much of an error body as a message needs (what could be read of it, at least)."""
    if response.is_stream_consumed:
        return response.content[:MAX_ERROR_BODY]
    body = b""
    try:
        decoder = BoundedDecoder(response.headers.get("content-encoding", ""), 2 * MAX_ERROR_BODY)
        with scope(at):
            for raw in response.iter_raw():
                body += decoder.feed(raw)
                if len(body) >= MAX_ERROR_BODY or expired(at):
                    break
    except (httpx.RequestError, UnsafeResponseError, ValueError):
        pass
    finally:
        response.close()
    return body


async def aread_error_body(response: httpx.Response, at: float | None) -> bytes:
    """The async twin of read_error_body()."""
    if response.is_stream_consumed:
        return response.content[:MAX_ERROR_BODY]
    body = b""
    try:
        decoder = BoundedDecoder(response.headers.get("content-encoding", ""), 2 * MAX_ERROR_BODY)
        with scope(at):
            async for raw in response.aiter_raw():
                body += decoder.feed(raw)
                if len(body) >= MAX_ERROR_BODY or expired(at):
                    break
    except (httpx.RequestError, UnsafeResponseError, ValueError):
        pass
    finally:
        await response.aclose()
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
