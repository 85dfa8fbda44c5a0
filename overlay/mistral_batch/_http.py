"""Sending one API request: the key, the retries, and typed errors. Sync and async.

The decisions (what to retry, how long to wait, which error to raise) are taken by
``_Base``; the two transports only differ in how they send and sleep.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import attrs
import httpx

from . import __version__
from ._config import ClientConfig
from ._retry import parse_retry_after
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    MistralBatchError,
    RateLimitError,
    error_from_response,
    redact,
)

logger = logging.getLogger("mistral_batch")

USER_AGENT = f"mistral-batch/{__version__}"

#: Builds a fresh request for each attempt (an upload re-opens its source).
RequestFactory = Callable[[], httpx.Request]
T = TypeVar("T")

#: Reads as far into an error body as a message needs; a proxy's page can be large.
MAX_ERROR_BODY = 64 * 1024


@attrs.frozen
class Operation:
    """What the retry logic needs to know about an API operation."""

    name: str
    idempotent: bool = True
    #: The URL itself is a credential (a signed URL): logs and errors show only its host.
    secret_url: bool = False


class _SecretURLs(logging.Filter):
    """Hides the URLs being fetched as credentials from httpx's own request log lines."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.urls and isinstance(record.args, tuple):
            record.args = tuple(
                "<signed URL>" if str(arg) in self.urls else arg for arg in record.args
            )
        return True


_SECRET_URLS = _SecretURLs()
logging.getLogger("httpx").addFilter(_SECRET_URLS)


@contextlib.contextmanager
def _hidden(request: httpx.Request, op: Operation) -> Iterator[None]:
    """While sending, keep a secret URL out of httpx's log lines."""
    if not op.secret_url:
        yield
        return
    url = str(request.url)
    _SECRET_URLS.urls.add(url)
    try:
        yield
    finally:
        _SECRET_URLS.urls.discard(url)


def _sent(exc: httpx.RequestError) -> bool:
    """False only when the request provably never reached the server."""
    return not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


def _describe(request: httpx.Request, op: Operation | None = None) -> str:
    # Never the query string, and for a signed URL not even the path: both can be secrets.
    if op is not None and op.secret_url:
        return f"{request.method} {request.url.scheme}://{request.url.host}/..."
    return f"{request.method} {request.url.path}"


