"""Checks of a job creation body, each rule giving one 422 ``detail`` entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._endpoints import ENDPOINTS
from ._errors import ValidationFailed, issue

MAX_INLINE_REQUESTS = 10_000
MAX_TIMEOUT_HOURS = 168


@dataclass(frozen=True)
class JobInput:
    """A valid job creation body."""

    endpoint: str
    input_files: list[str] | None
    requests: list[dict[str, Any]] | None
    model: str | None
    agent_id: str | None
    metadata: dict[str, str] | None
    timeout_hours: int


def _optional_string(body: dict[str, Any], name: str, problems: list[dict[str, Any]]) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(issue(["body", name], "Input should be a valid string", "string_type"))
        return None
    return value


def _input_files(value: Any, problems: list[dict[str, Any]]) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        problems.append(issue(["body", "input_files"], "Input should be a valid list", "list_type"))
        return None
    for index, item in enumerate(value):
        if not isinstance(item, str):
            problems.append(
                issue(
                    ["body", "input_files", index], "Input should be a valid string", "string_type"
                )
            )
    return [item for item in value if isinstance(item, str)]


def _requests(value: Any, problems: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    loc: list[str | int] = ["body", "requests"]
    if not isinstance(value, list):
        problems.append(issue(loc, "Input should be a valid list", "list_type"))
        return None
    if len(value) > MAX_INLINE_REQUESTS:
        problems.append(
            issue(loc, f"List should have at most {MAX_INLINE_REQUESTS} items", "too_long")
        )
        return None
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            problems.append(issue([*loc, index], "Input should be a valid object", "dict_type"))
            continue
        if "body" not in item:
            problems.append(issue([*loc, index, "body"], "Field required", "missing"))
        elif not isinstance(item["body"], dict):
            problems.append(
                issue([*loc, index, "body"], "Input should be a valid object", "dict_type")
            )
        custom_id = item.get("custom_id")
        if custom_id is not None and not isinstance(custom_id, str):
            problems.append(
                issue([*loc, index, "custom_id"], "Input should be a valid string", "string_type")
            )
    return value


def _metadata(value: Any, problems: list[dict[str, Any]]) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.append(issue(["body", "metadata"], "Input should be a valid object", "dict_type"))
        return None
    for key, item in value.items():
        loc: list[str | int] = ["body", "metadata", key]
        if not 1 <= len(key) <= 32:
            problems.append(issue(loc, "Metadata keys must be 1 to 32 characters", "string_length"))
        if not isinstance(item, str):
            problems.append(issue(loc, "Input should be a valid string", "string_type"))
        elif not 1 <= len(item) <= 512:
            problems.append(
                issue(loc, "Metadata values must be 1 to 512 characters", "string_length")
            )
    return value


def _timeout(value: Any, problems: list[dict[str, Any]]) -> int:
    loc: list[str | int] = ["body", "timeout_hours"]
    if value is None:
        return 24
    if not isinstance(value, int) or isinstance(value, bool):
        problems.append(issue(loc, "Input should be a valid integer", "int_type"))
        return 24
    if not 1 <= value <= MAX_TIMEOUT_HOURS:
        problems.append(issue(loc, f"Input should be between 1 and {MAX_TIMEOUT_HOURS}", "range"))
    return value


def parse_job_input(body: Any) -> JobInput:
    """The job asked for by ``body``, or ValidationFailed listing every problem."""
    if not isinstance(body, dict):
        raise ValidationFailed([issue(["body"], "Input should be a valid object", "dict_type")])
    problems: list[dict[str, Any]] = []
    endpoint = body.get("endpoint")
    if endpoint is None:
        problems.append(issue(["body", "endpoint"], "Field required", "missing"))
    elif endpoint not in ENDPOINTS:
        problems.append(
            issue(["body", "endpoint"], f"Input should be one of {', '.join(ENDPOINTS)}", "enum")
        )
    input_files = _input_files(body.get("input_files"), problems)
    requests = _requests(body.get("requests"), problems)
    model = _optional_string(body, "model", problems)
    agent_id = _optional_string(body, "agent_id", problems)
    metadata = _metadata(body.get("metadata"), problems)
    timeout_hours = _timeout(body.get("timeout_hours"), problems)
    if (body.get("input_files") is None) == (body.get("requests") is None):
        problems.append(
            issue(
                ["body"], "Exactly one of 'input_files' or 'requests' must be given", "value_error"
            )
        )
    elif input_files is not None and not input_files and "input_files" in body:
        problems.append(
            issue(["body", "input_files"], "List should have at least 1 item", "too_short")
        )
    elif requests is not None and not requests:
        problems.append(
            issue(["body", "requests"], "List should have at least 1 item", "too_short")
        )
    if problems:
        raise ValidationFailed(problems)
    assert isinstance(endpoint, str)
    return JobInput(endpoint, input_files, requests, model, agent_id, metadata, timeout_hours)
