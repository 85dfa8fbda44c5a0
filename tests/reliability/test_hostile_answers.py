"""Lying answers: listings that would walk forever, bodies of the wrong shape or depth,
and result lines too long for memory. Each ends in a typed error, or a walk that stops,
on the sync and async clients alike.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hostile import Hostile, Received, answer, file_answer, job_answer

from mistral_batch import (
    AsyncMistral,
    AsyncResultStream,
    InputError,
    MalformedResponseError,
    Mistral,
    ResultDecodeError,
    ResultStream,
    RetryPolicy,
)
from mistral_batch.emulator import Emulator

KEY = "sk-hostile-answers"
NO_RETRY = RetryPolicy(max_attempts=1)
CATEGORY = "Hostile servers: lying answers"


def page_number(request: Received) -> int:
    return int(parse_qs(urlsplit(request.path).query).get("page", ["0"])[0])


def both(server: Hostile, scenario: Callable[[Any], Any]) -> None:
    """Run `scenario(client)` with a Mistral, then awaited with an AsyncMistral."""
    with Mistral(api_key=KEY, server_url=server.url, retry=NO_RETRY) as client:
        scenario(client)

    async def in_async() -> None:
        async with AsyncMistral(api_key=KEY, server_url=server.url, retry=NO_RETRY) as client:
            outcome = scenario(client)
            if asyncio.iscoroutine(outcome):
                await outcome

    asyncio.run(in_async())


async def collect(listing: Any) -> list[Any]:
    if hasattr(listing, "__aiter__"):
        return [item async for item in listing]
    return list(listing)


# --- Listings that would walk forever -----------------------------------------------------


def alternating_files(request: Received, conn: socket.socket) -> None:
    first = page_number(request) % 2 * 2
    data = [file_answer(id=f"file-{first}"), file_answer(id=f"file-{first + 1}")]
    answer(conn, 200, json.dumps({"data": data, "object": "list", "total": 10**6}).encode())


def shuffled_jobs(request: Received, conn: socket.socket) -> None:
    n = page_number(request)
    data = [job_answer(id=f"job-{(n + i) % 3}") for i in range(3)]
    answer(conn, 200, json.dumps({"data": data, "object": "list", "total": 10**6}).encode())


@pytest.mark.parametrize(
    ("script", "listing", "distinct"),
    [
        (alternating_files, lambda c: c.files.list(page_size=2), 4),
        (shuffled_jobs, lambda c: c.batch.jobs.list(page_size=3), 3),
    ],
    ids=["alternating-pages", "shuffled-page"],
)
def test_a_listing_that_repeats_itself_stops(
    script: Callable[[Received, socket.socket], None],
    listing: Callable[[Any], Any],
    distinct: int,
    recorder: Any,
) -> None:
    recorder.tried_one(CATEGORY, script.__name__)
    counts: list[int] = []

    async def async_count(client: Any) -> None:
        counts.append(len(await collect(listing(client))))

    def scenario(client: Any) -> Any:
        if isinstance(client, AsyncMistral):
            return async_count(client)
        counts.append(len(list(listing(client))))
        return None

    with Hostile(script) as server:
        both(server, scenario)
    assert counts == [distinct, distinct]
    # Each walk fetched the pages it needed and one more that it had met before.
    pages = len(server.received) // 2
    assert pages == (3 if script is alternating_files else 2)


# --- Bodies of the wrong shape ------------------------------------------------------------


BAD_JOBS: dict[str, tuple[bytes, str | None]] = {
    "deep": (b'{"id": ' + b"[" * 5000 + b"]" * 5000 + b"}", None),
    "outputs-a-string": (json.dumps(job_answer(outputs="zz")).encode(), "outputs"),
    "created-yesterday": (json.dumps(job_answer(created_at="yesterday")).encode(), "created_at"),
    "id-null": (json.dumps(job_answer(id=None)).encode(), "id"),
    "input-files-a-string": (json.dumps(job_answer(input_files="file-1")).encode(), "input_files"),
    "counter-true": (json.dumps(job_answer(total_requests=True)).encode(), "total_requests"),
    "an-array": (b"[1, 2, 3]", None),
}


@pytest.mark.parametrize("case", sorted(BAD_JOBS))
def test_a_job_of_the_wrong_shape_is_a_malformed_response(case: str, recorder: Any) -> None:
    recorder.tried_one(CATEGORY, f"job {case}")
    body, field = BAD_JOBS[case]

    def script(request: Received, conn: socket.socket) -> None:
        answer(conn, 200, body)

    caught: list[MalformedResponseError] = []

    async def async_get(client: AsyncMistral) -> None:
        with pytest.raises(MalformedResponseError) as info:
            await client.batch.jobs.get("job-1")
        caught.append(info.value)

    def scenario(client: Any) -> Any:
        if isinstance(client, AsyncMistral):
            return async_get(client)
        with pytest.raises(MalformedResponseError) as info:
            client.batch.jobs.get("job-1")
        caught.append(info.value)
        return None

    with Hostile(script) as server:
        both(server, scenario)
    assert [error.field for error in caught] == [field, field]
    if field is not None:
        assert all(repr(field) in str(error) for error in caught)


def test_a_listing_with_a_total_of_many_is_a_malformed_response(recorder: Any) -> None:
    recorder.tried_one(CATEGORY, "total not a count")

    def script(request: Received, conn: socket.socket) -> None:
        body = {"data": [job_answer()], "object": "list", "total": "many"}
        answer(conn, 200, json.dumps(body).encode())

    fields: list[str | None] = []

    async def async_list(client: AsyncMistral) -> None:
        with pytest.raises(MalformedResponseError) as info:
            await collect(client.batch.jobs.list())
        fields.append(info.value.field)

    def scenario(client: Any) -> Any:
        if isinstance(client, AsyncMistral):
            return async_list(client)
        with pytest.raises(MalformedResponseError) as info:
            list(client.batch.jobs.list())
        fields.append(info.value.field)
        return None

    with Hostile(script) as server:
        both(server, scenario)
    assert fields == ["total", "total"]


def test_a_signed_url_with_another_scheme_is_refused(recorder: Any) -> None:
    recorder.tried_one(CATEGORY, "signed URL scheme")

    def script(request: Received, conn: socket.socket) -> None:
        answer(conn, 200, json.dumps({"url": "file:///etc/passwd"}).encode())

    outcomes: list[str] = []

    async def async_scenario(client: AsyncMistral) -> None:
        with pytest.raises(MalformedResponseError) as info:
            await client.files.get_signed_url("file-1")
        outcomes.append(str(info.value.field))
        with pytest.raises(InputError, match="absolute http"):
            await client.files.download_signed_url("gopher://127.0.0.1/x")

    def scenario(client: Any) -> Any:
        if isinstance(client, AsyncMistral):
            return async_scenario(client)
        with pytest.raises(MalformedResponseError) as info:
            client.files.get_signed_url("file-1")
        outcomes.append(str(info.value.field))
        with pytest.raises(InputError, match="absolute http"):
            client.files.download_signed_url("file:///etc/passwd")
        return None

    with Hostile(script) as server:
        both(server, scenario)
    assert outcomes == ["url", "url"]
    # Only the two get_signed_url calls went out; the bad downloads were refused locally.
    assert len(server.received) == 2


# --- Result lines too long for memory -----------------------------------------------------


def test_a_result_line_past_the_limit_is_a_decode_error(recorder: Any) -> None:
    recorder.tried_one(CATEGORY, "result line past the limit")
    short = json.dumps({"custom_id": "a", "response": {"status_code": 200, "body": {}}})
    long = json.dumps({"custom_id": "b", "response": {"body": {"x": "y" * 300_000}}})
    content = (short + "\n" + long + "\n" + short + "\n").encode()
    limit = 100_000
    with Emulator() as emu, Mistral(api_key=emu.api_key, server_url=emu.url) as client:
        file_id = client.files.upload(content, file_name="results.jsonl").id
        seen: list[str | None] = []
        with pytest.raises(ResultDecodeError, match="line 2 is longer than 100,000 bytes") as info:
            for result in ResultStream(client.files.download(file_id), max_line_bytes=limit):
                seen.append(result.custom_id)
        assert seen == ["a"] and info.value.line == 2
        # The default limit takes the same file whole.
        with ResultStream(client.files.download(file_id)) as results:
            assert [r.custom_id for r in results] == ["a", "b", "a"]

        async def in_async() -> list[str | None]:
            async with AsyncMistral(api_key=emu.api_key, server_url=emu.url) as aclient:
                download = await aclient.files.download(file_id)
                got: list[str | None] = []
                with pytest.raises(ResultDecodeError, match="line 2"):
                    async for result in AsyncResultStream(download, max_line_bytes=limit):
                        got.append(result.custom_id)
                return got

        assert asyncio.run(in_async()) == ["a"]
