"""The limits large runs meet: pending requests per workspace and the upload size."""

from __future__ import annotations

from typing import Any

import httpx
from emulator_helpers import (
    api_client,
    chat_line,
    create_job,
    jsonl,
    upload,
    wait_for_job,
    wait_until,
)

from mistral_batch_emulator.pytest_plugin import EmulatorFactory

CHAT = {"endpoint": "/v1/chat/completions", "model": "mistral-small-latest"}


def inline_job(count: int) -> dict[str, Any]:
    return {**CHAT, "requests": [chat_line(i) for i in range(count)]}


def pending_refusal(adding: int, pending: int, limit: int, param: str) -> dict[str, Any]:
    """The answer to a create past the limit (Mistral does not document its exact body)."""
    return {
        "object": "error",
        "message": (
            f"Too many pending requests: this job's {adding} requests and the {pending} "
            f"pending requests of the workspace's queued and running jobs exceed the limit "
            f"of {limit} pending requests; wait for jobs to progress"
        ),
        "type": "invalid_request_error",
        "param": param,
        "code": "400",
    }


def test_a_create_past_the_pending_limit_is_a_400_error_object(
    make_emulator: EmulatorFactory,
) -> None:
    emu = make_emulator(max_pending_requests=10, queue_delay=600)
    with api_client(emu) as client:
        create_job(client, **inline_job(6))
        refused = client.post("/v1/batch/jobs", json=inline_job(5))
        assert refused.status_code == 400
        assert refused.json() == pending_refusal(5, 6, 10, "requests")
        create_job(client, **inline_job(4))  # exactly at the limit
        stored = upload(client, jsonl(chat_line(i) for i in range(3)))
        refused = client.post("/v1/batch/jobs", json={**CHAT, "input_files": [stored["id"]]})
        assert refused.status_code == 400
        assert refused.json() == pending_refusal(3, 10, 10, "input_files")
        assert client.get("/v1/batch/jobs").json()["total"] == 2


def test_pending_counts_the_queued_and_running_jobs_of_the_workspace_only(
    make_emulator: EmulatorFactory,
) -> None:
    emu = make_emulator(
        max_pending_requests=10,
        queue_delay=600,
        api_keys=["alice", "bob", "carol"],
        workspaces={"alice": "team", "bob": "team"},
    )
    with (
        api_client(emu, "alice") as alice,
        api_client(emu, "bob") as bob,
        api_client(emu, "carol") as carol,
    ):
        queued = create_job(alice, **inline_job(10))
        # Bob shares Alice's workspace, so her queued job fills his quota too...
        refused = bob.post("/v1/batch/jobs", json=inline_job(1))
        assert refused.json() == pending_refusal(1, 10, 10, "requests")
        # ...but not Carol's, who has a workspace of her own.
        finished = create_job(carol, **inline_job(10))
        # A cancelled job holds nothing.
        alice.post(f"/v1/batch/jobs/{queued['id']}/cancel")
        assert wait_for_job(alice, queued["id"])["status"] == "CANCELLED"
        create_job(bob, **inline_job(10))
        # Nor does a job that ran to its end.
        assert carol.patch("/_emulator/settings", json={"queue_delay": 0}).status_code == 200
        assert wait_for_job(carol, finished["id"])["status"] == "SUCCESS"
        create_job(carol, **inline_job(10))


def test_a_running_job_frees_the_quota_of_the_requests_it_has_answered(
    make_emulator: EmulatorFactory,
) -> None:
    # At this pace a job answers one request at once and the next one 1000 s later.
    emu = make_emulator(max_pending_requests=10, requests_per_second=0.001)
    with api_client(emu) as client:
        first = create_job(client, **inline_job(10))
        url = f"/v1/batch/jobs/{first['id']}"
        wait_until(lambda: client.get(url).json()["completed_requests"] > 0)
        assert client.get(url).json()["completed_requests"] == 1
        refused = client.post("/v1/batch/jobs", json=inline_job(2))
        assert refused.json() == pending_refusal(2, 9, 10, "requests")
        create_job(client, **inline_job(1))
        assert client.patch("/_emulator/settings", json={"requests_per_second": None}).is_success
        assert wait_for_job(client, first["id"])["status"] == "SUCCESS"
        create_job(client, **inline_job(10))


def test_an_upload_past_the_size_limit_is_a_413_error_object(
    make_emulator: EmulatorFactory,
) -> None:
    emu = make_emulator(max_upload_bytes=1000)
    with api_client(emu) as client:
        assert upload(client, b"a" * 1000, "fits.txt")["bytes"] == 1000
        refused = client.post(
            "/v1/files", files={"file": ("big.txt", b"a" * 1001)}, data={"purpose": "batch"}
        )
        assert refused.status_code == 413
        assert refused.json() == {
            "object": "error",
            "message": "File larger than the 1000 bytes limit",
            "type": "request_too_large",
            "param": None,
            "code": "413",
        }
        assert client.patch("/_emulator/settings", json={"max_upload_bytes": 1001}).is_success
        assert upload(client, b"a" * 1001, "big.txt")["bytes"] == 1001


def test_the_limits_are_mistrals_by_default(client: httpx.Client) -> None:
    settings = client.get("/_emulator/settings").json()
    assert settings["max_upload_bytes"] == 512 * 1024 * 1024
    assert settings["max_pending_requests"] == 1_000_000
    assert settings["fail_rate"] == 0
