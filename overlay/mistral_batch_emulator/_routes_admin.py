"""The admin API under /_emulator/: faults, counters and settings of a running emulator."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ._errors import ValidationFailed, issue, json_response
from ._faults import Fault
from ._http import read_json, state_of

_SETTABLE: dict[str, tuple[type, ...]] = {
    "range_support": (bool,),
    "refuse_unfinished_delete": (bool,),
    "queue_delay": (int, float),
    "requests_per_second": (int, float, type(None)),
    "hour_seconds": (int, float),
    "max_upload_bytes": (int,),
    "max_pending_requests": (int,),
    "fail_rate": (int, float),
}


async def get_stats(request: Request) -> Response:
    """GET /_emulator/stats: requests per operation and faults per kind."""
    return json_response(state_of(request).stats.snapshot().to_json())


async def reset_stats(request: Request) -> Response:
    """DELETE /_emulator/stats: set the counters back to zero."""
    state = state_of(request)
    state.stats.reset()
    return json_response(state.stats.snapshot().to_json())


async def list_faults(request: Request) -> Response:
    """GET /_emulator/faults: the active fault rules."""
    return json_response({"data": state_of(request).faults.active()})


async def add_faults(request: Request) -> Response:
    """POST /_emulator/faults: add one rule (an object) or several (a list)."""
    body = await read_json(request)
    items: list[Any] = body if isinstance(body, list) else [body]
    faults = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValidationFailed([issue(["body", index], "A fault is an object", "dict_type")])
        try:
            faults.append(Fault.from_json(item))
        except (TypeError, ValueError) as error:
            raise ValidationFailed([issue(["body", index], str(error), "value_error")]) from None
    registry = state_of(request).faults
    for fault in faults:
        registry.add(fault)
    return json_response({"data": [fault.to_json() for fault in faults]})


async def clear_faults(request: Request) -> Response:
    """DELETE /_emulator/faults: remove every rule."""
    state_of(request).faults.clear()
    return json_response({"data": []})


async def get_settings(request: Request) -> Response:
    """GET /_emulator/settings."""
    return json_response(state_of(request).settings.snapshot())


async def change_settings(request: Request) -> Response:
    """PATCH /_emulator/settings: change some of the run-time settings."""
    body = await read_json(request)
    if not isinstance(body, dict):
        raise ValidationFailed([issue(["body"], "Settings are an object", "dict_type")])
    problems = []
    for key, value in body.items():
        kinds = _SETTABLE.get(key)
        if kinds is None:
            problems.append(issue(["body", key], "Unknown setting", "extra_forbidden"))
        elif not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            problems.append(issue(["body", key], "Wrong type for this setting", "type_error"))
        elif key == "fail_rate" and isinstance(value, int | float) and not 0 <= value <= 1:
            problems.append(issue(["body", key], "Input should be from 0 to 1", "value_error"))
    if problems:
        raise ValidationFailed(problems)
    state = state_of(request)
    with state.settings.lock:
        for key, value in body.items():
            setattr(state.settings, key, value)
    state.worker.wake()
    return json_response(state.settings.snapshot())
