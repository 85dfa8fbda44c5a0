"""`client.batch.create` on both clients, exactly: each argument reaches the job, and the
window asked for (`completion_window`, or `timeout_hours` among the keywords) is the one
the answer shows and the one the server holds the job to."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from mistral_batch import BatchJobOut, Mistral
from mistral_batch.emulator import Emulator

from .conftest import FAST_RETRY, on

MODEL = "mistral-small-latest"
SIDES = pytest.mark.parametrize("side", ["sync", "async"])


def chat(i: int) -> dict[str, Any]:
    return {"custom_id": f"r{i}", "body": {"messages": [{"role": "user", "content": f"q{i}"}]}}


DATA = b"".join(json.dumps(chat(i)).encode() + b"\n" for i in range(2))


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(api_keys=["key-create"]) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def file_id(emu: Emulator) -> str:
    with Mistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as client:
        return client.files.upload(DATA, file_name="in.jsonl").id


@SIDES
def test_create_takes_its_arguments_in_order(side: str, emu: Emulator, file_id: str) -> None:
    out = on(
        side,
        emu,
        lambda c: c.batch.create([file_id], "/v1/embeddings", "2d", {"team": "a"}, model=MODEL),
    )
    assert isinstance(out, BatchJobOut)
    assert (out.input_file_id, out.endpoint, out.completion_window) == (
        file_id,
        "/v1/embeddings",
        "48h",
    )
    assert out.expires_at == out.created_at + 48 * 3600
    assert out.metadata is not None and out.metadata["team"] == "a"
    job = out.job
    assert (job.input_files, job.endpoint, job.model) == ([file_id], "/v1/embeddings", MODEL)
    assert job.metadata is not None and job.metadata["team"] == "a"


@SIDES
@pytest.mark.parametrize(
    ("window", "keywords", "shown"),
    [
        (None, {"timeout_hours": 3}, "3h"),
        ("5h", {}, "5h"),
        (7, {}, "7h"),
        (None, {}, "24h"),
        # Both given: the hours asked for in so many words.
        ("2h", {"timeout_hours": 6}, "6h"),
    ],
)
def test_the_window_shown_is_the_one_asked_for(
    side: str, emu: Emulator, file_id: str, window: Any, keywords: dict[str, Any], shown: str
) -> None:
    out = on(
        side,
        emu,
        lambda c: c.batch.create(input_files=[file_id], completion_window=window, **keywords),
    )
    hours = int(shown[:-1])
    assert out.completion_window == shown
    assert out.expires_at == out.created_at + hours * 3600


@SIDES
def test_the_defaults(side: str, emu: Emulator, file_id: str) -> None:
    out = on(side, emu, lambda c: c.batch.create([file_id]))
    assert (out.endpoint, out.job.endpoint, out.job.model) == (
        "/v1/chat/completions",
        "/v1/chat/completions",
        None,
    )
    assert out.job.metadata is not None and "team" not in out.job.metadata
    assert out.completion_window == "24h"


@pytest.fixture
def short_hours(emu: Emulator) -> Iterator[Emulator]:
    """The emulator with an hour of 0.2 s and jobs queued for 1.5 s: a job given one hour
    times out before it starts; one given the default 24 (4.8 s) is answered."""
    with emu.settings.lock:
        emu.settings.hour_seconds, emu.settings.queue_delay = 0.2, 1.5
    try:
        yield emu
    finally:
        with emu.settings.lock:
            emu.settings.hour_seconds, emu.settings.queue_delay = 3600.0, 0.0


def ended(side: str, emu: Emulator, job_id: str) -> str:
    """The status the job ends in."""
    with Mistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as client:
        deadline = time.monotonic() + 30
        while (job := client.batch.jobs.get(job_id)).status in ("QUEUED", "RUNNING"):
            assert time.monotonic() < deadline, job
            time.sleep(0.05)
        return job.status


@SIDES
@pytest.mark.parametrize(
    ("asked", "status"),
    [
        ({"completion_window": "1h"}, "TIMEOUT_EXCEEDED"),
        ({"timeout_hours": 1}, "TIMEOUT_EXCEEDED"),
        ({}, "SUCCESS"),
    ],
)
def test_the_server_holds_the_job_to_the_window(
    side: str, short_hours: Emulator, file_id: str, asked: dict[str, Any], status: str
) -> None:
    out = on(side, short_hours, lambda c: c.batch.create([file_id], model=MODEL, **asked))
    assert ended(side, short_hours, out.id) == status
