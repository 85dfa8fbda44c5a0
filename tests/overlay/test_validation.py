from typing import Any

import pytest

from mistral_batch._validation import (
    ENDPOINTS,
    parse_completion_window,
    validate_endpoint,
    validate_id,
    validate_job_create,
    validate_metadata_filter,
    validate_page,
    validate_page_size,
    validate_purpose,
    validate_signed_url_expiry,
)
from mistral_batch.errors import InputError

GOOD: dict[str, Any] = {
    "endpoint": "/v1/chat/completions",
    "model": "mistral-small-latest",
    "input_files": ["3f1a2b4c-0000-4000-8000-000000000000"],
}


def test_ten_endpoints() -> None:
    assert len(ENDPOINTS) == len(set(ENDPOINTS)) == 10
    assert "/v1/audio/transcriptions" in ENDPOINTS


@pytest.mark.parametrize(
    ("check", "value", "known"),
    [
        (validate_endpoint, "/v1/embeddings", True),
        (validate_endpoint, "/v1/chat/summaries", False),
        (validate_endpoint, "/v2/agents", False),
        (validate_purpose, "fine-tune", True),
        (validate_purpose, "audio-v2", False),
    ],
)
def test_newer_values_pass_with_one_warning(
    check: Any, value: str, known: bool, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="mistral_batch"):
        assert check(value) == value
    assert len(caplog.records) == (0 if known else 1)


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (validate_endpoint, "v1/chat/completions"),
        (validate_endpoint, "/v1/chat completions"),
        (validate_endpoint, "/v1/../admin"),
        (validate_endpoint, "/V1/Chat"),
        (validate_endpoint, None),
        (validate_purpose, "Holiday Photos!"),
        (validate_purpose, ""),
        (validate_purpose, "x" * 65),
        (validate_purpose, 3),
    ],
)
def test_malformed_values_are_refused(check: Any, value: object) -> None:
    with pytest.raises(InputError, match="must be one of"):
        check(value)


