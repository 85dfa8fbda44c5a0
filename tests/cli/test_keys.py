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
