"""The command's building blocks, to the character: counted and limit options (their
range, help and default), global options copied after a command that lacks them, how an
error not of ours is named, a download name with a space, a key file not in UTF-8."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mistral_batch.cli._app import App
from mistral_batch.cli._emulator import _limit
from mistral_batch.cli._files import download_target
from mistral_batch.cli._globals import accept_after_commands
from mistral_batch.cli._keys import KeySourceError, read_key_file
from mistral_batch.cli._params import count_option


def counting() -> click.Command:
    """A command of one count, from 1 to 3, and one limit, from 1 on."""

    @click.command("count")
    @count_option("--n", 2, "How many.", 1, 3)
    @_limit("--most", click.IntRange(1), 5, "Most of them.")
    def command(n: int, most: int) -> None:
        click.echo(f"n={n} most={most}")

    return command


def invoke(command: click.Command, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(command, list(args), prog_name="count", terminal_width=80)
    return result.exit_code, result.output


def test_counted_and_limit_options_show_their_help_and_default() -> None:
    """N with its default and range; a limit with its help, default and range."""
    assert invoke(counting(), "--help") == (
        0,
        "Usage: count [OPTIONS]\n"
        "\n"
        "Options:\n"
        "  --n N                 How many.  [default: 2; 1<=x<=3]\n"
        "  --most INTEGER RANGE  Most of them.  [default: 5; x>=1]\n"
        "  --help                Show this message and exit.\n",
    )


def test_a_count_above_its_highest_is_a_usage_error() -> None:
    """A count past `high` is refused with the range in the message."""
    assert invoke(counting(), "--n", "4") == (
        2,
        "Usage: count [OPTIONS]\n"
        "Try 'count --help' for help.\n"
        "\n"
        "Error: Invalid value for '--n': 4 is not in the range 1<=x<=3.\n",
    )


def test_a_count_below_its_lowest_is_a_usage_error() -> None:
    """A count under `low` is refused; one in range is taken as an int."""
    assert invoke(counting(), "--n", "0") == (
        2,
        "Usage: count [OPTIONS]\n"
        "Try 'count --help' for help.\n"
        "\n"
        "Error: Invalid value for '--n': 0 is not in the range 1<=x<=3.\n",
    )
    assert invoke(counting(), "--n", "3", "--most", "7") == (0, "n=3 most=7\n")


def test_a_command_keeps_its_own_option_of_a_global_name() -> None:
    """A command that defines --emulator itself gets no hidden copy of the global one:
    the flag reaches the command."""

    @click.group()
    def group() -> None:
        pass

    @group.command("try")
    @click.option("--emulator", "use_emulator", is_flag=True, help="Its own.")
    def attempt(use_emulator: bool) -> None:
        click.echo(f"use_emulator={use_emulator}")

    accept_after_commands(group)
    declared = [param.opts for param in attempt.params if isinstance(param, click.Option)]
    assert declared.count(["--emulator"]) == 1
    result = CliRunner().invoke(group, ["try", "--emulator"])
    assert (result.exit_code, result.output) == (0, "use_emulator=True\n")


def test_an_unexpected_error_is_named_by_its_type(capsys: pytest.CaptureFixture[str]) -> None:
    """An error from outside the package ends with exit 1 and its type before its text."""
    assert App(no_progress=True).fail(ValueError("bad value")) == 1
    assert capsys.readouterr().err == "error: ValueError: bad value\n"


def test_a_server_name_with_a_space_is_a_safe_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A space is an ordinary character in a name: the file goes there, in this folder."""
    monkeypatch.chdir(tmp_path)
    assert download_target("my results.jsonl", None, force=False) == Path("my results.jsonl")


def test_a_key_file_not_in_utf8_says_so(tmp_path: Path) -> None:
    """A key file of bytes that are not UTF-8 is refused, naming the file and why."""
    path = tmp_path / "mistral.key"
    path.write_bytes(b"\xff\xfekey\n")
    path.chmod(0o600)
    with pytest.raises(KeySourceError) as raised:
        read_key_file(path)
    assert str(raised.value) == f"cannot read the key file {path}: not UTF-8 text"
