"""Running the emulator exactly: its options, keys, start and stop, and the shell entry point."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pytest
import uvicorn
from emulator_helpers import api_client, upload

from mistral_batch.emulator import Emulator
from mistral_batch_emulator._serve import describe_start_error


def test_a_new_key_is_emu_and_24_random_bytes() -> None:
    key = Emulator().api_key
    assert key.startswith("emu-")
    assert len(key) == len("emu-") + 32
    assert set(key[4:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_a_rate_that_is_not_positive_is_refused_exactly() -> None:
    with pytest.raises(
        ValueError, match=r"^requests_per_second must be positive, or None for no limit$"
    ):
        Emulator(requests_per_second=-1)


def test_a_given_data_dir_is_known_before_the_start(tmp_path: Path) -> None:
    assert Emulator(data_dir=tmp_path).data_dir == tmp_path
    assert Emulator(data_dir=str(tmp_path)).data_dir == tmp_path
    assert Emulator().data_dir is None


def test_a_temporary_data_dir_is_forgotten_on_stop() -> None:
    emulator = Emulator().start()
    assert emulator.data_dir is not None
    emulator.stop()
    assert emulator.data_dir is None


def test_an_address_that_cannot_be_bound_keeps_its_errno() -> None:
    # 192.0.2.0/24 is reserved for documentation: no machine holds an address in it.
    emulator = Emulator(host="192.0.2.1")
    with pytest.raises(OSError) as caught:
        emulator.start()
    assert caught.value.errno == errno.EADDRNOTAVAIL
    reason = f"[Errno {errno.EADDRNOTAVAIL}] {os.strerror(errno.EADDRNOTAVAIL)}"
    assert caught.value.strerror == f"cannot listen on 192.0.2.1:0: {reason}"
    assert describe_start_error(caught.value) == caught.value.strerror


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (OSError("no room left"), "no room left"),
        (
            PermissionError(errno.EACCES, "Permission denied", "/data"),
            "[Errno 13] Permission denied: '/data'",
        ),
        (OSError(errno.EADDRINUSE, "port 80 is in use"), "port 80 is in use"),
        (ImportError("the extra is missing"), "the extra is missing"),
    ],
)
def test_a_failed_start_in_one_line(error: ImportError | OSError, line: str) -> None:
    assert describe_start_error(error) == line


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_server_that_dies_while_starting_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(self: uvicorn.Server, sockets: object = None) -> None:
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(uvicorn.Server, "startup", refuse)
    emulator = Emulator()
    with pytest.raises(RuntimeError, match=r"^the emulator's server did not start$"):
        emulator.start()
    assert not emulator.running
    assert list(tmp_path.iterdir()) == []


def test_a_request_still_in_hand_at_stop_is_finished(tmp_path: Path) -> None:
    with Emulator(data_dir=tmp_path, api_keys=["key"]) as first, api_client(first) as client:
        stored = upload(client, b"abc", "a.txt")
        first.inject("delete_file", delay=0.2)
        with pytest.raises(httpx.ReadTimeout):
            client.delete(f"/v1/files/{stored['id']}", timeout=0.05)
    # The client had gone, but the file was deleted before the server stopped.
    with Emulator(data_dir=tmp_path, api_keys=["key"]) as second, api_client(second) as client:
        assert client.get("/v1/files").json()["total"] == 0


def test_a_script_that_never_stops_its_emulator_still_exits_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    script = "from mistral_batch.emulator import Emulator\nprint(Emulator().start().url)\n"
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=20,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("http://127.0.0.1:")
    assert list(tmp_path.iterdir()) == []  # its temporary data folder is gone
