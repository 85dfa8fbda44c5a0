"""Error answers into typed exceptions: whatever the body's shape, a short readable message.

Beside the transport, which hands every error answer here; the exception classes
themselves live in errors.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

from ._retry import parse_retry_after
from ._secrets import redact
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    ServerError,
    UnprocessableEntityError,
    _phrase,
)

__all__ = ["MAX_BODY_CHARS", "error_from_response"]

#: How much of a response body an APIError keeps: enough to debug, not a whole HTML page.
MAX_BODY_CHARS = 4096
MAX_MESSAGE_CHARS = 300  # for a message taken from a non-JSON body
_SCAN_CHARS = 65536

_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "mistral-correlation-id")

_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_from_response(
    status_code: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    secrets: Iterable[str] = (),
    now: float | None = None,
) -> APIError:
    """Return the APIError subclass for an error response, whatever shape its body has.

    Never raises: unknown, truncated, non-UTF-8, HTML or empty bodies all give an error
    with a short readable message. Every secret is redacted from the message, body and
    headers. `now` (a Unix time) only matters for a Retry-After given as an HTTP date.
    """
    secrets = tuple(secrets)
    lowered = {str(k).lower(): redact(str(v), secrets) for k, v in headers.items()}
    text = redact(body.decode("utf-8", errors="replace"), secrets)
    # Parsed from the redacted text, so that nothing taken from the body can hold a secret.
    data = _load(text)
    fields = _parse_body(data, text, lowered.get("content-type", ""))
    message = fields.pop("message", None) or _phrase(status_code) or f"HTTP {status_code}"
    message = redact(message, secrets)
    cleaned = {k: None if v is None else redact(v, secrets) for k, v in fields.items()}
    request_id = next((lowered[h] for h in _REQUEST_ID_HEADERS if lowered.get(h)), None)
    common: dict[str, Any] = {"type": None, "code": None, "param": None, **cleaned}
    common.update(status_code=status_code, request_id=request_id, headers=lowered)
    common["body"] = _truncate(text, MAX_BODY_CHARS)
    if status_code == 422:
        detail = data.get("detail") if isinstance(data, dict) else None
        details = [d for d in detail if isinstance(d, dict)] if isinstance(detail, list) else []
        # JSON escapes (\u0073k-..., \/) parse back into the clear: redact what was parsed.
        details = [_redacted(d, secrets) for d in details]
        return UnprocessableEntityError(message, details=details, **common)
    if status_code == 429:
        retry_after = parse_retry_after(
            lowered.get("retry-after"), time.time() if now is None else now
        )
        return RateLimitError(message, retry_after=retry_after, **common)
    cls = _BY_STATUS.get(status_code, ServerError if 500 <= status_code <= 599 else APIError)
    return cls(message, **common)


def _redacted(value: Any, secrets: Iterable[str]) -> Any:
    """`value` (parsed JSON) with every string in it redacted."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, list):
        return [_redacted(item, secrets) for item in value]
    if isinstance(value, dict):
        return {redact(str(k), secrets): _redacted(v, secrets) for k, v in value.items()}
    return value


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # empty, truncated, not JSON at all
        return None


def _short(value: Any) -> str | None:
    """Return a JSON scalar as a string, None for null, a compact dump for anything else."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    # A value parsed from JSON always dumps back to it.
    return _truncate(json.dumps(value, ensure_ascii=False), MAX_MESSAGE_CHARS)


def _parse_body(data: Any, text: str, content_type: str) -> dict[str, str | None]:
    """Return message/type/code/param from a parsed body, each a short string or None."""
    if isinstance(data, dict):
        inner = data.get("error")
        if isinstance(inner, dict):
            data = {**data, **inner}
        elif isinstance(inner, str) and not data.get("message"):
            data = {**data, "message": inner}
        message = _short(data.get("message"))
        detail = data.get("detail")
        if not message and isinstance(detail, str):
            message = detail
        elif not message and isinstance(detail, list):
            message = _summarize_details(detail)
        elif not message and detail is not None:
            message = _short(detail)
        if not message and data:
            message = _first_text(text)  # an object of unknown shape: show it rather than nothing
        return {
            "message": _truncate(message, MAX_BODY_CHARS) if message else None,
            "type": _short(data.get("type")),
            "code": _short(data.get("code")),
            "param": _short(data.get("param")),
        }
    # A bounded prefix: proxies can send whole pages, and the regexes need not see them.
    head = text[:_SCAN_CHARS]
    if "html" in content_type.lower() or head.lstrip()[:1] == "<":
        return {"message": _html_message(head)}
    return {"message": _first_text(head)}


def _first_text(text: str) -> str | None:
    line = next((line for line in text.splitlines() if line.strip()), None)
    return None if line is None else _truncate(" ".join(line.split()), MAX_MESSAGE_CHARS)


_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_DROP = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def _html_message(text: str) -> str | None:
    match = _TITLE.search(text)
    if match and match.group(1).strip():
        found = match.group(1)
    else:
        found = _TAG.sub(" ", _DROP.sub(" ", text))
    words = html.unescape(found).split()
    return _truncate(" ".join(words), MAX_MESSAGE_CHARS) if words else None


def _summarize_details(detail: list[Any]) -> str | None:
    parts = []
    for entry in detail[:3]:
        if isinstance(entry, dict):
            loc = entry.get("loc")
            where = ".".join(str(p) for p in loc) if isinstance(loc, list) else _short(loc)
            msg = _short(entry.get("msg")) or _short(entry.get("message")) or "invalid"
            parts.append(f"{where}: {msg}" if where else msg)
        else:
            parts.append(_short(entry) or "null")
    if len(detail) > 3:
        parts.append(f"and {len(detail) - 3} more")
    return _truncate("; ".join(parts), MAX_BODY_CHARS) if parts else None
