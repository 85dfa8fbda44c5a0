"""Careless keys and servers that echo them: the key is cleaned or refused before sending,
and no form of it reaches an error or a log line, httpcore's DEBUG lines included.
Signed URLs keep their signatures out of the logs when they redirect, overlap, or carry
their token in the path. Plain http goes only to addresses that are loopback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from hostile import Hostile, Received, answer, file_answer

from mistral_batch import (
    AsyncMistral,
    InputError,
    InsecureTransportError,
    Mistral,
    MistralBatchError,
    RetryPolicy,
)
from mistral_batch._config import is_loopback

KEY = "sk-hostile-secrets-never-printed-7731"
NO_RETRY = RetryPolicy(max_attempts=1)
FILE = file_answer()


def leaks(text: str, secret: str = KEY) -> bool:
    return secret in text or secret[len(secret) // 2 :] in text


def run_both(scenario: Callable[[Any], Any], make: Callable[[type], Any]) -> None:
    """Run `scenario(client)` with a Mistral and, awaited, with an AsyncMistral."""
    with make(Mistral) as client:
        scenario(client)

    async def in_async() -> None:
        async with make(AsyncMistral) as client:
            outcome = scenario(client)
            if asyncio.iscoroutine(outcome):
                await outcome

    asyncio.run(in_async())


async def _maybe(value: Any) -> Any:
    return await value if asyncio.iscoroutine(value) else value


# --- Item: a key with surrounding whitespace or unsafe characters --------------------------


def echo_file(request: Received, conn: socket.socket) -> None:
    answer(conn, 200, json.dumps(FILE).encode())


@pytest.mark.parametrize("raw", [f"{KEY}\n", f"  {KEY}\r\n", f"\t{KEY} "])
def test_a_key_read_from_a_file_is_stripped_before_sending(raw: str, recorder: Any) -> None:
    recorder.tried_one("Hostile servers: careless keys", repr(raw[-2:]))
    with Hostile(echo_file) as server:
        with Mistral(api_key=raw, server_url=server.url, retry=NO_RETRY) as client:
            assert client.files.retrieve("file-1").id == "file-1"

        async def in_async() -> None:
            async with AsyncMistral(api_key=raw, server_url=server.url, retry=NO_RETRY) as c:
                assert (await c.files.retrieve("file-1")).id == "file-1"

        asyncio.run(in_async())
    assert [r.headers["authorization"] for r in server.received] == [f"Bearer {KEY}"] * 2


def test_a_key_from_the_environment_is_stripped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MISTRAL_API_KEY", f"{KEY}\n")
    with Hostile(echo_file) as server:
        with Mistral(server_url=server.url, retry=NO_RETRY) as client:
            client.files.retrieve("file-1")

        async def in_async() -> None:
            async with AsyncMistral(server_url=server.url, retry=NO_RETRY) as c:
                await c.files.retrieve("file-1")

        asyncio.run(in_async())
    assert [r.headers["authorization"] for r in server.received] == [f"Bearer {KEY}"] * 2


@pytest.mark.parametrize(
    "bad", [f"{KEY[:10]}\x00{KEY[10:]}", f"{KEY[:10]}\n{KEY[10:]}", f"{KEY}\u00e9", f"sk {KEY}"]
)
@pytest.mark.parametrize("client_class", [Mistral, AsyncMistral])
def test_a_key_with_unsafe_characters_is_refused_before_sending(
    bad: str, client_class: type, recorder: Any
) -> None:
    recorder.tried_one("Hostile servers: careless keys", f"unsafe {client_class.__name__}")
    with Hostile(echo_file) as server, pytest.raises(InputError) as caught:
        client_class(api_key=bad, server_url=server.url)
    assert server.received == []
    assert caught.value.field == "api_key"
    assert not leaks(str(caught.value)) and "U+" in str(caught.value)


# --- Item: a key echoed by the server, in headers and bodies --------------------------------


def echo_key(request: Received, conn: socket.socket) -> None:
    auth = request.headers.get("authorization", "")
    token = auth.removeprefix("Bearer ")
    body = f'{{"message": "bad key {auth}", "escaped": "{token.encode().hex()}"}}'.encode()
    answer(
        conn,
        401,
        body,
        {
            "X-Echo": auth,
            "X-Echo-Quoted": token.replace("-", "%2D"),
            "WWW-Authenticate": f'Bearer realm="{token}"',
        },
    )


def test_a_key_echoed_in_headers_stays_out_of_every_log_line(
    caplog: pytest.LogCaptureFixture, recorder: Any
) -> None:
    recorder.tried_one("Hostile servers: secrets echoed", "key in response headers")
    seen: list[str] = []
    with Hostile(echo_key) as server, caplog.at_level(logging.DEBUG):

        def make(cls: type) -> Any:
            return cls(api_key=KEY, server_url=server.url, retry=NO_RETRY)

        def scenario(client: Any) -> Any:
            async def in_async() -> None:
                with pytest.raises(MistralBatchError) as caught:
                    await client.files.retrieve("file-1")
                seen.extend([str(caught.value), repr(caught.value), caught.value.body])
                seen.append(repr(caught.value.headers))

            if isinstance(client, AsyncMistral):
                return in_async()
            with pytest.raises(MistralBatchError) as caught:
                client.files.retrieve("file-1")
            seen.extend([str(caught.value), repr(caught.value), caught.value.body])
            seen.append(repr(caught.value.headers))
            return None

        run_both(scenario, make)
    lines = [record.getMessage() for record in caplog.records]
    assert any(r.name.startswith("httpcore") for r in caplog.records), "httpcore logged"
    assert not [text for text in [*seen, *lines] if leaks(text)]
    recorder.loss("texts checked for an echoed key", len(seen) + len(lines), 0)


def test_the_forms_of_a_key_are_all_redacted() -> None:
    from mistral_batch._secrets import redact

    odd = "sk-\u00e9t\u00e9/+="
    texts = [
        repr(odd.encode()),
        repr(odd.encode("latin-1")),
        "sk-%C3%A9t%C3%A9%2F%2B%3D",
        odd.encode("unicode_escape").decode(),
        odd,
    ]
    for text in texts:
        assert "t" not in redact(text, [odd]).replace("[REDACTED]", "").strip("b'\""), text


# --- Item: signed URLs in the logs and errors -------------------------------------------

SIG = "SIGNATURE0123456789abcdef"
TOKEN = "PATHTOKEN9876543210zyxwvu"


def signed_paths(request: Received, conn: socket.socket) -> None:
    if request.path.startswith("/start"):
        answer(conn, 302, headers={"Location": f"/blob/{TOKEN}?sig={SIG}-target"})
    elif request.path.startswith("/denied"):
        answer(conn, 403, f"<Error>SignatureDoesNotMatch: {request.path}</Error>".encode())
    elif request.path.startswith("/slow"):
        # The second of two overlapping downloads is answered after the first has ended.
        with LOCK:
            SLOW_SEEN.append(request.path)
            late = len(SLOW_SEEN) % 2 == 0
        if late:
            time.sleep(0.3)
        answer(conn, 200, b"data")
    else:
        answer(conn, 200, b"data")


LOCK = threading.Lock()
SLOW_SEEN: list[str] = []


def download(client: Mistral, url: str) -> bytes:
    with client.files.download_signed_url(url) as body:
        return body.read()


async def adownload(client: AsyncMistral, url: str) -> bytes:
    async with await client.files.download_signed_url(url) as body:
        return await body.read()


@pytest.mark.parametrize("path", [f"/start?sig={SIG}", f"/blob/{TOKEN}"])
def test_a_signed_url_stays_out_of_the_logs_when_it_redirects_or_holds_a_token(
    path: str, caplog: pytest.LogCaptureFixture, recorder: Any
) -> None:
    recorder.tried_one("Hostile servers: secrets echoed", f"signed URL {path[:6]}")
    with Hostile(signed_paths) as server, caplog.at_level(logging.DEBUG):
        url = server.url + path
        with Mistral(api_key=KEY, server_url=server.url, retry=NO_RETRY) as client:
            assert download(client, url) == b"data"

        async def in_async() -> None:
            async with AsyncMistral(api_key=KEY, server_url=server.url, retry=NO_RETRY) as c:
                assert await adownload(c, url) == b"data"

        asyncio.run(in_async())
    lines = [record.getMessage() for record in caplog.records]
    assert any("HTTP Request" in line for line in lines), "httpx logged its requests"
    assert not [line for line in lines if SIG in line or TOKEN in line]


def test_overlapping_downloads_of_one_signed_url_both_stay_hidden(
    caplog: pytest.LogCaptureFixture, recorder: Any
) -> None:
    recorder.tried_one("Hostile servers: secrets echoed", "signed URL overlapping")
    with Hostile(signed_paths) as server, caplog.at_level(logging.DEBUG):
        url = f"{server.url}/slow?sig={SIG}"
        with Mistral(api_key=KEY, server_url=server.url, retry=NO_RETRY) as client:
            got: list[bytes] = []
            threads = [
                threading.Thread(target=lambda: got.append(download(client, url))) for _ in range(2)
            ]
            for thread in threads:
                thread.start()
                time.sleep(0.05)
            for thread in threads:
                thread.join(timeout=10)
            assert got == [b"data", b"data"]

        async def in_async() -> None:
            async with AsyncMistral(api_key=KEY, server_url=server.url, retry=NO_RETRY) as c:
                assert await asyncio.gather(adownload(c, url), adownload(c, url)) == [
                    b"data",
                    b"data",
                ]

        asyncio.run(in_async())
    lines = [record.getMessage() for record in caplog.records]
    assert sum("HTTP Request" in line for line in lines) == 4
    assert not [line for line in lines if SIG in line]


def test_a_token_in_the_path_stays_out_of_errors(recorder: Any) -> None:
    recorder.tried_one("Hostile servers: secrets echoed", "signed URL token in an error")
    texts: list[str] = []
    with Hostile(signed_paths) as server:
        url = f"{server.url}/denied/{TOKEN}"
        with Mistral(api_key=KEY, server_url=server.url, retry=NO_RETRY) as client:
            with pytest.raises(MistralBatchError) as caught:
                download(client, url)
            texts += [str(caught.value), getattr(caught.value, "body", "")]

        async def in_async() -> None:
            async with AsyncMistral(api_key=KEY, server_url=server.url, retry=NO_RETRY) as c:
                with pytest.raises(MistralBatchError) as caught:
                    await adownload(c, url)
                texts.extend([str(caught.value), getattr(caught.value, "body", "")])

        asyncio.run(in_async())
    assert "SignatureDoesNotMatch" in texts[1]
    assert not [text for text in texts if TOKEN in text]


def test_a_download_redirected_to_signed_storage_keeps_its_signature_hidden(
    caplog: pytest.LogCaptureFixture, recorder: Any
) -> None:
    # The API answers a file's content with a redirect to storage on another origin,
    # whose URL carries a signature; the storage refuses it and echoes the signature.
    recorder.tried_one("Hostile servers: secrets echoed", "API download redirected to storage")

    def storage(request: Received, conn: socket.socket) -> None:
        answer(conn, 403, f'{{"message": "bad signature in {request.path}"}}'.encode())

    texts: list[str] = []
    with Hostile(storage) as store, caplog.at_level(logging.DEBUG):
        target = f"{store.url.replace('127.0.0.1', 'localhost')}/blob/{TOKEN}?sig={SIG}"

        def api(request: Received, conn: socket.socket) -> None:
            if request.path.endswith("/content"):
                answer(conn, 302, headers={"Location": target})
            else:
                answer(conn, 200, json.dumps(FILE).encode())

        with Hostile(api) as server:
            with Mistral(api_key=KEY, server_url=server.url, retry=NO_RETRY) as client:
                with pytest.raises(MistralBatchError) as caught:
                    client.files.download("file-1").read()
                texts += [str(caught.value), getattr(caught.value, "body", "")]

            async def in_async() -> None:
                async with AsyncMistral(api_key=KEY, server_url=server.url, retry=NO_RETRY) as c:
                    with pytest.raises(MistralBatchError) as caught:
                        await (await c.files.download("file-1")).read()
                    texts.extend([str(caught.value), getattr(caught.value, "body", "")])

            asyncio.run(in_async())
    assert len(store.received) == 2 and "bad signature" in texts[1]
    assert not [text for text in texts if SIG in text or TOKEN in text]
    lines = [record.getMessage() for record in caplog.records]
    # Each client logged its three requests (the file, its content, the storage).
    assert sum("HTTP Request" in line for line in lines) == 6
    assert not [line for line in lines if SIG in line or TOKEN in line]


# --- Item: loopback means loopback -----------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.localhost", "localhost.example.test", "127.0.0.1.nip.io"])
@pytest.mark.parametrize("client_class", [Mistral, AsyncMistral])
def test_names_that_only_look_local_get_no_key_over_plain_http(
    host: str, client_class: type, recorder: Any
) -> None:
    recorder.tried_one("Hostile servers: plain http", host)
    assert not is_loopback(host)
    with pytest.raises(InsecureTransportError):
        client_class(api_key=KEY, server_url=f"http://{host}:8000")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "[::1]", "localhost"])
def test_loopback_addresses_still_count(host: str) -> None:
    assert is_loopback(host)
    Mistral(api_key=KEY, server_url=f"http://{host}:8000").close()
