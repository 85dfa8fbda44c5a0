"""Batch jobs on both clients against the emulator, to the letter: each argument reaches the
server, each answer's fields come back, and wait, results and errors behave exactly so
(their errors' messages and the job they carry)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import attrs
import pytest

from mistral_batch import (
    AsyncMistral,
    Backoff,
    BadRequestError,
    BatchJob,
    IncompleteDownloadError,
    InputError,
    Mistral,
    NotFoundError,
    ResultDecodeError,
    ServerError,
    UnexpectedStatusError,
    WaitTimeoutError,
)
from mistral_batch.emulator import Emulator
from mistral_batch.models import Deleted

from .conftest import FAST_RETRY, on

MODEL = "mistral-small-latest"
FAST = Backoff(initial=0.01, factor=1.0, max_delay=0.01)
SIDES = pytest.mark.parametrize("side", ["sync", "async"])


def chat(i: int) -> dict[str, Any]:
    return {"custom_id": f"r{i}", "body": {"messages": [{"role": "user", "content": f"q{i}"}]}}


#: A request the emulator answers with a 400: a chat without messages.
BAD = {"custom_id": "bad", "body": {"max_tokens": 3}}


def read(side: str, emu: Emulator, which: str, job: BatchJob | str, **options: Any) -> list[Any]:
    """The custom_ids of a job's results ("results") or errors ("errors")."""
    if side == "sync":
        with (
            Mistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as client,
            getattr(client.batch.jobs, which)(job, **options) as stream,
        ):
            return [r.custom_id for r in stream]

    async def scenario() -> list[Any]:
        async with (
            AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c,
            await getattr(c.batch.jobs, which)(job, **options) as stream,
        ):
            return [r.custom_id async for r in stream]

    return asyncio.run(scenario())


@pytest.fixture
def done(client: Mistral) -> BatchJob:
    """A finished job with two answers and one failure."""
    job = client.batch.jobs.create(requests=[chat(0), chat(1), BAD], model=MODEL)
    return client.batch.jobs.wait(job, timeout=30, backoff=FAST)


@pytest.fixture
def slow(client: Mistral, emu: Emulator) -> Iterator[BatchJob]:
    """A job that stays unfinished while the test runs; cancelled after it."""
    emu.set_requests_per_second(1)
    job = client.batch.jobs.create(requests=[chat(i) for i in range(60)], model=MODEL)
    try:
        yield job
    finally:
        emu.clear_faults()
        client.batch.jobs.cancel(job)
        emu.set_requests_per_second(None)


@SIDES
def test_create_sends_every_argument(side: str, client: Mistral, emu: Emulator) -> None:
    data = b"".join(json.dumps(chat(i)).encode() + b"\n" for i in range(2))
    file_id = client.files.upload(data, file_name="in.jsonl").id
    job = on(
        side,
        emu,
        lambda c: c.batch.jobs.create(
            input_files=[file_id],
            endpoint="/v1/embeddings",
            agent_id="ag-1",
            metadata={"team": "nlp"},
            timeout_hours=2,
            dedupe=False,
        ),
    )
    assert isinstance(job, BatchJob)
    assert (job.input_files, job.endpoint, job.model, job.agent_id) == (
        [file_id],
        "/v1/embeddings",
        None,
        "ag-1",
    )
    assert job.metadata == {"team": "nlp"}  # no token without dedupe
    assert (job.status, job.total_requests, job.object) == ("QUEUED", 2, "batch")


@SIDES
def test_a_create_retried_after_a_503_is_logged_with_its_wait(
    side: str, emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    emu.inject("create_batch_job", status=503, retry_after=1)
    caplog.set_level(logging.INFO, logger="mistral_batch")
    job = on(side, emu, lambda c: c.batch.jobs.create(requests=[chat(0)], model=MODEL))
    assert isinstance(job, BatchJob)
    retries = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(retries) == 1
    assert retries[0].startswith("create_batch_job attempt 1 failed (503 Service Unavailable")
    assert retries[0].endswith("; retrying in 1.00s")


@SIDES
def test_create_marks_the_job_with_a_token_and_defaults_to_chat(
    side: str, client: Mistral, emu: Emulator
) -> None:
    job = on(
        side,
        emu,
        lambda c: c.batch.jobs.create(requests=[chat(0)], model=MODEL, metadata={"k": "v"}),
    )
    assert (job.endpoint, job.model, job.agent_id, job.input_files) == (
        "/v1/chat/completions",
        MODEL,
        None,
        [],
    )
    assert job.metadata is not None and set(job.metadata) == {"k", "mistral_batch_token"}
    assert job.metadata["k"] == "v"
    assert re.fullmatch("[0-9a-f]{32}", job.metadata["mistral_batch_token"])


@SIDES
@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"completion_window": "forever"},
            "completion_window must look like '24h' or '2d', got 'forever'",
        ),
        (
            {"completion_window": "200h"},
            "completion_window must be between 1 and 168 hours, got 200",
        ),
        ({"timeout_hours": 169}, "timeout_hours must be between 1 and 168 hours, got 169"),
        ({"timeout_hours": 0}, "timeout_hours must be between 1 and 168 hours, got 0"),
    ],
)
def test_create_checks_how_long_the_job_may_run(
    side: str, emu: Emulator, options: dict[str, Any], message: str
) -> None:
    before = emu.stats.requests.get("create_batch_job", 0)
    with pytest.raises(InputError) as caught:
        on(side, emu, lambda c: c.batch.jobs.create(input_files=["f"], model=MODEL, **options))
    assert str(caught.value) == message
    assert caught.value.field == next(iter(options))
    assert emu.stats.requests.get("create_batch_job", 0) == before


