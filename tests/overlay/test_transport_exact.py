"""The transport's reading of answers, exactly, on both clients: an error body is read no
further than its bound, even when it inflates past it in one step; the 404 that proves a
delete done is read only until the deadline; and a client we make waits for an answer
no longer than its read timeout, even where an attempt has no bound of its own."""

from __future__ import annotations

import gzip
import json
import time
import uuid

import pytest

from mistral_batch import (
    APITimeoutError,
    BadRequestError,
    Deleted,
    RetryPolicy,
)
from mistral_batch._answers import MAX_ERROR_BODY
from mistral_batch.emulator import Emulator

from .conftest import FAST_RETRY
from .conftest import outcome as call
from .loopback import Origin, on_both

SIDES = pytest.mark.parametrize("side", ["sync", "async"])
KEY = "sk-transport-exact-0123456789"

#: A JSON error whose message comes after far more padding than an error body is read for.
PADDED = json.dumps({"pad": "a" * (2 * MAX_ERROR_BODY), "message": "said at the very end"})


def test_an_error_body_inflating_past_its_bound_is_read_only_to_the_bound() -> None:
    # A few hundred bytes of gzip that inflate to 128 KiB in one step: only the first
    # 64 KiB are read, which is no whole JSON, so the message is its first line, cut.
    sent = gzip.compress(PADDED.encode())
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    with Origin(lambda path: (400, headers, sent)) as origin:
        outcomes = on_both(
            lambda cls: cls(api_key=KEY, server_url=origin.url, retry=FAST_RETRY),
            lambda client: client.files.retrieve("file-1"),
        )
    assert len(outcomes) == 2
    for outcome in outcomes:
        assert isinstance(outcome, BadRequestError), outcome
        assert outcome.message == PADDED[:299] + "\u2026"
        assert outcome.body == PADDED[:4095] + "\u2026"


@SIDES
def test_the_404_proving_a_delete_done_is_read_only_until_the_deadline(
    emu: Emulator, side: str
) -> None:
    # The first attempt is answered 503 (it may have deleted the job); the retry's 404,
    # a byte every 50 ms (seven seconds in all), proves it did, and is not read to its end.
    job_id = str(uuid.uuid4())
    emu.inject("delete_batch_job", status=503)
    emu.inject("delete_batch_job", drip=0.05)

    started = time.monotonic()
    outcome = call(side, emu, lambda c: c.batch.jobs.delete(job_id), deadline=0.4, retry=FAST_RETRY)
    assert isinstance(outcome, Deleted), outcome
    assert (outcome.id, outcome.deleted) == (job_id, True)
    assert time.monotonic() - started < 1.5


@SIDES
def test_an_upload_waits_for_its_answer_no_longer_than_the_read_timeout(
    emu: Emulator, side: str
) -> None:
    # An upload's attempt has no bound of its own (its body may take long to send): the
    # read timeout of the client's own connections is what ends a wait for an answer.
    emu.inject("upload_file", delay=1.5)
    started = time.monotonic()
    outcome = call(
        side,
        emu,
        lambda c: c.files.upload(b'{"custom_id": "a", "body": {}}\n', file_name="slow.jsonl"),
        timeout=0.3,
        retry=RetryPolicy(max_attempts=1, initial_delay=0.0, max_delay=0.0),
    )
    assert isinstance(outcome, APITimeoutError), outcome
    assert str(outcome) == "POST /v1/files failed: ReadTimeout: timed out"
    assert time.monotonic() - started < 1.2
