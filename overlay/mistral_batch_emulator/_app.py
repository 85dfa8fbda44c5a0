"""The ASGI application: routes, authentication, counters and fault injection.

The Starlette router holds the handlers, each route named after its operationId. The
outer layer resolves the operation first, so that authentication, the per-operation
counters and fault rules apply before any handler runs, and it sees uvicorn's own
``send``, which a fault needs to cut a connection.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route

from . import _routes_admin as admin
from . import _routes_files as files
from . import _routes_jobs as jobs
from ._errors import ApiError, ValidationFailed, error_body, json_response
from ._inject import ConnectionDropped, Receive, Scope, Send, apply_fault
from ._state import EmulatorState

_log = logging.getLogger("mistral_batch_emulator")

Handler = Callable[[Request], Awaitable[Response]]

# Operations that need no API key, and those that are neither counted nor faulted.
_PUBLIC = frozenset({"signed_download"})
_ADMIN_PREFIX = "admin_"


def _guarded(handler: Handler) -> Handler:
    """``handler`` with its errors turned into API answers; nothing escapes as a 500 page."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except (ApiError, ValidationFailed) as error:
            return error.response()
        except ConnectionDropped:
            raise
        except Exception:
            _log.exception("unexpected error in %s", handler.__name__)
            return json_response(error_body(500, "Internal server error"), 500)

    endpoint.__name__ = handler.__name__
    return endpoint


def _route(path: str, handler: Handler, method: str, name: str) -> Route:
    return Route(path, _guarded(handler), methods=[method], name=name)


ROUTES = [
    _route("/v1/files", files.upload_file, "POST", "upload_file"),
    _route("/v1/files", files.list_files, "GET", "list_files"),
    _route("/v1/files/{file_id}", files.retrieve_file, "GET", "retrieve_file"),
    _route("/v1/files/{file_id}", files.delete_file, "DELETE", "delete_file"),
    _route("/v1/files/{file_id}/content", files.download_file, "GET", "download_file"),
    _route("/v1/files/{file_id}/url", files.get_signed_url, "GET", "get_signed_url"),
    _route("/v1/batch/jobs", jobs.create_batch_job, "POST", "create_batch_job"),
    _route("/v1/batch/jobs", jobs.list_batch_jobs, "GET", "list_batch_jobs"),
    _route("/v1/batch/jobs/{job_id}", jobs.get_batch_job, "GET", "get_batch_job"),
    _route("/v1/batch/jobs/{job_id}", jobs.delete_batch_job, "DELETE", "delete_batch_job"),
    _route("/v1/batch/jobs/{job_id}/cancel", jobs.cancel_batch_job, "POST", "cancel_batch_job"),
    _route("/signed/{token}", files.signed_download, "GET", "signed_download"),
    _route("/_emulator/stats", admin.get_stats, "GET", "admin_get_stats"),
    _route("/_emulator/stats", admin.reset_stats, "DELETE", "admin_reset_stats"),
    _route("/_emulator/faults", admin.list_faults, "GET", "admin_list_faults"),
    _route("/_emulator/faults", admin.add_faults, "POST", "admin_add_faults"),
    _route("/_emulator/faults", admin.clear_faults, "DELETE", "admin_clear_faults"),
    _route("/_emulator/settings", admin.get_settings, "GET", "admin_get_settings"),
    _route("/_emulator/settings", admin.change_settings, "PATCH", "admin_change_settings"),
]


async def _answer(send: Send, response: Response, scope: Scope, receive: Receive) -> None:
    await response(scope, receive, send)


class EmulatorApp:
    """The emulator's ASGI callable."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.router = Starlette(routes=ROUTES)
        self.router.state.emulator = state

    def _operation(self, scope: Scope) -> tuple[str | None, set[str]]:
        """The operation a request is for, or the methods its path allows instead."""
        allowed: set[str] = set()
        for route in self.router.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return getattr(route, "name", None), allowed
            if match is Match.PARTIAL:
                allowed.update(getattr(route, "methods", None) or ())
        return None, allowed

    def _authorization(self, scope: Scope) -> str | None:
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                return bytes(value).decode("latin-1")
        return None

    # uvicorn calls its app with no arguments to see whether it is a factory: a method
    # taking any arguments, as a mutation tester's wrapper does, would pass for one.
    async def __call__(
        self, scope: Scope, receive: Receive, send: Send
    ) -> None:  # pragma: no mutate block
        if scope["type"] != "http":
            await self.router(scope, receive, send)
            return
        operation, allowed = self._operation(scope)
        if operation is None:
            if allowed:
                headers = {"Allow": ", ".join(sorted(allowed))}
                body = error_body(405, "Method not allowed")
                await _answer(send, json_response(body, 405, headers), scope, receive)
            else:
                body = error_body(404, "Not found")
                await _answer(send, json_response(body, 404), scope, receive)
            return
        if operation not in _PUBLIC:
            workspace = self.state.workspace(self._authorization(scope))
            if workspace is None:
                body = error_body(401, "Unauthorized: missing or unknown API key")
                await _answer(send, json_response(body, 401), scope, receive)
                return
            scope.setdefault("state", {})["workspace"] = workspace
            scope["state"]["user"] = self.state.user(self._authorization(scope))
        if operation.startswith(_ADMIN_PREFIX):
            await self.router(scope, receive, send)
            return
        self.state.stats.request(operation)
        fault = self.state.faults.take(operation)
        try:
            if fault is None:
                await self.router(scope, receive, send)
            else:
                await apply_fault(fault, self.router, scope, receive, send, self.state.stats)
        except ConnectionDropped:
            pass
