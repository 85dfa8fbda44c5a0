"""The Batch API of the emulator: job life, results, listing and validation."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jsonschema
import orjson
import pytest
from emulator_helpers import (
    api_client,
    chat_line,
    create_job,
    download_lines,
    jsonl,
    upload,
    wait_for_job,
    wait_until,
)

from mistral_batch.emulator import Emulator


def test_job_runs_to_success_with_results_in_input_order(client: httpx.Client) -> None:
    stored = upload(client, jsonl(chat_line(i) for i in range(25)))
    job = create_job(client, input_files=[stored["id"]], metadata={"job_type": "testing"})
    assert job["object"] == "batch"
    assert job["status"] == "QUEUED"
    assert job["input_files"] == [stored["id"]]
    assert job["metadata"] == {"job_type": "testing"}
    assert job["total_requests"] == 25
    assert job["output_file"] is None and job["started_at"] is None

    done = wait_for_job(client, job["id"])
    assert done["status"] == "SUCCESS"
    assert done["succeeded_requests"] == done["completed_requests"] == 25
    assert done["failed_requests"] == 0 and done["errors"] == []
    assert done["error_file"] is None
    assert done["started_at"] is not None and done["completed_at"] >= done["started_at"]

    lines = download_lines(client, done["output_file"])
    assert [line["custom_id"] for line in lines] == [str(i) for i in range(25)]
    assert [line["id"] for line in lines] == [f"batch-{job['id']}-{i}" for i in range(25)]
    first = lines[0]
    assert first["error"] is None
    assert first["response"]["status_code"] == 200
    answer = first["response"]["body"]
    assert answer["object"] == "chat.completion"
    assert answer["model"] == "mistral-small-latest"
    assert answer["choices"][0]["message"]["role"] == "assistant"
    assert answer["choices"][0]["message"]["content"]
    assert answer["choices"][0]["finish_reason"] in ("stop", "length")
    usage = answer["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]

    output = client.get(f"/v1/files/{done['output_file']}").json()
    assert output["purpose"] == "batch"
    assert output["sample_type"] == "batch_result"
    assert output["source"] == "mistral"
    assert output["num_lines"] == 25
    mistral_files = client.get("/v1/files", params={"source": "mistral"}).json()
    assert [f["id"] for f in mistral_files["data"]] == [done["output_file"]]


def test_failures_go_to_the_error_file_and_the_errors_list(client: httpx.Client) -> None:
    lines = [
        jsonl([chat_line(0)]),
        b"this is not json\n",
        b'{"custom_id": "2"}\n',
        b'{"custom_id": "3", "body": [1, 2]}\n',
        jsonl([{"custom_id": "4", "body": {"max_tokens": 5}}]),
        jsonl([{"custom_id": "5", "body": {"messages": "hello"}}]),
        b"\n",
        b"[1, 2, 3]\n",
        jsonl([chat_line(8)]),
        b"also not json",
    ]
    stored = upload(client, b"".join(lines))
    job = create_job(client, input_files=[stored["id"]])
    done = wait_for_job(client, job["id"])
    assert done["status"] == "SUCCESS"
    assert done["total_requests"] == 9, "blank lines are not requests"
    assert done["succeeded_requests"] == 2
    assert done["failed_requests"] == 7
    counts = {error["message"]: error["count"] for error in done["errors"]}
    assert counts["Input line is not valid JSON"] == 2
    assert counts["Input line has no 'body'"] == 1
    assert counts["'body' is not a JSON object"] == 1
    assert counts["Input line is not a JSON object"] == 1
    invalid = [message for message in counts if "messages" in message]
    assert sum(counts[message] for message in invalid) == 2
    assert sum(counts.values()) == 7

    errors = download_lines(client, done["error_file"])
    assert [e["custom_id"] for e in errors] == [None, "2", "3", "4", "5", None, None]
    assert [e["response"]["status_code"] for e in errors] == [400, 400, 400, 422, 422, 400, 400]
    for error in errors:
        assert error["error"] is None
        assert error["id"].startswith(f"batch-{job['id']}-")
        assert error["response"]["body"]["object"] == "error"
        assert error["response"]["body"]["message"] in counts
    successes = download_lines(client, done["output_file"])
    assert [s["custom_id"] for s in successes] == ["0", "8"]
    error_file = client.get(f"/v1/files/{done['error_file']}").json()
    assert error_file["sample_type"] == "batch_error" and error_file["num_lines"] == 7


def test_a_job_where_every_request_fails_is_failed(client: httpx.Client) -> None:
    stored = upload(client, b"nope\nnope\n")
    done = wait_for_job(client, create_job(client, input_files=[stored["id"]])["id"])
    assert done["status"] == "FAILED"
    assert done["output_file"] is None and done["error_file"] is not None
    assert done["errors"] == [{"message": "Input line is not valid JSON", "count": 2}]


def test_a_job_whose_input_vanished_fails(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(queue_delay=0.3)
    with api_client(emu) as client:
        stored = upload(client, jsonl([chat_line(0)]))
        job = create_job(client, input_files=[stored["id"]])
        client.delete(f"/v1/files/{stored['id']}")
        done = wait_for_job(client, job["id"])
        assert done["status"] == "FAILED"
        assert done["errors"] and "could not be read" in done["errors"][0]["message"]


def test_several_input_files_are_read_in_order(client: httpx.Client) -> None:
    first = upload(client, jsonl(chat_line(i) for i in range(3)))
    second = upload(client, jsonl(chat_line(i) for i in range(3, 5)))
    done = wait_for_job(client, create_job(client, input_files=[first["id"], second["id"]])["id"])
    assert done["total_requests"] == 5
    lines = download_lines(client, done["output_file"])
    assert [line["custom_id"] for line in lines] == ["0", "1", "2", "3", "4"]


def test_the_fake_model_is_deterministic(client: httpx.Client) -> None:
    same = [chat_line(0, "same question"), {**chat_line(1, "same question"), "custom_id": "b"}]
    other = [chat_line(2, "another question")]
    stored = upload(client, jsonl(same + other))
    done = wait_for_job(client, create_job(client, input_files=[stored["id"]])["id"])
    bodies = [line["response"]["body"] for line in download_lines(client, done["output_file"])]
    assert bodies[0]["choices"] == bodies[1]["choices"]
    assert bodies[0]["choices"] != bodies[2]["choices"]
    again = wait_for_job(client, create_job(client, input_files=[stored["id"]])["id"])
    repeat = [line["response"]["body"] for line in download_lines(client, again["output_file"])]
    assert [b["choices"] for b in repeat] == [b["choices"] for b in bodies]


def test_max_tokens_limits_the_answer(client: httpx.Client) -> None:
    job = create_job(client, requests=[chat_line(0, max_tokens=2)])
    done = wait_for_job(client, job["id"])
    outputs = client.get(f"/v1/batch/jobs/{job['id']}", params={"inline": "true"}).json()
    answer = outputs["outputs"][0]["response"]["body"]
    assert done["status"] == "SUCCESS"
    assert answer["usage"]["completion_tokens"] <= 2
    assert answer["choices"][0]["finish_reason"] == "length"


def test_a_structured_answer_follows_its_json_schema(client: httpx.Client) -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "rank": {"type": "integer", "minimum": 1, "maximum": 3},
            "tags": {"type": "array", "items": {"enum": ["north", "south"]}},
        },
        "required": ["city", "rank", "tags"],
        "additionalProperties": False,
    }
    form = {"type": "json_schema", "json_schema": {"name": "place", "schema": schema}}
    malformed = {"type": "json_schema", "json_schema": {"name": "place"}}
    requests = [chat_line(0, response_format=form), chat_line(1, response_format=malformed)]
    done = wait_for_job(client, create_job(client, requests=requests)["id"])
    assert (done["succeeded_requests"], done["failed_requests"]) == (1, 1)
    outputs = client.get(f"/v1/batch/jobs/{done['id']}", params={"inline": "true"}).json()
    good, bad = outputs["outputs"]
    choice = good["response"]["body"]["choices"][0]
    jsonschema.validate(orjson.loads(choice["message"]["content"]), schema)
    assert choice["finish_reason"] == "stop"
    assert bad["response"]["status_code"] == 422
    assert "'response_format.json_schema'" in bad["response"]["body"]["message"]


ENDPOINT_BODIES: dict[str, tuple[dict[str, Any], Callable[[dict[str, Any]], None]]] = {}


def _expect(endpoint: str, body: dict[str, Any]) -> Callable[..., Any]:
    def register(check: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
        ENDPOINT_BODIES[endpoint] = (body, check)
        return check

    return register


@_expect("/v1/embeddings", {"input": ["one", "two"]})
def _embeddings(answer: dict[str, Any]) -> None:
    assert [item["index"] for item in answer["data"]] == [0, 1]
    for item in answer["data"]:
        assert item["object"] == "embedding"
        vector = item["embedding"]
        assert len(vector) == 1024
        assert abs(sum(v * v for v in vector) - 1.0) < 1e-9
    assert answer["data"][0]["embedding"] != answer["data"][1]["embedding"]
    assert answer["usage"]["prompt_tokens"] > 0


@_expect("/v1/fim/completions", {"prompt": "def add(a, b):", "suffix": "return c"})
def _fim(answer: dict[str, Any]) -> None:
    assert answer["choices"][0]["message"]["content"]
    assert answer["usage"]["total_tokens"] > 0


@_expect("/v1/moderations", {"input": ["hello", "world"]})
def _moderations(answer: dict[str, Any]) -> None:
    assert len(answer["results"]) == 2
    result = answer["results"][0]
    assert set(result["categories"]) == set(result["category_scores"])
    assert all(isinstance(flag, bool) for flag in result["categories"].values())


@_expect("/v1/chat/moderations", {"input": [{"role": "user", "content": "hi"}]})
def _chat_moderations(answer: dict[str, Any]) -> None:
    assert (
        len(answer["results"]) == 1 and "violence_and_threats" in answer["results"][0]["categories"]
    )


@_expect("/v1/ocr", {"document": {"type": "document_url", "document_url": "https://x/y.pdf"}})
def _ocr(answer: dict[str, Any]) -> None:
    assert answer["pages"] and answer["pages"][0]["markdown"].startswith("# Page 1")
    assert answer["usage_info"]["pages_processed"] == len(answer["pages"])


@_expect("/v1/classifications", {"input": "is this spam?"})
def _classifications(answer: dict[str, Any]) -> None:
    scores = answer["results"][0]["label"]["scores"]
    assert abs(sum(scores.values()) - 1.0) < 1e-5


@_expect("/v1/chat/classifications", {"input": [{"role": "user", "content": "hi"}]})
def _chat_classifications(answer: dict[str, Any]) -> None:
    assert len(answer["results"]) == 1


@_expect("/v1/conversations", {"inputs": "tell me a story"})
def _conversations(answer: dict[str, Any]) -> None:
    assert answer["object"] == "conversation.response"
    assert answer["outputs"][0]["content"]


@_expect("/v1/audio/transcriptions", {"file_url": "https://example.com/a.mp3"})
def _transcriptions(answer: dict[str, Any]) -> None:
    assert answer["text"] and answer["usage"]["prompt_audio_seconds"] > 0


@pytest.mark.parametrize("endpoint", sorted(ENDPOINT_BODIES))
def test_every_endpoint_answers_and_checks_its_body(client: httpx.Client, endpoint: str) -> None:
    body, check = ENDPOINT_BODIES[endpoint]
    job = create_job(
        client,
        endpoint=endpoint,
        model="test-model",
        requests=[{"custom_id": "good", "body": body}, {"custom_id": "bad", "body": {}}],
    )
    done = wait_for_job(client, job["id"])
    assert (done["succeeded_requests"], done["failed_requests"]) == (1, 1)
    results = client.get(f"/v1/batch/jobs/{job['id']}", params={"inline": True}).json()["outputs"]
    good, bad = results
    assert good["custom_id"] == "good" and good["response"]["status_code"] == 200
    check(good["response"]["body"])
    assert bad["custom_id"] == "bad" and bad["response"]["status_code"] == 422
    assert endpoint in bad["response"]["body"]["message"]


def test_inline_requests_and_outputs(client: httpx.Client) -> None:
    requests = [chat_line(0), {"custom_id": "x", "body": {"nothing": True}}, chat_line(2)]
    job = create_job(client, requests=requests)
    assert job["input_files"] == [] and job["total_requests"] == 3
    done = wait_for_job(client, job["id"])
    assert done["outputs"] is None, "outputs only when asked"
    inline = client.get(f"/v1/batch/jobs/{job['id']}", params={"inline": "true"}).json()
    assert [o["custom_id"] for o in inline["outputs"]] == ["0", "x", "2"]
    assert [o["response"]["status_code"] for o in inline["outputs"]] == [200, 422, 200]
    assert done["output_file"] and done["error_file"]
    not_inline = create_job(client, input_files=[upload(client, jsonl([chat_line(0)]))["id"]])
    wait_for_job(client, not_inline["id"])
    got = client.get(f"/v1/batch/jobs/{not_inline['id']}", params={"inline": "true"}).json()
    assert got["outputs"] is None


def test_counters_move_while_a_job_runs(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(requests_per_second=100)
    with api_client(emu) as client:
        job = create_job(client, requests=[chat_line(i) for i in range(60)])
        seen: list[int] = []

        def progressed() -> bool:
            current = client.get(f"/v1/batch/jobs/{job['id']}").json()
            if current["status"] == "RUNNING":
                seen.append(current["completed_requests"])
                assert current["completed_requests"] == (
                    current["succeeded_requests"] + current["failed_requests"]
                )
            return current["status"] == "SUCCESS"

        wait_until(progressed, timeout=20, interval=0.05)
        partial = [count for count in seen if 0 < count < 60]
        assert partial, f"no progress seen between 0 and 60: {seen}"
        assert seen == sorted(seen), "counters never go back"


def test_cancel_a_running_job(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(requests_per_second=50)
    with api_client(emu) as client:
        job = create_job(client, requests=[chat_line(i) for i in range(1000)])
        wait_until(
            lambda: client.get(f"/v1/batch/jobs/{job['id']}").json()["completed_requests"] > 0
        )
        cancelled = client.post(f"/v1/batch/jobs/{job['id']}/cancel")
        assert cancelled.status_code == 200
        assert cancelled.json()["status"] == "CANCELLATION_REQUESTED"
        done = wait_for_job(client, job["id"])
        assert done["status"] == "CANCELLED"
        assert 0 < done["succeeded_requests"] < 1000
        assert len(download_lines(client, done["output_file"])) == done["succeeded_requests"]
        again = client.post(f"/v1/batch/jobs/{job['id']}/cancel").json()
        assert again["status"] == "CANCELLED", "a finished job is returned unchanged"


def test_cancel_a_queued_job(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(queue_delay=60)
    with api_client(emu) as client:
        job = create_job(client, requests=[chat_line(0)])
        client.post(f"/v1/batch/jobs/{job['id']}/cancel")
        done = wait_for_job(client, job["id"])
        assert done["status"] == "CANCELLED"
        assert done["output_file"] is None and done["succeeded_requests"] == 0


def test_a_job_times_out(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(requests_per_second=20, hour_seconds=0.5)
    with api_client(emu) as client:
        job = create_job(client, requests=[chat_line(i) for i in range(1000)], timeout_hours=1)
        done = wait_for_job(client, job["id"], timeout=10)
        assert done["status"] == "TIMEOUT_EXCEEDED"
        assert done["succeeded_requests"] < 1000
        assert done["completed_at"] is not None


def test_delete_a_job(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(queue_delay=60)
    with api_client(emu) as client:
        job = create_job(client, requests=[chat_line(0)])
        refused = client.delete(f"/v1/batch/jobs/{job['id']}")
        assert refused.status_code == 409
        assert "cancel" in refused.json()["message"]
        client.post(f"/v1/batch/jobs/{job['id']}/cancel")
        wait_for_job(client, job["id"])
        deleted = client.delete(f"/v1/batch/jobs/{job['id']}")
        assert deleted.json() == {"id": job["id"], "object": "batch", "deleted": True}
        assert client.get(f"/v1/batch/jobs/{job['id']}").status_code == 404
        assert client.delete(f"/v1/batch/jobs/{job['id']}").status_code == 404
        assert client.post(f"/v1/batch/jobs/{job['id']}/cancel").status_code == 404


def test_list_jobs_filters_and_pages(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(queue_delay=60)
    with api_client(emu) as client:
        a = create_job(client, requests=[chat_line(0)], metadata={"job_type": "testing"})
        b = create_job(
            client, requests=[chat_line(0)], model="other", metadata={"job_type": "prod", "x": "1"}
        )
        c = create_job(client, requests=[chat_line(0)], agent_id="agent-1", model=None)
        client.post(f"/v1/batch/jobs/{c['id']}/cancel")
        wait_for_job(client, c["id"])

        def ids(**params: Any) -> list[str]:
            listed = client.get("/v1/batch/jobs", params=params).json()
            assert listed["object"] == "list"
            assert listed["total"] >= len(listed["data"])
            return [job["id"] for job in listed["data"]]

        assert ids() == [c["id"], b["id"], a["id"]]
        assert ids(order_by="created") == [a["id"], b["id"], c["id"]]
        assert ids(job_type="testing") == [a["id"]]
        assert ids(job_type="prod", x="1") == [b["id"]]
        assert ids(job_type="prod", x="2") == []
        assert ids(model="other") == [b["id"]]
        assert ids(agent_id="agent-1") == [c["id"]]
        assert ids(status="QUEUED") == [b["id"], a["id"]]
        assert ids(status=["CANCELLED", "QUEUED"]) == [c["id"], b["id"], a["id"]]
        assert ids(status="RUNNING") == []
        assert ids(created_by_me="true") == [c["id"], b["id"], a["id"]]
        future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        assert ids(created_after=future) == []
        assert len(ids(created_after=past)) == 3
        page = client.get("/v1/batch/jobs", params={"page_size": 2, "page": 1}).json()
        assert [job["id"] for job in page["data"]] == [a["id"]] and page["total"] == 3


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"requests": [chat_line(0)], "model": "m"}, ["body", "endpoint"]),
        ({"endpoint": "/v1/nope", "requests": [chat_line(0)], "model": "m"}, ["body", "endpoint"]),
        ({"endpoint": "/v1/chat/completions", "model": "m"}, ["body"]),
        (
            {
                "endpoint": "/v1/chat/completions",
                "model": "m",
                "requests": [chat_line(0)],
                "input_files": ["x"],
            },
            ["body"],
        ),
        (
            {"endpoint": "/v1/chat/completions", "model": 3, "requests": [chat_line(0)]},
            ["body", "model"],
        ),
        ({"endpoint": "/v1/chat/completions", "model": "m", "requests": []}, ["body", "requests"]),
        (
            {"endpoint": "/v1/chat/completions", "model": "m", "input_files": []},
            ["body", "input_files"],
        ),
        (
            {"endpoint": "/v1/chat/completions", "model": "m", "input_files": "abc"},
            ["body", "input_files"],
        ),
        (
            {"endpoint": "/v1/chat/completions", "model": "m", "requests": [{"custom_id": "1"}]},
            ["body", "requests", 0, "body"],
        ),
        (
            {"endpoint": "/v1/chat/completions", "model": "m", "requests": [{"body": 1}]},
            ["body", "requests", 0, "body"],
        ),
        (
            {
                "endpoint": "/v1/chat/completions",
                "model": "m",
                "requests": [{"custom_id": 5, "body": {}}],
            },
            ["body", "requests", 0, "custom_id"],
        ),
        (
            {"endpoint": "/v1/chat/completions", "model": "m", "requests": [chat_line(0)] * 10_001},
            ["body", "requests"],
        ),
        (
            {
                "endpoint": "/v1/chat/completions",
                "model": "m",
                "requests": [chat_line(0)],
                "timeout_hours": 0,
            },
            ["body", "timeout_hours"],
        ),
        (
            {
                "endpoint": "/v1/chat/completions",
                "model": "m",
                "requests": [chat_line(0)],
                "timeout_hours": 169,
            },
            ["body", "timeout_hours"],
        ),
        (
            {
                "endpoint": "/v1/chat/completions",
                "model": "m",
                "requests": [chat_line(0)],
                "timeout_hours": "24",
            },
            ["body", "timeout_hours"],
        ),
        (
            {
                "endpoint": "/v1/chat/completions",
                "model": "m",
                "requests": [chat_line(0)],
                "metadata": {"": "v"},
            },
            ["body", "metadata", ""],
        ),
        (
            {
                "endpoint": "/v1/chat/completions",
                "model": "m",
                "requests": [chat_line(0)],
                "metadata": {"k" * 33: "v"},
            },
            ["body", "metadata", "k" * 33],
        ),
        (
            {
                "endpoint": "/v1/chat/completions",
                "model": "m",
                "requests": [chat_line(0)],
                "metadata": {"k": ""},
            },
            ["body", "metadata", "k"],
        ),
        (
            {
                "endpoint": "/v1/chat/completions",
                "model": "m",
                "requests": [chat_line(0)],
                "metadata": {"k": "v" * 513},
            },
            ["body", "metadata", "k"],
        ),
        (
            {
                "endpoint": "/v1/chat/completions",
                "model": "m",
                "requests": [chat_line(0)],
                "metadata": {"k": 1},
            },
            ["body", "metadata", "k"],
        ),
        (
            {
                "endpoint": "/v1/chat/completions",
                "model": "m",
                "requests": [chat_line(0)],
                "metadata": ["k"],
            },
            ["body", "metadata"],
        ),
        ([], ["body"]),
    ],
)
def test_job_validation_errors(client: httpx.Client, body: Any, loc: list[Any]) -> None:
    response = client.post("/v1/batch/jobs", json=body)
    assert response.status_code == 422, response.text
    details = response.json()["detail"]
    assert loc in [detail["loc"] for detail in details], details
    assert all(detail["msg"] and detail["type"] for detail in details)
    assert client.get("/v1/batch/jobs").json()["total"] == 0


def test_limits_that_are_accepted(client: httpx.Client) -> None:
    job = create_job(
        client,
        requests=[chat_line(0)] * 10_000,
        timeout_hours=168,
        metadata={"k" * 32: "v" * 512, "a": "b"},
    )
    assert job["total_requests"] == 10_000
    assert create_job(client, requests=[chat_line(0)], timeout_hours=1)["status"] == "QUEUED"


def test_input_files_must_exist_in_the_workspace(client: httpx.Client) -> None:
    missing = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    response = client.post(
        "/v1/batch/jobs",
        json={"endpoint": "/v1/chat/completions", "model": "m", "input_files": [missing]},
    )
    assert response.status_code == 404
    assert missing in response.json()["message"]


def test_workspaces_are_isolated(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(api_keys=["key-a", "key-b"])
    with api_client(emu, "key-a") as a, api_client(emu, "key-b") as b:
        stored = upload(a, jsonl([chat_line(0)]))
        job = create_job(a, input_files=[stored["id"]])
        for path in (
            f"/v1/files/{stored['id']}",
            f"/v1/files/{stored['id']}/content",
            f"/v1/files/{stored['id']}/url",
            f"/v1/batch/jobs/{job['id']}",
        ):
            assert b.get(path).status_code == 404, path
        assert b.delete(f"/v1/files/{stored['id']}").status_code == 404
        assert b.post(f"/v1/batch/jobs/{job['id']}/cancel").status_code == 404
        assert b.delete(f"/v1/batch/jobs/{job['id']}").status_code == 404
        assert b.get("/v1/files").json()["total"] == 0
        assert b.get("/v1/batch/jobs").json()["total"] == 0
        theirs = b.post(
            "/v1/batch/jobs",
            json={"endpoint": "/v1/chat/completions", "model": "m", "input_files": [stored["id"]]},
        )
        assert theirs.status_code == 404
        wait_for_job(a, job["id"])
        assert a.get(f"/v1/files/{stored['id']}").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}, {"Authorization": ""}],
)
def test_unknown_or_missing_keys_get_401(emulator: Emulator, headers: dict[str, str]) -> None:
    with httpx.Client(base_url=emulator.url, headers=headers) as anonymous:
        for method, path in (
            ("GET", "/v1/files"),
            ("POST", "/v1/files"),
            ("GET", "/v1/files/3fa85f64-5717-4562-b3fc-2c963f66afa6"),
            ("GET", "/v1/batch/jobs"),
            ("POST", "/v1/batch/jobs"),
            ("POST", "/v1/batch/jobs/3fa85f64-5717-4562-b3fc-2c963f66afa6/cancel"),
            ("GET", "/_emulator/stats"),
        ):
            response = anonymous.request(method, path)
            assert response.status_code == 401, (method, path)
            assert response.json()["object"] == "error"


def test_the_key_scheme_is_case_insensitive(emulator: Emulator) -> None:
    headers = {"Authorization": f"bearer {emulator.api_key}"}
    assert httpx.get(f"{emulator.url}/v1/files", headers=headers).status_code == 200


def test_jobs_record_their_times(client: httpx.Client) -> None:
    before = int(time.time())
    job = create_job(client, requests=[chat_line(0)])
    done = wait_for_job(client, job["id"])
    assert before <= done["created_at"] <= done["started_at"] <= done["completed_at"]


def test_deleting_an_unfinished_job_when_the_setting_allows_it(
    make_emulator: Callable[..., Emulator],
) -> None:
    emu = make_emulator(queue_delay=60, refuse_unfinished_delete=False)
    with api_client(emu) as client:
        job = create_job(client, requests=[chat_line(0)])
        deleted = client.delete(f"/v1/batch/jobs/{job['id']}")
        assert deleted.status_code == 200
        assert deleted.json() == {"id": job["id"], "object": "batch", "deleted": True}
        assert client.get(f"/v1/batch/jobs/{job['id']}").status_code == 404
        assert client.get("/v1/batch/jobs").json()["total"] == 0
        # The setting can be turned back at run time.
        settings = client.patch("/_emulator/settings", json={"refuse_unfinished_delete": True})
        assert settings.json()["refuse_unfinished_delete"] is True
        second = create_job(client, requests=[chat_line(0)])
        assert client.delete(f"/v1/batch/jobs/{second['id']}").status_code == 409


def test_created_by_me_lists_the_callers_own_jobs(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(
        queue_delay=60,
        api_keys=["alice", "bob", "carol"],
        workspaces={"alice": "team", "bob": "team"},
    )
    with api_client(emu, "alice") as alice, api_client(emu, "bob") as bob:
        mine = create_job(alice, requests=[chat_line(0)])
        theirs = create_job(bob, requests=[chat_line(0)])

        def ids(client: httpx.Client, **params: Any) -> set[str]:
            return {job["id"] for job in client.get("/v1/batch/jobs", params=params).json()["data"]}

        assert ids(alice) == ids(bob) == {mine["id"], theirs["id"]}
        assert ids(alice, created_by_me="true") == {mine["id"]}
        assert ids(bob, created_by_me="true") == {theirs["id"]}
        assert ids(alice, created_by_me="false") == {mine["id"], theirs["id"]}
        # A teammate sees and can cancel the other's job: one workspace.
        assert bob.get(f"/v1/batch/jobs/{mine['id']}").status_code == 200
    with api_client(emu, "carol") as carol:
        assert carol.get("/v1/batch/jobs").json()["total"] == 0
        assert carol.get(f"/v1/batch/jobs/{mine['id']}").status_code == 404


def test_workspaces_must_name_known_keys() -> None:
    with pytest.raises(ValueError, match="not in api_keys"):
        Emulator(api_keys=["alice"], workspaces={"mallory": "team"})
