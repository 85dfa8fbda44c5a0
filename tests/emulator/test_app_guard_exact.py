"""A route handler's unexpected failure, exactly: Mistral's 500 error object, and one log
record naming the handler with the exception attached."""

from __future__ import annotations

import asyncio
import logging

import orjson
import pytest
from starlette.requests import Request
from starlette.responses import Response

from mistral_batch_emulator._app import Handler, _guarded


async def list_things(request: Request) -> Response:
    raise KeyError("the store lost a row")


async def _answer(handler: Handler) -> Response:
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    return await handler(Request(scope))


def test_an_unexpected_failure_answers_mistrals_500_error_object() -> None:
    answer = asyncio.run(_answer(_guarded(list_things)))
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/json"
    assert orjson.loads(answer.body) == {
        "object": "error",
        "message": "Internal server error",
        "type": "internal_server_error",
        "param": None,
        "code": "500",
    }


def test_an_unexpected_failure_is_logged_once_naming_the_handler(
    caplog: pytest.LogCaptureFixture,
) -> None:
    guarded = _guarded(list_things)
    assert guarded.__name__ == "list_things"
    with caplog.at_level(logging.ERROR, logger="mistral_batch_emulator"):
        asyncio.run(_answer(guarded))
    [record] = [r for r in caplog.records if r.name == "mistral_batch_emulator"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "unexpected error in list_things"
    assert record.exc_info is not None and record.exc_info[0] is KeyError
