"""The client: configuration, the HTTP connection pool, and the resources."""

from __future__ import annotations

import httpx

from .._client_base import ClientBase
from .._config import ClientConfig, own_pool
from .._retry import RetryPolicy
from ._batch import AsyncBatch
from ._closing import AsyncClosing
from ._files import AsyncFiles
from ._jobs import AsyncJobs
from ._network import bound_io
from ._transport import AsyncTransport

__all__ = ["AsyncMistral"]


class AsyncMistral(ClientBase, AsyncClosing):
    """The client for Mistral's Files and Batch APIs: ``client.files``, ``client.batch``.

    The key comes from `api_key` or MISTRAL_API_KEY, the server from `server_url` or
    MISTRAL_SERVER_URL (default https://api.mistral.ai). Plain http is refused except on
    loopback, unless `allow_insecure_http=True`. Use it as a context manager, or call
    close(), to release connections. Pass `http_client` to use an httpx.AsyncClient of
    your own (its timeouts, proxies and limits apply; you close it yourself).

    `timeout` bounds each read and write, and each attempt of a call as a whole (a float,
    or an httpx.Timeout whose read value does); `deadline` bounds each operation in all,
    its retries and a download's whole body included (see also ``client.deadline()``).

    `max_concurrency` (default 64) bounds the requests in flight among the threads or
    tasks that share the client: thousands of concurrent calls wait their turn in front
    of the connection pool, never in it, and a wait for a turn is never an error
    (a deadline, if one is set, still holds). A download holds its place until it is
    read to the end or closed. The client makes that many connections; an `http_client`
    of your own should allow as many (``httpx.Limits(max_connections=...)``, 100 by
    default) so that no request waits for a connection, and may then time out, in its
    pool.
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
        transport = AsyncTransport(self._config, self._http)
        self.files = AsyncFiles(transport)
        self.batch = AsyncBatch(AsyncJobs(transport, self.files), self.files, self.server_url)

    async def close(self) -> None:
        """Close the connections this client opened."""
        if self._owns_http:
            await self._http.aclose()
