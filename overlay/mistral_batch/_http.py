"""Sending one API request: the key, redirects, deadlines, retries and typed errors.

The decisions (what to retry, how long to wait, which redirect to follow, which error to
raise) are taken by TransportBase; the two transports only differ in how they send and
sleep. Every request goes with ``stream=True``: bodies are read by _answers, within bounds.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx

from ._answers import (
    MAX_ERROR_BODY,
    aread_answer,
    aread_error_body,
    check_encoding,
    read_answer,
    read_error_body,
)
from ._config import ClientConfig
from ._deadline import expired, scope
from ._limiter import AsyncGate, Gate, Slot
from ._transport_base import (
    Operation,
    RequestFactory,
    TransportBase,
    _describe,
    _hidden,
    _sent,
    logger,
)
from .errors import MistralBatchError, UnsafeResponseError

__all__ = ["MAX_ERROR_BODY", "AsyncTransport", "Operation", "SyncTransport"]

T = TypeVar("T")


class SyncTransport(TransportBase):
    """Sends requests on an httpx.Client, retrying as the policy allows."""

    def __init__(self, config: ClientConfig, client: httpx.Client) -> None:
        super().__init__(config)
        self.client = client
        self.gate = Gate(config.max_concurrency)
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

    def _exchange(
        self,
        op: Operation,
        request: httpx.Request,
        factory: RequestFactory,
        replayable: bool,
        slot: Slot,
    ) -> httpx.Response:
        """Send `request`, following the redirects that are safe, to the final response;
        `slot` is let go when that response is closed."""
        seen = [request.url]
        try:
            while True:
                with _hidden(request, op):
                    response = self.client.send(request, stream=True, follow_redirects=False)
                if not response.has_redirect_location:
                    return slot.held_by(response)
                response.close()
                request = self.next_hop(request, response, factory, seen, replayable=replayable)
        except BaseException:
            slot.release()
            raise

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
        deadline = self.operation_deadline()
        attempt = 0
        maybe_acted = False
        while True:
            if expired(deadline):
                raise self.out_of_time(op, attempt)
            attempt += 1
            request = factory()
            # The wait for a slot is no part of the attempt: it must not eat its timeout.
            slot = self.gate.enter(deadline)
            if slot is None:
                raise self.out_of_time(op, attempt - 1)
            at = self.attempt_deadline(op, deadline)
            status: int | None = None
            retry_after: str | None = None
            sent = True
            error: MistralBatchError
            try:
                with scope(at):
                    response = self._exchange(op, request, factory, replayable, slot)
                logger.debug("%s %s -> %d", op.name, _describe(request, op), response.status_code)
                if response.is_success:
                    if stream:
                        try:
                            check_encoding(response)
                        except UnsafeResponseError:
                            response.close()
                            raise
                        return parse(response)
                    response = read_answer(response, at)
            except httpx.RequestError as exc:
                error, sent = self.connection_error(op, request, exc), _sent(exc)
                error.request_sent = sent
            except ValueError as exc:  # a body that could not be inflated
                error = self.malformed(op, request, exc)
            else:
                if response.is_success:
                    try:
                        return parse(response)
                    except (ValueError, KeyError, TypeError) as exc:
                        error = self.malformed(op, request, exc)
                elif response.status_code == 404 and maybe_acted and gone is not None:
                    read_error_body(response, at)
                    return gone()
                else:
                    body = read_error_body(response, at)
                    error = self.error_for(op, request, response, body)
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
                deadline=deadline,
            )
            if delay is None:
                raise error
            self.log_retry(op, attempt, error, delay)
            self.sleep(delay)


class AsyncTransport(TransportBase):
    """Sends requests on an httpx.AsyncClient, retrying as the policy allows."""

    def __init__(self, config: ClientConfig, client: httpx.AsyncClient) -> None:
        super().__init__(config)
        self.client = client
        self.gate = AsyncGate(config.max_concurrency)
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

    async def _exchange(
        self,
        op: Operation,
        request: httpx.Request,
        factory: RequestFactory,
        replayable: bool,
        slot: Slot,
    ) -> httpx.Response:
        """Send `request`, following the redirects that are safe, to the final response;
        `slot` is let go when that response is closed."""
        seen = [request.url]
        try:
            while True:
                with _hidden(request, op):
                    response = await self.client.send(request, stream=True, follow_redirects=False)
                if not response.has_redirect_location:
                    return slot.held_by(response)
                await response.aclose()
                request = self.next_hop(request, response, factory, seen, replayable=replayable)
        except BaseException:
            slot.release()
            raise

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
        deadline = self.operation_deadline()
        attempt = 0
        maybe_acted = False
        while True:
            if expired(deadline):
                raise self.out_of_time(op, attempt)
            attempt += 1
            request = factory()
            # The wait for a slot is no part of the attempt: it must not eat its timeout.
            slot = await self.gate.enter(deadline)
            if slot is None:
                raise self.out_of_time(op, attempt - 1)
            at = self.attempt_deadline(op, deadline)
            status: int | None = None
            retry_after: str | None = None
            sent = True
            error: MistralBatchError
            try:
                with scope(at):
                    response = await self._exchange(op, request, factory, replayable, slot)
                logger.debug("%s %s -> %d", op.name, _describe(request, op), response.status_code)
                if response.is_success:
                    if stream:
                        try:
                            check_encoding(response)
                        except UnsafeResponseError:
                            await response.aclose()
                            raise
                        return parse(response)
                    response = await aread_answer(response, at)
            except httpx.RequestError as exc:
                error, sent = self.connection_error(op, request, exc), _sent(exc)
                error.request_sent = sent
            except ValueError as exc:  # a body that could not be inflated
                error = self.malformed(op, request, exc)
            else:
                if response.is_success:
                    try:
                        return parse(response)
                    except (ValueError, KeyError, TypeError) as exc:
                        error = self.malformed(op, request, exc)
                elif response.status_code == 404 and maybe_acted and gone is not None:
                    await aread_error_body(response, at)
                    return gone()
                else:
                    body = await aread_error_body(response, at)
                    error = self.error_for(op, request, response, body)
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
                deadline=deadline,
            )
            if delay is None:
                raise error
            self.log_retry(op, attempt, error, delay)
            await self.sleep(delay)
