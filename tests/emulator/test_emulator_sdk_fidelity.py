"""The batch guide's end-to-end example, run with Mistral's official SDK against the emulator.

The example is tests/seeds/end_to_end_example.py, the guide's code as it is; the one
change made here points its client at the emulator (``server_url``).
"""

from __future__ import annotations

import json
import random
import runpy
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mistralai import File, Mistral

from mistral_batch.emulator import Emulator
from mistral_batch_emulator.pytest_plugin import EmulatorFactory

pytestmark = pytest.mark.other_client("the official SDK's guide leaves its downloads open")

EXAMPLE = Path(__file__).resolve().parents[1] / "seeds" / "end_to_end_example.py"
CLIENT_LINE = 'Mistral(api_key=os.environ["MISTRAL_API_KEY"])'
#: The only change to the guide's code: its client talks to the emulator.
POINTED = 'Mistral(api_key=os.environ["MISTRAL_API_KEY"], server_url=os.environ["EMULATOR_URL"])'


def example_source() -> str:
    source = EXAMPLE.read_text()
    assert source.count(CLIENT_LINE) == 1
    return source.replace(CLIENT_LINE, POINTED)


def example() -> dict[str, Callable[..., Any]]:
    """The example's functions, defined as the guide writes them."""
    namespace: dict[str, Any] = {"__name__": "end_to_end_example"}
    exec(compile(example_source(), str(EXAMPLE), "exec"), namespace)
    return namespace


@pytest.fixture
def sdk_emulator(
    mistral_emulator_factory: EmulatorFactory, monkeypatch: pytest.MonkeyPatch
) -> Emulator:
    emulator = mistral_emulator_factory(requests_per_second=200)
    monkeypatch.setenv("MISTRAL_API_KEY", emulator.api_key)
    monkeypatch.setenv("EMULATOR_URL", emulator.url)
    return emulator


def sdk_client(emulator: Emulator) -> Mistral:
    return Mistral(api_key=emulator.api_key, server_url=emulator.url)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_guide_example_runs_unchanged(
    sdk_emulator: Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    responses_closed: dict[int, str],
) -> None:
    random.seed(1)
    script = tmp_path / "example.py"
    script.write_text(example_source())
    success, error = tmp_path / "output.jsonl", tmp_path / "error.jsonl"
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "example.py",
            "--num_samples",
            "30",
            "--success_path",
            str(success),
            "--error_path",
            str(error),
            "--model",
            "codestral-latest",
        ],
    )
    runpy.run_path(str(script), run_name="__main__")
    # The guide's code, run as it is, leaves the official SDK's last download open: that
    # is the guide's doing, not the emulator's, so it is not counted against this test.
    responses_closed.clear()

    (job,) = sdk_client(sdk_emulator).batch.jobs.list().data
    assert job.status == "SUCCESS"
    assert (job.total_requests, job.succeeded_requests, job.failed_requests) == (30, 30, 0)
    assert job.metadata == {"job_type": "testing"}
    assert job.error_file is None and not error.exists()
    results = _read_jsonl(success)
    assert [r["custom_id"] for r in results] == [str(i) for i in range(30)]
    assert all(r["response"]["status_code"] == 200 for r in results)
    assert all(r["response"]["body"]["model"] == "codestral-latest" for r in results)
    printed = capsys.readouterr().out
    assert f"Batch job {job.id} completed with status: SUCCESS" in printed
    assert "Total requests: 30" in printed
    assert sdk_emulator.stats.requests["get_batch_job"] >= 1


def test_the_guide_downloads_an_error_file(
    sdk_emulator: Emulator, tmp_path: Path, responses_closed: dict[int, str]
) -> None:
    guide = example()
    client = guide["create_client"]()
    run_batch_job, download_file = guide["run_batch_job"], guide["download_file"]
    lines = b'{"custom_id": "ok", "body": {"messages": [{"role": "user", "content": "hi"}]}}\n'
    lines += b'{"custom_id": "broken", "body": {"max_tokens": 3}}\nnot json at all\n'
    input_file = client.files.upload(
        file=File(file_name="mixed.jsonl", content=lines), purpose="batch"
    )
    assert input_file.sample_type == "pretrain" and input_file.num_lines == 3
    job = run_batch_job(client, input_file, "mistral-small-latest")
    assert job.status == "SUCCESS"
    assert (job.succeeded_requests, job.failed_requests) == (1, 2)
    assert sorted(e.count for e in job.errors) == [1, 1]
    download_file(client, job.error_file, tmp_path / "error.jsonl")
    download_file(client, job.output_file, tmp_path / "output.jsonl")
    responses_closed.clear()  # the guide's download_file leaves the SDK's answers open
    errors = _read_jsonl(tmp_path / "error.jsonl")
    assert [e["custom_id"] for e in errors] == ["broken", None]
    assert [e["response"]["status_code"] for e in errors] == [422, 400]
    assert [r["custom_id"] for r in _read_jsonl(tmp_path / "output.jsonl")] == ["ok"]


def test_the_sdk_lists_cancels_and_reads_files(sdk_emulator: Emulator) -> None:
    client = sdk_client(sdk_emulator)
    sdk_emulator.set_requests_per_second(5)
    job = client.batch.jobs.create(
        requests=[
            {"custom_id": str(i), "body": {"messages": [{"role": "user", "content": "x"}]}}
            for i in range(100)
        ],
        model="mistral-small-latest",
        endpoint="/v1/chat/completions",
        metadata={"job_type": "testing"},
    )
    listed = client.batch.jobs.list(metadata={"job_type": "testing"})
    assert [j.id for j in listed.data] == [job.id] and listed.total == 1
    cancelled = client.batch.jobs.cancel(job_id=job.id)
    assert cancelled.status in ("CANCELLATION_REQUESTED", "CANCELLED")
    while cancelled.status == "CANCELLATION_REQUESTED":
        time.sleep(0.02)
        cancelled = client.batch.jobs.get(job_id=job.id)
    assert cancelled.status == "CANCELLED"
    assert client.batch.jobs.list(status=["CANCELLED"]).total == 1
    uploaded = client.files.upload(file=File(file_name="a.txt", content=b"abc\n"), purpose="ocr")
    assert client.files.retrieve(file_id=uploaded.id).deleted is False
    assert client.files.list(purpose="ocr").total == 1
    signed = client.files.get_signed_url(file_id=uploaded.id)
    assert signed.url.startswith(sdk_emulator.url)
    assert client.files.delete(file_id=uploaded.id).deleted is True
