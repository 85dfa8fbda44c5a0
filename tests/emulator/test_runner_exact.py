"""The runner's count of the requests it ran: what a step adds to the store's attempts."""

from __future__ import annotations

import orjson
from emulator_helpers import WORKSPACE, job_record

from mistral_batch_emulator._records import JobRecord
from mistral_batch_emulator._runner import JobRunner
from mistral_batch_emulator._store import Store

CHAT = "/v1/chat/completions"
MODEL = "mistral-small-latest"
JOB_ID = "0f0e0d0c-0b0a-4908-8706-050403020100"


def inline_job(store: Store, content: bytes) -> JobRecord:
    job = job_record(id=JOB_ID)
    store.requests_path(job.id).write_bytes(content)
    return job


def request(custom_id: str) -> bytes:
    line = {"custom_id": custom_id, "body": {"messages": [{"role": "user", "content": "question"}]}}
    return orjson.dumps(line) + b"\n"


def test_a_new_runner_has_run_no_requests(store: Store) -> None:
    runner = JobRunner(store, inline_job(store, request("a")))
    try:
        assert runner.attempts == {}
    finally:
        runner.close()


def test_a_step_counts_each_run_of_a_custom_id_once(store: Store) -> None:
    job = inline_job(store, request("a") + request("b") + request("a"))
    runner = JobRunner(store, job)
    try:
        assert runner.step(10, 0.5) is True
    finally:
        runner.close()
    assert runner.attempts == {(WORKSPACE, MODEL, "a"): 2, (WORKSPACE, MODEL, "b"): 1}
