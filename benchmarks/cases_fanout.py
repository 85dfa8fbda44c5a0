"""Many concurrent calls on one asyncio client (case 8): ours, raw httpx, and raw httpx
behind a semaphore, as the issue measured them. Each counts the calls that failed.

The clients are made and closed inside the measured run, in its event loop: an asyncio
client belongs to the loop it runs in. Making one takes microseconds, against seconds
for the calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks._work import Params, Work, auth

#: The bound a user would put in front of raw httpx.
SEMAPHORE = 50


async def _all(calls: list[Awaitable[Any]]) -> int:
    """How many of the calls failed, once all are done."""
    done = await asyncio.gather(*calls, return_exceptions=True)
    return sum(isinstance(outcome, BaseException) for outcome in done)


def _work(fan_out: Callable[[Params], Awaitable[int]], p: Params) -> Work:
    extra: dict[str, Any] = {}

    def run() -> float:
        extra["errors"] = asyncio.run(fan_out(p))
        return float(p["n"])

    return Work(run, extra=extra)


async def _ours(p: Params) -> int:
    from mistral_batch import AsyncMistral

    async with AsyncMistral(api_key=p["api_key"], server_url=p["url"]) as client:
        get = client.batch.jobs.get
        return await _all([get(p["job_id"]) for _ in range(p["n"])])


async def _httpx(p: Params, bound: asyncio.Semaphore | None) -> int:
    import httpx

    # httpx's defaults, as a user would start: 100 connections, 5 s timeouts.
    async with httpx.AsyncClient(base_url=p["url"], headers=auth(p)) as client:
        url = f"/v1/batch/jobs/{p['job_id']}"

        async def call() -> Any:
            if bound is None:
                response = await client.get(url)
            else:
                async with bound:
                    response = await client.get(url)
            response.raise_for_status()
            return response.json()

        return await _all([call() for _ in range(p["n"])])


def fanout_ours(p: Params) -> Work:
    return _work(_ours, p)


def fanout_httpx(p: Params) -> Work:
    return _work(lambda q: _httpx(q, None), p)


def fanout_httpx_semaphore(p: Params) -> Work:
    return _work(lambda q: _httpx(q, asyncio.Semaphore(SEMAPHORE)), p)
