"""What each batch endpoint requires of a request body, checked before the fake model runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _messages_problem(messages: Any, field: str) -> str | None:
    if not isinstance(messages, list) or not messages:
        return f"'{field}' must be a non-empty list of messages"
    for message in messages:
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            return f"every item of '{field}' must be an object with a string 'role'"
    return None


def _texts_problem(value: Any, field: str) -> str | None:
    if isinstance(value, str):
        return None
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return None
    return f"'{field}' must be a string or a non-empty list of strings"


def _response_format_problem(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        return "'response_format' must be an object"
    if value.get("type", "text") not in ("text", "json_object", "json_schema"):
        return "'response_format.type' must be one of 'text', 'json_object' or 'json_schema'"
    spec = value.get("json_schema")
    if value.get("type") == "json_schema" and not (
        isinstance(spec, dict) and isinstance(spec.get("schema"), dict)
    ):
        return "'response_format.json_schema' must be an object with an object 'schema'"
    return None


def _chat(body: dict[str, Any]) -> str | None:
    if "messages" not in body:
        return "'messages' is required"
    problem = _messages_problem(body["messages"], "messages")
    return problem or _response_format_problem(body.get("response_format"))


def _embeddings(body: dict[str, Any]) -> str | None:
    if "input" not in body:
        return "'input' is required"
    return _texts_problem(body["input"], "input")


def _fim(body: dict[str, Any]) -> str | None:
    if not isinstance(body.get("prompt"), str):
        return "'prompt' is required and must be a string"
    if body.get("suffix") is not None and not isinstance(body["suffix"], str):
        return "'suffix' must be a string"
    return None


def _chat_input(body: dict[str, Any]) -> str | None:
    if "input" not in body:
        return "'input' is required"
    value = body["input"]
    if isinstance(value, dict):
        return _messages_problem(value.get("messages"), "input.messages")
    if isinstance(value, list) and value and all(isinstance(item, list) for item in value):
        for conversation in value:
            problem = _messages_problem(conversation, "input")
            if problem:
                return problem
        return None
    return _messages_problem(value, "input")


def _ocr(body: dict[str, Any]) -> str | None:
    if not isinstance(body.get("document"), dict):
        return "'document' is required and must be an object"
    return None


def _conversations(body: dict[str, Any]) -> str | None:
    value = body.get("inputs")
    if isinstance(value, str) and value:
        return None
    if isinstance(value, list) and value:
        return None
    return "'inputs' is required and must be a string or a non-empty list of entries"


def _transcriptions(body: dict[str, Any]) -> str | None:
    if not any(isinstance(body.get(key), str) for key in ("file_url", "file_id", "file")):
        return "one of 'file_url', 'file_id' or 'file' is required"
    return None


CHECKS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "/v1/chat/completions": _chat,
    "/v1/embeddings": _embeddings,
    "/v1/fim/completions": _fim,
    "/v1/moderations": _embeddings,
    "/v1/chat/moderations": _chat_input,
    "/v1/ocr": _ocr,
    "/v1/classifications": _embeddings,
    "/v1/chat/classifications": _chat_input,
    "/v1/conversations": _conversations,
    "/v1/audio/transcriptions": _transcriptions,
}


#: The endpoints the emulator serves: those it knows how to check.
ENDPOINTS: tuple[str, ...] = tuple(CHECKS)


def body_problem(endpoint: str, body: dict[str, Any]) -> str | None:
    """Why ``body`` is not a valid request for ``endpoint``, or None when it is."""
    check = CHECKS.get(endpoint)
    problem = check(body) if check else None
    if problem is None and "model" in body and not isinstance(body["model"], str):
        problem = "'model' must be a string"
    return problem
