"""The server goes away mid-job and comes back on the same data: the job finishes, and the
client that was waiting on it carries on as if nothing happened."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from reliability_helpers import MODEL, QUICK_POLL, chat, jsonl, wait_until

from mistral_batch import BatchJob, Mistral, RetryPolicy
from mistral_batch.emulator import Emulator

COUNT = 60

#: wait() polls through the transport, whose retries are what carry it over the outage:
#: a refused connection never reached the server, so even with a few ms between attempts
#: the policy needs enough of them to outlast the restart (here, well over ten seconds).
THROUGH_A_RESTART = RetryPolicy(max_attempts=200, initial_delay=0.05, max_delay=0.1)


def test_a_restarted_emulator_finishes_the_job_and_the_waiting_client_carries_on(
    make_emulator: Callable[..., Emulator],
    tmp_path: Path,
    recorder: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu = make_emulator(data_dir=tmp_path / "data", requests_per_second=40)
    client = Mistral(api_key=emu.api_key, server_url=emu.url, retry=THROUGH_A_RESTART)
    uploaded = client.files.upload(jsonl(chat(f"r{i}") for i in range(COUNT)))
    job = client.batch.jobs.create(input_files=[uploaded.id], model=MODEL)

    seen: list[BatchJob] = []
    outcome: dict[str, Any] = {}

    def wait() -> None:
        try:
            outcome["job"] = client.batch.jobs.wait(
                job, timeout=60, backoff=QUICK_POLL, on_progress=seen.append
            )
        except Exception as exc:
            outcome["error"] = exc

    waiter = threading.Thread(target=wait)
    with client, caplog.at_level(logging.INFO, logger="mistral_batch"):
        waiter.start()
        wait_until(lambda: bool(seen) and seen[-1].completed_requests >= 10)
        emu.stop()
        time.sleep(0.3)  # down long enough for the waiting client to meet refused connections
        emu.start()
        waiter.join(timeout=60)

        assert "error" not in outcome, outcome.get("error")
        finished = outcome["job"]
        assert finished.id == job.id and finished.status == "SUCCESS"
        assert any("get_batch_job attempt" in r.getMessage() for r in caplog.records), (
            "the client met the outage and retried through it"
        )
        progress = [j.completed_requests for j in seen]
        assert progress == sorted(progress), "no progress was lost in the restart"
        results = Counter(r.custom_id for r in client.batch.jobs.results(finished))

    expected = Counter(f"r{i}" for i in range(COUNT))
    missing = expected - results
    recorder.loss("custom_ids through an emulator restart mid-job", COUNT, sum(missing.values()))
    assert results == expected
