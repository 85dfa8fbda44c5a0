"""The columns a table of answers has, and each answer's values in them.

Every table has ``custom_id``, ``model``, ``status_code`` and ``error``. The rest depends on
what the endpoint answers: text (chat, FIM, conversations, OCR, transcriptions) gives
``content``, ``finish_reason`` and the token counts; embeddings a vector; moderations the
flagged categories and their scores; classifications the scores; any other endpoint its
whole body as JSON text. A run with a response_format adds each field of its schema's
top-level object, read from the parsed answer, and ``parse_error``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ._structured import ResponseSchema
from .results import BatchResult

__all__ = ["Columns"]

#: The columns every table has, before and after those of the endpoint.
FIRST = ("custom_id", "model")
LAST = ("status_code", "error")
_TOKENS = ("prompt_tokens", "completion_tokens")
_TEXT = ("content", "finish_reason", *_TOKENS)


def _usage(body: dict[str, Any]) -> list[Any]:
    usage = body.get("usage")
    usage = usage if isinstance(usage, dict) else {}
    return [_int(usage.get(name)) for name in _TOKENS]


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _first(items: Any) -> dict[str, Any]:
    return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}


def _chat(body: dict[str, Any]) -> list[Any]:
    choice = _first(body.get("choices"))
    message = choice.get("message")
    content = message.get("content") if isinstance(message, dict) else choice.get("text")
    return [content, choice.get("finish_reason"), *_usage(body)]


def _conversation(body: dict[str, Any]) -> list[Any]:
    outputs = body.get("outputs")
    last = outputs[-1] if isinstance(outputs, list) and outputs else None
    content = last.get("content") if isinstance(last, dict) else None
    return [content, None, *_usage(body)]


def _ocr(body: dict[str, Any]) -> list[Any]:
    pages = body.get("pages")
    pages = pages if isinstance(pages, list) else []
    text = "\n\n".join(str(page.get("markdown", "")) for page in pages if isinstance(page, dict))
    return [text, None, None, None]


def _transcription(body: dict[str, Any]) -> list[Any]:
    return [body.get("text"), None, *_usage(body)]


def _embedding(body: dict[str, Any]) -> list[Any]:
    return [_first(body.get("data")).get("embedding"), _usage(body)[0]]


def _moderation(body: dict[str, Any]) -> list[Any]:
    result = _first(body.get("results"))
    categories = result.get("categories")
    flagged = sorted(k for k, v in categories.items() if v) if isinstance(categories, dict) else []
    return [bool(flagged), flagged, result.get("category_scores")]


def _classification(body: dict[str, Any]) -> list[Any]:
    """The first result's scores, as ``{"LABEL.CLASS": score}``."""
    scores = {}
    for label, found in _first(body.get("results")).items():
        inner = found.get("scores") if isinstance(found, dict) else None
        if isinstance(inner, dict):
            scores.update({f"{label}.{name}": value for name, value in inner.items()})
    return [scores or None]


def _body(body: dict[str, Any]) -> list[Any]:
    return [json.dumps(body, ensure_ascii=False)]


_Extract = Callable[[dict[str, Any]], list[Any]]
_KINDS: dict[str, tuple[tuple[str, ...], _Extract]] = {
    "/v1/chat/completions": (_TEXT, _chat),
    "/v1/fim/completions": (_TEXT, _chat),
    "/v1/conversations": (_TEXT, _conversation),
    "/v1/ocr": (_TEXT, _ocr),
    "/v1/audio/transcriptions": (_TEXT, _transcription),
    "/v1/embeddings": (("embedding", "prompt_tokens"), _embedding),
    "/v1/moderations": (("flagged", "categories", "category_scores"), _moderation),
    "/v1/chat/moderations": (("flagged", "categories", "category_scores"), _moderation),
    "/v1/classifications": (("scores",), _classification),
    "/v1/chat/classifications": (("scores",), _classification),
}


def error_text(result: BatchResult) -> str | None:
    """What went wrong with a failed request, in words; None for a success."""
    if result.ok:
        return None
    for found in (result.error, result.body):
        if isinstance(found, dict):
            message = found.get("message") or found.get("detail")
            if message:
                return str(message)
            return json.dumps(found, ensure_ascii=False)
        if isinstance(found, str) and found:
            return found
    return f"status {result.status_code}" if result.status_code is not None else "no answer"


class Columns:
    """The columns of a table of answers to `endpoint` (with `schema`'s fields, if any)."""

    def __init__(self, endpoint: str, schema: ResponseSchema | None = None) -> None:
        own, self._extract = _KINDS.get(endpoint, (("body",), _body))
        self.schema = schema
        fields = _fields(schema)
        taken = {*FIRST, *own, *LAST, "parse_error"}
        self.fields = fields
        parsed = tuple(f"parsed.{name}" if name in taken else name for name in fields)
        extra = (*parsed, "parse_error") if schema is not None else ()
        self.names: tuple[str, ...] = (*FIRST, *own, *LAST, *extra)
        self._blank = [None] * len(own)

    def values(self, model: str, result: BatchResult) -> list[Any]:
        """One row's values, in the order of `names`."""
        body = result.body if isinstance(result.body, dict) else None
        own = self._extract(body) if body is not None and result.ok else self._blank
        row = [result.custom_id, model, *own, result.status_code, error_text(result)]
        if self.schema is not None:
            row.extend(_parsed_values(result, self.fields))
        return row


def _fields(schema: ResponseSchema | None) -> tuple[str, ...]:
    """The top-level fields of a schema's object, in its order."""
    if schema is None:
        return ()
    properties = schema.schema.get("properties")
    return tuple(properties) if isinstance(properties, dict) else ()


def _parsed_values(result: BatchResult, fields: tuple[str, ...]) -> list[Any]:
    parsed = result.parsed
    if parsed is not None and hasattr(parsed, "model_dump"):
        parsed = parsed.model_dump(mode="json")
    if not isinstance(parsed, dict):
        parsed = {}
    error = result.parse_error
    return [*(parsed.get(name) for name in fields), None if error is None else error.reason]
