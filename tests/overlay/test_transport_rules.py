"""The transport's pure decisions: which redirects to follow, which encodings to read and
how far, how deadlines nest, and the forms of a key that redaction removes."""

from __future__ import annotations

import asyncio
import gzip
import time
import zlib

import httpx
import pytest

from mistral_batch import (
    AsyncMistral,
    InputError,
    Mistral,
    NotFoundError,
    UnsafeResponseError,
)
from mistral_batch._deadline import current, earliest, poll_deadline, scope
from mistral_batch._encoding import BoundedDecoder, codings
from mistral_batch._redirects import MAX_REDIRECTS, redirect_target
from mistral_batch._secrets import clean_api_key, redact, secret_forms, url_secrets

API = httpx.URL("https://api.example.test/v1/files/f/content")


def follow(method: str, status: int, location: str, url: httpx.URL = API) -> httpx.URL:
    return redirect_target(method, url, status, location, [url])


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_download_may_go_to_storage_elsewhere(status: int) -> None:
    target = follow("GET", status, "https://storage.example.test/blob?sig=1")
    assert target.host == "storage.example.test"


@pytest.mark.parametrize(
    ("method", "status", "location", "why"),
    [
        ("GET", 302, "http://storage.example.test/blob", "plain http"),
        ("GET", 302, "ftp://storage.example.test/blob", "ftp"),
        ("POST", 302, "/v1/files", "as a GET"),
        ("POST", 303, "/v1/files", "as a GET"),
        ("POST", 307, "https://other.example.test/v1/files", "another origin"),
        ("POST", 308, "http://api.example.test/v1/files", "plain http"),
        ("DELETE", 307, "https://api.example.test:8443/v1/files/f", "another origin"),
    ],
)
def test_unsafe_redirects_are_refused(method: str, status: int, location: str, why: str) -> None:
    with pytest.raises(UnsafeResponseError, match=why):
        follow(method, status, location)


def test_a_post_may_be_sent_again_on_its_own_origin() -> None:
    assert follow("POST", 307, "/v2/files").path == "/v2/files"


def test_a_loop_and_a_long_chain_are_refused() -> None:
    with pytest.raises(UnsafeResponseError, match="loop"):
        follow("GET", 302, str(API))
    chain = [httpx.URL(f"https://api.example.test/{i}") for i in range(MAX_REDIRECTS + 1)]
    with pytest.raises(UnsafeResponseError, match="loop"):
        redirect_target("GET", chain[-1], 302, "/next", chain)


def test_codings_leave_identity_out() -> None:
    assert codings("") == [] and codings("identity") == []
    assert codings(" GZIP , identity, deflate") == ["gzip", "deflate"]


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [("gzip", lambda b: gzip.compress(b)), ("deflate", zlib.compress), ("", lambda b: b)],
)
def test_one_layer_is_inflated_in_pieces(encoding: str, pack: object) -> None:
    data = b"0123456789" * 10_000
    packed = pack(data)  # type: ignore[operator]
    decoder = BoundedDecoder(encoding, limit=len(data))
    out = b"".join(decoder.feed(packed[i : i + 100]) for i in range(0, len(packed), 100))
    assert out == data


def test_raw_deflate_is_read_too() -> None:
    squeeze = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    packed = squeeze.compress(b"hello" * 100) + squeeze.flush()
    assert BoundedDecoder("deflate").feed(packed) == b"hello" * 100


@pytest.mark.parametrize("encoding", ["gzip, gzip", "br", "compress", "gzip, zstd"])
def test_stacked_or_unknown_encodings_are_refused(encoding: str) -> None:
    with pytest.raises(UnsafeResponseError):
        BoundedDecoder(encoding)


def test_inflating_stops_at_the_bound_without_inflating_the_rest() -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)
    decoder = BoundedDecoder("gzip", limit=1000)
    with pytest.raises(UnsafeResponseError, match="larger than 1000 bytes"):
        decoder.feed(bomb)
    assert decoder.produced <= 1001


