"""A job without a job-level model: each request runs with the model its body names."""

from __future__ import annotations

import httpx
from emulator_helpers import chat_line, download_lines, jsonl, upload, wait_for_job


def create(client: httpx.Client, **fields: object) -> dict[str, object]:
    response = client.post("/v1/batch/jobs", json={"endpoint": "/v1/chat/completions", **fields})
    assert response.status_code == 200, response.text
    job: dict[str, object] = response.json()
    return job


def test_a_job_without_a_model_answers_with_each_requests_model(client: httpx.Client) -> None:
    lines = [chat_line(0, model="mistral-small-latest"), chat_line(1, model="codestral-latest")]
    stored = upload(client, jsonl(lines))
    job = create(client, input_files=[stored["id"]])
    assert job["model"] is None and job["agent_id"] is None

    done = wait_for_job(client, str(job["id"]))
    assert done["status"] == "SUCCESS"
    assert done["succeeded_requests"] == 2 and done["error_file"] is None
    answers = download_lines(client, done["output_file"])
    assert {a["custom_id"]: a["response"]["body"]["model"] for a in answers} == {
        "0": "mistral-small-latest",
        "1": "codestral-latest",
    }


def test_a_request_naming_no_model_fails_alone(client: httpx.Client) -> None:
    job = create(client, requests=[chat_line(0, model="mistral-small-latest"), chat_line(1)])
    done = wait_for_job(client, str(job["id"]))
    assert done["status"] == "SUCCESS"  # one request ran, so the job did not fail
    assert (done["succeeded_requests"], done["failed_requests"]) == (1, 1)
    assert done["errors"] == [
        {"message": "Invalid request for /v1/chat/completions: 'model' is required", "count": 1}
    ]
    [failed] = download_lines(client, done["error_file"])
    assert failed["custom_id"] == "1"
    assert failed["response"] == {
        "status_code": 422,
        "body": {
            "detail": [{"type": "missing", "loc": ["body", "model"], "msg": "Field required"}]
        },
    }


def test_every_request_without_a_model_fails_the_job(client: httpx.Client) -> None:
    done = wait_for_job(client, str(create(client, requests=[chat_line(0)])["id"]))
    assert done["status"] == "FAILED"
    assert done["output_file"] is None and done["failed_requests"] == 1


def test_the_jobs_model_serves_requests_naming_none(client: httpx.Client) -> None:
    lines = [chat_line(0), chat_line(1, model="codestral-latest")]
    job = create(client, requests=lines, model="mistral-small-latest")
    done = wait_for_job(client, str(job["id"]))
    answers = download_lines(client, done["output_file"])
    assert [a["response"]["body"]["model"] for a in answers] == [
        "mistral-small-latest",
        "codestral-latest",
    ]
