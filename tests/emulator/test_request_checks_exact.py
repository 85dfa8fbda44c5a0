"""Request checks exactly: the endpoints' body checks, the job body's checks, a JSON body
sent without a Content-Type, and the code of Mistral's error object."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from emulator_helpers import chat_line

from mistral_batch_emulator._endpoints import body_problem
from mistral_batch_emulator._errors import ValidationFailed, error_body
from mistral_batch_emulator._job_input import MAX_INLINE_REQUESTS, parse_job_input


def problems_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(ValidationFailed) as raised:
        parse_job_input(body)
    return raised.value.details


# The endpoints' body checks


@pytest.mark.parametrize("endpoint", ["/v1/chat/moderations", "/v1/chat/classifications"])
@pytest.mark.parametrize("messages", [None, [], "hello"])
def test_an_input_object_without_a_list_of_messages_names_input_messages(
    endpoint: str, messages: object
) -> None:
    problem = body_problem(endpoint, {"input": {"messages": messages}})
    assert problem == "'input.messages' must be a non-empty list of messages"


def test_an_input_object_with_a_message_without_a_role_names_input_messages() -> None:
    problem = body_problem("/v1/chat/moderations", {"input": {"messages": [{"content": "x"}]}})
    assert problem == "every item of 'input.messages' must be an object with a string 'role'"


def test_an_input_object_with_messages_is_a_valid_chat_moderation() -> None:
    body = {"input": {"messages": [{"role": "user", "content": "x"}]}}
    assert body_problem("/v1/chat/moderations", body) is None


@pytest.mark.parametrize("key", ["file_url", "file_id", "file"])
def test_a_transcription_needs_any_one_of_its_three_sources(key: str) -> None:
    assert body_problem("/v1/audio/transcriptions", {key: "audio"}) is None


def test_a_transcription_without_a_source_names_the_three() -> None:
    problem = body_problem("/v1/audio/transcriptions", {"file_id": 3})
    assert problem == "one of 'file_url', 'file_id' or 'file' is required"


# The job body's checks


def test_more_inline_requests_than_allowed_are_refused_as_too_long() -> None:
    requests = [chat_line(0)] * (MAX_INLINE_REQUESTS + 1)
    body = {"endpoint": "/v1/chat/completions", "requests": requests}
    assert problems_of(body) == [
        {
            "loc": ["body", "requests"],
            "msg": "List should have at most 10000 items",
            "type": "too_long",
        }
    ]


def test_an_agent_id_that_is_not_a_string_is_refused_by_name() -> None:
    body = {"endpoint": "/v1/chat/completions", "requests": [chat_line(0)], "agent_id": 7}
    assert problems_of(body) == [
        {
            "loc": ["body", "agent_id"],
            "msg": "Input should be a valid string",
            "type": "string_type",
        }
    ]


def test_an_agent_id_string_is_kept() -> None:
    body = {"endpoint": "/v1/chat/completions", "requests": [chat_line(0)], "agent_id": "ag-1"}
    assert parse_job_input(body).agent_id == "ag-1"


# A JSON body without a Content-Type


def test_a_json_body_without_a_content_type_is_read_as_json(client: httpx.Client) -> None:
    body = {"endpoint": "/v1/chat/completions", "model": "m", "requests": [chat_line(0)]}
    request = client.build_request("POST", "/v1/batch/jobs", content=orjson.dumps(body))
    assert "content-type" not in request.headers
    answer = client.send(request)
    assert answer.status_code == 200, answer.text
    assert answer.json()["endpoint"] == "/v1/chat/completions"
    assert answer.json()["total_requests"] == 1


# Mistral's error object


def test_an_error_code_given_is_kept_instead_of_the_status() -> None:
    assert error_body(409, "busy", param="job_id", code="job_running") == {
        "object": "error",
        "message": "busy",
        "type": "conflict_error",
        "param": "job_id",
        "code": "job_running",
    }
