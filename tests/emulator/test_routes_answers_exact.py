"""The routes' exact answers: fault rules, deleting files that expire, and batch jobs created,
counted and listed."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from emulator_helpers import chat_line, create_job, jsonl, upload, wait_for_job


def _detail(loc: list[str | int], msg: str, type_: str) -> dict[str, Any]:
    return {"detail": [{"loc": loc, "msg": msg, "type": type_}]}


# The admin API


def test_a_fault_rule_that_is_not_an_object_is_refused_by_its_index(client: httpx.Client) -> None:
    refused = client.post("/_emulator/faults", json=[{"delay": 0.1}, 5])
    assert refused.status_code == 422
    assert refused.json() == _detail(["body", 1], "A fault is an object", "dict_type")
    assert client.get("/_emulator/faults").json() == {"data": []}


def test_clearing_the_faults_answers_an_empty_list(client: httpx.Client) -> None:
    added = client.post("/_emulator/faults", json={"status": 503})
    assert added.status_code == 200
    cleared = client.delete("/_emulator/faults")
    assert cleared.status_code == 200
    assert cleared.json() == {"data": []}
    assert client.get("/_emulator/faults").json() == {"data": []}


# Files


def test_a_file_with_an_expiry_can_be_deleted_before_it_expires(client: httpx.Client) -> None:
    stored = upload(client, jsonl([chat_line(0)]), expiry="24")
    assert stored["expires_at"] is not None
    deleted = client.delete(f"/v1/files/{stored['id']}")
    assert deleted.status_code == 200
    assert deleted.json() == {"id": stored["id"], "object": "file", "deleted": True}
    assert client.get(f"/v1/files/{stored['id']}").status_code == 404


# Batch jobs


def test_a_missing_input_file_is_a_404_naming_the_input_files_param(
    client: httpx.Client,
) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    refused = client.post(
        "/v1/batch/jobs",
        json={
            "endpoint": "/v1/chat/completions",
            "model": "mistral-small-latest",
            "input_files": [missing],
        },
    )
    assert refused.status_code == 404
    assert refused.json() == {
        "object": "error",
        "message": f"Input file {missing!r} not found",
        "type": "not_found_error",
        "param": "input_files",
        "code": "404",
    }


def test_completed_requests_count_both_successes_and_failures(client: httpx.Client) -> None:
    stored = upload(client, jsonl([chat_line(0)]) + b"nope\n")
    done = wait_for_job(client, create_job(client, input_files=[stored["id"]])["id"])
    assert done["status"] == "SUCCESS"
    counts = {
        key: done[key]
        for key in ("total_requests", "completed_requests", "succeeded_requests", "failed_requests")
    }
    assert counts == {
        "total_requests": 2,
        "completed_requests": 2,
        "succeeded_requests": 1,
        "failed_requests": 1,
    }


def test_created_after_keeps_the_offset_it_is_given(client: httpx.Client) -> None:
    job = create_job(client, requests=[chat_line(0)])
    west, east = timezone(timedelta(hours=-5)), timezone(timedelta(hours=5))
    hour_later = datetime.fromtimestamp(time.time() + 3600, west).isoformat()
    hour_earlier = datetime.fromtimestamp(time.time() - 3600, east).isoformat()
    later = client.get("/v1/batch/jobs", params={"created_after": hour_later})
    earlier = client.get("/v1/batch/jobs", params={"created_after": hour_earlier})
    assert (later.status_code, earlier.status_code) == (200, 200)
    assert [listed["id"] for listed in later.json()["data"]] == []
    assert [listed["id"] for listed in earlier.json()["data"]] == [job["id"]]


def test_metadata_that_is_not_a_json_object_is_refused_exactly(client: httpx.Client) -> None:
    refused = client.get("/v1/batch/jobs", params={"metadata": "[1, 2]"})
    assert refused.status_code == 422
    assert refused.json() == _detail(
        ["query", "metadata"], "Give metadata as key=value pairs", "dict_type"
    )