class _Base:
    def __init__(self, config: ClientConfig) -> None:
        self.config = config

    def build(
        self,
        client: httpx.Client | httpx.AsyncClient,
        kwargs: dict[str, Any],
        *,
        authenticated: bool = True,
        headers: dict[str, str] | None = None,
    ) -> httpx.Request:
        """Turn a generated operation's `_get_kwargs` into a request to our server."""
        kwargs = dict(kwargs)
        method = kwargs.pop("method").upper()
        url = kwargs.pop("url")
        if not url.startswith(("http://", "https://")):
            url = str(self.config.server_url) + url
        if not kwargs.get("params") and "?" not in url:
            # Empty params make httpx parse the URL a second time, to the same URL: that
            # was a third of the client's own time on a small call such as jobs.get.
            kwargs.pop("params", None)
        merged = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        merged.update(kwargs.pop("headers", None) or {})
        merged.update(headers or {})
        if authenticated:
            merged["Authorization"] = f"Bearer {self.config.api_key}"
        return client.build_request(method, url, headers=merged, **kwargs)

    def error_for(self, op: Operation, response: httpx.Response, body: bytes) -> APIError:
        """The typed error for an error response, with the key (and a signed URL) redacted."""
        secrets = [self.config.api_key]
        if op.secret_url:
            url = response.request.url
            secrets += [str(url), url.query.decode(), *(v for _, v in url.params.multi_items())]
        return error_from_response(response.status_code, response.headers, body, secrets=secrets)

    def connection_error(
        self, op: Operation, request: httpx.Request, exc: httpx.RequestError
    ) -> APIConnectionError:
        """The typed error for a request that got no response."""
        kind = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
        reason = type(exc).__name__ if not str(exc) else f"{type(exc).__name__}: {exc}"
        secrets = (self.config.api_key, str(request.url))
        return kind(redact(f"{_describe(request, op)} failed: {reason}", secrets))

    def malformed(
        self, op: Operation, request: httpx.Request, exc: Exception
    ) -> APIConnectionError:
        """The error for a success status whose body could not be read as promised."""
        return APIConnectionError(
            f"{_describe(request, op)}: malformed response body ({type(exc).__name__}: {exc})"
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
    ) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None to raise `error` now."""
        policy = self.config.retry
        if not replayable:
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
        return policy.delay(attempt, retry_after=after)

    def log_retry(self, op: Operation, attempt: int, error: BaseException, delay: float) -> None:
        """Say at INFO that an attempt failed and when the next one goes."""
        logger.info("%s attempt %d failed (%s); retrying in %.2fs", op.name, attempt, error, delay)


class SyncTransport(_Base):
    """Sends requests on an httpx.Client, retrying as the policy allows."""

    def __init__(self, config: ClientConfig, client: httpx.Client) -> None:
        super().__init__(config)
        self.client = client
        self.sleep: Callable[[float], None] = time.sleep

    def call(
        self,
        op: Operation,
        factory: RequestFactory,
        parse: Callable[[httpx.Response], T],
        *,
        replayable: bool = True,
        gone: Callable[[], T] | None = None,
    ) -> T:
        """Send with retries and return the parsed body of the successful response.

        `gone` answers a 404 to a retry whose earlier attempt may have been acted on:
        a delete whose answer was lost has done its work.
        """
        return self._send(op, factory, parse, stream=False, replayable=replayable, gone=gone)

    def stream(self, op: Operation, factory: RequestFactory) -> httpx.Response:
        """Send with retries and return the successful response, its body unread."""
        return self._send(op, factory, lambda r: r, stream=True, replayable=True, gone=None)

    def _send(
        self,
        op: Operation,
        factory: RequestFactory,
        parse: Callable[[httpx.Response], T],
        *,
        stream: bool,
        replayable: bool,
        gone: Callable[[], T] | None,
    ) -> T:
        attempt = 0
        maybe_acted = False
        while True:
            attempt += 1
            request = factory()
            status: int | None = None
            retry_after: str | None = None
            sent = True
            error: MistralBatchError
            try:
                with _hidden(request, op):
                    response = self.client.send(request, stream=stream, follow_redirects=True)
            except httpx.RequestError as exc:
                error, sent = self.connection_error(op, request, exc), _sent(exc)
                error.request_sent = sent
            else:
                logger.debug("%s %s -> %d", op.name, _describe(request, op), response.status_code)
                if response.is_success:
                    try:
                        return parse(response)
                    except (ValueError, KeyError, TypeError, httpx.RequestError) as exc:
                        response.close()
                        error = self.malformed(op, request, exc)
                elif response.status_code == 404 and maybe_acted and gone is not None:
                    _read_error_body(response)
                    return gone()
                else:
                    body = _read_error_body(response)
                    error = self.error_for(op, response, body)
                    status, retry_after = response.status_code, response.headers.get("retry-after")
            maybe_acted = maybe_acted or (sent and (status is None or status >= 500))
            delay = self.retry_delay(
                op,
                attempt,
                error=error,
                status=status,
                retry_after=retry_after,
                sent=sent,
                replayable=replayable,
            )
            if delay is None:
                raise error
            self.log_retry(op, attempt, error, delay)
            self.sleep(delay)


class AsyncTransport(_Base):
    """Sends requests on an httpx.AsyncClient, retrying as the policy allows."""

    def __init__(self, config: ClientConfig, client: httpx.AsyncClient) -> None:
        super().__init__(config)
        self.client = client
        # asyncio is imported here, not at the top: a sync-only program never needs it.
        import asyncio

        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def call(
        self,
        op: Operation,
        factory: RequestFactory,
        parse: Callable[[httpx.Response], T],
        *,
        replayable: bool = True,
        gone: Callable[[], T] | None = None,
    ) -> T:
        """Send with retries and return the parsed body of the successful response.

        `gone` answers a 404 to a retry whose earlier attempt may have been acted on:
        a delete whose answer was lost has done its work.
        """
        return await self._send(op, factory, parse, stream=False, replayable=replayable, gone=gone)

    async def stream(self, op: Operation, factory: RequestFactory) -> httpx.Response:
        """Send with retries and return the successful response, its body unread."""
        return await self._send(op, factory, lambda r: r, stream=True, replayable=True, gone=None)

    async def _send(
        self,
        op: Operation,
        factory: RequestFactory,
        parse: Callable[[httpx.Response], T],
        *,
        stream: bool,
        replayable: bool,
        gone: Callable[[], T] | None,
    ) -> T:
        attempt = 0
        maybe_acted = False
        while True:
            attempt += 1
            request = factory()
            status: int | None = None
            retry_after: str | None = None
            sent = True
            error: MistralBatchError
            try:
                with _hidden(request, op):
                    response = await self.client.send(request, stream=stream, follow_redirects=True)
            except httpx.RequestError as exc:
                error, sent = self.connection_error(op, request, exc), _sent(exc)
                error.request_sent = sent
            else:
                logger.debug("%s %s -> %d", op.name, _describe(request, op), response.status_code)
                if response.is_success:
                    try:
                        return parse(response)
                    except (ValueError, KeyError, TypeError, httpx.RequestError) as exc:
                        await response.aclose()
                        error = self.malformed(op, request, exc)
                elif response.status_code == 404 and maybe_acted and gone is not None:
                    await _aread_error_body(response)
                    return gone()
                else:
                    body = await _aread_error_body(response)
                    error = self.error_for(op, response, body)
                    status, retry_after = response.status_code, response.headers.get("retry-after")
            maybe_acted = maybe_acted or (sent and (status is None or status >= 500))
            delay = self.retry_delay(
                op,
                attempt,
                error=error,
                status=status,
                retry_after=retry_after,
                sent=sent,
                replayable=replayable,
            )
            if delay is None:
                raise error
            self.log_retry(op, attempt, error, delay)
            await self.sleep(delay)


def _read_error_body(response: httpx.Response) -> bytes:
    body = b""
    try:
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) >= MAX_ERROR_BODY:
                break
    except httpx.RequestError:
        pass
    finally:
        response.close()
    return body


async def _aread_error_body(response: httpx.Response) -> bytes:
    body = b""
    try:
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) >= MAX_ERROR_BODY:
                break
    except httpx.RequestError:
        pass
    finally:
        await response.aclose()
    return body
