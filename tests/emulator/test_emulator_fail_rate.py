"""fail_rate: a share of requests answered with a transient 503, the same for the same attempt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from emulator_helpers import (
    api_client,
    chat_line,
    create_job,
    download_lines,
    jsonl,
    upload,
    wait_for_job,
)

from mistral_batch.emulator import Emulator
from mistral_batch_emulator.pytest_plugin import EmulatorFactory

MESSAGE = "The model is overloaded: the request could not be answered, send it again"
TRANSIENT_BODY = {
    "object": "error",
    "message": MESSAGE,
    "type": "service_unavailable",
    "param": None,
    "code": "503",
}


def run(client: httpx.Client, lines: list[Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run one job of inline requests to its end: the job and its error lines."""
    job = wait_for_job(client, create_job(client, requests=lines)["id"])
    errors = download_lines(client, job["error_file"]) if job["error_file"] else []
    return job, errors


def failed_ids(client: httpx.Client, count: int) -> set[str]:
    """The custom_ids that fail in a job of ``count`` chat requests."""
    job, errors = run(client, [chat_line(i) for i in range(count)])
    assert job["failed_requests"] == len(errors)
    assert job["succeeded_requests"] == count - len(errors)
    assert {error["response"]["status_code"] for error in errors} <= {503}
    return {error["custom_id"] for error in errors}


def test_with_a_fail_rate_of_0_no_request_fails(make_emulator: EmulatorFactory) -> None:
    with api_client(make_emulator(fail_rate=0)) as client:
        job, errors = run(client, [chat_line(i) for i in range(200)])
    assert job["status"] == "SUCCESS"
    assert job["succeeded_requests"] == 200
    assert job["error_file"] is None and errors == []


def test_with_a_fail_rate_of_1_every_request_fails_every_time(
    make_emulator: EmulatorFactory,
) -> None:
    with api_client(make_emulator(fail_rate=1)) as client:
        for _ in range(2):
            job, errors = run(client, [chat_line(i) for i in range(50)])
            assert job["status"] == "FAILED"
            assert job["failed_requests"] == 50 and job["succeeded_requests"] == 0
            assert job["errors"] == [{"message": MESSAGE, "count": 50}]
            assert [error["custom_id"] for error in errors] == [str(i) for i in range(50)]
            for error in errors:
                assert error["response"] == {"status_code": 503, "body": TRANSIENT_BODY}
                assert error["error"] is None


def test_a_share_of_the_requests_fails_and_a_retry_draws_again(
    make_emulator: EmulatorFactory,
) -> None:
    first, second = make_emulator(fail_rate=0.3), make_emulator(fail_rate=0.3)
    with api_client(first) as one, api_client(second) as other:
        attempt_0 = failed_ids(one, 400)
        assert 80 <= len(attempt_0) <= 160, "about 30% of 400"
        # The same requests on their first attempt fail alike on another emulator.
        assert failed_ids(other, 400) == attempt_0
        # Sent again, they are on their second attempt: another draw.
        attempt_1 = failed_ids(one, 400)
        assert 80 <= len(attempt_1) <= 160
        assert attempt_1 != attempt_0
        assert len(attempt_0 & attempt_1) < len(attempt_0) / 2, "most retries succeed"
        assert failed_ids(other, 400) == attempt_1


def test_attempts_are_counted_per_workspace_and_model(make_emulator: EmulatorFactory) -> None:
    emu = make_emulator(fail_rate=0.3, api_keys=["alice", "bob"])
    with api_client(emu, "alice") as alice, api_client(emu, "bob") as bob:
        attempt_0 = failed_ids(alice, 300)
        assert failed_ids(bob, 300) == attempt_0, "bob's workspace has its own counts"
        other_model = [chat_line(i, model="mistral-large-latest") for i in range(300)]
        _, errors = run(alice, other_model)
        assert {error["custom_id"] for error in errors} != attempt_0


def test_a_request_that_fails_for_its_own_reason_keeps_its_error(
    make_emulator: EmulatorFactory,
) -> None:
    lines = [
        chat_line(0),
        {"custom_id": "no-body"},
        {"custom_id": "bad-body", "body": {"messages": "not a list"}},
    ]
    with api_client(make_emulator(fail_rate=1)) as client:
        stored = upload(client, jsonl(lines) + b"not json\n")
        job = wait_for_job(client, create_job(client, input_files=[stored["id"]])["id"])
        errors = download_lines(client, job["error_file"])
    statuses = [(error["custom_id"], error["response"]["status_code"]) for error in errors]
    assert statuses == [("0", 503), ("no-body", 400), ("bad-body", 422), (None, 400)]
    assert errors[0]["response"]["body"] == TRANSIENT_BODY
    assert errors[2]["response"]["body"]["type"] == "invalid_request_error"


def test_the_counts_survive_a_restart(make_emulator: EmulatorFactory, tmp_path: Path) -> None:
    with api_client(make_emulator(fail_rate=0.3)) as fresh:
        attempts = [failed_ids(fresh, 300), failed_ids(fresh, 300)]
    assert attempts[0] != attempts[1]
    for expected in attempts:  # one job an emulator, each on the same data_dir
        with (
            Emulator(data_dir=tmp_path, api_keys=["key"], fail_rate=0.3) as emu,
            api_client(emu) as client,
        ):
            assert failed_ids(client, 300) == expected


def test_a_job_resumed_after_a_restart_fails_as_one_run_without_it(
    make_emulator: EmulatorFactory, tmp_path: Path
) -> None:
    with api_client(make_emulator(fail_rate=0.3)) as fresh:
        expected = failed_ids(fresh, 300)
    options: dict[str, Any] = {"data_dir": tmp_path, "api_keys": ["key"], "fail_rate": 0.3}
    with Emulator(**options, requests_per_second=200) as emu, api_client(emu) as client:
        job = create_job(client, requests=[chat_line(i) for i in range(300)])
        wait_for_job(client, job["id"], statuses={"RUNNING"})
    with Emulator(**options) as emu, api_client(emu) as client:
        done = wait_for_job(client, job["id"])
        errors = download_lines(client, done["error_file"])
    assert {error["custom_id"] for error in errors} == expected


def test_the_fail_rate_is_a_setting(make_emulator: EmulatorFactory) -> None:
    emu = make_emulator()
    with api_client(emu) as client:
        assert client.get("/_emulator/settings").json()["fail_rate"] == 0
        changed = client.patch("/_emulator/settings", json={"fail_rate": 1})
        assert changed.json()["fail_rate"] == 1
        job, _ = run(client, [chat_line(0)])
        assert job["failed_requests"] == 1
        refused = client.patch("/_emulator/settings", json={"fail_rate": 1.5})
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["loc"] == ["body", "fail_rate"]
        assert client.get("/_emulator/settings").json()["fail_rate"] == 1


def test_requests_run_without_a_fail_rate_are_not_counted(make_emulator: EmulatorFactory) -> None:
    with api_client(make_emulator(fail_rate=0.3)) as fresh:
        attempt_0 = failed_ids(fresh, 300)
    with api_client(make_emulator(fail_rate=0)) as client:
        assert failed_ids(client, 300) == set()
        client.patch("/_emulator/settings", json={"fail_rate": 0.3})
        assert failed_ids(client, 300) == attempt_0


@pytest.mark.parametrize("rate", [-0.1, 1.1, float("nan")])
def test_a_fail_rate_outside_0_to_1_is_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="fail_rate"):
        Emulator(fail_rate=rate)
