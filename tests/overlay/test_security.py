"""The API key stays secret: not in reprs, logs or errors, not sent where it should not go."""

import asyncio
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from mistral_batch import (
    APIConnectionError,
    AsyncMistral,
    InputError,
    InsecureTransportError,
    Mistral,
    PermissionDeniedError,
)
from mistral_batch._config import is_loopback
from mistral_batch.emulator import Emulator

SECRET = "sk-this-key-must-never-leak"


class Recorder(BaseHTTPRequestHandler):
    """A loopback peer that records the headers it gets, and redirects /redirect."""

    seen: list[dict[str, str]]
    target: str

    def do_GET(self) -> None:
        type(self).seen.append(
            {"path": self.path, **{k.lower(): v for k, v in self.headers.items()}}
        )
        if self.path.startswith("/denied"):
            body = f"<Error>SignatureDoesNotMatch for {self.path}</Error>".encode()
            self.send_response(403)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path.startswith("/loop"):
            self.send_response(302)
            self.send_header("Location", self.path)
            self.end_headers()
            return
        if self.path == "/v1/files/f-1":  # the metadata a download reads first
            body = (
                b'{"id": "f-1", "object": "file", "bytes": 7, "created_at": 1, "filename": "a",'
                b' "purpose": "batch", "sample_type": "batch_result", "source": "mistral"}'
            )
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path.startswith("/v1/files/") and self.path.endswith("/content"):
            self.send_response(302)
            self.send_header("Location", type(self).target)
            self.end_headers()
            return
        body = b"payload"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[str, type[Recorder]]]:
    handler = type("Handler", (Recorder,), {"seen": [], "target": ""})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # "localhost" and "127.0.0.1" are different origins for the same server.
    yield f"http://127.0.0.1:{server.server_port}", handler
    server.shutdown()
    server.server_close()


def test_the_key_is_not_in_reprs() -> None:
    client = Mistral(api_key=SECRET, server_url="https://api.example.test")
    assert SECRET not in repr(client)
    assert SECRET not in repr(client._config)
    assert SECRET not in repr(AsyncMistral(api_key=SECRET, server_url="https://x.test"))


@pytest.mark.parametrize(
    "url", ["http://api.example.test", "http://10.0.0.5:8000", "http://192.168.1.2"]
)
def test_plain_http_to_another_host_is_refused(url: str) -> None:
    with pytest.raises(InsecureTransportError) as caught:
        Mistral(api_key=SECRET, server_url=url)
    assert SECRET not in str(caught.value)
    Mistral(api_key=SECRET, server_url=url, allow_insecure_http=True).close()


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.5.6.7", "[::1]"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)
    Mistral(api_key=SECRET, server_url=f"http://{host}:8000").close()


def test_no_key_is_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    with pytest.raises(InputError, match="MISTRAL_API_KEY"):
        Mistral()


def test_debug_logs_do_not_hold_the_key(caplog: pytest.LogCaptureFixture) -> None:
    with Emulator(api_keys=[SECRET]) as emu, caplog.at_level(logging.DEBUG):
        with Mistral(api_key=SECRET, server_url=emu.url) as client:
            uploaded = client.files.upload(b'{"custom_id": "0", "body": {}}\n')
            client.files.download(uploaded.id).read()
            emu.inject("retrieve_file", status=503, count=1)
            client.files.retrieve(uploaded.id)
        assert caplog.records, "expected some debug logging"
        assert all(SECRET not in record.getMessage() for record in caplog.records)


def test_the_key_is_not_sent_to_another_origin_on_redirect(
    recorder: tuple[str, type[Recorder]],
) -> None:
    base, handler = recorder
    handler.target = base.replace("127.0.0.1", "localhost") + "/elsewhere"
    with Mistral(api_key=SECRET, server_url=base) as client:
        assert client.files.download("f-1").read() == b"payload"
    _, first, second = handler.seen
    assert first["authorization"] == f"Bearer {SECRET}"
    assert second["path"] == "/elsewhere"
    assert "authorization" not in second


def test_signed_url_downloads_do_not_carry_the_key(
    recorder: tuple[str, type[Recorder]],
) -> None:
    base, handler = recorder
    with Mistral(api_key=SECRET, server_url=base) as client:
        assert client.files.download_signed_url(f"{base}/blob?sig=abc").read() == b"payload"
    assert "authorization" not in handler.seen[0]


def test_a_signed_url_does_not_leak_through_errors_or_logs(
    recorder: tuple[str, type[Recorder]], caplog: pytest.LogCaptureFixture
) -> None:
    base, _ = recorder
    signed = f"{base}/denied?sig=SECRETSIG123&se=2030"
    client = Mistral(api_key=SECRET, server_url=base)
    with caplog.at_level(logging.DEBUG), client, pytest.raises(PermissionDeniedError) as caught:
        client.files.download_signed_url(signed)
    assert "SECRETSIG123" not in str(caught.value) + caught.value.body
    assert all("SECRETSIG123" not in r.getMessage() for r in caplog.records)


