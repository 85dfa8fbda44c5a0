"""Ctrl-C at each step of `run`: exit 130, what became of the job, how to resume; no traceback."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import CLI, wait_for

from mistral_batch import Mistral
from mistral_batch.emulator import Emulator


@pytest.mark.parametrize("operation", ["upload_file", "create_batch_job"])
def test_ctrl_c_before_the_job_is_known_exits_130_and_says_how_to_resume(
    cli: CLI,
    emu: Emulator,
    client: Mistral,
    write_input: Callable[..., Path],
    tmp_path: Path,
    operation: str,
) -> None:
    source = write_input(good=3)
    stderr = tmp_path / "run.err"
    emu.inject(operation, delay=30, count=1)  # the step hangs until Ctrl-C
    process = cli.start("run", str(source), "--model", "mistral-small-latest", stderr=stderr)
    wait_for(lambda: emu.stats.requests.get(operation, 0) == 1, what=operation)
    process.send_signal(signal.SIGINT)

    assert process.wait(timeout=20) == 130
    message = stderr.read_text()
    assert "Traceback" not in message
    assert f"run the same command again with the server {emu.url}" in message
    assert "requests.results.jsonl.state" in message

    # Resuming makes exactly one job, whatever the interrupted step had done.
    done = cli("run", str(source), "--model", "mistral-small-latest")
    assert done.returncode == 0, done.stderr
    assert len(list(client.batch.jobs.list())) == 1


def test_ctrl_c_while_waiting_names_the_server(
    cli: CLI, emu: Emulator, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    source = write_input(good=30)
    stderr = tmp_path / "run.err"
    emu.set_requests_per_second(2)
    process = cli.start("run", str(source), "--model", "mistral-small-latest", stderr=stderr)
    wait_for(lambda: ": RUNNING" in stderr.read_text() or ": QUEUED" in stderr.read_text())
    process.send_signal(signal.SIGINT)

    assert process.wait(timeout=20) == 130
    message = stderr.read_text()
    assert "Traceback" not in message
    assert f"keeps running on the server {emu.url}" in message
    assert f"mistral-batch --server-url {emu.url} jobs cancel" in message


def test_ctrl_c_twice_still_exits_130_without_a_traceback(
    cli: CLI, emu: Emulator, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    source = write_input(good=30)
    stderr = tmp_path / "run.err"
    emu.set_requests_per_second(2)
    emu.inject("cancel_batch_job", delay=30, count=1)  # the cancel after Ctrl-C hangs
    process = cli.start("run", str(source), "--model", "m", "--cancel-on-interrupt", stderr=stderr)
    wait_for(lambda: ": RUNNING" in stderr.read_text() or ": QUEUED" in stderr.read_text())
    process.send_signal(signal.SIGINT)
    wait_for(lambda: emu.stats.requests.get("cancel_batch_job", 0) == 1, what="the cancel")
    process.send_signal(signal.SIGINT)

    assert process.wait(timeout=20) == 130
    message = stderr.read_text()
    assert "Traceback" not in message
    assert "interrupted again" in message


@pytest.mark.parametrize("after", [0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8])
def test_ctrl_c_at_any_instant_after_start_up_exits_130_without_a_traceback(
    cli: CLI, emu: Emulator, write_input: Callable[..., Path], tmp_path: Path, after: float
) -> None:
    # Wherever the signal lands (checking, uploading, creating, waiting, downloading,
    # summing up), the command ends with 130 and one story, or had already ended with 0.
    source = write_input(good=10)
    stderr = tmp_path / "run.err"
    emu.set_requests_per_second(20)
    process = cli.start("run", str(source), "--model", "mistral-small-latest", stderr=stderr)
    wait_for(lambda: "valid" in stderr.read_text(), what="the input check")
    time.sleep(after)
    process.send_signal(signal.SIGINT)

    code = process.wait(timeout=20)
    message = stderr.read_text()
    assert "Traceback" not in message
    # A signal landing while the interpreter shuts down, after the command has done its
    # work, ends the process by SIGINT itself: a shell reports that as 130 too.
    assert code in (0, 130, -signal.SIGINT), message
    if code == 130:
        assert f"with the server {emu.url}" in message or "error: interrupted" in message