@pytest.mark.parametrize(("hours", "ok"), [(1, True), (168, True), (0, False), (169, False)])
def test_signed_url_expiry_bounds(hours: int, ok: bool) -> None:
    if ok:
        assert validate_signed_url_expiry(hours) == hours
    else:
        with pytest.raises(InputError, match="between 1 and 168 hours"):
            validate_signed_url_expiry(hours)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"model": None, "agent_id": "ag_123"},
        {"model": None},
        {"metadata": {"job_type": "testing", "k" * 32: "v" * 512}},
        {"timeout_hours": 1},
        {"timeout_hours": 168},
        {"input_files": None, "requests": [{"custom_id": "0", "body": {}}, {"body": {}}]},
        {"input_files": ("file-abc",)},
    ],
    ids=[
        "files",
        "agent",
        "no-job-model",
        "metadata",
        "timeout-1",
        "timeout-168",
        "requests",
        "tuple",
    ],
)
def test_valid_job_create(changes: dict[str, Any]) -> None:
    validate_job_create(**{**GOOD, **changes})


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"endpoint": "/v1/chat completions"}, "endpoint", "endpoint must be one of"),
        ({"endpoint": None}, "endpoint", "endpoint must be one of"),
        ({"model": ""}, "model", "model must be a non-empty string"),
        ({"model": 3}, "model", "model must be a non-empty string"),
        ({"model": None, "agent_id": " "}, "agent_id", "agent_id must be a non-empty"),
        ({"metadata": ["a"]}, "metadata", "metadata must be a mapping"),
        ({"metadata": {"": "v"}}, "metadata", "1 to 32 characters"),
        ({"metadata": {"k" * 33: "v"}}, "metadata", "1 to 32 characters, got 33"),
        ({"metadata": {"k": ""}}, "metadata", "1 to 512 characters, got 0"),
        ({"metadata": {"k": "v" * 513}}, "metadata", "1 to 512 characters, got 513"),
        ({"metadata": {"k": 3}}, "metadata", "must be a string, got number"),
        ({"metadata": {"k": True}}, "metadata", "must be a string, got boolean"),
        ({"metadata": {1: "v"}}, "metadata", "key 1 must be a string"),
        ({"timeout_hours": 0}, "timeout_hours", "between 1 and 168"),
        ({"timeout_hours": 169}, "timeout_hours", "between 1 and 168"),
        ({"timeout_hours": 24.0}, "timeout_hours", "must be an int"),
        ({"timeout_hours": True}, "timeout_hours", "must be an int"),
        ({"timeout_hours": "24"}, "timeout_hours", "must be an int"),
        ({"input_files": None}, "input_files", "exactly one of"),
        ({"requests": [{"body": {}}]}, "input_files", "exactly one of"),
        ({"input_files": []}, "input_files", "input_files is empty"),
        ({"input_files": "file-abc"}, "input_files", "must be a list of file ids"),
        ({"input_files": ["ok", "../x"]}, "input_files[1]", "contains '/'"),
        ({"input_files": None, "requests": []}, "requests", "1 to 10,000 items"),
        ({"input_files": None, "requests": [{}] * 10_001}, "requests", "got 10,001"),
        ({"input_files": None, "requests": ["x"]}, "requests", "requests[0] must be an object"),
        ({"input_files": None, "requests": [{"body": []}]}, "requests", "body must be an object"),
        (
            {"input_files": None, "requests": [{"custom_id": "", "body": {}}]},
            "requests",
            "custom_id must be a non-empty string",
        ),
        (
            {"input_files": None, "requests": [{"custom_id": "a", "body": {}}] * 2},
            "requests",
            "requests[1].custom_id 'a' repeats requests[0]",
        ),
    ],
    ids=lambda v: None if isinstance(v, dict) else str(v)[:30],
)
def test_invalid_job_create(changes: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(InputError) as info:
        validate_job_create(**{**GOOD, **changes})
    assert info.value.field == field
    assert words in str(info.value)


@pytest.mark.parametrize(
    "value",
    ["3f1a2b4c-0000-4000-8000-000000000000", "batch-123", "file_abc.jsonl", "a..b", "é"],
)
def test_valid_ids_are_opaque(value: str) -> None:
    assert validate_id(value, "file_id") == value


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("", "is empty"),
        (None, "must be a string, got null"),
        (12, "must be a string, got number"),
        ("a/b", "contains '/'"),
        ("a\\b", "contains '\\\\'"),
        ("..", "is a path segment"),
        (".", "is a path segment"),
        ("a b", "whitespace or a control character"),
        ("a\tb", "whitespace or a control character"),
        ("ab\n", "whitespace or a control character"),
        ("a\x00b", "whitespace or a control character"),
        ("a\u2028b", "whitespace or a control character"),
        ("a?b", "contains '?'"),
        ("a#b", "contains '#'"),
        ("a%2Fb", "contains '%'"),
    ],
)
def test_invalid_ids(value: object, words: str) -> None:
    with pytest.raises(InputError) as info:
        validate_id(value, "job_id")
    assert info.value.field == "job_id"
    assert words in str(info.value)


def test_pages() -> None:
    assert validate_page_size(1) == 1
    assert validate_page(0) == 0
    bad_sizes: tuple[object, ...] = (0, -5, True, 1.0, None)
    for size in bad_sizes:
        with pytest.raises(InputError, match="page_size"):
            validate_page_size(size)
    bad_pages: tuple[object, ...] = (-1, False, "0")
    for page in bad_pages:
        with pytest.raises(InputError, match="page"):
            validate_page(page)


@pytest.mark.parametrize(
    ("window", "hours"),
    [("24h", 24), ("2d", 48), ("7d", 168), ("36", 36), (" 12 H ", 12), (5, 5)],
)
def test_completion_window(window: str | int, hours: int) -> None:
    assert parse_completion_window(window) == hours


@pytest.mark.parametrize("window", ["", "24x", "h", "1.5h", "-1h", "0h", "8d", "90m", 0, 200])
def test_bad_completion_window(window: str | int) -> None:
    with pytest.raises(InputError) as info:
        parse_completion_window(window)
    assert info.value.field == "completion_window"


def test_metadata_filter() -> None:
    assert validate_metadata_filter({"job_type": "testing"}) == {"job_type": "testing"}
    with pytest.raises(InputError, match="metadata filter"):
        validate_metadata_filter({"job_type": 1})
    with pytest.raises(InputError, match="metadata filter must be a mapping"):
        validate_metadata_filter("job_type=testing")
