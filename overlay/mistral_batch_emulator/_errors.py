"""Error answers in the shapes Mistral sends: the error object and the 422 detail list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from starlette.responses import Response

ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    409: "conflict_error",
    413: "request_too_large",
    416: "invalid_request_error",
    429: "rate_limited",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def error_body(
    status: int, message: str, *, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """Mistral's error object for ``status``."""
    return {
        "object": "error",
        "message": message,
        "type": ERROR_TYPES.get(status, "api_error"),
        "param": param,
        "code": code if code is not None else str(status),
    }


def json_response(
    content: object, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON response encoded with orjson."""
    return Response(
        orjson.dumps(content), status_code=status, headers=headers, media_type="application/json"
    )


class ApiError(Exception):
    """Raised by a handler to answer with Mistral's error object."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.headers = dict(headers or {})

    def response(self) -> Response:
        """The HTTP answer for this error."""
        body = error_body(self.status, self.message, param=self.param)
        return json_response(body, self.status, self.headers)


def issue(loc: Sequence[str | int], msg: str, type_: str) -> dict[str, Any]:
    """One entry of a 422 ``detail`` list."""
    return {"loc": list(loc), "msg": msg, "type": type_}


class ValidationFailed(Exception):
    """Raised by a handler to answer 422 with a ``detail`` list."""

    def __init__(self, details: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(str(d["msg"]) for d in details))
        self.details = details

    def response(self) -> Response:
        """The HTTP answer for this error."""
        return json_response({"detail": self.details}, 422)


def not_found(kind: str, object_id: str) -> ApiError:
    """The 404 for an object missing from the caller's workspace."""
    shown = object_id if len(object_id) <= 64 else object_id[:64] + "..."
    return ApiError(404, f"{kind} {shown!r} not found")
