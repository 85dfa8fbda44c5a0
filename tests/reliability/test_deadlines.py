"""Deadlines against slow servers: a server that sends a byte now and then, or nothing at
all, cannot hold a call past its attempt's timeout, an operation past its deadline, or a
wait past its own. Every server here would finish its answer in the end, so that a
deadline that did not hold shows as an answer received, not as a hung test.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hostile import Hostile, Received, job_answer, pause, self_signed
from reliability_helpers import MODEL, chat, jsonl

from mistral_batch import (
    APITimeoutError,
    AsyncMistral,
    InputError,
    Mistral,
    RetryPolicy,
    WaitTimeoutError,
)
from mistral_batch.emulator import Emulator

KEY = "sk-hostile-deadlines-0123456789"
TWO = RetryPolicy(max_attempts=2, initial_delay=0, max_delay=0)
JOB = job_answer(input_files=[], model=MODEL)
#: Between two bytes of a drip: short enough to beat any read timeout, and the whole
#: answer (some hundreds of bytes) still ends within a minute if nothing cuts it.
DRIP = 0.1


def drip(body: bytes, *, headers_too: bool = False) -> Callable[[Received, socket.socket], None]:
    """A script that sends its answer a byte at a time, DRIP seconds apart."""

    def script(request: Received, conn: socket.socket) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n"
        data = head.encode() + body
        start = 0 if headers_too else len(head)
        conn.sendall(data[:start])
        for i in range(start, len(data)):
            conn.sendall(data[i : i + 1])
            pause(DRIP)

    return script


def hang(request: Received, conn: socket.socket) -> None:
    """Read the request and answer nothing for a long while."""
    pause(20)


def outcome_of(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as exc:
        return exc


def sync_and_async(
    make: Callable[[type], Any], act: Callable[[Any], Any], aact: Callable[[Any], Any]
) -> list[Any]:
    """The outcomes of `act` on a Mistral and of `aact` on an AsyncMistral."""
    with make(Mistral) as client:
        outcomes = [outcome_of(lambda: act(client))]

    async def in_async() -> Any:
        async with make(AsyncMistral) as client:
            try:
                return await aact(client)
            except Exception as exc:
                return exc

    outcomes.append(asyncio.run(in_async()))
    return outcomes


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "headers"])
def test_a_drip_fed_answer_cannot_outlast_the_attempt(headers_too: bool, recorder: Any) -> None:
    recorder.tried_one("Hostile servers: slow", f"drip-fed {'headers' if headers_too else 'body'}")
    with Hostile(drip(json.dumps(JOB).encode(), headers_too=headers_too)) as server:
        outcomes = sync_and_async(
            lambda cls: cls(KEY, server.url, timeout=0.5, retry=TWO),
            lambda c: c.batch.jobs.get("job-1"),
            lambda c: c.batch.jobs.get("job-1"),
        )
    assert all(isinstance(o, APITimeoutError) for o in outcomes), outcomes
    assert len(server.received) == 4  # two attempts each


def test_a_hanging_server_holds_an_operation_no_longer_than_its_deadline(recorder: Any) -> None:
    recorder.tried_one("Hostile servers: slow", "hanging, operation deadline")
    patient = httpx.Timeout(60.0)
    with Hostile(hang) as server:
        outcomes = sync_and_async(
            lambda cls: cls(KEY, server.url, timeout=patient, deadline=0.5),
            lambda c: c.files.retrieve("file-1"),
            lambda c: c.files.retrieve("file-1"),
        )
    assert all(isinstance(o, APITimeoutError) for o in outcomes), outcomes
    # One attempt each: the deadline passed during it, and no retry could start in time.
    assert len(server.received) == 2


def test_a_block_deadline_holds_for_every_call_in_it(recorder: Any) -> None:
    recorder.tried_one("Hostile servers: slow", "drip-fed, client.deadline()")
    with Hostile(drip(json.dumps(JOB).encode())) as server:

        def act(client: Mistral) -> Any:
            with client.deadline(0.5):
                return client.batch.jobs.get("job-1")

        async def aact(client: AsyncMistral) -> Any:
            with client.deadline(0.5):
                return await client.batch.jobs.get("job-1")

        outcomes = sync_and_async(lambda cls: cls(KEY, server.url, retry=TWO), act, aact)
    assert all(isinstance(o, APITimeoutError) for o in outcomes), outcomes


def test_a_drip_fed_download_stops_at_its_deadline(recorder: Any) -> None:
    recorder.tried_one("Hostile servers: slow", "drip-fed download")
    with Hostile(drip(b"x" * 300)) as server:
        url = f"{server.url}/blob?sig=abc"

        async def aact(client: AsyncMistral) -> Any:
            return await (await client.files.download_signed_url(url)).read()

        outcomes = sync_and_async(
            lambda cls: cls(KEY, server.url, retry=TWO, deadline=0.5),
            lambda c: c.files.download_signed_url(url).read(),
            aact,
        )
    assert all(isinstance(o, APITimeoutError) for o in outcomes), outcomes


def test_wait_holds_its_deadline_during_the_calls_it_makes(recorder: Any) -> None:
    # The job would be seen SUCCESS if the poll were let finish: the wait must not.
    recorder.tried_one("Hostile servers: slow", "drip-fed poll during wait")
    with Hostile(drip(json.dumps(JOB).encode())) as server:
        outcomes = sync_and_async(
            lambda cls: cls(KEY, server.url, retry=TWO),
            lambda c: c.batch.jobs.wait("job-1", timeout=0.5),
            lambda c: c.batch.jobs.wait("job-1", timeout=0.5),
        )
    assert all(isinstance(o, WaitTimeoutError) for o in outcomes), outcomes


def test_the_emulators_drip_is_cut_by_the_attempt_timeout(
    make_emulator: Callable[..., Emulator], recorder: Any
) -> None:
    recorder.tried_one("Hostile servers: slow", "emulator drip fault")
    emu = make_emulator()
    with Mistral(emu.api_key, emu.url, timeout=0.5, retry=TWO) as client:
        job = client.batch.jobs.create(requests=[chat("a")], model=MODEL)
        emu.inject("get_batch_job", drip=DRIP, count=None)
        outcomes = sync_and_async(
            lambda cls: cls(emu.api_key, emu.url, timeout=0.5, retry=TWO),
            lambda c: c.batch.jobs.get(job.id),
            lambda c: c.batch.jobs.get(job.id),
        )
        emu.clear_faults()
        assert client.batch.jobs.get(job.id).id == job.id
    assert all(isinstance(o, APITimeoutError) for o in outcomes), outcomes


@pytest.mark.parametrize("value", [0, -1, float("nan"), "soon", True])
def test_a_deadline_must_be_a_positive_number(value: Any) -> None:
    with pytest.raises(InputError, match="deadline"):
        Mistral(KEY, "http://127.0.0.1:9", deadline=value)
    with pytest.raises(InputError, match="deadline"):
        AsyncMistral(KEY, "http://127.0.0.1:9", deadline=value)
    with Mistral(KEY, "http://127.0.0.1:9") as client, pytest.raises(InputError):
        client.deadline(value)


@pytest.mark.parametrize("operation", ["retrieve_file", "download_file"])
def test_a_download_and_the_metadata_it_reads_first_share_one_deadline(
    make_emulator: Callable[..., Emulator], operation: str, recorder: Any
) -> None:
    recorder.tried_one("Hostile servers: slow", f"emulator drip on {operation}")
    emu = make_emulator()
    with Mistral(emu.api_key, emu.url, retry=TWO) as client:
        file_id = client.files.upload(jsonl([chat("a")]), file_name="in.jsonl").id
    emu.inject(operation, drip=DRIP, count=None)

    async def aact(client: AsyncMistral) -> Any:
        return await (await client.files.download(file_id)).read()

    outcomes = sync_and_async(
        lambda cls: cls(emu.api_key, emu.url, retry=TWO, deadline=0.5),
        lambda c: c.files.download(file_id).read(),
        aact,
    )
    emu.clear_faults()
    assert all(isinstance(o, APITimeoutError) for o in outcomes), outcomes


def test_the_deadline_holds_over_https_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recorder: Any
) -> None:
    recorder.tried_one("Hostile servers: slow", "drip-fed over https")
    contexts = self_signed(tmp_path)
    if contexts is None:
        pytest.skip("openssl is needed to serve https on loopback")
    # Our own clients trust what SSL_CERT_FILE names, as httpx's do.
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "cert.pem"))
    with Hostile(drip(json.dumps(JOB).encode(), headers_too=True), tls=contexts[0]) as server:
        outcomes = sync_and_async(
            lambda cls: cls(KEY, server.url, timeout=0.5, retry=TWO),
            lambda c: c.batch.jobs.get("job-1"),
            lambda c: c.batch.jobs.get("job-1"),
        )
    assert all(isinstance(o, APITimeoutError) for o in outcomes), outcomes
    assert len(server.received) == 4
