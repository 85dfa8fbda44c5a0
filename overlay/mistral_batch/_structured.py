"""Structured outputs: the ``response_format`` a request sends, and its answers read back.

pydantic and jsonschema (the ``structured`` extra) are imported only by the calls that
need them, so that a run without structured outputs never loads either.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import attrs

from ._optional import require
from .errors import InputError

__all__ = ["ParseError", "ResponseSchema", "message_content", "with_response_format"]

_FIELD = "response_format"
_EXTRA = "mistral-batch[structured]"
#: The name of a schema without a title.
_DEFAULT_NAME = "response"

# Where a JSON schema holds other schemas: in a mapping by name, or alone or in a list.
_SCHEMA_MAPS = ("$defs", "definitions", "properties", "patternProperties", "dependentSchemas")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems", "items", "additionalItems")
_SCHEMA_ONES = ("additionalProperties", "contains", "not", "if", "then", "else")


class ParseError(NamedTuple):
    """Why a structured answer could not be read: its text (None when there was none) and
    the reason."""

    text: str | None
    reason: str


@attrs.frozen
class ResponseSchema:
    """The schema a request's answer must follow, with the way to read that answer back."""

    name: str
    schema: dict[str, Any]
    model: type[Any] | None = None
    _given: dict[str, Any] | None = attrs.field(default=None, kw_only=True, repr=False)
    _validator: Any = attrs.field(init=False, default=None, eq=False, repr=False)

    @classmethod
    def of(cls, value: Any) -> ResponseSchema:
        """The schema of a pydantic model class, a JSON schema dict or a whole Mistral
        response_format dict; InputError for anything else."""
        # Duck-typed, so that a dict never costs an import of pydantic.
        if isinstance(value, type) and hasattr(value, "model_json_schema"):
            return cls(_name(value.__name__), _closed(value.model_json_schema()), value)
        if not isinstance(value, dict):
            raise InputError(
                "response_format must be a pydantic model class, a JSON schema dict or a "
                f"response_format dict, got {_describe(value)}",
                field=_FIELD,
            )
        if value.get("type") == "json_schema" or "json_schema" in value:
            spec = value.get("json_schema")
            if not (
                value.get("type") == "json_schema"
                and isinstance(spec, dict)
                and isinstance(spec.get("name"), str)
                and isinstance(spec.get("schema"), dict)
            ):
                raise InputError(
                    'a response_format dict must be {"type": "json_schema", "json_schema": '
                    '{"name": ..., "schema": {...}}}',
                    field=_FIELD,
                )
            return cls(spec["name"], spec["schema"], given=value)
        title = value.get("title")
        return cls(_name(title), _closed(value))

    def response_format(self) -> dict[str, Any]:
        """The request's ``response_format`` field, strict."""
        if self._given is not None:
            return self._given
        spec = {"name": self.name, "schema": self.schema, "strict": True}
        return {"type": "json_schema", "json_schema": spec}

    def parse(self, text: Any) -> tuple[Any, ParseError | None]:
        """(the answer read, None) or (None, why it could not be); never raises for a bad answer.

        A model's instance when the schema came from a pydantic model, else the JSON value
        checked against the schema.
        """
        if not isinstance(text, str):
            return None, ParseError(None if text is None else str(text), "the answer has no text")
        if self.model is not None:
            return self._parse_model(self.model, text)
        try:
            value = json.loads(text)
        except (ValueError, RecursionError) as exc:
            return None, ParseError(text, f"not valid JSON: {exc}")
        checker = self._checker()
        try:
            error = _jsonschema().exceptions.best_match(checker.iter_errors(value))
        except RecursionError:
            return None, ParseError(text, "nested too deeply to check against the schema")
        if error is not None:
            return None, ParseError(text, f"{error.json_path}: {error.message}")
        return value, None

    @staticmethod
    def _parse_model(model: type[Any], text: str) -> tuple[Any, ParseError | None]:
        from pydantic import ValidationError

        try:
            return model.model_validate_json(text), None
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            if first["type"] == "json_invalid":
                return None, ParseError(text, f"not valid JSON: {first['msg']}")
            return None, ParseError(text, f"{_json_path(first['loc'])}: {first['msg']}")

    def _checker(self) -> Any:
        """The schema's validator, built on first use and kept."""
        if self._validator is None:
            jsonschema = _jsonschema()
            kind = jsonschema.validators.validator_for(
                self.schema, default=jsonschema.Draft202012Validator
            )
            try:
                kind.check_schema(self.schema)
            except jsonschema.exceptions.SchemaError as exc:
                raise InputError(f"not a valid JSON schema: {exc.message}", field=_FIELD) from exc
            object.__setattr__(self, "_validator", kind(self.schema))
        return self._validator


def message_content(body: Any) -> Any:
    """The first choice's message content of a chat completion body, or None when it has none."""
    if not isinstance(body, Mapping):
        return None
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
        return None
    message = choices[0].get("message")
    return message.get("content") if isinstance(message, Mapping) else None


def with_response_format(
    body: Mapping[str, Any], response_format: dict[str, Any]
) -> dict[str, Any]:
    """A copy of a request body with `response_format` set (shared, not copied); InputError
    when the body already has a different one."""
    own = body.get(_FIELD)
    if own is not None and own != response_format:
        raise InputError(
            "the request has its own response_format, different from the one given",
            field=_FIELD,
        )
    return {**body, _FIELD: response_format}


def _closed(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of a JSON schema whose object schemas forbid properties they do not name,
    as Mistral's strict mode expects, unless they say otherwise."""
    copied = copy.deepcopy(schema)
    for node in _schemas(copied):
        kind = node.get("type")
        if "object" in (kind if isinstance(kind, list) else [kind]) or "properties" in node:
            node.setdefault("additionalProperties", False)
    return copied


def _schemas(node: Any) -> Iterator[dict[str, Any]]:
    """A schema and every schema inside it, outermost first."""
    if not isinstance(node, dict):
        return
    yield node
    for key in _SCHEMA_MAPS:
        inner = node.get(key)
        if isinstance(inner, dict):
            for sub in inner.values():
                yield from _schemas(sub)
    for key in (*_SCHEMA_LISTS, *_SCHEMA_ONES):
        inner = node.get(key)
        for sub in inner if isinstance(inner, list) else [inner]:
            yield from _schemas(sub)


def _json_path(loc: tuple[int | str, ...]) -> str:
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)


def _describe(value: Any) -> str:
    if isinstance(value, type):
        return f"the class {value.__qualname__}"
    text = repr(value)
    return f"{type(value).__name__} {text[:60] + '...' if len(text) > 60 else text}"


def _name(title: Any) -> str:
    """A schema's name as Mistral takes it (letters, digits, _ and -; 64 at most)."""
    text = title if isinstance(title, str) else ""
    name = "".join(c if c.isascii() and (c.isalnum() or c in "_-") else "_" for c in text)[:64]
    return name.strip("_") or _DEFAULT_NAME


def _jsonschema() -> Any:
    return require("jsonschema", "checking answers against a JSON schema", _EXTRA)
