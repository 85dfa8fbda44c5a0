"""`mistral-batch emulator`: a server the other commands can talk to."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from cli_helpers import wait_for


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
