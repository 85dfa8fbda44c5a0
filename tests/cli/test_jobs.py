"""`mistral-batch jobs`: each subcommand against the emulator, as tables and as JSON."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cli_helpers import CLI, lines_of

from mistral_batch import Mistral
from mistral_batch.emulator import Emulator


def _upload(client: Mistral, path: Path) -> str:
    return client.files.upload(path).id


def test_a_job_is_created_listed_waited_for_read_and_removed(
    cli: CLI, client: Mistral, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    file_id = _upload(client, write_input(good=3, bad=1))

    created = cli.json(
        "jobs", "create", "--input-file", file_id, "-m", "mistral-small-latest",
        "--metadata", "job_type=testing",
    )  # fmt: skip
    job_id = created["id"]
    assert created["input_files"] == [file_id]
    assert created["metadata"]["job_type"] == "testing"

    waited = cli.json("jobs", "wait", job_id)
    assert waited["status"] == "SUCCESS"
    assert (waited["succeeded_requests"], waited["failed_requests"]) == (3, 1)

    assert [j["id"] for j in cli.json("jobs", "ls")] == [job_id]
    assert cli.json("jobs", "ls", "--status", "RUNNING") == []
    assert [j["id"] for j in cli.json("jobs", "ls", "--metadata", "job_type=testing")] == [job_id]
    assert cli.json("jobs", "get", job_id)["output_file"] == waited["output_file"]
    assert job_id in cli("jobs", "ls").stdout
    shown = cli("jobs", "get", job_id).stdout
    assert "SUCCESS" in shown and waited["output_file"] in shown

    results = cli.json("jobs", "results", job_id)
    assert sorted(r["custom_id"] for r in results) == ["0", "1", "2"]
    assert all(r["ok"] and r["status_code"] == 200 for r in results)
    failed = cli.json("jobs", "results", job_id, "--errors")
    assert [(r["custom_id"], r["status_code"]) for r in failed] == [("bad-0", 422)]
    table = cli("jobs", "results", job_id, "--errors").stdout
    assert "bad-0" in table and "'messages' is required" in table

    saved = tmp_path / "saved.jsonl"
    assert cli("jobs", "results", job_id, "-o", str(saved)).returncode == 0
    assert len(lines_of(saved)) == 3

    assert cli.json("jobs", "rm", job_id)["deleted"] is True
    assert cli.json("jobs", "ls") == []


def test_cancel_and_the_exit_code_of_waiting_for_a_cancelled_job(
    cli: CLI, emu: Emulator, client: Mistral, write_input: Callable[..., Path]
) -> None:
    emu.set_requests_per_second(1)
    file_id = _upload(client, write_input(good=20))
    job = client.batch.jobs.create(input_files=[file_id], model="mistral-small-latest")

    cancelled = cli.json("jobs", "cancel", job.id)
    assert cancelled["status"] in {"CANCELLATION_REQUESTED", "CANCELLED"}
    waited = cli("jobs", "wait", job.id)
    assert waited.returncode == 7
    assert "CANCELLED" in waited.stdout


def test_waiting_for_a_failed_job_exits_6(
    cli: CLI, client: Mistral, write_input: Callable[..., Path]
) -> None:
    file_id = _upload(client, write_input(good=0, bad=2))
    job = client.batch.jobs.create(input_files=[file_id], model="mistral-small-latest")
    assert cli("jobs", "wait", job.id).returncode == 6


def test_giving_up_waiting_exits_9_and_leaves_the_job(
    cli: CLI, emu: Emulator, client: Mistral, write_input: Callable[..., Path]
) -> None:
    emu.set_requests_per_second(1)
    file_id = _upload(client, write_input(good=20))
    job = client.batch.jobs.create(input_files=[file_id], model="mistral-small-latest")
    done = cli("jobs", "wait", job.id, "--timeout", "0.5")
    assert done.returncode == 9
    assert client.batch.jobs.get(job.id).status in {"QUEUED", "RUNNING"}


def test_unknown_ids_and_results_too_early_fail_in_one_line(
    cli: CLI, emu: Emulator, client: Mistral, write_input: Callable[..., Path]
) -> None:
    missing = cli("jobs", "get", "00000000-0000-0000-0000-000000000000")
    assert missing.returncode == 1
    assert missing.stderr.startswith("error: 404")

    emu.set_requests_per_second(1)
    file_id = _upload(client, write_input(good=20))
    job = client.batch.jobs.create(input_files=[file_id], model="mistral-small-latest")
    early = cli("jobs", "results", job.id)
    assert early.returncode == 1
    assert "results exist once it has finished" in early.stderr
    assert len(early.stderr.splitlines()) == 1


def test_ls_starts_at_the_page_asked_for(
    cli: CLI, client: Mistral, write_input: Callable[..., Path]
) -> None:
    uploaded = client.files.upload(write_input(good=1))
    for _ in range(103):  # more than one page of 100
        client.batch.jobs.create(
            input_files=[uploaded.id], model="mistral-small-latest", dedupe=False
        )
    listed = cli.json("jobs", "ls")
    assert len(listed) == 103
    # --page 1 starts at the second page of 100 and walks on to the end.
    rest = cli.json("jobs", "ls", "--page", "1")
    assert [j["id"] for j in rest] == [j["id"] for j in listed[100:]]
    assert cli.json("jobs", "ls", "--page", "2") == []


def test_a_job_without_a_model_runs_each_request_on_its_own(
    cli: CLI, client: Mistral, write_input: Callable[..., Path]
) -> None:
    file_id = _upload(client, write_input(good=2))

    created = cli.json("jobs", "create", "--input-file", file_id)

    assert created["model"] is None
    waited = cli("jobs", "wait", created["id"])
    # The requests name no model either: each fails alone, as the service answers, and
    # a job whose every request failed ends FAILED (exit 6).
    assert waited.returncode == 6, waited.stderr
    assert cli.json("jobs", "get", created["id"])["failed_requests"] == 2
    failed = cli.json("jobs", "results", created["id"], "--errors")
    assert [r["status_code"] for r in failed] == [422, 422]
