"""Batch jobs through the client against the emulator: create, follow, read the results."""

import json
from pathlib import Path
from typing import Any

import pytest

from mistral_batch import (
    Backoff,
    BatchJob,
    ConflictError,
    InputError,
    Mistral,
    MistralBatchError,
    NotFoundError,
    UnexpectedStatusError,
    WaitTimeoutError,
    pair_results,
)
from mistral_batch.emulator import Emulator

MODEL = "mistral-small-latest"


def chat(i: int) -> dict[str, Any]:
    return {"custom_id": f"r{i}", "body": {"messages": [{"role": "user", "content": f"q{i}"}]}}


def upload_requests(client: Mistral, requests: list[dict[str, Any]]) -> str:
    data = b"".join(json.dumps(r).encode() + b"\n" for r in requests)
    return client.files.upload(data, purpose="batch", file_name="in.jsonl").id


def test_create_wait_and_read_results(client: Mistral) -> None:
    good = [chat(i) for i in range(5)]
    bad = {"custom_id": "bad", "body": {"max_tokens": 3}}  # chat without messages
    file_id = upload_requests(client, [*good, bad])
    job = client.batch.jobs.create(
        input_files=[file_id], model=MODEL, metadata={"job_type": "testing"}, timeout_hours=2
    )
    assert job.status == "QUEUED" or job.status == "RUNNING" or job.done
    assert job.metadata is not None and job.metadata["job_type"] == "testing"

    seen: list[str] = []
    done = client.batch.jobs.wait(job, timeout=30, on_progress=lambda j: seen.append(j.status))
    assert done.status == "SUCCESS"
    assert seen[-1] == "SUCCESS"
    assert (done.total_requests, done.succeeded_requests, done.failed_requests) == (6, 5, 1)
    assert done.request_counts.completed == 6
    assert done.completed_at is not None and done.completed_at >= done.created_at

    with client.batch.jobs.results(done) as results:
        got = {r.custom_id: r for r in results}
    assert set(got) == {f"r{i}" for i in range(5)}
    assert all(r.ok and r.status_code == 200 for r in got.values())
    assert got["r0"].body["choices"][0]["message"]["role"] == "assistant"

    errors = list(client.batch.jobs.errors(done.id))
    assert [e.custom_id for e in errors] == ["bad"]
    assert not errors[0].ok and errors[0].status_code != 200

    paired = pair_results([*good, bad], [*got.values(), *errors])
    assert [cid for cid, _, result in paired if result is None] == []


def test_inline_requests_and_outputs(client: Mistral) -> None:
    job = client.batch.jobs.create(requests=[chat(1), chat(2)], model=MODEL)
    client.batch.jobs.wait(job, timeout=30)
    inline = client.batch.jobs.get(job.id, inline=True)
    assert inline.outputs is not None
    assert sorted(o["custom_id"] for o in inline.outputs) == ["r1", "r2"]


def test_create_checks_locally_and_sends_nothing(client: Mistral, emu: Emulator) -> None:
    before = emu.stats.requests.get("create_batch_job", 0)
    cases: list[dict[str, Any]] = [
        {"input_files": ["f"], "endpoint": "v1/nope", "model": MODEL},
        {"input_files": ["f"], "model": MODEL, "timeout_hours": 169},
        {"input_files": ["f"], "model": MODEL, "timeout_hours": 0},
        {"input_files": ["f"], "model": MODEL, "metadata": {"": "x"}},
        {"input_files": ["f"], "model": MODEL, "metadata": {"k" * 33: "x"}},
        {"input_files": ["f"], "model": MODEL, "metadata": {"k": "v" * 513}},
        {"input_files": ["f"], "model": MODEL, "metadata": {"k": 1}},
        {"model": MODEL},
        {"input_files": ["../etc"], "model": MODEL},
    ]
    for kwargs in cases:
        with pytest.raises(InputError):
            client.batch.jobs.create(**kwargs)
    assert emu.stats.requests.get("create_batch_job", 0) == before


def test_unknown_input_file_is_a_404(client: Mistral) -> None:
    with pytest.raises(NotFoundError):
        client.batch.jobs.create(input_files=["no-such-file"], model=MODEL)


def test_list_filters_by_status_and_metadata(client: Mistral) -> None:
    file_id = upload_requests(client, [chat(0)])
    marker = {"suite": "list-filters"}
    made = {
        client.batch.jobs.create(input_files=[file_id], model=MODEL, metadata=marker).id
        for _ in range(3)
    }
    for job_id in made:
        client.batch.jobs.wait(job_id, timeout=30)
    listed = {j.id for j in client.batch.jobs.list(metadata=marker, page_size=2)}
    assert listed == made
    assert {j.id for j in client.batch.jobs.list(metadata=marker, status=["SUCCESS"])} == made
    assert list(client.batch.jobs.list(metadata=marker, status="RUNNING")) == []


