"""What the sync and async transports share: building requests, following redirects,
deadlines, retry delays and typed errors. No I/O here.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import httpx

from . import __version__
from ._config import ClientConfig
from ._deadline import current, earliest, expired
from ._encoding import ACCEPT_ENCODING
from ._error_answers import error_from_response
from ._redirects import redirect_target, same_origin
from ._retry import parse_retry_after
from ._secrets import LOG_SECRETS, redact, url_secrets
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    MalformedResponseError,
    MistralBatchError,
    RateLimitError,
    UnsafeResponseError,
)

__all__ = ["USER_AGENT", "Attempts", "BodyFactory", "Operation", "RequestFactory", "TransportBase"]

if TYPE_CHECKING:
    from ._upload import Multipart

logger = logging.getLogger("mistral_batch")

USER_AGENT = f"mistral-batch/{__version__}"

#: Builds a fresh request for each attempt (an upload re-opens its source).
RequestFactory = Callable[[], httpx.Request]
#: Makes a fresh streamed body for each attempt of an upload.
BodyFactory = Callable[[], "Multipart"]
T = TypeVar("T")

_SAFE_METHODS = frozenset({"GET", "HEAD"})


@attrs.frozen
class Operation:
    """What the retry logic needs to know about an API operation."""

    name: str
    idempotent: bool = True
    #: The URL itself is a credential (a signed URL): logs and errors show only its host.
    secret_url: bool = False
    #: Whether the client's timeout bounds each attempt as a whole; not for an upload,
    #: whose body may rightly take longer to send (each write is still bounded).
    bounded_attempt: bool = True


@attrs.define
class Attempts:
    """The attempts an operation has made, counted against one retry budget: a download
    counts its first request and every resume here, so that its retries do not multiply."""

    count: int = 0

    def next(self) -> int:
        """Count one more attempt and return its number (from 1)."""
        self.count += 1
        return self.count


def _hidden(
    request: httpx.Request, op: Operation, first: httpx.URL | None = None
) -> contextlib.AbstractContextManager[None]:
    """While sending, keep a secret URL out of httpx's log lines: a signed URL's, and any
    URL a redirect led to on another origin than `first` (storage signs such URLs)."""
    secret = op.secret_url or (first is not None and not same_origin(first, request.url))
    return LOG_SECRETS.hiding(request.url) if secret else contextlib.nullcontext()


def _sent(exc: httpx.RequestError) -> bool:
    """False only when the request provably never reached the server."""
    return not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


def _describe(request: httpx.Request, op: Operation | None = None) -> str:
    # Never the query string, and for a signed URL not even the path: both can be secrets.
    if op is not None and op.secret_url:
        return f"{request.method} {request.url.scheme}://{request.url.host}/..."
    return f"{request.method} {request.url.path}"


class TransportBase:
    """The decisions of a transport; SyncTransport and AsyncTransport do the I/O."""

    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        LOG_SECRETS.add_key(config.api_key)

    def operation_deadline(self) -> float | None:
        """When an operation starting now must end: the client's deadline, or an earlier
        one in force (client.deadline(), or a wait's)."""
        own = self.config.deadline
        return earliest(None if own is None else time.monotonic() + own, current())

    def attempt_deadline(self, op: Operation, at: float | None) -> float | None:
        """When an attempt starting now must end, within its operation's deadline `at`."""
        bound = self.config.attempt_timeout if op.bounded_attempt else None
        return earliest(at, None if bound is None else time.monotonic() + bound)

    def next_hop(
        self,
        request: httpx.Request,
        response: httpx.Response,
        factory: RequestFactory,
        seen: list[httpx.URL],
        *,
        replayable: bool,
    ) -> httpx.Request:
        """The request a redirect asks for, if it is safe to follow; UnsafeResponseError if not."""
        target = redirect_target(
            request.method, request.url, response.status_code, response.headers["location"], seen
        )
        seen.append(target)
        if request.method in _SAFE_METHODS:
            headers = httpx.Headers(request.headers)
            stream = None
        elif replayable:
            fresh = factory()  # the body again: the first copy went to the redirect
            headers, stream = httpx.Headers(fresh.headers), fresh.stream
        else:
            raise UnsafeResponseError(
                f"{request.method} {request.url.path}: a redirect asked to send the body again, "
                "and its source cannot be read twice"
            )
        # Given a stream, httpx.Request leaves the Host header to the caller.
        headers["Host"] = target.netloc.decode("ascii")
        if not same_origin(request.url, target):
            headers.pop("authorization", None)
        return httpx.Request(
            request.method, target, headers=headers, stream=stream, extensions=request.extensions
        )

    def build(
        self,
        client: httpx.Client | httpx.AsyncClient,
        kwargs: dict[str, Any],
        *,
        authenticated: bool = True,
        headers: dict[str, str] | None = None,
    ) -> httpx.Request:
        """Turn a generated request's arguments (see _generated) into a request to our server."""
        kwargs = dict(kwargs)
        method = kwargs.pop("method").upper()
        url = kwargs.pop("url")
        if not url.startswith(("http://", "https://")):
            url = str(self.config.server_url) + url
        if not kwargs.get("params"):
            # Given params, even empty ones, httpx puts them in place of the URL's query
            # (a signed URL would lose its signature), and parses the URL a second time: a
            # third of the client's own time on a small call such as jobs.get.
            kwargs.pop("params", None)
        merged = {
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        merged.update(kwargs.pop("headers", None) or {})
        merged.update(headers or {})
        if authenticated:
            merged["Authorization"] = f"Bearer {self.config.api_key}"
        request = client.build_request(method, url, headers=merged, **kwargs)
        if not authenticated:
            # A user's own client may carry the key among its default headers: a signed
            # URL's host must not get it.
            request.headers.pop("Authorization", None)
        return request

    def error_for(
        self, op: Operation, first: httpx.Request, response: httpx.Response, body: bytes
    ) -> APIError:
        """The typed error for an error response, with the key (and a signed URL) redacted."""
        secrets = [self.config.api_key]
        if op.secret_url:
            secrets += url_secrets(first.url)
        if op.secret_url or not same_origin(first.url, response.request.url):
            secrets += url_secrets(response.request.url)
        return error_from_response(response.status_code, response.headers, body, secrets=secrets)

    def connection_error(
        self, op: Operation, request: httpx.Request, exc: httpx.RequestError
    ) -> APIConnectionError:
        """The typed error for a request that got no response."""
        timed_out = isinstance(exc, httpx.TimeoutException)
        kind = APITimeoutError if timed_out else APIConnectionError
        # asyncio's timeouts come without a message, the socket's say "timed out".
        detail = str(exc) or ("timed out" if timed_out else "")
        reason = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
        secrets = [self.config.api_key, str(request.url)]
        if op.secret_url:
            secrets += url_secrets(request.url)
        return kind(redact(f"{_describe(request, op)} failed: {reason}", secrets))

    def out_of_time(self, op: Operation, attempts: int) -> APITimeoutError:
        """The error for an operation whose deadline passed before its next attempt."""
        return APITimeoutError(f"{op.name}: the deadline passed after {attempts} attempt(s)")

    def malformed(
        self, op: Operation, request: httpx.Request, exc: Exception
    ) -> MalformedResponseError:
        """The error for a success status whose body could not be read as promised."""
        return MalformedResponseError(
            f"{_describe(request, op)}: malformed response body ({type(exc).__name__}: {exc})",
            field=getattr(exc, "field", None),
        )

    def retry_delay(
        self,
        op: Operation,
        attempt: int,
        *,
        error: MistralBatchError,
        status: int | None = None,
        retry_after: str | None = None,
        sent: bool = True,
        replayable: bool = True,
        deadline: float | None = None,
    ) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None to raise `error` now."""
        policy = self.config.retry
        if not replayable or isinstance(error, UnsafeResponseError) or expired(deadline):
            return None
        if status is not None:
            ok = policy.should_retry(attempt, status=status, idempotent=op.idempotent)
        else:
            ok = policy.should_retry(attempt, error=error, idempotent=op.idempotent, sent=sent)
        if not ok:
            return None
        after = error.retry_after if isinstance(error, RateLimitError) else None
        if after is None and retry_after is not None:
            after = parse_retry_after(retry_after, time.time())
        delay = policy.delay(attempt, retry_after=after)
        if delay is not None and deadline is not None and time.monotonic() + delay >= deadline:
            return None  # the next attempt could not start in time
        return delay

    def log_retry(self, op: Operation, attempt: int, error: BaseException, delay: float) -> None:
        """Say at INFO that an attempt failed and when the next one goes."""
        logger.info("%s attempt %d failed (%s); retrying in %.2fs", op.name, attempt, error, delay)
