"""Helpers of the command-line tests: running the command, writing inputs, waiting."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

from mistral_batch import Backoff, BatchJob, Mistral
from mistral_batch.cli._output import Output
from mistral_batch.emulator import Emulator

API_KEY = "cli-test-key-0123456789"


class CLI:
    """Runs `mistral-batch` against one emulator, from a working folder."""

    def __init__(self, emulator: Emulator, cwd: Path) -> None:
        self.emulator = emulator
        self.cwd = cwd

    def env(self, **overrides: str | None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MISTRAL_")}
        env.update(MISTRAL_API_KEY=API_KEY, MISTRAL_SERVER_URL=self.emulator.url)
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def command(self, args: Sequence[str]) -> list[str]:
        return [sys.executable, "-m", "mistral_batch.cli", *args]

    def __call__(
        self, *args: str, timeout: float = 60, **env: str | None
    ) -> subprocess.CompletedProcess[str]:
        """Run to the end and return the exit code, stdout and stderr."""
        return subprocess.run(
            self.command(args),
            cwd=self.cwd,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def json(self, *args: str) -> Any:
        """Run with --json appended; the exit code must be 0 and stdout one JSON document."""
        done = self(*args, "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def start(self, *args: str, stderr: Path) -> subprocess.Popen[str]:
        """Start in the background, stderr to a file that the test can watch."""
        return subprocess.Popen(
            self.command(args),
            cwd=self.cwd,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=stderr.open("w"),
            text=True,
        )


def chat_request(custom_id: str, text: str = "What is the best French cheese?") -> dict[str, Any]:
    return {
        "custom_id": custom_id,
        "body": {"max_tokens": 50, "messages": [{"role": "user", "content": text}]},
    }


def wait_for(predicate: Callable[[], Any], timeout: float = 30, what: str = "condition") -> Any:
    """Poll until `predicate` returns something truthy, and return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def read_json(path: Path) -> Any:
    """The JSON in `path`, or None while it does not exist yet."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def drawing_output(**console: Any) -> tuple[Output, io.StringIO]:
    """An Output that draws its bars on a console (of these settings) writing into a
    string; and that string."""
    out = Output(progress=False)
    drawn = io.StringIO()
    out.stderr = Console(file=drawn, **console)
    out.progress = True
    return out, drawn


#: A short backoff for waiting on the emulator's jobs.
QUICK = Backoff(initial=0.02, factor=1.5, max_delay=0.2)


def batch_job(**fields: Any) -> BatchJob:
    """A job as the API describes it: one chat request, done and succeeded, unless
    `fields` say otherwise."""
    made: dict[str, Any] = {
        "id": "job-1",
        "status": "SUCCESS",
        "endpoint": "/v1/chat/completions",
        "input_files": ["in-1"],
        "created_at": 0,
        "total_requests": 1,
        "completed_requests": 1,
        "succeeded_requests": 1,
        "failed_requests": 0,
    }
    return BatchJob(**{**made, **fields})


def finished_job(client: Mistral, source: Path, model: str = "mistral-small-latest") -> BatchJob:
    """The job of the requests in `source`, run to its end on `client`'s server."""
    uploaded = client.files.upload(source, purpose="batch")
    created = client.batch.jobs.create(
        input_files=[uploaded.id], model=model, endpoint="/v1/chat/completions"
    )
    return client.batch.jobs.wait(created, timeout=30, backoff=QUICK)
