"""Helpers shared by the emulator tests: clients, uploads, polling."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx
import orjson
from emulator_contract import check_response

from mistral_batch.emulator import Emulator
from mistral_batch_emulator._records import JobRecord, new_id

FINISHED = {"SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED"}


def _checked(response: httpx.Response) -> None:
    if not response.headers.get("content-type", "").startswith("application/octet-stream"):
        response.read()
        check_response(response)


def api_client(emu: Emulator, key: str | None = None, *, contract: bool = True) -> httpx.Client:
    """A client of ``emu`` with a key; its JSON answers are checked against openapi.yaml."""
    hooks = {"response": [_checked]} if contract else {}
    headers = {"Authorization": f"Bearer {key or emu.api_key}"}
    return httpx.Client(base_url=emu.url, headers=headers, event_hooks=hooks, timeout=30)


def chat_line(index: int, text: str | None = None, **body: Any) -> dict[str, Any]:
    content = text if text is not None else f"question number {index}"
    return {
        "custom_id": str(index),
        "body": {"max_tokens": 50, "messages": [{"role": "user", "content": content}], **body},
    }


def jsonl(items: Iterable[Any]) -> bytes:
    return b"".join(orjson.dumps(item) + b"\n" for item in items)


def upload(
    client: httpx.Client,
    content: bytes,
    filename: str = "input.jsonl",
    purpose: str | None = "batch",
    **fields: str,
) -> dict[str, Any]:
    data = dict(fields)
    if purpose is not None:
        data["purpose"] = purpose
    response = client.post("/v1/files", files={"file": (filename, content)}, data=data)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def create_job(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"endpoint": "/v1/chat/completions", "model": "mistral-small-latest", **fields}
    response = client.post("/v1/batch/jobs", json=body)
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job


def wait_until(
    predicate: Callable[[], bool], timeout: float = 20.0, interval: float = 0.02
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)


def wait_for_job(
    client: httpx.Client, job_id: str, statuses: set[str] = FINISHED, timeout: float = 20.0
) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def reached() -> bool:
        response = client.get(f"/v1/batch/jobs/{job_id}")
        assert response.status_code == 200, response.text
        seen.update(response.json())
        return seen["status"] in statuses

    wait_until(reached, timeout)
    return seen


def download_lines(client: httpx.Client, file_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/files/{file_id}/content")
    assert response.status_code == 200, response.text
    assert response.content.endswith(b"\n")
    return [orjson.loads(line) for line in response.content.splitlines()]


#: The workspace of the records that tests hand to the store directly.
WORKSPACE = "workspace-1"


def job_record(**fields: Any) -> JobRecord:
    """A job as the store keeps it: a running inline chat job, unless `fields` say otherwise."""
    made: dict[str, Any] = {
        "id": new_id(),
        "workspace": WORKSPACE,
        "input_files": [],
        "inline": True,
        "endpoint": "/v1/chat/completions",
        "model": "mistral-small-latest",
        "agent_id": None,
        "metadata": None,
        "timeout_hours": 24,
        "status": "RUNNING",
        "created_at": 1_700_000_000.0,
        "output_file_id": new_id(),
        "error_file_id": new_id(),
    }
    return JobRecord(**{**made, **fields})
