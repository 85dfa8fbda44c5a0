"""A run's decisions that need no I/O, exactly: the line written for a request no job
answered, the names of result files, the refusals taken for a full workspace, and the
options a run checks."""

from __future__ import annotations

import json

import pytest

from mistral_batch._input import MAX_INPUT_BYTES
from mistral_batch._validation import MAX_INLINE_REQUESTS, MAX_PENDING_REQUESTS
from mistral_batch._workload import (
    DEFAULT_RETRY_ROUNDS,
    RunOptions,
    is_pending_refusal,
    result_file_name,
    unanswered_line,
)
from mistral_batch.errors import (
    BadRequestError,
    InputError,
    NotFoundError,
    RateLimitError,
    StateError,
)


@pytest.mark.parametrize(
    ("rounds", "sent"), [(1, "once"), (2, "2 times"), (3, "3 times"), (0, "0 times")]
)
def test_the_line_of_a_request_no_job_answered(rounds: int, sent: str) -> None:
    assert unanswered_line("r-7", rounds) == (
        b'{"id": null, "custom_id": "r-7", "response": null, "error": {"message":'
        b' "no job answered this request (sent ' + sent.encode() + b')", "code": "unanswered"}}\n'
    )


def test_the_line_of_an_unanswered_request_keeps_its_id_as_utf8() -> None:
    raw = unanswered_line("café \u2028", 1)
    assert raw.endswith(b"\n") and raw.count(b"\n") == 1
    assert b'"custom_id": "caf\xc3\xa9 \xe2\x80\xa8"' in raw
    assert json.loads(raw) == {
        "id": None,
        "custom_id": "café \u2028",
        "response": None,
        "error": {"message": "no job answered this request (sent once)", "code": "unanswered"},
    }


@pytest.mark.parametrize(
    ("part", "model", "kind", "name"),
    [
        (0, 0, "output", "part00000-model0-output.jsonl"),
        (42, 3, "errors", "part00042-model3-errors.jsonl"),
        (123456, 1, "output", "part123456-model1-output.jsonl"),
        (-1, 2, "output", "cached-model2-output.jsonl"),
        (-5, 0, "errors", "cached-model0-errors.jsonl"),
    ],
)
def test_the_name_of_a_result_file(part: int, model: int, kind: str, name: str) -> None:
    assert result_file_name(part, model, kind) == name


@pytest.mark.parametrize(
    ("error", "pending"),
    [
        (BadRequestError("Too many pending requests", status_code=400), True),
        (RateLimitError("the workspace has 5 PENDING REQUESTS", status_code=429), True),
        (BadRequestError("pending", status_code=400), False),
        (BadRequestError("bad model", status_code=400), False),
        (NotFoundError("no pending request here", status_code=404), False),
        (StateError("a pending request"), False),
    ],
)
def test_a_refusal_for_pending_requests(error: Exception, pending: bool) -> None:
    assert is_pending_refusal(error) is pending  # type: ignore[arg-type]


def test_the_options_of_a_run_and_their_defaults() -> None:
    options = RunOptions.build(model="m", models=None)
    assert options == RunOptions(models=("m",))
    assert options.describe() == {
        "models": ["m"],
        "endpoint": "/v1/chat/completions",
        "agent_id": None,
        "metadata": {},
        "timeout_hours": None,
        "max_file_bytes": MAX_INPUT_BYTES,
        "max_pending": MAX_PENDING_REQUESTS,
        "retry_failed": DEFAULT_RETRY_ROUNDS,
        "inline": False,
    }
    assert DEFAULT_RETRY_ROUNDS == 2
    assert options.part_requests == MAX_PENDING_REQUESTS
    assert options.bodies_name_models is True
    assert RunOptions.build(model=None, models=None).models == ("",)


def test_each_option_is_passed_through() -> None:
    options = RunOptions.build(
        model=None,
        models=["a", "b"],
        max_file_bytes=1000,
        max_pending=20_000,
        retry_failed=0,
        inline=1,  # type: ignore[arg-type]
        endpoint="/v1/embeddings",
        agent_id="ag",
        metadata={"k": "v"},
        timeout_hours=5,
    )
    assert options.describe() == {
        "models": ["a", "b"],
        "endpoint": "/v1/embeddings",
        "agent_id": "ag",
        "metadata": {"k": "v"},
        "timeout_hours": 5,
        "max_file_bytes": 1000,
        "max_pending": 20_000,
        "retry_failed": 0,
        "inline": True,
    }
    assert options.inline is True
    assert options.part_requests == MAX_INLINE_REQUESTS
    assert options.bodies_name_models is False
    assert RunOptions.build(model="a", models=None, max_pending=7, inline=True).part_requests == 7
    assert RunOptions.build(model="a", models=None, metadata=None).metadata == {}


@pytest.mark.parametrize(
    ("given", "field", "reason"),
    [
        ({"model": "a", "models": ["b"]}, "models", "give model or models, not both"),
        ({"models": "ab"}, "models", "models is a list of model names, not one name"),
        ({"models": []}, "models", "models is empty: name at least one model"),
        ({"models": ["a", ""]}, "models", "each model must be a non-empty string"),
        ({"models": ["a", 3]}, "models", "each model must be a non-empty string"),
        ({"models": ["a", "b", "a"]}, "models", "a model is named twice in ['a', 'b', 'a']"),
        (
            {"retry_failed": -1},
            "retry_failed",
            "retry_failed must be an int of 0 or more, got -1",
        ),
        (
            {"retry_failed": True},
            "retry_failed",
            "retry_failed must be an int of 0 or more, got True",
        ),
        (
            {"retry_failed": 1.0},
            "retry_failed",
            "retry_failed must be an int of 0 or more, got 1.0",
        ),
        ({"max_pending": 0}, "max_pending", "max_pending must be a positive int, got 0"),
        ({"max_pending": False}, "max_pending", "max_pending must be a positive int, got False"),
        ({"max_pending": "9"}, "max_pending", "max_pending must be a positive int, got '9'"),
        (
            {"max_file_bytes": MAX_INPUT_BYTES + 1},
            "max_file_bytes",
            f"max_file_bytes must be at most {MAX_INPUT_BYTES:,}, got {MAX_INPUT_BYTES + 1:,}",
        ),
    ],
)
def test_a_bad_option_is_named(given: dict[str, object], field: str, reason: str) -> None:
    arguments: dict[str, object] = {"model": None, "models": None, **given}
    if "models" not in given and "model" not in given:
        arguments["model"] = "m"
    with pytest.raises(InputError) as caught:
        RunOptions.build(**arguments)  # type: ignore[arg-type]
    assert (caught.value.reason, caught.value.field) == (reason, field)


def test_the_largest_options_are_allowed() -> None:
    options = RunOptions.build(
        model=None, models=["a"], max_file_bytes=MAX_INPUT_BYTES, max_pending=1, retry_failed=0
    )
    assert (options.max_file_bytes, options.max_pending, options.retry_failed) == (
        MAX_INPUT_BYTES,
        1,
        0,
    )
    assert RunOptions.build(model=None, models=["a"], max_file_bytes=1).max_file_bytes == 1