@SIDES
def test_create_takes_a_completion_window(side: str, client: Mistral, emu: Emulator) -> None:
    job = on(
        side,
        emu,
        lambda c: c.batch.jobs.create(requests=[chat(0)], model=MODEL, completion_window="2d"),
    )
    assert job.status == "QUEUED"


@SIDES
def test_get_and_inline_outputs(side: str, emu: Emulator, done: BatchJob) -> None:
    plain = on(side, emu, lambda c: c.batch.jobs.get(done.id))
    assert plain == attrs.evolve(done, extra=plain.extra)
    assert plain.outputs is None
    inline = on(side, emu, lambda c: c.batch.jobs.get(done, inline=True))
    assert inline.outputs is not None
    assert sorted(o["custom_id"] for o in inline.outputs) == ["bad", "r0", "r1"]


@SIDES
def test_cancel_and_delete_answer_with_the_job(side: str, emu: Emulator, done: BatchJob) -> None:
    cancelled = on(side, emu, lambda c: c.batch.jobs.cancel(done))
    assert (cancelled.id, cancelled.status) == (done.id, "SUCCESS")
    deleted = on(side, emu, lambda c: c.batch.jobs.delete(done))
    assert deleted == Deleted(id=done.id, deleted=True, object="batch")
    with pytest.raises(NotFoundError):
        on(side, emu, lambda c: c.batch.jobs.get(done.id))


@SIDES
def test_wait_returns_the_finished_job_and_reports_each_poll(
    side: str, client: Mistral, emu: Emulator
) -> None:
    job = client.batch.jobs.create(requests=[chat(0), chat(1)], model=MODEL)
    seen: list[BatchJob] = []
    final = on(side, emu, lambda c: c.batch.jobs.wait(job, on_progress=seen.append, backoff=FAST))
    assert (final.id, final.status, final.succeeded_requests) == (job.id, "SUCCESS", 2)
    assert seen[-1] == final


@SIDES
@pytest.mark.parametrize(
    "fault", [{"status": 503}, {"status": 500}, {"status": 429}, {"reset": True}]
)
def test_wait_rides_out_an_outage(
    side: str, client: Mistral, emu: Emulator, fault: dict[str, Any]
) -> None:
    job = client.batch.jobs.create(requests=[chat(0)], model=MODEL)
    client.batch.jobs.wait(job, timeout=30, backoff=FAST)
    # More failed polls than a call's retries: the wait itself rides them out.
    emu.inject("get_batch_job", count=FAST_RETRY.max_attempts + 2, **fault)
    final = on(side, emu, lambda c: c.batch.jobs.wait(job.id, timeout=30, backoff=FAST))
    assert (final.id, final.status) == (job.id, "SUCCESS")


@SIDES
def test_wait_ends_at_once_on_an_error_of_the_request(
    side: str, client: Mistral, emu: Emulator
) -> None:
    job = client.batch.jobs.create(requests=[chat(0)], model=MODEL)
    emu.inject("get_batch_job", status=400, count=1)
    emu.reset_stats()
    with pytest.raises(BadRequestError):
        on(side, emu, lambda c: c.batch.jobs.wait(job, timeout=30, backoff=FAST))
    assert emu.stats.requests.get("get_batch_job", 0) == 1


@SIDES
def test_wait_rides_out_a_404_just_after_create(side: str, client: Mistral, emu: Emulator) -> None:
    job = client.batch.jobs.create(requests=[chat(0)], model=MODEL)
    emu.inject("get_batch_job", status=404, count=2)
    final = on(side, emu, lambda c: c.batch.jobs.wait(job, timeout=30, backoff=FAST))
    assert (final.id, final.status) == (job.id, "SUCCESS")


@SIDES
def test_wait_does_not_hide_the_404_of_an_unknown_job(side: str, emu: Emulator) -> None:
    with pytest.raises(NotFoundError):
        on(side, emu, lambda c: c.batch.jobs.wait("no-such-job", timeout=30, backoff=FAST))


