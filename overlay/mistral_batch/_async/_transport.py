"""Sending one API request: built, sent, retried, and its error answer made an exception.

The decisions (what to retry, how long to wait, which redirect to follow, which error to
raise) are taken by TransportBase; this module sends and sleeps. Every request goes with
``stream=True``: bodies are read by _answers, within bounds. At most `max_concurrency`
requests are in flight at once (see _limiter); the others wait their turn.
"""

from __future__ import annotations

# unasync: sync-only import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx

from .._answers import check_encoding
from .._config import ClientConfig
from .._deadline import expired, scope
from .._generated import RequestArgs
from .._limiter import AsyncGate, Slot
from .._transport_base import (
    Attempts,
    BodyFactory,
    Operation,
    RequestFactory,
    TransportBase,
    _describe,
    _hidden,
    _sent,
    logger,
)
from ..errors import MistralBatchError, UnsafeResponseError
from ._answers import aread_answer, aread_error_body

__all__ = ["AsyncTransport"]

T = TypeVar("T")


class AsyncTransport(TransportBase):
    """Sends requests on its client, retrying as the policy allows."""

    def __init__(self, config: ClientConfig, client: httpx.AsyncClient) -> None:
        super().__init__(config)
        self.client = client
        self.gate = AsyncGate(config.max_concurrency)
        # Not at the top: a sync-only program never imports asyncio.  # unasync: async-only
        import asyncio  # unasync: async-only

        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def call(
        self,
        op: Operation,
        args: RequestArgs,
        parse: Callable[[httpx.Response], T],
        *,
        body: BodyFactory | None = None,
        replayable: bool = True,
        gone: Callable[[], T] | None = None,
    ) -> T:
        """Send the request `args` describe, with retries; return its answer read by `parse`.

        `body` makes a fresh streamed body for each attempt (an upload). `gone` answers a
        404 to a retry whose earlier attempt may have been acted on: a delete whose
        answer was lost has done its work.
        """
        factory = self.factory(args, body=body)
        return await self._send(op, factory, parse, stream=False, replayable=replayable, gone=gone)

    async def stream(
        self,
        op: Operation,
        args: RequestArgs,
        *,
        headers: dict[str, str] | None = None,
        authenticated: bool = True,
        attempts: Attempts | None = None,
    ) -> httpx.Response:
        """Send with retries and return the successful response, its body unread.

        `attempts` counts against the retry budget across several requests (a
        download's resumes); without it, this request has a budget of its own.
        """
        factory = self.factory(args, headers=headers, authenticated=authenticated)
        return await self._send(
            op, factory, lambda r: r, stream=True, replayable=True, gone=None, attempts=attempts
        )

    def factory(
        self,
        args: RequestArgs,
        *,
        headers: dict[str, str] | None = None,
        authenticated: bool = True,
        body: BodyFactory | None = None,
    ) -> RequestFactory:
        """What builds the request afresh for each attempt, on this transport's client."""
        if body is None:
            return lambda: self.build(
                self.client, args, authenticated=authenticated, headers=headers
            )

        def fresh() -> httpx.Request:
            form = body()
            extra = {**(headers or {}), **form.headers()}
            content = form.__aiter__()
            streamed = {**args, "content": content}
            return self.build(self.client, streamed, authenticated=authenticated, headers=extra)

        return fresh

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
                with _hidden(request, op, seen[0]):
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
        attempts: Attempts | None = None,
    ) -> T:
        deadline = self.operation_deadline()
        made = attempts or Attempts()
        maybe_acted = False
        while True:
            if expired(deadline):
                raise self.out_of_time(op, made.count)
            attempt = made.next()
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
