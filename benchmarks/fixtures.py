"""What the benchmarks run against: the emulator in its own process, and the input files.

The files are written with plain Python and uploaded with raw httpx, so that preparing
a case never goes through the client under test.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
_BLOCK = 8 * 1024 * 1024


class EmulatorClient:
    """Raw httpx calls to a running emulator, to prepare the cases."""

    def __init__(self, url: str, api_key: str) -> None:
        self.url = url
        self.api_key = api_key

    def client(self) -> httpx.Client:
        """A raw httpx client with the key."""
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.api_key}"}, timeout=600
        )

    def allow_uploads_up_to(self, size: int) -> None:
        """Raise the emulator's upload limit (Mistral's is 512 MB) for a big download."""
        with self.client() as client:
            client.patch("/_emulator/settings", json={"max_upload_bytes": size}).raise_for_status()

    def upload(self, path: Path) -> str:
        """Upload a file with raw httpx; its id."""
        with self.client() as client, open(path, "rb") as f:
            response = client.post(
                "/v1/files",
                data={"purpose": "batch"},
                files={"file": (path.name, f, "application/jsonl")},
            )
        response.raise_for_status()
        return str(response.json()["id"])

    def finished_job(self, path: Path) -> str:
        """A job over the file at `path`, run to the end; its id."""
        file_id = self.upload(path)
        with self.client() as client:
            body = {"input_files": [file_id], "model": "mistral-small-latest"}
            body["endpoint"] = "/v1/chat/completions"
            job = client.post("/v1/batch/jobs", json=body).json()
            while job["status"] in ("QUEUED", "RUNNING"):
                time.sleep(0.05)
                job = client.get(f"/v1/batch/jobs/{job['id']}").json()
        return str(job["id"])


class EmulatorProcess:
    """``python -m mistral_batch.emulator`` in a child process, so that its memory and
    CPU are not the client's. A context manager giving an EmulatorClient.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.api_key = "bench-" + secrets.token_hex(8)
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None

    def __enter__(self) -> EmulatorClient:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._log = open(self.data_dir.parent / "emulator.log", "w")
        command = [sys.executable, "-m", "mistral_batch.emulator", "--port", "0"]
        command += ["--data-dir", str(self.data_dir), "--api-key", self.api_key]
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self._log, text=True, cwd=ROOT
        )
        assert self._process.stdout is not None
        url = ""
        for line in self._process.stdout:
            if line.startswith("url: "):
                url = line.removeprefix("url: ").strip()
                break
        if not url:
            self.__exit__(None, None, None)
            raise RuntimeError(f"the emulator did not start; see {self._log.name}")
        return EmulatorClient(url, self.api_key)

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._log is not None:
            self._log.close()


def request_line(i: int, width: int = 0) -> bytes:
    """A batch request line, its question padded by `width` characters."""
    question = f"Question {i}: what is the best French cheese? " + "x" * width
    body = {"max_tokens": 64, "messages": [{"role": "user", "content": question}]}
    return json.dumps({"custom_id": str(i), "body": body}, separators=(",", ":")).encode() + b"\n"


def write_requests(path: Path, size: int | None = None, count: int | None = None) -> Path:
    """A JSONL file of batch requests: `count` lines, or exactly `size` bytes."""
    with open(path, "wb") as out:
        written = i = 0
        buffer: list[bytes] = []
        pending = 0
        while True:
            if count is not None and i >= count:
                break
            line = request_line(i, width=i % 97)
            if size is not None and written + pending + len(line) + 300 > size:
                break
            buffer.append(line)
            pending += len(line)
            i += 1
            if pending >= _BLOCK:
                out.write(b"".join(buffer))
                written, buffer, pending = written + pending, [], 0
        if size is not None:
            # The last line takes the bytes left, so that the file is exactly `size`.
            base = request_line(i)
            buffer.append(request_line(i, width=size - written - pending - len(base)))
        out.write(b"".join(buffer))
    if size is not None and path.stat().st_size != size:
        raise RuntimeError(f"{path} is {path.stat().st_size} bytes, not {size}")
    return path


_WORDS = (
    "Brie de Meaux is a soft cheese with a bloomy rind and a rich, buttery taste.",
    "Comté ages for months in the Jura mountains; its flavour deepens with time.",
    "Roquefort, a blue cheese from ewe's milk, ripens in the caves of Combalou.",
    "Camembert de Normandie is best eaten at room temperature with fresh bread.",
)


def result_line(i: int) -> bytes:
    """A result line as Mistral's batch output holds them: a chat completion."""
    text = _WORDS[i % len(_WORDS)]
    completion = {
        "id": f"{i:032x}",
        "object": "chat.completion",
        "model": "mistral-small-latest",
        "created": 1767225600 + i,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "tool_calls": None},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 18, "completion_tokens": 17, "total_tokens": 35},
    }
    line: dict[str, Any] = {
        "id": f"batch-{i:08x}-{i % 7919:04x}",
        "custom_id": str(i),
        "response": {"status_code": 200, "body": completion},
        "error": None,
    }
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def write_results(path: Path, lines: int) -> Path:
    """A result file of `lines` lines."""
    with open(path, "wb") as out:
        for start in range(0, lines, 10_000):
            out.write(b"".join(result_line(i) for i in range(start, min(lines, start + 10_000))))
    return path


def write_bytes(path: Path, size: int) -> Path:
    """A file of `size` bytes of result lines (any content would do for a download)."""
    block = b"".join(result_line(i) for i in range(_BLOCK // 400))
    with open(path, "wb") as out:
        left = size
        while left > 0:
            piece = block[:left]
            out.write(piece)
            left -= len(piece)
    return path


def disk_free(path: Path) -> int:
    """Bytes free on the file system holding `path`."""
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize
