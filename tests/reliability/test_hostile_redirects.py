"""Redirects a hostile or misconfigured server may send: none lowers https to plain http,
takes a create or an upload to another origin, or turns an upload into a GET; a loop is
one error, not five retries of it; a create or upload sent to the same origin again
carries its whole body.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hostile import Hostile, Received, answer, file_answer, job_answer, self_signed

from mistral_batch import AsyncMistral, Mistral, RetryPolicy, UnsafeResponseError
from mistral_batch._redirects import MAX_REDIRECTS

KEY = "sk-hostile-redirects-0123456789"
RETRY = RetryPolicy(max_attempts=5, initial_delay=0, max_delay=0)
JOB = job_answer(
    input_files=["f"],
    model="m",
    status="QUEUED",
    total_requests=0,
    completed_requests=0,
    succeeded_requests=0,
)
FILE = file_answer(bytes=4)


def both(make: Callable[[type], Any], act: Callable[[Any], Any]) -> list[Any]:
    """What `act(client)` returns or raises, with a Mistral and with an AsyncMistral."""
    outcomes: list[Any] = []
    with make(Mistral) as client:
        try:
            outcomes.append(act(client))
        except Exception as exc:
            outcomes.append(exc)

    async def in_async() -> None:
        async with make(AsyncMistral) as client:
            try:
                outcomes.append(await act(client))
            except Exception as exc:
                outcomes.append(exc)

    asyncio.run(in_async())
    return outcomes


@pytest.fixture
def elsewhere() -> Iterator[Hostile]:
    """Another origin, which must receive nothing."""
    with Hostile(lambda r, c: answer(c, 200, json.dumps(JOB).encode())) as server:
        yield server


def redirect_to(target: str, status: int = 307) -> Callable[[Received, socket.socket], None]:
    def script(request: Received, conn: socket.socket) -> None:
        answer(conn, status, headers={"Location": target + request.path})

    return script


def upload(client: Any) -> Any:
    return client.files.upload(b'{"custom_id": "a", "body": {}}\n', file_name="in.jsonl")


def create(client: Any) -> Any:
    return client.batch.jobs.create(requests=[{"custom_id": "a", "body": {}}], model="m")


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("operation", ["create", "upload"])
def test_a_create_or_upload_is_never_sent_to_another_origin(
    elsewhere: Hostile, status: int, operation: str, recorder: Any
) -> None:
    recorder.tried_one("Hostile servers: redirects", f"{operation} {status} to another origin")
    act = create if operation == "create" else upload
    with Hostile(redirect_to(elsewhere.url, status)) as server:
        outcomes = both(lambda cls: cls(KEY, server.url, retry=RETRY), act)
    assert all(isinstance(o, UnsafeResponseError) for o in outcomes), outcomes
    assert elsewhere.received == []
    # Refused once, not retried, and no lookup: a redirect made no job.
    assert [r.method for r in server.received] == ["POST", "POST"]


@pytest.mark.parametrize("status", [301, 302, 303])
def test_an_upload_is_never_turned_into_a_get(status: int, recorder: Any) -> None:
    recorder.tried_one("Hostile servers: redirects", f"upload {status} on the same origin")
    with Hostile(redirect_to("", status)) as server:
        outcomes = both(lambda cls: cls(KEY, server.url, retry=RETRY), upload)
    assert all(isinstance(o, UnsafeResponseError) for o in outcomes), outcomes
    assert [r.method for r in server.received] == ["POST", "POST"]


def test_an_upload_redirected_on_its_origin_is_sent_again_whole(recorder: Any) -> None:
    recorder.tried_one("Hostile servers: redirects", "upload 307 on the same origin")

    def script(request: Received, conn: socket.socket) -> None:
        if request.path.startswith("/moved"):
            answer(conn, 200, json.dumps(FILE).encode())
        else:
            answer(conn, 307, headers={"Location": "/moved" + request.path})

    with Hostile(script) as server:
        outcomes = both(lambda cls: cls(KEY, server.url, retry=RETRY), upload)
    assert [o.id for o in outcomes] == ["file-1", "file-1"]
    first, second = server.received[:2]
    assert second.path == "/moved/v1/files"
    assert b'"custom_id": "a"' in second.body and second.body.count(b"--") == first.body.count(
        b"--"
    )
    assert second.headers["authorization"] == f"Bearer {KEY}"


def test_a_redirect_loop_is_one_error_not_five_retries(recorder: Any) -> None:
    recorder.tried_one("Hostile servers: redirects", "loop")

    def script(request: Received, conn: socket.socket) -> None:
        hop = int(request.path.partition("?hop=")[2] or 0)
        answer(conn, 302, headers={"Location": f"/v1/files/file-1?hop={(hop + 1) % 3}"})

    with Hostile(script) as server:
        outcomes = both(
            lambda cls: cls(KEY, server.url, retry=RETRY), lambda c: c.files.retrieve("file-1")
        )
    assert all(isinstance(o, UnsafeResponseError) for o in outcomes), outcomes
    assert "loop" in str(outcomes[0])
    assert len(server.received) <= 2 * (MAX_REDIRECTS + 2)


def test_https_is_never_lowered_to_plain_http(
    elsewhere: Hostile, tmp_path: Path, recorder: Any
) -> None:
    recorder.tried_one("Hostile servers: redirects", "https to plain http")
    contexts = self_signed(tmp_path)
    if contexts is None:
        pytest.skip("openssl is needed to serve https on loopback")
    server_tls, client_tls = contexts
    signed = f"{elsewhere.url}/blob?sig=x"
    with Hostile(redirect_to(signed, 302), tls=server_tls) as server:

        def make(cls: type) -> Any:
            http = (httpx.Client if cls is Mistral else httpx.AsyncClient)(verify=client_tls)
            return cls(KEY, server.url, retry=RETRY, http_client=http)

        def read(client: Any) -> Any:
            if isinstance(client, Mistral):
                return client.files.download_signed_url(f"{server.url}/start").read()

            async def aread() -> bytes:
                return await (await client.files.download_signed_url(f"{server.url}/s")).read()

            return aread()

        outcomes = both(make, read)
    assert all(isinstance(o, UnsafeResponseError) for o in outcomes), outcomes
    assert "plain http" in str(outcomes[0])
    assert len(server.received) == 2 and elsewhere.received == []


def test_a_client_of_ones_own_that_follows_redirects_still_goes_by_these_rules(
    elsewhere: Hostile, recorder: Any
) -> None:
    recorder.tried_one("Hostile servers: redirects", "create 307 to another origin, own client")
    with Hostile(redirect_to(elsewhere.url, 307)) as server:

        def make(cls: type) -> Any:
            kind = httpx.Client if cls is Mistral else httpx.AsyncClient
            return cls(KEY, server.url, retry=RETRY, http_client=kind(follow_redirects=True))

        outcomes = both(make, create)
    assert all(isinstance(o, UnsafeResponseError) for o in outcomes), outcomes
    assert elsewhere.received == []
