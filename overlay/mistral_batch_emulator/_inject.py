"""Applies a fault rule to one request, at the ASGI level, around the normal handler."""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import time
import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from ._errors import error_body
from ._faults import Fault, StatsCounter

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_MESSAGES = {
    429: "Requests rate limit exceeded",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}
_UNKNOWN_ENUMS = {
    "batch": {"status": "VALIDATING"},
    "file": {
        "purpose": "audio-v2",
        "sample_type": "batch_summary",
        "source": "connector",
        "visibility": "organization",
    },
}


class ConnectionDropped(Exception):
    """Raised through the handler when a fault has cut the connection."""


async def abort_connection(send: Send) -> bool:
    """Cut the client's connection without a word; False when the server does not allow it.

    uvicorn's ``send`` is a bound method of the connection's request cycle, which holds
    the transport; aborting it sends a TCP reset, as a crashed server or proxy would.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    abort = getattr(transport, "abort", None)
    if abort is None:
        return False
    abort()
    # Let the server see the connection is gone before the app returns.
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    return True


def _retry_after(fault: Fault) -> list[tuple[bytes, bytes]]:
    if fault.retry_after is None:
        return []
    if fault.retry_after_date:
        value = email.utils.formatdate(time.time() + fault.retry_after, usegmt=True)
    elif float(fault.retry_after).is_integer():
        value = str(int(fault.retry_after))
    else:
        value = str(fault.retry_after)
    return [(b"retry-after", value.encode())]


async def _send_whole(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes,
    extra: list[tuple[bytes, bytes]],
    drip: float = 0.0,
) -> None:
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if drip:
        await _drip(send, body, drip)
    else:
        await send({"type": "http.response.body", "body": body})


def html_page(status: int) -> bytes:
    """The kind of error page a reverse proxy sends."""
    title = f"{status} {_MESSAGES.get(status, 'Error').title()}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()


def _error_json(status: int) -> bytes:
    if status == 422:
        issue = {"loc": ["body"], "msg": "Injected validation error", "type": "value_error"}
        return orjson.dumps({"detail": [issue]})
    return orjson.dumps(error_body(status, _MESSAGES.get(status, "Injected error")))


def mutate(value: Any, unknown_enums: bool, extra_fields: bool) -> Any:
    """``value`` with enum values and fields that the contract does not know."""
    if isinstance(value, list):
        return [mutate(item, unknown_enums, extra_fields) for item in value]
    if not isinstance(value, dict):
        return value
    result = {key: mutate(item, unknown_enums, extra_fields) for key, item in value.items()}
    kind = result.get("object")
    if unknown_enums and isinstance(kind, str):
        for key, replacement in _UNKNOWN_ENUMS.get(kind, {}).items():
            if key in result:
                result[key] = replacement
    if extra_fields and ("object" in result or "detail" in result):
        result["unannounced_field"] = "a field newer than the contract"
        result["unannounced_object"] = {"nested": [1, 2, 3], "flag": True}
    return result


def _with_length(headers: list[tuple[bytes, bytes]], length: int) -> list[tuple[bytes, bytes]]:
    kept = [(name, value) for name, value in headers if name.lower() != b"content-length"]
    return [*kept, (b"content-length", str(length).encode())]


async def _capture(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[Message, bytes]:
    start: Message = {"type": "http.response.start", "status": 500, "headers": []}
    chunks: list[bytes] = []

    async def keep(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, keep)
    return start, b"".join(chunks)


class _DropAfter:
    """A ``send`` that lets ``limit`` body bytes through, then cuts the connection."""

    def __init__(self, send: Send, limit: int, stats: StatsCounter) -> None:
        self._send = send
        self._left = limit
        self._stats = stats

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.body":
            body = message.get("body", b"")
            if len(body) > self._left:
                if self._left:
                    part = {"type": "http.response.body", "body": body[: self._left]}
                    await self._send({**part, "more_body": True})
                self._stats.fault("drop")
                if not await abort_connection(self._send):
                    raise RuntimeError("the server cannot drop connections")
                raise ConnectionDropped
            self._left -= len(body)
        await self._send(message)


def compress(body: bytes, encoding: str) -> bytes:
    """`body` compressed with each coding of a Content-Encoding value, in order."""
    for coding in (c.strip() for c in encoding.split(",")):
        body = gzip.compress(body, mtime=0) if coding == "gzip" else zlib.compress(body)
    return body


async def _drip(send: Send, body: bytes, seconds: float) -> None:
    """Send `body` a byte at a time, `seconds` apart, until done or the client has gone."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    for i in range(len(body)):
        if transport is not None and transport.is_closing():
            return
        more = i + 1 < len(body)
        await send({"type": "http.response.body", "body": body[i : i + 1], "more_body": more})
        if more:
            await asyncio.sleep(seconds)


async def apply_fault(
    fault: Fault, app: ASGIApp, scope: Scope, receive: Receive, send: Send, stats: StatsCounter
) -> None:
    """Answer one request as ``fault`` says."""
    if fault.delay:
        stats.fault("delay")
        await asyncio.sleep(fault.delay)
    if fault.reset:
        stats.fault("reset")
        if not await abort_connection(send):
            raise RuntimeError("the server cannot drop connections")
        raise ConnectionDropped
    if fault.html:
        stats.fault("html")
        status = fault.status or 502
        await _send_whole(send, status, html_page(status), b"text/html", _retry_after(fault))
        return
    if fault.status is not None:
        stats.fault("status")
        body = _error_json(fault.status)
        extra = _retry_after(fault)
        await _send_whole(send, fault.status, body, b"application/json", extra, fault.drip)
        return
    if fault.drop_after is not None:
        await app(scope, receive, _DropAfter(send, fault.drop_after, stats))
        return
    if fault.lag:
        stats.fault("lag")
        # The listing route reads it from the request's state and hides the newest jobs.
        scope.setdefault("state", {})["listing_lag"] = fault.lag
        await app(scope, receive, send)
        return
    if fault.late:
        stats.fault("late")
        start, body = await _capture(app, scope, receive)
        await asyncio.sleep(fault.late)
        await send(start)
        await send({"type": "http.response.body", "body": body})
        return
    if fault.encoding is not None:
        stats.fault("compress")
        start, body = await _capture(app, scope, receive)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-encoding"]
        body = compress(body, fault.encoding)
        headers.append((b"content-encoding", fault.encoding.encode()))
        await send({**start, "headers": _with_length(headers, len(body))})
        await send({"type": "http.response.body", "body": body})
        return
    if fault.drip:
        stats.fault("drip")
        start, body = await _capture(app, scope, receive)
        await send(start)
        await _drip(send, body, fault.drip)
        return
    if not (fault.truncate or fault.unknown_enums or fault.extra_fields):
        await app(scope, receive, send)
        return
    start, body = await _capture(app, scope, receive)
    headers = list(start.get("headers", []))
    content_type = dict((k.lower(), v) for k, v in headers).get(b"content-type", b"")
    if fault.truncate:
        stats.fault("truncate")
        body = body[: len(body) // 2]
    elif content_type.startswith(b"application/json"):
        stats.fault("mutate")
        body = orjson.dumps(mutate(orjson.loads(body), fault.unknown_enums, fault.extra_fields))
    await send({**start, "headers": _with_length(headers, len(body))})
    await send({"type": "http.response.body", "body": body})
