"""The batch guide's end-to-end example, run with Mistral's official SDK against the emulator.

The example's functions are kept as the guide writes them; only the client is pointed at
the emulator (``server_url`` and the key), the sample count is small and the poll sleep
short.
"""

from __future__ import annotations

import json
import os
import random
import time
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from mistralai import File, Mistral

from mistral_batch.emulator import Emulator

SERVER_URL = ""  # set by the fixture: the only change to the guide's client


def create_client():  # type: ignore[no-untyped-def]
    """
    Create a Mistral client using the API key from environment variables.

    Returns:
        Mistral: An instance of the Mistral client.
    """
    return Mistral(api_key=os.environ["MISTRAL_API_KEY"], server_url=SERVER_URL)


def generate_random_string(start, end):  # type: ignore[no-untyped-def]
    length = random.randrange(start, end)
    return " ".join(random.choices("abcdefghijklmnopqrstuvwxyz", k=length))


def print_stats(batch_job):  # type: ignore[no-untyped-def]
    print(f"Total requests: {batch_job.total_requests}")
    print(f"Failed requests: {batch_job.failed_requests}")
    print(f"Successful requests: {batch_job.succeeded_requests}")
    print(
        f"Percent done: {round((batch_job.succeeded_requests + batch_job.failed_requests) / batch_job.total_requests, 4) * 100}"  # noqa: E501
    )


def create_input_file(client, num_samples):  # type: ignore[no-untyped-def]
    buffer = BytesIO()
    for idx in range(num_samples):
        request = {
            "custom_id": str(idx),
            "body": {
                "max_tokens": random.randint(10, 1000),
                "messages": [{"role": "user", "content": generate_random_string(100, 5000)}],
            },
        }
        buffer.write(json.dumps(request).encode("utf-8"))
        buffer.write("\n".encode("utf-8"))  # noqa: UP012 - as the guide writes it
    return client.files.upload(
        file=File(file_name="file.jsonl", content=buffer.getvalue()), purpose="batch"
    )


def run_batch_job(client, input_file, model):  # type: ignore[no-untyped-def]
    batch_job = client.batch.jobs.create(
        input_files=[input_file.id],
        model=model,
        endpoint="/v1/chat/completions",
        metadata={"job_type": "testing"},
    )

    while batch_job.status in ["QUEUED", "RUNNING"]:
        batch_job = client.batch.jobs.get(job_id=batch_job.id)
        print_stats(batch_job)
        time.sleep(0.05)

    print(f"Batch job {batch_job.id} completed with status: {batch_job.status}")
    return batch_job


def download_file(client, file_id, output_path):  # type: ignore[no-untyped-def]
    if file_id is not None:
        print(f"Downloading file to {output_path}")
        output_file = client.files.download(file_id=file_id)
        with open(output_path, "w") as f:
            for chunk in output_file.stream:
                f.write(chunk.decode("utf-8"))
        print(f"Downloaded file to {output_path}")


def main(num_samples, success_path, error_path, model):  # type: ignore[no-untyped-def]
    client = create_client()
    input_file = create_input_file(client, num_samples)
    print(f"Created input file {input_file}")

    batch_job = run_batch_job(client, input_file, model)
    print(f"Job duration: {batch_job.completed_at - batch_job.created_at} seconds")
    download_file(client, batch_job.error_file, error_path)
    download_file(client, batch_job.output_file, success_path)
    return batch_job


@pytest.fixture
def sdk_emulator(monkeypatch: pytest.MonkeyPatch) -> Any:
    global SERVER_URL
    with Emulator(requests_per_second=200) as emulator:
        monkeypatch.setenv("MISTRAL_API_KEY", emulator.api_key)
        SERVER_URL = emulator.url
        yield emulator
        SERVER_URL = ""


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_guide_example_runs_unchanged(
    sdk_emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    random.seed(1)
    success, error = tmp_path / "output.jsonl", tmp_path / "error.jsonl"
    job = main(30, success, error, "codestral-latest")

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


def test_the_guide_downloads_an_error_file(sdk_emulator: Emulator, tmp_path: Path) -> None:
    client = create_client()
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
    errors = _read_jsonl(tmp_path / "error.jsonl")
    assert [e["custom_id"] for e in errors] == ["broken", None]
    assert [e["response"]["status_code"] for e in errors] == [422, 400]
    assert [r["custom_id"] for r in _read_jsonl(tmp_path / "output.jsonl")] == ["ok"]


def test_the_sdk_lists_cancels_and_reads_files(sdk_emulator: Emulator) -> None:
    client = create_client()
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
