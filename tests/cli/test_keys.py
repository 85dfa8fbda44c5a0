"""The key from a file only its owner may read, or from standard input; never from `ps`."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from cli_helpers import API_KEY, CLI

from mistral_batch.cli._keys import KeySourceError, read_key_file, read_key_stdin
from mistral_batch.emulator import Emulator


def key_file(folder: Path, text: str = API_KEY + "\n", mode: int = 0o600) -> Path:
    path = folder / "mistral.key"
    path.write_text(text)
    path.chmod(mode)
    return path


def run_with_stdin(cli: CLI, stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli.command(args),
        cwd=cli.cwd,
        env=cli.env(MISTRAL_API_KEY=None),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_key_from_a_file_before_or_after_the_command(cli: CLI, tmp_path: Path) -> None:
    path = key_file(tmp_path)
    before = cli("--api-key-file", str(path), "files", "ls", "--json", MISTRAL_API_KEY=None)
    assert before.returncode == 0, before.stderr
    assert before.stdout.strip() == "[]"
    after = cli("jobs", "ls", "--json", "--api-key-file", str(path), MISTRAL_API_KEY=None)
    assert after.returncode == 0, after.stderr


def test_the_file_wins_over_the_environment(cli: CLI, tmp_path: Path) -> None:
    path = key_file(tmp_path)
    done = cli("--api-key-file", str(path), "files", "ls", MISTRAL_API_KEY="wrong-key-0123456789")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_key_file_others_may_read_is_refused_before_anything_is_sent(
    cli: CLI, emu: Emulator, tmp_path: Path, mode: int
) -> None:
    path = key_file(tmp_path, mode=mode)
    done = cli("--api-key-file", str(path), "files", "ls", MISTRAL_API_KEY=None)
    assert done.returncode == 4
    assert f"chmod 600 {path}" in done.stderr
    assert done.stderr.count("\n") == 1
    assert API_KEY not in done.stderr + done.stdout
    assert sum(emu.stats.requests.values()) == 0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "holds no API key"),
        ("\n  \n", "holds no API key"),
        ("a-key\nb-key\n", "more than one line"),
    ],
)
def test_a_key_file_without_one_key_is_refused(
    cli: CLI, tmp_path: Path, text: str, reason: str
) -> None:
    path = key_file(tmp_path, text=text)
    done = cli("--api-key-file", str(path), "files", "ls", MISTRAL_API_KEY=None)
    assert done.returncode == 4
    assert reason in done.stderr


def test_a_missing_key_file_and_a_key_given_twice(cli: CLI, tmp_path: Path) -> None:
    missing = cli("--api-key-file", str(tmp_path / "nope"), "files", "ls")
    assert missing.returncode == 4
    assert "cannot read the key file" in missing.stderr
    both = cli("--api-key", API_KEY, "--api-key-file", str(key_file(tmp_path)), "files", "ls")
    assert both.returncode == 2
    assert "not both" in both.stderr


def test_the_key_from_standard_input(cli: CLI) -> None:
    done = run_with_stdin(cli, f"  {API_KEY}\n", "--api-key", "-", "files", "ls", "--json")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    after = run_with_stdin(cli, API_KEY + "\n", "jobs", "ls", "--json", "--api-key", "-")
    assert after.returncode == 0, after.stderr
    empty = run_with_stdin(cli, "", "--api-key", "-", "files", "ls")
    assert empty.returncode == 4
    assert "standard input holds no API key" in empty.stderr


def test_the_readers_drop_whitespace_and_keep_the_key_whole(tmp_path: Path) -> None:
    assert read_key_file(key_file(tmp_path, text=f"\n {API_KEY}\r\n")) == API_KEY
    assert read_key_stdin(io.StringIO(f"{API_KEY}\nignored\n")) == API_KEY
    with pytest.raises(KeySourceError, match="mode -rw-r--r--"):
        read_key_file(key_file(tmp_path, mode=0o644))


#: Reads the key at a terminal of its own: the pty on its standard input, made its
#: controlling terminal, as a shell does for the command it starts.
AT_A_TERMINAL = """
import fcntl, os, termios
fcntl.ioctl(0, termios.TIOCSCTTY, 0)
from mistral_batch.cli._keys import read_key_stdin
print("read:", read_key_stdin(), file=open("/dev/tty", "w"))
"""


def read_until(fd: int, marker: bytes, seen: bytes) -> bytes:
    """What the terminal shows, read until `marker` appears (or 10 s pass, or it closes)."""
    import os
    import select
    import time

    deadline = time.monotonic() + 10
    while marker not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        assert ready, f"the terminal never showed {marker!r}: {seen!r}"
        try:
            seen += os.read(fd, 1024)
        except OSError:  # the other side is gone
            raise AssertionError(f"the terminal closed before {marker!r}: {seen!r}") from None
    return seen


def test_a_key_typed_at_a_terminal_is_asked_for_on_that_terminal_without_echo() -> None:
    # Even with stderr sent elsewhere (2>log), the prompt shows where the key is typed.
    import os
    import pty
    import sys

    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", AT_A_TERMINAL],
        stdin=slave,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    os.close(slave)
    try:
        prompt = read_until(master, b"API key: ", b"")
        os.write(master, b"sk-typed-0123\n")
        shown = read_until(master, b"read: sk-typed-0123", prompt)
        _, err = process.communicate(timeout=30)  # before its terminal hangs up
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        os.close(master)
    assert process.returncode == 0, err
    assert err == b""
    typed = shown.split(b"API key: ", 1)[1].split(b"read:", 1)[0]
    assert b"sk-typed" not in typed  # not echoed
