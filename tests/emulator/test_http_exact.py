"""Request parsing and error answers exactly: query values, JSON bodies, the endpoints'
body checks, Mistral's error object, and a handler's unexpected failure."""

from __future__ import annotations

import logging
import socket
from typing import Any

import httpx
import pytest
from emulator_helpers import api_client, upload, wait_until

from mistral_batch.emulator import Emulator
from mistral_batch_emulator._endpoints import body_problem
from mistral_batch_emulator._errors import error_body, not_found


def _detail(loc: list[str | int], msg: str, type_: str) -> dict[str, Any]:
    return {"detail": [{"loc": loc, "msg": msg, "type": type_}]}


# Query values and JSON bodies


def test_a_query_boolean_that_is_not_one_is_refused_exactly(client: httpx.Client) -> None:
    answer = client.get("/v1/files", params={"include_total": "maybe"})
    assert answer.status_code == 422
    assert answer.json() == _detail(
        ["query", "include_total"], "Input should be a valid boolean", "bool_parsing"
    )


def test_a_query_integer_that_is_not_one_is_refused_exactly(client: httpx.Client) -> None:
    answer = client.get("/v1/files", params={"page": "two"})
    assert answer.status_code == 422
    assert answer.json() == _detail(
        ["query", "page"], "Input should be a valid integer", "int_parsing"
    )


def test_a_body_that_is_not_json_is_refused_exactly(client: httpx.Client) -> None:
    answer = client.post(
        "/v1/batch/jobs", content=b"endpoint=x", headers={"Content-Type": "text/plain"}
    )
    assert answer.status_code == 422
    assert answer.json() == _detail(
        ["body"], "Expected a JSON body, got Content-Type 'text/plain'", "model_attributes_type"
    )


def test_an_empty_json_body_is_a_missing_field(client: httpx.Client) -> None:
    answer = client.post(
        "/v1/batch/jobs", content=b"  ", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.json() == _detail(["body"], "Field required", "missing")


def test_a_client_that_leaves_mid_body_is_no_error_of_the_server(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    server = emulator._server
    assert server is not None
    host, port = emulator.url.removeprefix("http://").split(":")
    with (
        caplog.at_level(logging.WARNING, logger="mistral_batch_emulator"),
        socket.create_connection((host, int(port)), timeout=10) as raw,
    ):
        head = (
            "POST /v1/batch/jobs HTTP/1.1\r\nHost: emulator\r\n"
            f"Authorization: Bearer {emulator.api_key}\r\n"
            "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        )
        raw.sendall(head.encode() + b'{"endpoint": ')
        wait_until(lambda: emulator.stats.requests.get("create_batch_job") == 1)
    wait_until(lambda: not server.server_state.tasks, timeout=5.0)
    assert [r for r in caplog.records if r.name == "mistral_batch_emulator"] == []
    with api_client(emulator) as client:
        assert client.get("/v1/batch/jobs").json()["total"] == 0


# A handler's unexpected failure


def test_an_unexpected_failure_answers_500_and_is_logged_with_the_operation(
    emulator: Emulator, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    stored = upload(client, b"0123456789", "d.txt")
    assert emulator.data_dir is not None
    blob = emulator.data_dir / "blobs" / stored["id"]
    blob.unlink()
    blob.mkdir()
    with caplog.at_level(logging.ERROR, logger="mistral_batch_emulator"):
        answer = client.get(f"/v1/files/{stored['id']}/content")
    assert answer.status_code == 500
    assert answer.json() == {
        "object": "error",
        "message": "Internal server error",
        "type": "internal_server_error",
        "param": None,
        "code": "500",
    }
    [record] = [r for r in caplog.records if r.name == "mistral_batch_emulator"]
    assert record.getMessage() == "unexpected error in download_file"
    assert record.exc_info is not None and record.exc_info[0] is IsADirectoryError


# Mistral's error object


def test_an_error_status_without_a_type_of_its_own_is_an_api_error() -> None:
    assert error_body(418, "teapot") == {
        "object": "error",
        "message": "teapot",
        "type": "api_error",
        "param": None,
        "code": "418",
    }


def test_a_fault_status_without_a_type_of_its_own_answers_an_api_error(
    emulator: Emulator,
) -> None:
    emulator.inject("list_files", status=418)
    with api_client(emulator, contract=False) as client:
        answer = client.get("/v1/files")
    assert answer.status_code == 418
    assert answer.json() == {
        "object": "error",
        "message": "Injected error",
        "type": "api_error",
        "param": None,
        "code": "418",
    }


def test_a_missing_file_is_named_in_the_404(client: httpx.Client) -> None:
    answer = client.get("/v1/files/no-such-file")
    assert answer.status_code == 404
    assert answer.json()["message"] == "File 'no-such-file' not found"


@pytest.mark.parametrize(
    ("object_id", "shown"),
    [("a" * 64, "a" * 64), ("b" * 63 + "cd", "b" * 63 + "c..."), ("", "")],
)
def test_a_long_id_is_cut_to_64_characters_in_the_404(object_id: str, shown: str) -> None:
    error = not_found("Batch job", object_id)
    assert error.status == 404
    assert error.message == f"Batch job {shown!r} not found"


# What each endpoint requires of a request body


@pytest.mark.parametrize(
    ("endpoint", "body", "problem"),
    [
        (
            "/v1/chat/completions",
            {"messages": []},
            "'messages' must be a non-empty list of messages",
        ),
        (
            "/v1/chat/completions",
            {"messages": [{"content": "hi"}]},
            "every item of 'messages' must be an object with a string 'role'",
        ),
        (
            "/v1/chat/completions",
            {"messages": ["hi"]},
            "every item of 'messages' must be an object with a string 'role'",
        ),
        ("/v1/chat/completions", {"messages": [{"role": "user"}]}, None),
        ("/v1/chat/moderations", {"input": "hi"}, "'input' must be a non-empty list of messages"),
        (
            "/v1/chat/moderations",
            {"input": [[{"role": 1}]]},
            "every item of 'input' must be an object with a string 'role'",
        ),
        ("/v1/embeddings", {}, "'input' is required"),
        ("/v1/fim/completions", {"prompt": "p", "suffix": 5}, "'suffix' must be a string"),
        ("/v1/fim/completions", {"prompt": "p", "suffix": None}, None),
        ("/v1/fim/completions", {"prompt": "p", "suffix": "s"}, None),
    ],
)
def test_body_problems_exact(endpoint: str, body: dict[str, Any], problem: str | None) -> None:
    assert body_problem(endpoint, body) == problem
