"""`mistral-batch run`: a whole run, its exit codes, and resuming after a kill or Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import API_KEY, CLI, lines_of, wait_for

from mistral_batch import Mistral
from mistral_batch.emulator import Emulator

MESSAGES = [{"role": "user", "content": "Name a cheese."}]


def test_run_writes_results_and_errors_and_sums_up(
    cli: CLI, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    source = write_input(good=4, bad=1)
    done = cli("run", str(source), "--model", "mistral-small-latest", "--metadata", "team=qa")

    assert done.returncode == 0, done.stderr
    output = lines_of(tmp_path / "requests.results.jsonl")
    errors = lines_of(tmp_path / "requests.errors.jsonl")
    assert sorted(r["custom_id"] for r in output) == ["0", "1", "2", "3"]
    assert all(r["response"]["status_code"] == 200 for r in output)
    assert [r["custom_id"] for r in errors] == ["bad-0"]
    assert errors[0]["response"]["status_code"] == 422
    assert "Total requests: 5" in done.stdout
    assert "Successful requests: 4" in done.stdout
    assert "Failed requests: 1" in done.stdout
    assert "completed with status: SUCCESS" in done.stdout
    assert "Job duration:" in done.stdout

    state_path = tmp_path / "requests.results.jsonl.state"
    with sqlite3.connect(state_path) as db:
        (recorded,) = db.execute("SELECT value FROM facts WHERE key = 'run'").fetchone()
    run = json.loads(recorded)
    assert run["input"]["size"] == source.stat().st_size
    assert len(run["input"]["sha256"]) == 64
    assert run["metadata"] == {"team": "qa"}
    written = [state_path, *Path(f"{state_path}.d").iterdir()]
    for text in (
        done.stdout,
        done.stderr,
        *(path.read_bytes().decode("latin-1") for path in written),
    ):
        assert API_KEY not in text


def test_run_json_summary(cli: CLI, write_input: Callable[..., Path], tmp_path: Path) -> None:
    source = write_input(good=2)
    out = tmp_path / "out" / "answers.jsonl"
    done = cli("-vv", "run", str(source), "-m", "mistral-small-latest", "-o", str(out), "--json")
    assert done.returncode == 0, done.stderr
    assert "DEBUG" in done.stderr  # logs go to stderr, the summary alone to stdout
    assert API_KEY not in done.stderr
    summary = json.loads(done.stdout)

    assert summary["job"]["status"] == "SUCCESS"
    assert summary["exit_code"] == 0
    assert summary["files"]["output"]["path"] == str(out)
    assert summary["files"]["output"]["bytes"] == out.stat().st_size
    assert "errors" not in summary["files"]
    assert Path(summary["state"]).name == "answers.jsonl.state"


def test_a_job_that_fails_exits_6(cli: CLI, write_input: Callable[..., Path]) -> None:
    source = write_input(good=0, bad=2)  # every request rejected: the job ends FAILED
    done = cli("run", str(source), "--model", "mistral-small-latest")
    assert done.returncode == 6, done.stderr
    assert "completed with status: FAILED" in done.stdout


def test_run_again_after_success_reuses_the_job_and_fresh_starts_another(
    cli: CLI, client: Mistral, write_input: Callable[..., Path]
) -> None:
    source = write_input(good=2)
    args = ("run", str(source), "--model", "mistral-small-latest")
    assert cli(*args).returncode == 0
    again = cli(*args)
    assert again.returncode == 0
    assert "Resuming the run recorded in requests.results.jsonl.state" in again.stderr
    assert len(list(client.batch.jobs.list())) == 1

    assert cli(*args, "--fresh").returncode == 0
    assert len(list(client.batch.jobs.list())) == 2


def test_a_changed_input_is_not_taken_for_the_old_one(
    cli: CLI, client: Mistral, write_input: Callable[..., Path]
) -> None:
    source = write_input(good=2)
    assert cli("run", str(source), "--model", "mistral-small-latest").returncode == 0
    write_input(good=3)  # same path, other content

    done = cli("run", str(source), "--model", "mistral-small-latest")
    assert done.returncode == 0, done.stderr
    assert "was written for another run: the input's content" in done.stderr
    assert "Total requests: 3" in done.stdout
    assert len(list(client.batch.jobs.list())) == 2


def _start_slow_run(
    cli: CLI, emu: Emulator, source: Path, stderr: Path, *extra: str
) -> tuple[subprocess.Popen[str], str]:
    """Start a run on a slowed emulator; return it once it is waiting, with its job id."""
    emu.set_requests_per_second(2)
    process = cli.start(
        "run", str(source), "--model", "mistral-small-latest", *extra, stderr=stderr
    )
    with Mistral(api_key=API_KEY, server_url=emu.url) as client:
        job_id: str = wait_for(
            lambda: next((job.id for job in client.batch.jobs.list()), None), what="a job id"
        )
    # The status line comes from the first poll: the command is inside its wait.
    wait_for(lambda: f"job {job_id}: " in stderr.read_text(), what="the wait")
    return process, job_id


def test_a_killed_run_resumes_the_same_job(
    cli: CLI,
    emu: Emulator,
    client: Mistral,
    write_input: Callable[..., Path],
    tmp_path: Path,
) -> None:
    source = write_input(good=30)
    process, job_id = _start_slow_run(cli, emu, source, tmp_path / "first.err")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert client.batch.jobs.get(job_id).status in {"QUEUED", "RUNNING"}

    emu.set_requests_per_second(None)
    done = cli("run", str(source), "--model", "mistral-small-latest")

    assert done.returncode == 0, done.stderr
    assert "Resuming the run recorded in" in done.stderr
    assert [j.id for j in client.batch.jobs.list()] == [job_id]
    assert emu.stats.requests.get("upload_file") == 1
    assert len(lines_of(tmp_path / "requests.results.jsonl")) == 30


def test_ctrl_c_leaves_the_job_running_and_says_how_to_resume(
    cli: CLI,
    emu: Emulator,
    client: Mistral,
    write_input: Callable[..., Path],
    tmp_path: Path,
) -> None:
    source = write_input(good=30)
    stderr = tmp_path / "run.err"
    process, job_id = _start_slow_run(cli, emu, source, stderr)
    process.send_signal(signal.SIGINT)

    assert process.wait(timeout=10) == 130
    message = stderr.read_text()
    assert f"job {job_id} keeps running" in message
    assert "run the same command again" in message
    assert "Traceback" not in message
    assert client.batch.jobs.get(job_id).status in {"QUEUED", "RUNNING"}


def test_cancel_on_interrupt_cancels_the_job(
    cli: CLI,
    emu: Emulator,
    client: Mistral,
    write_input: Callable[..., Path],
    tmp_path: Path,
) -> None:
    source = write_input(good=30)
    stderr = tmp_path / "run.err"
    process, job_id = _start_slow_run(cli, emu, source, stderr, "--cancel-on-interrupt")
    process.send_signal(signal.SIGINT)

    assert process.wait(timeout=10) == 130
    assert f"cancelled job {job_id}" in stderr.read_text()
    assert client.batch.jobs.wait(job_id, timeout=20).status == "CANCELLED"

    # Running the command again finds the cancelled job and says so with its exit code.
    again = cli("run", str(source), "--model", "mistral-small-latest")
    assert again.returncode == 7, again.stderr
    assert [j.id for j in client.batch.jobs.list()] == [job_id]


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        ('{"custom_id": "a", "body": {}}\nnot json\n', 2, "not valid JSON"),
        (
            '{"custom_id": "a", "body": {}}\n{"custom_id": "b", "body": {}}\n'
            '{"custom_id": "a", "body": {}}\n',
            3,
            "duplicate custom_id",
        ),
        ('{"custom_id": "a", "body": {}}\n\n', 2, "blank line"),
    ],
    ids=["not-json", "duplicate-custom-id", "blank-line"],
)
def test_bad_input_exits_3_with_the_line_and_sends_nothing(
    cli: CLI, emu: Emulator, tmp_path: Path, content: str, line: int, reason: str
) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text(content)
    done = cli("run", str(source), "--model", "mistral-small-latest")

    assert done.returncode == 3
    assert f"line {line}" in done.stderr
    assert reason in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert sum(emu.stats.requests.values()) == 0


def test_a_missing_input_exits_3_and_sends_nothing(cli: CLI, emu: Emulator) -> None:
    done = cli("run", "nowhere.jsonl", "--model", "mistral-small-latest")
    assert done.returncode == 3
    assert "nowhere.jsonl: no such file" in done.stderr
    assert sum(emu.stats.requests.values()) == 0


def test_bad_job_options_fail_before_the_upload(
    cli: CLI, emu: Emulator, write_input: Callable[..., Path]
) -> None:
    source = write_input(good=1)
    done = cli("run", str(source), "--model", "m", "--endpoint", "v1/nowhere")
    assert done.returncode == 3
    assert "endpoint must be one of" in done.stderr
    assert sum(emu.stats.requests.values()) == 0


def test_a_wrong_key_exits_4_without_showing_it(cli: CLI, write_input: Callable[..., Path]) -> None:
    source = write_input(good=1)
    wrong = "wrong-key-abcdefghijklmnop"
    done = cli("run", str(source), "--model", "m", MISTRAL_API_KEY=wrong)
    assert done.returncode == 4
    assert done.stderr.count("\n") == 2  # the input check, then one error line
    assert "error: 401" in done.stderr
    assert "Traceback" not in done.stderr
    assert wrong not in done.stderr + done.stdout


def test_no_key_exits_4(cli: CLI, write_input: Callable[..., Path]) -> None:
    source = write_input(good=1)
    done = cli("run", str(source), "--model", "m", MISTRAL_API_KEY=None)
    assert done.returncode == 4
    assert "no API key" in done.stderr


def test_a_closed_port_exits_5(cli: CLI, write_input: Callable[..., Path]) -> None:
    source = write_input(good=1)
    with Emulator() as gone:
        closed = gone.url  # a port that was just free, now closed again
    done = cli("--max-retries", "0", "run", str(source), "--model", "m", MISTRAL_SERVER_URL=closed)
    assert done.returncode == 5
    assert f"cannot reach {closed}" in done.stderr
    assert "Traceback" not in done.stderr


def test_verbose_shows_the_traceback_but_never_the_key(
    cli: CLI, write_input: Callable[..., Path]
) -> None:
    source = write_input(good=1)
    done = cli("-vv", "run", str(source), "--model", "m", MISTRAL_API_KEY="wrong-key-0987654321")
    assert done.returncode == 4
    assert "Traceback" in done.stderr
    assert "wrong-key-0987654321" not in done.stderr


def test_the_state_file_can_be_chosen(
    cli: CLI, client: Mistral, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    source = write_input(good=1)
    state = tmp_path / "states" / "mine.state"
    done = cli("run", str(source), "-m", "mistral-small-latest", "--state", str(state))
    assert done.returncode == 0, done.stderr
    assert state.is_file() and Path(f"{state}.d").is_dir()
    assert not (tmp_path / "requests.results.jsonl.state").exists()
    again = cli("run", str(source), "-m", "mistral-small-latest", "--state", str(state))
    assert again.returncode == 0, again.stderr
    assert f"Resuming the run recorded in {state}" in again.stderr
    assert len(list(client.batch.jobs.list())) == 1


def test_ctrl_c_while_downloading_then_run_again_downloads_without_paying_twice(
    cli: CLI,
    emu: Emulator,
    client: Mistral,
    write_input: Callable[..., Path],
    tmp_path: Path,
) -> None:
    source = write_input(good=12)
    stderr = tmp_path / "run.err"
    emu.inject("download_file", delay=30, count=1)  # the first download hangs
    process = cli.start("run", str(source), "--model", "mistral-small-latest", stderr=stderr)
    wait_for(lambda: ": SUCCESS (" in stderr.read_text(), what="the job's end")
    wait_for(lambda: emu.stats.requests.get("download_file", 0) == 1, what="the download")
    process.send_signal(signal.SIGINT)

    assert process.wait(timeout=10) == 130
    assert "Traceback" not in stderr.read_text()
    assert not (tmp_path / "requests.results.jsonl").exists()

    done = cli("run", str(source), "--model", "mistral-small-latest")
    assert done.returncode == 0, done.stderr
    assert len(lines_of(tmp_path / "requests.results.jsonl")) == 12
    assert len(list(client.batch.jobs.list())) == 1
    assert emu.stats.requests.get("upload_file") == 1


def test_another_model_is_named_when_the_state_does_not_match(
    cli: CLI, client: Mistral, write_input: Callable[..., Path]
) -> None:
    source = write_input(good=2)
    assert cli("run", str(source), "--model", "mistral-small-latest").returncode == 0

    done = cli("run", str(source), "--model", "mistral-large-latest")
    assert done.returncode == 0, done.stderr
    assert "the model (mistral-small-latest, now mistral-large-latest)" in done.stderr
    assert "the input's content" not in done.stderr
    assert len(list(client.batch.jobs.list())) == 2


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_results_errors_and_state_are_yours_alone_unless_asked(
    cli: CLI, client: Mistral, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    source = write_input(good=2, bad=1)
    done = cli("run", str(source), "--model", "mistral-small-latest")
    assert done.returncode == 0, done.stderr
    written = ["requests.results.jsonl", "requests.errors.jsonl"]
    written.append("requests.results.jsonl.state")
    assert {name: _mode(tmp_path / name) for name in written} == dict.fromkeys(written, 0o600)

    umask = os.umask(0)
    os.umask(umask)
    job = client.batch.jobs.list().data[0]
    assert job.output_file is not None
    shared = cli("files", "download", job.output_file, "-o", "shared.jsonl", "--file-mode", "644")
    assert shared.returncode == 0, shared.stderr
    assert _mode(tmp_path / "shared.jsonl") == 0o644 & ~umask
    bad = cli("files", "download", job.output_file, "-o", "x.jsonl", "--file-mode", "999")
    assert bad.returncode == 2


def test_run_without_a_model_lets_each_request_name_its_own(cli: CLI, tmp_path: Path) -> None:
    source = tmp_path / "own-models.jsonl"
    lines = [
        {"custom_id": "a", "body": {"model": "mistral-small-latest", "messages": MESSAGES}},
        {"custom_id": "b", "body": {"model": "mistral-large-latest", "messages": MESSAGES}},
        {"custom_id": "c", "body": {"messages": MESSAGES}},
    ]
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))

    done = cli("run", str(source))

    assert done.returncode == 0, done.stderr
    output = lines_of(tmp_path / "own-models.results.jsonl")
    models = {r["custom_id"]: r["response"]["body"]["model"] for r in output}
    assert models == {"a": "mistral-small-latest", "b": "mistral-large-latest"}
    errors = lines_of(tmp_path / "own-models.errors.jsonl")
    assert [(r["custom_id"], r["response"]["status_code"]) for r in errors] == [("c", 422)]
    with sqlite3.connect(tmp_path / "own-models.results.jsonl.state") as db:
        (recorded,) = db.execute("SELECT value FROM facts WHERE key = 'run'").fetchone()
    assert json.loads(recorded)["models"] == [""]  # none: each request names its own
