"""`mistral-batch emulator`: a server the other commands can talk to."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_helpers import chat_request, wait_for
from click.testing import CliRunner

from mistral_batch.cli import cli


def test_the_emulator_command_serves_until_interrupted(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "mistral_batch.cli", "emulator", "--port", "0"]
    server = subprocess.Popen(
        [*command, "--api-key", "emulated-key-123", "--data-dir", str(tmp_path / "data")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = wait_for(server.stdout.readline, what="the url").strip().removeprefix("url: ")
        assert url.startswith("http://127.0.0.1:")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MISTRAL_")}
        env.update(MISTRAL_API_KEY="emulated-key-123", MISTRAL_SERVER_URL=url)
        listed = subprocess.run(
            [sys.executable, "-m", "mistral_batch.cli", "files", "ls", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.strip() == "[]"
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=15) == 0
    assert (tmp_path / "data").is_dir()


def test_a_busy_port_is_named_in_one_line(tmp_path: Path) -> None:
    from mistral_batch.emulator import Emulator

    with Emulator() as running:
        done = subprocess.run(
            [sys.executable, "-m", "mistral_batch.cli", "emulator", "--port", str(running.port)],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=tmp_path,
        )
    assert done.returncode == 1
    assert done.stderr == f"error: port {running.port} is in use on 127.0.0.1: pick another\n"


def serve_arguments(monkeypatch: pytest.MonkeyPatch, *args: str) -> dict[str, Any]:
    """What `mistral-batch emulator ARGS` hands to serve(), run in process without serving."""
    import mistral_batch_emulator

    seen: dict[str, Any] = {}
    monkeypatch.setattr(mistral_batch_emulator, "serve", lambda *a, **kw: seen.update(kw))
    result = CliRunner().invoke(cli, ["emulator", *args])
    assert result.exit_code == 0, result.output
    return seen


def test_the_limits_default_to_mistrals_and_no_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = serve_arguments(monkeypatch)
    assert seen["max_pending_requests"] == 1_000_000
    assert seen["max_upload_bytes"] == 512 * 1024 * 1024
    assert seen["fail_rate"] == 0


def test_the_limit_and_fail_rate_flags_reach_the_emulator(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "mistral_batch.cli", "emulator", "--port", "0"]
    command += ["--api-key", "emulated-key-123", "--data-dir", str(tmp_path / "data")]
    command += ["--max-pending-requests", "5", "--max-upload-bytes", "1000"]
    server = subprocess.Popen([*command, "--fail-rate", "0.25"], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = wait_for(server.stdout.readline, what="the url").strip().removeprefix("url: ")
        headers = {"Authorization": "Bearer emulated-key-123"}
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            settings = client.get("/_emulator/settings").json()
            assert settings["max_pending_requests"] == 5
            assert settings["max_upload_bytes"] == 1000
            assert settings["fail_rate"] == 0.25
            job = {
                "endpoint": "/v1/chat/completions",
                "model": "mistral-small-latest",
                "requests": [chat_request(str(i)) for i in range(6)],
            }
            refused = client.post("/v1/batch/jobs", json=job)
            assert refused.status_code == 400
            assert "pending requests" in refused.json()["message"]
            too_big = client.post("/v1/files", files={"file": ("big.jsonl", b"a" * 1001)})
            assert too_big.status_code == 413
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=15) == 0


@pytest.mark.parametrize(
    "args",
    [
        ["--fail-rate", "1.5"],
        ["--fail-rate", "-0.1"],
        ["--fail-rate", "nan"],
        ["--max-pending-requests", "0"],
        ["--max-upload-bytes", "0"],
    ],
)
def test_limits_and_fail_rates_out_of_range_are_usage_errors(args: list[str]) -> None:
    result = CliRunner().invoke(cli, ["emulator", *args])
    assert result.exit_code == 2
    assert f"Invalid value for '{args[0]}'" in result.output
