"""Fault injection exactly: the fault rules' checks, and each effect's bytes on the wire.

Effects that only a server without uvicorn's transport would meet, and ASGI messages
that the emulator's own handlers never send, are checked by calling ``apply_fault``
directly with a plain ``send`` that keeps what it is given.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx
import pytest
from asgi_helpers import Sent, apply_to, no_body
from emulator_helpers import api_client, chat_line, create_job, upload, wait_until
from starlette.responses import Response

from mistral_batch.emulator import Emulator, Fault
from mistral_batch_emulator._download import CHUNK_SIZE
from mistral_batch_emulator._faults import StatsCounter
from mistral_batch_emulator._inject import (
    Scope,
    abort_connection,
    apply_fault,
    html_page,
    mutate,
)

# The rules themselves


@pytest.mark.parametrize("status", [400, 404, 599])
def test_every_error_status_from_400_to_599_is_a_valid_fault(status: int) -> None:
    assert Fault(status=status).status == status


@pytest.mark.parametrize("status", [200, 399, 600])
def test_a_status_outside_400_to_599_is_refused_with_the_range(status: int) -> None:
    with pytest.raises(ValueError, match=r"^status must be an HTTP error status \(400-599\)$"):
        Fault(status=status)


def test_a_400_fault_answers_400(emulator: Emulator, client: httpx.Client) -> None:
    emulator.inject("list_files", status=400)
    answer = client.get("/v1/files")
    assert answer.status_code == 400
    assert answer.json()["type"] == "invalid_request_error"


@pytest.mark.parametrize("field", ["delay", "late", "lag", "retry_after"])
def test_a_negative_time_is_refused_naming_the_four_times(field: str) -> None:
    with pytest.raises(
        ValueError, match=r"^delay, late, lag and retry_after must not be negative$"
    ):
        Fault.from_json({"status": 500, field: -1.0})


def test_unknown_fields_of_a_rule_are_named_in_order() -> None:
    with pytest.raises(ValueError, match=r"^unknown fault fields: bogus, zap$"):
        Fault.from_json({"zap": 1, "status": 500, "bogus": 2})


@pytest.mark.parametrize("field", ["delay", "late", "lag", "drip", "retry_after"])
def test_a_time_that_is_not_a_number_is_refused_by_name(field: str) -> None:
    with pytest.raises(ValueError, match=rf"^{field} must be a number$"):
        Fault.from_json({"status": 500, field: "soon"})


@pytest.mark.parametrize("field", ["delay", "late", "lag", "drip"])
def test_a_null_time_in_json_means_none(field: str) -> None:
    fault = Fault.from_json({"status": 500, field: None})
    assert getattr(fault, field) == 0.0


def test_a_late_time_that_is_not_a_number_is_refused_by_the_admin_api(
    client: httpx.Client,
) -> None:
    refused = client.post("/_emulator/faults", json={"late": "soon"})
    assert refused.status_code == 422
    assert refused.json() == {
        "detail": [{"loc": ["body", 0], "msg": "late must be a number", "type": "value_error"}]
    }


# Answers over the wire


def test_a_late_answer_arrives_whole_once_the_wait_is_over(
    emulator: Emulator, client: httpx.Client
) -> None:
    job = create_job(client, requests=[chat_line(0)])
    emulator.inject("get_batch_job", late=0.05)
    answer = client.get(f"/v1/batch/jobs/{job['id']}")
    assert answer.status_code == 200
    assert answer.json()["id"] == job["id"]
    assert int(answer.headers["content-length"]) == len(answer.content)
    assert emulator.stats.faults == {"late": 1}


def test_a_422_fault_answers_a_validation_detail(emulator: Emulator) -> None:
    emulator.inject("list_files", status=422)
    with api_client(emulator, contract=False) as client:
        answer = client.get("/v1/files")
    assert answer.status_code == 422
    assert answer.json() == {
        "detail": [{"loc": ["body"], "msg": "Injected validation error", "type": "value_error"}]
    }


def test_an_html_page_for_a_status_without_a_message_says_error(emulator: Emulator) -> None:
    emulator.inject("list_files", html=True, status=404)
    with api_client(emulator, contract=False) as client:
        answer = client.get("/v1/files")
    assert answer.status_code == 404
    assert answer.content == html_page(404)
    assert b"<title>404 Error</title>" in answer.content


def test_html_pages_exact() -> None:
    assert html_page(503) == (
        b"<html>\r\n<head><title>503 Service Unavailable</title></head>\r\n<body>\r\n"
        b"<center><h1>503 Service Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n"
        b"</body>\r\n</html>\r\n"
    )
    assert html_page(418) == (
        b"<html>\r\n<head><title>418 Error</title></head>\r\n<body>\r\n"
        b"<center><h1>418 Error</h1></center>\r\n<hr><center>nginx</center>\r\n"
        b"</body>\r\n</html>\r\n"
    )


def test_extra_fields_add_exactly_two_unannounced_fields() -> None:
    value = {"object": "list", "data": [{"object": "file", "purpose": "batch"}], "total": 1}
    assert mutate(value, unknown_enums=False, extra_fields=True) == {
        "object": "list",
        "data": [
            {
                "object": "file",
                "purpose": "batch",
                "unannounced_field": "a field newer than the contract",
                "unannounced_object": {"nested": [1, 2, 3], "flag": True},
            }
        ],
        "total": 1,
        "unannounced_field": "a field newer than the contract",
        "unannounced_object": {"nested": [1, 2, 3], "flag": True},
    }


def test_a_drop_counts_the_bytes_of_every_chunk_sent_before(
    emulator: Emulator, client: httpx.Client
) -> None:
    content = bytes(range(256)) * ((CHUNK_SIZE + 300_000) // 256)
    stored = upload(client, content, "big.bin", purpose="ocr")
    limit = CHUNK_SIZE + 1000
    emulator.inject("download_file", drop_after=limit)
    received = bytearray()
    with (
        pytest.raises(httpx.TransportError),
        client.stream("GET", f"/v1/files/{stored['id']}/content") as response,
    ):
        for chunk in response.iter_bytes():
            received += chunk
    assert bytes(received) == content[:limit]
    assert emulator.stats.faults == {"drop": 1}


def test_a_drop_after_more_bytes_than_the_answer_lets_a_post_through(
    emulator: Emulator, client: httpx.Client
) -> None:
    emulator.inject("create_batch_job", drop_after=1_000_000)
    job = create_job(client, requests=[chat_line(0)])
    assert client.get(f"/v1/batch/jobs/{job['id']}").json()["id"] == job["id"]
    assert emulator.stats.faults == {}


def test_a_drip_stops_once_the_client_has_gone(emulator: Emulator, client: httpx.Client) -> None:
    job = create_job(client, requests=[chat_line(0)])
    emulator.inject("get_batch_job", drip=0.05)
    server = emulator._server
    assert server is not None
    host, port = emulator.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        request = (
            f"GET /v1/batch/jobs/{job['id']} HTTP/1.1\r\nHost: emulator\r\n"
            f"Authorization: Bearer {emulator.api_key}\r\n\r\n"
        )
        raw.sendall(request.encode())
        assert raw.recv(4096).startswith(b"HTTP/1.1 200 OK\r\n")
    # The whole body would take many seconds; the handler ends soon after the client left.
    wait_until(lambda: not server.server_state.tasks, timeout=3.0)


# The ASGI level, called directly


def _body(chunk: bytes, more: bool | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "http.response.body", "body": chunk}
    if more is not None:
        message["more_body"] = more
    return message


def test_without_a_transport_a_connection_cannot_be_aborted() -> None:
    assert asyncio.run(abort_connection(Sent())) is False


def test_a_drop_without_a_transport_says_the_server_cannot_drop() -> None:
    sent, stats = Sent(), StatsCounter()
    fault = Fault(drop_after=2)
    app = Response(b"hello", media_type="text/plain")
    with pytest.raises(RuntimeError, match=r"^the server cannot drop connections$"):
        asyncio.run(apply_fault(fault, app, {"type": "http"}, no_body, sent, stats))
    assert sent.messages[1:] == [_body(b"he", True)]
    assert stats.snapshot().faults == {"drop": 1}


def test_a_reset_without_a_transport_says_the_server_cannot_drop() -> None:
    with pytest.raises(RuntimeError, match=r"^the server cannot drop connections$"):
        apply_to(Fault(reset=True), Response(b"x"))


def test_a_drip_without_a_transport_sends_every_byte() -> None:
    sent, stats = apply_to(Fault(drip=0.0001), Response(b"abc", media_type="text/plain"))
    assert sent.messages[1:] == [_body(b"a", True), _body(b"b", True), _body(b"c", False)]
    assert stats.snapshot().faults == {"drip": 1}


async def _bare_answer(scope: Scope, receive: Any, send: Any) -> None:
    """An answer in ASGI's shortest form: no headers, and a last message without a body."""
    await send({"type": "http.response.start", "status": 200})
    await send({"type": "http.response.body", "body": b"abcd", "more_body": True})
    await send({"type": "http.response.body"})


def test_a_late_answer_keeps_the_body_when_the_last_message_has_none() -> None:
    sent, _ = apply_to(Fault(late=0.001), _bare_answer)
    assert sent.messages == [{"type": "http.response.start", "status": 200}, _body(b"abcd")]


def test_a_truncated_answer_of_a_start_without_headers_gets_its_length() -> None:
    sent, stats = apply_to(Fault(truncate=True), _bare_answer)
    assert sent.messages == [
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]},
        _body(b"ab"),
    ]
    assert stats.snapshot().faults == {"truncate": 1}


def test_a_lag_goes_into_a_state_the_scope_did_not_have() -> None:
    seen: list[Any] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        seen.append(scope["state"])
        await Response(b"ok")(scope, receive, send)

    apply_to(Fault(lag=1.5), app, {"type": "http"})
    assert seen == [{"listing_lag": 1.5}]
