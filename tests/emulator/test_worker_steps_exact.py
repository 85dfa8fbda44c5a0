"""The job worker's steps, taken directly on a store: when a job starts and when it goes on."""

from __future__ import annotations

import orjson
from emulator_helpers import WORKSPACE, job_record

from mistral_batch_emulator._records import JobRecord
from mistral_batch_emulator._settings import Settings
from mistral_batch_emulator._store import Store
from mistral_batch_emulator._worker import Worker

#: A whole number of seconds, so that times counted from it are exact.
CREATED_AT = 1_700_000_000.0


def inline_job(store: Store, status: str, lines: int) -> JobRecord:
    job = job_record(status=status, created_at=CREATED_AT, total=lines)
    body = {"messages": [{"role": "user", "content": "hello"}]}
    requests = [{"custom_id": str(index), "body": body} for index in range(lines)]
    store.requests_path(job.id).write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in requests))
    store.insert_job(job)
    return job


def status_of(store: Store, job: JobRecord) -> str:
    found = store.get_job(WORKSPACE, job.id)
    assert found is not None
    return found.status


def test_a_queued_job_starts_at_the_very_end_of_its_queue_delay(store: Store) -> None:
    """At created_at + queue_delay exactly, the job runs, and the worker asks for no pause."""
    worker = Worker(store, Settings(queue_delay=5.0))
    job = inline_job(store, "QUEUED", lines=2)
    assert worker._advance(job, job.created_at + 4.0) == 1.0
    assert status_of(store, job) == "QUEUED"
    assert worker._advance(job, job.created_at + 5.0) == 0.0
    assert status_of(store, job) == "RUNNING"


def test_a_started_job_asks_for_no_pause(store: Store) -> None:
    """Moving a queued job to RUNNING lets the worker take its first step at once."""
    worker = Worker(store, Settings())
    job = inline_job(store, "QUEUED", lines=2)
    assert worker._advance(job, job.created_at) == 0.0
    assert status_of(store, job) == "RUNNING"


def test_each_step_of_a_running_job_asks_for_no_pause(store: Store) -> None:
    """A paced job goes on at once after each step, and after the step that finds its end."""
    worker = Worker(store, Settings(requests_per_second=20.0))
    job = inline_job(store, "RUNNING", lines=2)
    try:
        assert worker._advance(job, job.created_at) == 0.0
        running = store.get_job(WORKSPACE, job.id)
        assert running is not None
        assert (running.status, running.progress.succeeded) == ("RUNNING", 1)
        assert worker._advance(running, job.created_at + 1.0) == 0.0
        assert status_of(store, job) == "RUNNING"
        assert worker._advance(running, job.created_at + 2.0) == 0.0
        assert status_of(store, job) == "SUCCESS"
    finally:
        worker.stop()
