"""Mistral and AsyncMistral: configuration, the HTTP connection pool, and the resources."""

from __future__ import annotations

import contextlib
import time
from types import TracebackType
from typing import Self

import httpx

from ._config import ClientConfig, _seconds, own_pool
from ._deadline import bound_io, scope
from ._http import AsyncTransport, SyncTransport
from ._retry import RetryPolicy
from .batch import Batch
from .files import AsyncFiles, Files
from .jobs import Jobs


class _ClientBase:
    _config: ClientConfig

    def __repr__(self) -> str:
        return f"{type(self).__name__}(server_url={str(self._config.server_url)!r})"

    @property
    def server_url(self) -> str:
        """The API's base URL."""
        return str(self._config.server_url)

    def deadline(self, seconds: float) -> contextlib.AbstractContextManager[None]:
        """A block whose operations, retries and downloads included, end within `seconds`.

        ``with client.deadline(30): client.files.retrieve(file_id)``; an operation that
        cannot finish in time raises APITimeoutError. Blocks nest: the earliest holds.
        """
        checked = _seconds(seconds, "seconds")
        assert checked is not None  # a number was given
        return scope(time.monotonic() + checked)


class Mistral(_ClientBase):
    """The client for Mistral's Files and Batch APIs: ``client.files``, ``client.batch``.

    The key comes from `api_key` or MISTRAL_API_KEY, the server from `server_url` or
    MISTRAL_SERVER_URL (default https://api.mistral.ai). Plain http is refused except on
    loopback, unless `allow_insecure_http=True`. Use it as a context manager, or call
    close(), to release connections. Pass `http_client` to use an httpx.Client of your
    own (its timeouts, proxies and limits apply; you close it yourself).

    `timeout` bounds each read and write, and each attempt of a call as a whole (a float,
    or an httpx.Timeout whose read value does); `deadline` bounds each operation in all,
    its retries and a download's whole body included (see also ``client.deadline()``).

    `max_concurrency` (default 64) bounds the requests in flight among the threads that
    share the client; the others wait their turn, without a timeout of their own. A
    download holds its place until it is read to the end or closed. The client makes
    that many connections; an `http_client` of your own should allow as many
    (``httpx.Limits(max_connections=...)``, 100 by default) so that no request waits
    for a connection, and may then time out, in its pool.
    """

    def __init__(
        self,
        api_key: str | None = None,
        server_url: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        allow_insecure_http: bool = False,
        deadline: float | None = None,
        max_concurrency: int | None = None,
    ) -> None:
        self._config = ClientConfig.resolve(
            api_key,
            server_url,
            timeout=timeout,
            max_retries=max_retries,
            retry=retry,
            allow_insecure_http=allow_insecure_http,
            deadline=deadline,
            max_concurrency=max_concurrency,
        )
        self._owns_http = http_client is None
        if http_client is None:
            timeout, limits = own_pool(self._config)
            http_client = httpx.Client(timeout=timeout, limits=limits)
            bound_io(http_client)
        self._http = http_client
        transport = SyncTransport(self._config, self._http)
        self.files = Files(transport)
        self.batch = Batch(Jobs(transport, self.files), self.files)

    def close(self) -> None:
        """Close the connections this client opened."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncMistral(_ClientBase):
    """The asyncio client: the same resources as Mistral, with ``await`` and ``async for``.

    Its arguments are Mistral's. `max_concurrency` (default 64) bounds the requests in
    flight among the tasks sharing the client: thousands of concurrent calls queue in a
    plain FIFO in front of the connection pool, never in it, and a wait for a turn is
    never an error (a deadline, if one is set, still holds).
    """

    def __init__(
        self,
        api_key: str | None = None,
        server_url: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        allow_insecure_http: bool = False,
        deadline: float | None = None,
        max_concurrency: int | None = None,
    ) -> None:
        self._config = ClientConfig.resolve(
            api_key,
            server_url,
            timeout=timeout,
            max_retries=max_retries,
            retry=retry,
            allow_insecure_http=allow_insecure_http,
            deadline=deadline,
            max_concurrency=max_concurrency,
        )
        self._owns_http = http_client is None
        if http_client is None:
            timeout, limits = own_pool(self._config)
            http_client = httpx.AsyncClient(timeout=timeout, limits=limits)
            bound_io(http_client)
        self._http = http_client
        # Imported on first use, so that programs using only Mistral start faster.
        from ._async_jobs import AsyncBatch, AsyncJobs

        transport = AsyncTransport(self._config, self._http)
        self.files = AsyncFiles(transport)
        self.batch = AsyncBatch(AsyncJobs(transport, self.files), self.files)

    async def close(self) -> None:
        """Close the connections this client opened."""
        if self._owns_http:
            await self._http.aclose()

    aclose = close

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