def test_a_corrupt_stream_is_a_malformed_answer() -> None:
    with pytest.raises(ValueError, match="corrupt"):
        BoundedDecoder("gzip").feed(b"not gzip at all")


def test_deadlines_nest_and_the_earliest_holds() -> None:
    assert current() is None
    now = time.monotonic()
    with scope(now + 10):
        assert current() == now + 10
        with scope(now + 20):
            assert current() == now + 10
        with scope(now + 5):
            assert current() == now + 5
        with scope(None):
            assert current() == now + 10
    assert current() is None
    assert earliest(None, 3.0, 2.0) == 2.0 and earliest(None) is None


def test_a_waits_last_poll_gets_a_little_more_time() -> None:
    assert poll_deadline(None, 10) is None and poll_deadline(100.0, None) == 100.0
    assert poll_deadline(100.0, 0.3) == 101.0
    assert poll_deadline(100.0, 30) == 103.0
    assert poll_deadline(100.0, 3600) == 105.0


@pytest.mark.parametrize("raw", ["sk-abc\n", " sk-abc ", "\tsk-abc\r\n"])
def test_a_key_is_stripped(raw: str) -> None:
    assert clean_api_key(raw) == "sk-abc"


@pytest.mark.parametrize("raw", ["sk-a\x00bc", "sk a", "sk-\u00e9", "sk-\u200b", "  "])
def test_a_key_with_unsafe_characters_is_refused_without_being_shown(raw: str) -> None:
    with pytest.raises(InputError) as caught:
        clean_api_key(raw)
    assert caught.value.field == "api_key"
    assert "sk-" not in str(caught.value)


def test_every_printed_form_of_a_secret_is_redacted() -> None:
    secret = "sk-\u00e9/+ x"
    forms = secret_forms(secret)
    assert {"sk-%C3%A9%2F%2B%20x", "sk-\\xc3\\xa9/+ x", "sk-\\u00e9/+ x"} <= forms
    text = " | ".join(sorted(forms))
    assert redact(text, [secret]).replace("[REDACTED]", "").strip(" |") == ""


def test_the_secret_parts_of_a_signed_url() -> None:
    url = httpx.URL("https://s.example.test/v1/blob/TOKEN0123456789abc?sig=SIG-0123456&se=2030")
    parts = url_secrets(url)
    assert "TOKEN0123456789abc" in parts and "SIG-0123456" in parts
    assert "v1" not in parts and "2030" not in parts


FILE_JSON = (
    b'{"id": "file-1", "object": "file", "bytes": 4, "created_at": 1, "filename": "a.jsonl",'
    b' "purpose": "batch", "sample_type": "batch_request", "source": "upload"}'
)


def answer_whole(request: httpx.Request) -> httpx.Response:
    # httpx.MockTransport hands its answers over already read, unlike a network transport.
    if request.url.path.endswith("/missing"):
        return httpx.Response(404, json={"message": "No file missing"})
    return httpx.Response(200, content=FILE_JSON)


def test_answers_a_transport_hands_over_whole_are_read_too() -> None:
    mock = httpx.MockTransport(answer_whole)
    http = httpx.Client(transport=mock)
    with http, Mistral("sk-test-0123456789", "https://api.example.test", http_client=http) as c:
        assert c.files.retrieve("file-1").bytes == 4
        with pytest.raises(NotFoundError, match="No file missing"):
            c.files.retrieve("missing")

    async def in_async() -> None:
        async with (
            httpx.AsyncClient(transport=mock) as http,
            AsyncMistral("sk-test-0123456789", "https://api.example.test", http_client=http) as c,
        ):
            assert (await c.files.retrieve("file-1")).bytes == 4
            with pytest.raises(NotFoundError, match="No file missing"):
                await c.files.retrieve("missing")

    asyncio.run(in_async())