def test_downloads_ask_for_uncompressed_bytes(recorder: tuple[str, type[Recorder]]) -> None:
    # Byte counts and Range offsets are only meaningful on the bytes as stored.
    base, handler = recorder
    with Mistral(api_key=SECRET, server_url=base) as client:
        client.files.download_signed_url(f"{base}/blob").read()
    assert handler.seen[0]["accept-encoding"] == "identity"


def test_a_redirect_loop_is_a_typed_error(recorder: tuple[str, type[Recorder]]) -> None:
    base, _ = recorder
    client = Mistral(api_key=SECRET, server_url=base, max_retries=0)
    with client, pytest.raises(APIConnectionError):
        client.files.download_signed_url(f"{base}/loop")


def test_a_password_in_the_server_url_is_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    url = "https://gw:s3cr3t-pass-word@api.example/v1"
    with caplog.at_level(logging.DEBUG), Mistral(api_key=SECRET, server_url=url) as client:
        assert client.server_url == "https://api.example"
        assert "s3cr3t" not in repr(client)
    assert "s3cr3t" not in caplog.text
    with pytest.raises(InputError) as caught:
        Mistral(api_key=SECRET, server_url="gw:s3cr3t-pass-word@api.example")
    assert "s3cr3t" not in str(caught.value)


def test_a_users_client_with_the_key_in_its_headers_does_not_send_it_to_a_signed_url(
    recorder: tuple[str, type[Recorder]],
) -> None:
    base, handler = recorder
    own = httpx.Client(headers={"Authorization": f"Bearer {SECRET}"})
    with own, Mistral(api_key=SECRET, server_url=base, http_client=own) as client:
        assert client.files.download_signed_url(f"{base}/blob?sig=abc").read() == b"payload"
    assert "authorization" not in handler.seen[-1]


def test_async_signed_url_downloads_do_not_carry_the_key(
    recorder: tuple[str, type[Recorder]],
) -> None:
    base, handler = recorder

    async def scenario() -> bytes:
        async with AsyncMistral(api_key=SECRET, server_url=base) as client:
            download = await client.files.download_signed_url(f"{base}/blob?sig=abc")
            return await download.read()

    assert asyncio.run(scenario()) == b"payload"
    assert "authorization" not in handler.seen[0]


def test_async_signed_url_stays_out_of_errors_and_debug_logs(
    recorder: tuple[str, type[Recorder]], caplog: pytest.LogCaptureFixture
) -> None:
    base, _ = recorder

    async def scenario() -> None:
        async with AsyncMistral(api_key=SECRET, server_url=base) as client:
            # Storage may put its token in the path as well as in the query.
            ok = await client.files.download_signed_url(f"{base}/blob/PATHTOKEN789?sig=OKSIG456")
            await ok.read()
            await client.files.download_signed_url(f"{base}/denied?sig=SECRETSIG123&se=2030")

    with caplog.at_level(logging.DEBUG), pytest.raises(PermissionDeniedError) as caught:
        asyncio.run(scenario())
    assert "SECRETSIG123" not in str(caught.value) + caught.value.body
    logged = [r.getMessage() for r in caplog.records]
    assert any("download_signed_url" in line for line in logged), "each download is logged"
    for secret in ("SECRETSIG123", "OKSIG456", "PATHTOKEN789"):
        assert all(secret not in line for line in logged), secret


@pytest.mark.parametrize("side", ["sync", "async"])
def test_a_users_client_that_follows_redirects_still_has_ours_followed_by_our_rules(
    recorder: tuple[str, type[Recorder]], side: str
) -> None:
    # Left to httpx, a loop would be followed 20 times and end in an httpx exception.
    base, handler = recorder
    if side == "sync":
        own = httpx.Client(follow_redirects=True)
        client = Mistral(api_key=SECRET, server_url=base, http_client=own, max_retries=0)
        with own, client, pytest.raises(APIConnectionError, match="redirect"):
            client.files.download_signed_url(f"{base}/loop")
    else:

        async def scenario() -> None:
            async with (
                httpx.AsyncClient(follow_redirects=True) as own,
                AsyncMistral(
                    api_key=SECRET, server_url=base, http_client=own, max_retries=0
                ) as client,
            ):
                await client.files.download_signed_url(f"{base}/loop")

        with pytest.raises(APIConnectionError, match="redirect"):
            asyncio.run(scenario())
    # Ours refuse the redirect back to a URL already asked for, before asking again.
    assert len(handler.seen) == 1
