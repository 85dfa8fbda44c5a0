"""The exceptions raised by mistral_batch, grouped by family.

MistralBatchError
    APIError: the server answered with an error status; a subclass per family:
        BadRequestError 400, AuthenticationError 401, PermissionDeniedError 403,
        NotFoundError 404, ConflictError 409, RequestTooLargeError 413,
        UnprocessableEntityError 422, RateLimitError 429, ServerError 5xx
    APIConnectionError (and APITimeoutError, MalformedResponseError, UnsafeResponseError):
        no usable response
    InsecureTransportError, IncompleteDownloadError
    InputError (also a ValueError): local validation failed, nothing was sent
    ResultDecodeError, UnexpectedStatusError, WaitTimeoutError (also a TimeoutError)
"""

from __future__ import annotations

import contextlib
import html
import http
import json
import re
import time
from collections.abc import Iterable, Mapping
from os import PathLike
from typing import Any
from urllib.parse import quote, quote_plus

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "IncompleteDownloadError",
    "InputError",
    "InsecureTransportError",
    "MalformedResponseError",
    "MistralBatchError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTooLargeError",
    "ResultDecodeError",
    "ServerError",
    "UnexpectedStatusError",
    "UnprocessableEntityError",
    "UnsafeResponseError",
    "WaitTimeoutError",
    "error_from_response",
    "redact",
    "secret_forms",
]

#: How much of a response body an APIError keeps: enough to debug, not a whole HTML page.
MAX_BODY_CHARS = 4096
MAX_MESSAGE_CHARS = 300  # for a message taken from a non-JSON body
REDACTED = "[REDACTED]"
_SCAN_CHARS = 65536

_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "mistral-correlation-id")


class MistralBatchError(Exception):
    """Base class of every error raised by mistral_batch."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructor arguments defeat the default pickling of exceptions,
        # which a process pool needs to send an error back.
        return (_rebuild, (type(self), self.args, self.__dict__.copy()))


# --- The server answered -------------------------------------------------------------------


class APIError(MistralBatchError):
    """Raised when the API answers with an error status not covered by a subclass."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        body: str = "",
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.type = type
        self.code = code
        self.param = param
        self.body = body
        self.request_id = request_id
        self.headers: dict[str, str] = dict(headers or {})

    def __str__(self) -> str:
        phrase = _phrase(self.status_code)
        head = f"{self.status_code} {phrase}".rstrip()
        message = self.message
        # Servers often repeat the reason phrase ("Unauthorized: bad key"): say it once.
        rest = message[len(phrase) :]
        if phrase and message.lower().startswith(phrase.lower()) and not rest[:1].isalnum():
            message = rest.lstrip(" :.-")
        text = f"{head}: {message}" if message else head
        fields = ("type", self.type), ("code", self.code), ("param", self.param)
        extras = [f"{k}={v}" for k, v in (*fields, ("request_id", self.request_id)) if v]
        return f"{text} ({', '.join(extras)})" if extras else text


class BadRequestError(APIError):
    """Raised on 400: the server refused the request as malformed."""


class AuthenticationError(APIError):
    """Raised on 401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(APIError):
    """Raised on 403: the key is valid but may not do this."""


class NotFoundError(APIError):
    """Raised on 404: no such file or job (or it belongs to another workspace)."""


class ConflictError(APIError):
    """Raised on 409: the resource is not in a state that allows this."""


class RequestTooLargeError(APIError):
    """Raised on 413: the upload or request body is over the server's limit."""


class UnprocessableEntityError(APIError):
    """Raised on 422: the request was well-formed but its fields failed validation."""

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None, **kw: Any):
        super().__init__(message, **kw)
        self.details: list[dict[str, Any]] = details or []


