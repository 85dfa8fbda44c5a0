"""Small request helpers shared by the route modules: state, caller, query and body parsing."""

from __future__ import annotations

from typing import Any, cast

import orjson
from starlette.requests import ClientDisconnect, Request

from ._errors import ApiError, ValidationFailed, issue
from ._state import EmulatorState

MAX_JSON_BYTES = 128 * 1024 * 1024
# SQLite integers are 64-bit: larger values are clamped, which changes no answer.
MAX_QUERY_INT = 2**31 - 1

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def state_of(request: Request) -> EmulatorState:
    """The emulator behind ``request``."""
    return cast(EmulatorState, request.app.state.emulator)


def caller(request: Request) -> str:
    """The caller's workspace (set by the authentication layer)."""
    return cast(str, request.scope["state"]["workspace"])


def user_of(request: Request) -> str:
    """The caller itself, one per API key (set by the authentication layer)."""
    return cast(str, request.scope["state"]["user"])


def query_int(
    request: Request,
    name: str,
    default: int,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    """An integer query parameter (clamped to what SQLite can hold), or 422."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(
            [issue(["query", name], "Input should be a valid integer", "int_parsing")]
        ) from None
    if minimum is not None and value < minimum:
        raise ValidationFailed(
            [
                issue(
                    ["query", name],
                    f"Input should be greater than or equal to {minimum}",
                    "greater_than_equal",
                )
            ]
        )
    if maximum is not None and value > maximum:
        raise ValidationFailed(
            [
                issue(
                    ["query", name],
                    f"Input should be less than or equal to {maximum}",
                    "less_than_equal",
                )
            ]
        )
    return min(value, MAX_QUERY_INT)


def parse_bool(raw: str, loc: list[str | int]) -> bool:
    """A boolean written as a query value, or 422."""
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValidationFailed([issue(loc, "Input should be a valid boolean", "bool_parsing")])


def query_bool(request: Request, name: str, default: bool | None) -> bool | None:
    """A boolean query parameter, or 422."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    return parse_bool(raw, ["query", name])


def query_list(request: Request, name: str) -> list[str]:
    """Every value of a repeated query parameter."""
    return request.query_params.getlist(name)


async def read_json(request: Request) -> Any:
    """The request's JSON body, read with a size limit; 400 or 422 when it is not JSON."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        raise ValidationFailed(
            [
                issue(
                    ["body"],
                    f"Expected a JSON body, got Content-Type {content_type!r}",
                    "model_attributes_type",
                )
            ]
        )
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_JSON_BYTES:
                raise ApiError(400, f"Request body larger than {MAX_JSON_BYTES} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise ApiError(400, "The client went away before sending the whole body") from None
    raw = b"".join(chunks)
    if not raw.strip():
        raise ValidationFailed([issue(["body"], "Field required", "missing")])
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise ValidationFailed(
            [issue(["body", error.pos], f"JSON decode error: {error.msg}", "json_invalid")]
        ) from None