@SIDES
def test_wait_raises_on_an_unknown_status_when_told(
    side: str, emu: Emulator, done: BatchJob
) -> None:
    emu.inject("get_batch_job", unknown_enums=True, count=1)
    with pytest.raises(UnexpectedStatusError) as caught:
        on(side, emu, lambda c: c.batch.jobs.wait(done.id, unknown_status="raise"))
    assert str(caught.value) == f"job {done.id} has unknown status 'VALIDATING'"
    assert caught.value.status == "VALIDATING"
    assert isinstance(caught.value.job, BatchJob)
    assert (caught.value.job.id, caught.value.job.status) == (done.id, "VALIDATING")


@SIDES
def test_wait_times_out_with_the_last_status_seen(side: str, emu: Emulator, slow: BatchJob) -> None:
    with pytest.raises(WaitTimeoutError) as caught:
        on(side, emu, lambda c: c.batch.jobs.wait(slow.id, timeout=0.3, backoff=FAST))
    last = caught.value.job
    assert isinstance(last, BatchJob) and last.id == slow.id
    assert last.status in {"QUEUED", "RUNNING"}
    assert str(caught.value) == f"job {slow.id} still {last.status} after 0.3s"
    assert caught.value.__cause__ is None


@SIDES
def test_wait_polls_at_the_pace_of_the_backoff_given(
    side: str, emu: Emulator, slow: BatchJob
) -> None:
    # A wait polls at once and a last time at its deadline: a backoff longer than the
    # wait gives those two polls only, and one of 10 ms gives more (the default, 1 s, two).
    def polls(backoff: Backoff) -> int:
        seen: list[BatchJob] = []
        with pytest.raises(WaitTimeoutError):
            on(
                side,
                emu,
                lambda c: c.batch.jobs.wait(
                    slow, timeout=0.3, backoff=backoff, on_progress=seen.append
                ),
            )
        return len(seen)

    assert polls(Backoff(initial=60.0, max_delay=60.0)) == 2
    assert polls(FAST) > 2


@SIDES
def test_a_wait_through_an_outage_times_out_with_the_job_it_was_given(
    side: str, emu: Emulator, slow: BatchJob
) -> None:
    emu.inject("get_batch_job", status=503, count=None)
    with pytest.raises(WaitTimeoutError) as caught:
        on(side, emu, lambda c: c.batch.jobs.wait(slow, timeout=0.3, backoff=FAST))
    assert caught.value.job is slow
    failed = caught.value.__cause__
    assert isinstance(failed, ServerError) and failed.status_code == 503
    expected = f"job {slow.id} still QUEUED after 0.3s; the last poll failed: {failed}"
    assert str(caught.value) == expected


@SIDES
def test_a_wait_by_id_that_never_saw_the_job_says_so(
    side: str, emu: Emulator, slow: BatchJob
) -> None:
    emu.inject("get_batch_job", status=503, count=None)
    with pytest.raises(WaitTimeoutError) as caught:
        on(side, emu, lambda c: c.batch.jobs.wait(slow.id, timeout=0.3, backoff=FAST))
    assert caught.value.job is None
    assert str(caught.value).startswith(f"job {slow.id} still unseen after 0.3s; ")


@SIDES
def test_results_and_errors_of_a_finished_job(side: str, emu: Emulator, done: BatchJob) -> None:
    assert sorted(read(side, emu, "results", done)) == ["r0", "r1"]
    assert read(side, emu, "errors", done.id) == ["bad"]


@SIDES
def test_a_job_without_failures_has_no_errors(side: str, client: Mistral, emu: Emulator) -> None:
    job = client.batch.jobs.create(requests=[chat(0)], model=MODEL)
    finished = client.batch.jobs.wait(job, timeout=30, backoff=FAST)
    assert finished.error_file is None
    assert read(side, emu, "errors", finished) == []


@SIDES
@pytest.mark.parametrize("which", ["results", "errors"])
def test_a_line_longer_than_asked_is_refused(
    side: str, emu: Emulator, done: BatchJob, which: str
) -> None:
    with pytest.raises(ResultDecodeError) as caught:
        read(side, emu, which, done, max_line_bytes=10)
    assert caught.value.line == 1
    assert str(caught.value).startswith(
        "line 1 is longer than 10 bytes, the limit (max_line_bytes)"
    )


@SIDES
@pytest.mark.parametrize(
    ("which", "counter", "message"),
    [
        ("results", "succeeded_requests", "the result file holds 2 results where the job counts 3"),
        ("errors", "failed_requests", "the result file holds 1 results where the job counts 2"),
    ],
)
def test_a_result_file_shorter_than_the_job_counts_is_incomplete(
    side: str, emu: Emulator, done: BatchJob, which: str, counter: str, message: str
) -> None:
    counted = attrs.evolve(done, **{counter: getattr(done, counter) + 1})
    with pytest.raises(IncompleteDownloadError) as caught:
        read(side, emu, which, counted)
    assert str(caught.value) == message
    assert (caught.value.expected, caught.value.received) == (
        getattr(done, counter) + 1,
        getattr(done, counter),
    )