class RateLimitError(APIError):
    """Raised on 429 once retries are exhausted or Retry-After asks for too long a wait."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any):
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(APIError):
    """Raised on a 5xx status once retries are exhausted."""


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


def _rebuild(
    cls: type[MistralBatchError], args: tuple[Any, ...], state: dict[str, Any]
) -> MistralBatchError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


# --- No answer, or a broken one ------------------------------------------------------------


class APIConnectionError(MistralBatchError):
    """Raised when no usable response arrived: DNS, refused or reset connection, TLS
    failure, a redirect loop, a success whose body was cut or malformed, or a download
    that kept dropping."""

    #: False when the request provably never reached the server (connection refused).
    request_sent: bool = True


class APITimeoutError(APIConnectionError):
    """Raised when connecting, sending or reading took longer than the configured timeout,
    or an attempt or operation passed its deadline."""


class MalformedResponseError(APIConnectionError):
    """Raised when a success answer's body is not what the API promises: not JSON, too
    deep, or a field of the wrong type or missing (named in ``field`` where known)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UnsafeResponseError(APIConnectionError):
    """Raised, never retried, when an answer breaks a rule the client holds to: a redirect
    to plain http, to another origin for a create or upload, or in a loop; a content
    encoding not asked for; an answer that inflates past its bound."""


class InsecureTransportError(MistralBatchError):
    """Raised before sending the API key over plain http to a host that is not loopback."""


class IncompleteDownloadError(MistralBatchError):
    """Raised when a download ends with fewer or more bytes than the file holds, after
    retries, or a result file with fewer lines than its job counts."""

    def __init__(self, message: str, *, expected: int | None = None, received: int | None = None):
        super().__init__(message)
        self.expected = expected
        self.received = received


# --- Local problems ------------------------------------------------------------------------


class InputError(MistralBatchError, ValueError):
    """Raised when local validation fails; nothing was sent."""

    def __init__(
        self,
        reason: str,
        *,
        line: int | None = None,
        path: str | PathLike[str] | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = reason
        self.line = line
        self.path = None if path is None else str(path)
        self.field = field
        where = " ".join(
            part
            for part in (self.path, None if line is None else f"line {line}")
            if part is not None
        )
        super().__init__(f"{where}: {reason}" if where else reason)


class ResultDecodeError(MistralBatchError):
    """Raised when a line of a result file is not valid JSON, not a result object, or
    longer than the line limit (`max_line_bytes`)."""

    def __init__(self, message: str, *, line: int, excerpt: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.excerpt = excerpt


class UnexpectedStatusError(MistralBatchError):
    """Raised by wait() on a job status this version does not know, under the "raise" policy."""

    def __init__(self, message: str, *, status: str, job: object = None) -> None:
        super().__init__(message)
        self.status = status
        self.job = job


class WaitTimeoutError(MistralBatchError, TimeoutError):
    """Raised when wait() gives up before the job reached a terminal status."""

    def __init__(self, message: str, *, job: object = None) -> None:
        super().__init__(message)
        self.job: Any = job


# --- Building errors from responses --------------------------------------------------------


def secret_forms(secret: str) -> set[str]:
    """The ways `secret` can be printed: as is, escaped as in a str or bytes repr or in
    JSON, and percent-encoded."""
    forms = {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1]}
    forms.add(secret.encode("unicode_escape").decode("ascii"))
    for encoding in ("utf-8", "latin-1"):
        with contextlib.suppress(UnicodeEncodeError):
            forms.add(repr(secret.encode(encoding))[2:-1])
    forms.update((quote(secret, safe=""), quote_plus(secret, safe=""), quote(secret)))
    return {form for form in forms if form}


def redact(text: str, secrets: Iterable[str]) -> str:
    """Return text with every non-empty secret, in any of its forms, replaced by [REDACTED]."""
    forms = {form for secret in secrets if secret for form in secret_forms(secret)}
    # Longest first, so that a secret containing another is removed whole.
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, REDACTED)
    return text


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
        return UnprocessableEntityError(message, details=details, **common)
    if status_code == 429:
        # Imported here: _retry imports this module for the error classes.
        from mistral_batch._retry import parse_retry_after

        retry_after = parse_retry_after(
            lowered.get("retry-after"), time.time() if now is None else now
        )
        return RateLimitError(message, retry_after=retry_after, **common)
    cls = _BY_STATUS.get(status_code, ServerError if 500 <= status_code <= 599 else APIError)
    return cls(message, **common)


def _phrase(status_code: int) -> str:
    try:
        return http.HTTPStatus(status_code).phrase
    except ValueError:
        return ""


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
    try:
        return _truncate(json.dumps(value, ensure_ascii=False), MAX_MESSAGE_CHARS)
    except (TypeError, ValueError):
        return _truncate(repr(value), MAX_MESSAGE_CHARS)


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
