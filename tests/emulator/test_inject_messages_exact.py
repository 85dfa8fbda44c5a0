"""Fault injection exactly: a compressed answer to a request with a body, a status fault
sent a byte at a time, Retry-After's header name, an app that answers nothing, and the
abort of a connection through the server's transport."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from asgi_helpers import apply_to
from emulator_helpers import api_client, chat_line

from mistral_batch.emulator import Emulator, Fault
from mistral_batch_emulator._inject import (
    Message,
    Scope,
    abort_connection,
)


async def _never_called(scope: Scope, receive: Any, send: Any) -> None:
    raise AssertionError("a status fault answers without the handler")


async def _silent(scope: Scope, receive: Any, send: Any) -> None:
    """An app that ends without sending a single message."""


# Over the wire


def test_a_compressed_answer_to_a_post_still_reads_the_request_body(
    emulator: Emulator,
) -> None:
    emulator.inject("create_batch_job", encoding="gzip")
    body = {"endpoint": "/v1/chat/completions", "model": "m", "requests": [chat_line(0)]}
    with api_client(emulator, contract=False) as client:
        answer = client.post("/v1/batch/jobs", json=body)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-encoding"] == "gzip"
        job = answer.json()
        assert job["total_requests"] == 1
        assert client.get(f"/v1/batch/jobs/{job['id']}").json()["id"] == job["id"]
    assert emulator.stats.faults == {"compress": 1}


# The ASGI level, called directly


def test_a_dripped_status_fault_sends_its_error_body_a_byte_at_a_time() -> None:
    sent, stats = apply_to(Fault(status=503, drip=0.0001), _never_called)
    body = orjson.dumps(
        {
            "object": "error",
            "message": "Service unavailable",
            "type": "service_unavailable",
            "param": None,
            "code": "503",
        }
    )
    assert sent.messages[0] == {
        "type": "http.response.start",
        "status": 503,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    expected = [
        {"type": "http.response.body", "body": body[i : i + 1], "more_body": i + 1 < len(body)}
        for i in range(len(body))
    ]
    assert sent.messages[1:] == expected
    assert stats.snapshot().faults == {"status": 1}


def test_a_retry_after_header_is_named_in_lower_case() -> None:
    sent, _ = apply_to(Fault(status=429, retry_after=2.0), _never_called)
    assert sent.messages[0]["headers"][2:] == [(b"retry-after", b"2")]


def test_a_truncated_answer_of_an_app_that_sent_nothing_is_an_empty_500() -> None:
    sent, stats = apply_to(Fault(truncate=True), _silent)
    assert sent.messages == [
        {"type": "http.response.start", "status": 500, "headers": [(b"content-length", b"0")]},
        {"type": "http.response.body", "body": b""},
    ]
    assert stats.snapshot().faults == {"truncate": 1}


class _Transport:
    def __init__(self) -> None:
        self.aborted = 0

    def abort(self) -> None:
        self.aborted += 1


class _Cycle:
    """Stands for uvicorn's request cycle: its ``send`` is bound to an object with a transport."""

    def __init__(self) -> None:
        self.transport = _Transport()

    async def send(self, message: Message) -> None:
        raise AssertionError("an abort sends nothing")


def test_a_connection_is_aborted_through_the_transport_of_the_send() -> None:
    cycle = _Cycle()
    assert asyncio.run(abort_connection(cycle.send)) is True
    assert cycle.transport.aborted == 1
