"""serve(), run in the test's own main thread: what it prints, where it keeps its state and
how much uvicorn says, until SIGTERM stops it."""

from __future__ import annotations

import io
import logging
import os
import queue
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from emulator_helpers import api_client

from mistral_batch.emulator import Emulator
from mistral_batch_emulator._serve import serve

Driver = Callable[[str, "queue.Queue[str | None]"], None]


class Pipe(io.TextIOBase):
    """A stdout whose reader gets a line only once it is flushed, as through a pipe."""

    def __init__(self) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()
        self._pending: list[str] = []

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending.append(text)
        return len(text)

    def flush(self) -> None:
        text, self._pending = "".join(self._pending), []
        for line in text.splitlines():
            self.lines.put(line)


@pytest.fixture
def run_serve(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """serve(port=0, **options) in this thread, while ``drive(url, lines)`` runs beside it
    with the lines that reached stdout; SIGTERM when it is done."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("serve() heeds SIGTERM only in the main thread")
    sigterm = signal.getsignal(signal.SIGTERM)
    root_handlers, root_level = logging.root.handlers[:], logging.root.level

    def run(drive: Driver, **options: Any) -> None:
        pipe = Pipe()
        monkeypatch.setattr(sys, "stdout", pipe)
        failures: list[BaseException] = []

        def driver() -> None:
            url = pipe.lines.get(timeout=30)
            if url is None:
                return
            try:
                drive(url.removeprefix("url: "), pipe.lines)
            except BaseException as error:
                failures.append(error)
            finally:
                os.kill(os.getpid(), signal.SIGTERM)

        thread = threading.Thread(target=driver, daemon=True)
        thread.start()
        try:
            serve(port=0, **options)
        finally:
            pipe.lines.put(None)
            thread.join(timeout=30)
        if failures:
            raise failures[0]

    yield run
    signal.signal(signal.SIGTERM, sigterm)
    logging.root.handlers[:] = root_handlers
    logging.root.setLevel(root_level)


def test_the_keys_line_reaches_a_pipe_while_serving(run_serve: Callable[..., None]) -> None:
    """The second line, about keys the caller chose, is flushed at once, not at exit."""
    seen: list[str | None] = []

    def drive(url: str, lines: queue.Queue[str | None]) -> None:
        assert url.startswith("http://127.0.0.1:")
        seen.append(lines.get(timeout=10))

    run_serve(drive, api_keys=["key-1", "key-2"])
    assert seen == ["api_keys: the 2 given with --api-key"]


def test_the_data_dir_given_to_serve_keeps_the_files(
    run_serve: Callable[..., None], tmp_path: Path
) -> None:
    """What was uploaded while serving is still there for an emulator on the same data_dir."""

    def drive(url: str, lines: queue.Queue[str | None]) -> None:
        answer = httpx.post(
            f"{url}/v1/files",
            headers={"Authorization": "Bearer key"},
            files={"file": ("kept.txt", b"kept\n")},
            data={"purpose": "batch"},
        )
        assert answer.status_code == 200

    run_serve(drive, data_dir=tmp_path, api_keys=["key"])
    with Emulator(data_dir=tmp_path, api_keys=["key"]) as again, api_client(again) as client:
        assert [f["filename"] for f in client.get("/v1/files").json()["data"]] == ["kept.txt"]


@pytest.mark.parametrize(
    ("log_level", "said"),
    [("critical", ""), ("warning", "WARNING:  Invalid HTTP request received.\n")],
)
def test_the_log_level_given_to_serve_is_uvicorns(
    run_serve: Callable[..., None], monkeypatch: pytest.MonkeyPatch, log_level: str, said: str
) -> None:
    """A request that is not HTTP is warned about at "warning", and not at "critical"."""
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)

    def drive(url: str, lines: queue.Queue[str | None]) -> None:
        host, _, port = url.removeprefix("http://").rpartition(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(b"NOT HTTP\r\n\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 400 Bad Request\r\n")

    run_serve(drive, log_level=log_level)
    assert stderr.getvalue() == said
