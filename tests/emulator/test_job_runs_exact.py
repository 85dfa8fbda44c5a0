"""How a job is checked and run: the 422 details of a bad body, the runner's steps and result
lines, and the worker that moves jobs to their end."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from emulator_helpers import (
    api_client,
    chat_line,
    create_job,
    download_lines,
    job_record,
    jsonl,
    upload,
    wait_for_job,
    wait_until,
)

from mistral_batch.emulator import Emulator
from mistral_batch_emulator._errors import ValidationFailed
from mistral_batch_emulator._job_input import parse_job_input
from mistral_batch_emulator._records import JobRecord, new_id
from mistral_batch_emulator._runner import JobRunner
from mistral_batch_emulator._store import Store
from mistral_batch_emulator._transient import draws_failure

CHAT = "/v1/chat/completions"
MODEL = "mistral-small-latest"
#: A fixed job id, so that the result ids and the failures they draw are always the same.
JOB_ID = "0f0e0d0c-0b0a-4908-8706-050403020100"


# The checks of a job creation body


def problems_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(ValidationFailed) as raised:
        parse_job_input(body)
    return raised.value.details


@pytest.mark.parametrize(
    ("fields", "detail"),
    [
        (
            {"input_files": "file-1"},
            {
                "loc": ["body", "input_files"],
                "msg": "Input should be a valid list",
                "type": "list_type",
            },
        ),
        (
            {"input_files": ["file-1", 3]},
            {
                "loc": ["body", "input_files", 1],
                "msg": "Input should be a valid string",
                "type": "string_type",
            },
        ),
        (
            {"requests": "all of them"},
            {
                "loc": ["body", "requests"],
                "msg": "Input should be a valid list",
                "type": "list_type",
            },
        ),
        (
            {"requests": []},
            {
                "loc": ["body", "requests"],
                "msg": "List should have at least 1 item",
                "type": "too_short",
            },
        ),
        (
            {"requests": [{"body": {}}], "metadata": ["a", "b"]},
            {
                "loc": ["body", "metadata"],
                "msg": "Input should be a valid object",
                "type": "dict_type",
            },
        ),
        (
            {"requests": [{"body": {}}], "timeout_hours": "2"},
            {
                "loc": ["body", "timeout_hours"],
                "msg": "Input should be a valid integer",
                "type": "int_type",
            },
        ),
    ],
)
def test_each_bad_field_gives_one_exact_detail(
    fields: dict[str, Any], detail: dict[str, Any]
) -> None:
    assert problems_of({"endpoint": CHAT, **fields}) == [detail]


def test_a_missing_endpoint_is_a_missing_field() -> None:
    assert problems_of({"requests": [{"body": {}}]}) == [
        {"loc": ["body", "endpoint"], "msg": "Field required", "type": "missing"}
    ]


# The runner, on a store of its own


def running_job(input_files: list[str], inline: bool) -> JobRecord:
    return job_record(id=JOB_ID, input_files=input_files, inline=inline)


def inline_job(store: Store, content: bytes) -> JobRecord:
    job = running_job([], inline=True)
    store.requests_path(job.id).write_bytes(content)
    return job


def file_job(store: Store, contents: list[bytes]) -> JobRecord:
    file_ids = [new_id() for _ in contents]
    for file_id, content in zip(file_ids, contents, strict=True):
        store.blob_path(file_id).write_bytes(content)
    return running_job(file_ids, inline=False)


def request(index: int, **fields: Any) -> bytes:
    line = {"body": {"messages": [{"role": "user", "content": f"question {index}"}]}, **fields}
    return orjson.dumps(line) + b"\n"


def run(store: Store, job: JobRecord, max_lines: int = 100, fail_rate: float = 0.0) -> JobRunner:
    runner = JobRunner(store, job)
    runner.step(max_lines, fail_rate)
    runner.close()
    return runner


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_a_line_that_is_not_json_gets_mistrals_error_object(store: Store) -> None:
    job = inline_job(store, b"not json\n")
    run(store, job)
    assert lines_of(store.blob_path(job.error_file_id)) == [
        {
            "id": f"batch-{JOB_ID}-0",
            "custom_id": None,
            "response": {
                "status_code": 400,
                "body": {
                    "object": "error",
                    "message": "Input line is not valid JSON",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "400",
                },
            },
            "error": None,
        }
    ]


def test_a_custom_id_that_is_not_a_string_comes_back_as_its_json_text(store: Store) -> None:
    job = inline_job(store, request(0, custom_id=5) + request(1, custom_id={"n": [1]}))
    run(store, job)
    results = lines_of(store.blob_path(job.output_file_id))
    assert [result["custom_id"] for result in results] == ["5", '{"n":[1]}']


def test_a_blank_line_is_skipped_within_the_step(store: Store) -> None:
    job = inline_job(store, request(0) + b"   \n\n" + request(1))
    runner = JobRunner(store, job)
    assert runner.step(10) is True
    runner.close()
    assert runner.progress.next_index == 2
    assert runner.progress.succeeded == 2


def test_requests_without_custom_id_draw_failures_by_their_result_id(store: Store) -> None:
    count = 24
    job = inline_job(store, b"".join(request(i) for i in range(count)))
    runner = run(store, job, fail_rate=0.5)
    failed = [line["id"] for line in lines_of(store.blob_path(job.error_file_id))]
    ids = [f"batch-{JOB_ID}-{i}" for i in range(count)]
    assert failed == [rid for rid in ids if draws_failure(rid, MODEL, 0, 0.5)]
    assert 0 < len(failed) < count
    assert runner.attempts == {}


def test_a_step_that_ends_in_the_second_file_goes_on_there(store: Store) -> None:
    job = file_job(
        store, [request(0, custom_id="a"), request(1, custom_id="b") + request(2, custom_id="c")]
    )
    runner = JobRunner(store, job)
    assert runner.step(2) is False
    assert runner.progress.cursor_file == 1
    assert runner.step(2) is True
    runner.close()
    results = lines_of(store.blob_path(job.output_file_id))
    assert [result["custom_id"] for result in results] == ["a", "b", "c"]


def test_the_cursor_is_the_byte_after_the_last_line_read_past_a_large_read(store: Store) -> None:
    blanks = (b" " * 1023 + b"\n") * 4200
    first, second = request(0, custom_id="a"), request(1, custom_id="b")
    job = inline_job(store, blanks + first + second)
    runner = JobRunner(store, job)
    assert runner.step(1) is False
    runner.close()
    assert runner.progress.cursor_offset == len(blanks) + len(first)
    assert runner.progress.next_index == 1


# The worker, in a running emulator


def test_result_files_are_named_after_the_job_and_their_kind(client: httpx.Client) -> None:
    stored = upload(client, jsonl([chat_line(0)]) + b"nope\n")
    done = wait_for_job(client, create_job(client, input_files=[stored["id"]])["id"])
    output = client.get(f"/v1/files/{done['output_file']}").json()
    error = client.get(f"/v1/files/{done['error_file']}").json()
    assert output["filename"] == f"batch_{done['id']}_output.jsonl"
    assert error["filename"] == f"batch_{done['id']}_error.jsonl"


def test_the_worker_is_a_daemon_thread_named_for_the_emulator(emulator: Emulator) -> None:
    workers = [thread for thread in threading.enumerate() if thread.name == "emulator-worker"]
    assert workers
    assert all(thread.daemon for thread in workers)


def test_a_job_whose_input_vanished_before_it_ran_has_one_exact_error(
    make_emulator: Callable[..., Emulator],
) -> None:
    emu = make_emulator(queue_delay=0.3)
    with api_client(emu) as client:
        stored = upload(client, jsonl([chat_line(0)]))
        job = create_job(client, input_files=[stored["id"]])
        client.delete(f"/v1/files/{stored['id']}")
        done = wait_for_job(client, job["id"])
    assert done["status"] == "FAILED"
    assert done["errors"] == [{"message": "An input file could not be read", "count": 1}]


def test_a_job_whose_second_input_vanished_while_running_keeps_the_first(
    make_emulator: Callable[..., Emulator], caplog: pytest.LogCaptureFixture
) -> None:
    emu = make_emulator(requests_per_second=100)
    with caplog.at_level(logging.ERROR), api_client(emu) as client:
        first = upload(client, jsonl(chat_line(i) for i in range(40)))
        second = upload(client, jsonl([chat_line(40)]))
        job = create_job(client, input_files=[first["id"], second["id"]])
        wait_until(
            lambda: client.get(f"/v1/batch/jobs/{job['id']}").json()["completed_requests"] > 0
        )
        assert client.delete(f"/v1/files/{second['id']}").status_code == 200
        done = wait_for_job(client, job["id"], timeout=5)
        assert done["status"] == "FAILED"
        assert done["errors"] == [{"message": "An input file could not be read", "count": 1}]
        assert done["succeeded_requests"] == 40
        assert len(download_lines(client, done["output_file"])) == 40
    assert [record.getMessage() for record in caplog.records] == []


def test_a_job_run_in_many_steps_logs_no_worker_error(
    make_emulator: Callable[..., Emulator], caplog: pytest.LogCaptureFixture
) -> None:
    emu = make_emulator(requests_per_second=400)
    with caplog.at_level(logging.ERROR), api_client(emu) as client:
        job = create_job(client, requests=[chat_line(i) for i in range(100)])
        done = wait_for_job(client, job["id"], timeout=10)
    assert done["status"] == "SUCCESS"
    assert done["succeeded_requests"] == 100
    assert [record.getMessage() for record in caplog.records] == []
