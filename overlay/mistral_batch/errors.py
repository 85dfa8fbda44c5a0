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
    MissingDependencyError (also an ImportError): an optional extra is not installed
    ResultDecodeError, UnexpectedStatusError, WaitTimeoutError (also a TimeoutError)
    StateError: a run's state file cannot serve this run
"""

from __future__ import annotations

import http
from collections.abc import Mapping
from os import PathLike
from typing import Any

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
    "MissingDependencyError",
    "MistralBatchError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTooLargeError",
    "ResultDecodeError",
    "ServerError",
    "StateError",
    "UnexpectedStatusError",
    "UnprocessableEntityError",
    "UnsafeResponseError",
    "WaitTimeoutError",
]


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
        row: int | None = None,
    ) -> None:
        self.reason = reason
        self.line = line
        self.path = None if path is None else str(path)
        self.field = field
        #: The row of a table input, counted from 0 as ``iloc`` counts.
        self.row = row
        where = " ".join(
            part
            for part in (
                self.path,
                None if line is None else f"line {line}",
                None if row is None else f"row {row}",
            )
            if part is not None
        )
        super().__init__(f"{where}: {reason}" if where else reason)


class MissingDependencyError(MistralBatchError, ImportError):
    """Raised when an optional dependency a call needs is not installed; the message says
    which extra to install."""


class ResultDecodeError(MistralBatchError):
    """Raised when a line of a result file is not valid JSON, not a result object, or
    longer than the line limit (`max_line_bytes`)."""

    def __init__(self, message: str, *, line: int, excerpt: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.excerpt = excerpt


class StateError(MistralBatchError):
    """Raised when a run's state file was written for another run (the message names what
    differs) or is not a state file; it is left as it is."""


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


def _phrase(status_code: int) -> str:
    try:
        return http.HTTPStatus(status_code).phrase
    except ValueError:
        return ""