def test_cancel_and_delete(emu: Emulator, client: Mistral) -> None:
    emu.set_requests_per_second(5)
    try:
        file_id = upload_requests(client, [chat(i) for i in range(200)])
        job = client.batch.jobs.create(input_files=[file_id], model=MODEL)
        with pytest.raises(ConflictError):
            client.batch.jobs.delete(job.id)
        cancelled = client.batch.jobs.cancel(job.id)
        assert cancelled.status in {"CANCELLATION_REQUESTED", "CANCELLED"}
        final = client.batch.jobs.wait(job.id, timeout=30)
        assert final.status == "CANCELLED"
    finally:
        emu.set_requests_per_second(None)
    assert client.batch.jobs.delete(job.id).deleted
    with pytest.raises(NotFoundError):
        client.batch.jobs.get(job.id)


def test_wait_times_out_with_the_last_job_seen(emu: Emulator, client: Mistral) -> None:
    emu.set_requests_per_second(1)
    try:
        file_id = upload_requests(client, [chat(i) for i in range(100)])
        job = client.batch.jobs.create(input_files=[file_id], model=MODEL)
        with pytest.raises(WaitTimeoutError) as caught:
            client.batch.jobs.wait(job, timeout=0.5)
        assert isinstance(caught.value.job, BatchJob)
        assert caught.value.job.id == job.id
        assert caught.value.job.status in {"QUEUED", "RUNNING"}
        client.batch.jobs.cancel(job)
    finally:
        emu.set_requests_per_second(None)


def test_results_before_the_end_are_refused(emu: Emulator, client: Mistral) -> None:
    emu.set_requests_per_second(1)
    try:
        file_id = upload_requests(client, [chat(i) for i in range(50)])
        job = client.batch.jobs.create(input_files=[file_id], model=MODEL)
        with pytest.raises(MistralBatchError, match="results exist once"):
            client.batch.jobs.results(job.id)
        client.batch.jobs.cancel(job)
    finally:
        emu.set_requests_per_second(None)


def test_run_from_requests_and_from_a_path(client: Mistral, tmp_path: Path) -> None:
    progress: list[int] = []
    run = client.batch.run(
        [chat(i) for i in range(20)],
        model=MODEL,
        on_progress=lambda j: progress.append(j.completed_requests),
    )
    assert run.job.status == "SUCCESS"
    assert sorted(r.custom_id or "" for r in run.results()) == sorted(f"r{i}" for i in range(20))
    assert progress and progress[-1] == 20

    path = tmp_path / "in.jsonl"
    lines = [{"custom_id": str(i), "body": {"input": [f"text {i}"]}} for i in range(3)]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    from_path = client.batch.run(path, model=MODEL, endpoint="/v1/embeddings")
    embeddings = [r.body["data"][0]["embedding"] for r in from_path.results()]
    assert len(embeddings) == 3 and all(len(e) == 1024 for e in embeddings)


def test_run_refuses_bad_input_before_uploading(
    client: Mistral, emu: Emulator, tmp_path: Path
) -> None:
    before = emu.stats.requests.get("upload_file", 0)
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(chat(1)) + "\n" + "{not json\n")
    with pytest.raises(InputError) as caught:
        client.batch.run(path, model=MODEL)
    assert caught.value.line == 2
    with pytest.raises(InputError, match="custom_id"):
        client.batch.run([chat(1), chat(1)], model=MODEL)
    assert emu.stats.requests.get("upload_file", 0) == before


def test_wait_rides_out_a_404_just_after_create(client: Mistral, emu: Emulator) -> None:
    job = client.batch.jobs.create(requests=[chat(0)], model=MODEL)
    # A job can be briefly invisible right after it was created.
    emu.inject("get_batch_job", status=404, count=2)
    fast = Backoff(initial=0.01, factor=1.0, max_delay=0.01)
    assert client.batch.jobs.wait(job, timeout=30, backoff=fast).status == "SUCCESS"


def test_wait_on_a_job_not_just_created_does_not_hide_a_404(client: Mistral, emu: Emulator) -> None:
    emu.inject("get_batch_job", status=404, count=1)
    with pytest.raises(NotFoundError):
        client.batch.jobs.wait("some-old-job-id", timeout=30)


def test_wait_and_a_status_it_does_not_know(client: Mistral, emu: Emulator) -> None:
    job = client.batch.jobs.create(requests=[chat(0)], model=MODEL)
    client.batch.jobs.wait(job, timeout=30)
    fast = Backoff(initial=0.01, factor=1.0, max_delay=0.01)
    # By default an unknown status is waited on: the next poll sees the real one.
    emu.inject("get_batch_job", unknown_enums=True, count=1)
    assert client.batch.jobs.wait(job.id, timeout=30, backoff=fast).status == "SUCCESS"
    # "return" hands the job back as it is, unknown status kept as its string.
    emu.inject("get_batch_job", unknown_enums=True, count=1)
    odd = client.batch.jobs.wait(job.id, timeout=30, unknown_status="return")
    assert odd.status not in {"QUEUED", "RUNNING", "SUCCESS", "FAILED", "CANCELLED"}
    emu.inject("get_batch_job", unknown_enums=True, count=1)
    with pytest.raises(UnexpectedStatusError) as caught:
        client.batch.jobs.wait(job.id, timeout=30, unknown_status="raise")
    assert caught.value.status == odd.status
