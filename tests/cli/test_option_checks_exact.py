"""Building blocks of the command, to the character: a limit refusing nan, a file option
refusing a folder, and the --emulator flag as the app keeps it."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from mistral_batch.cli._app import App
from mistral_batch.cli._emulator import _limit
from mistral_batch.cli._params import file_path_option


def invoke(command: click.Command, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(command, list(args), prog_name="cmd", terminal_width=80)
    return result.exit_code, result.output


def test_a_limit_refuses_nan_that_its_range_lets_through() -> None:
    """A share from 0 to 1 given as nan is a usage error naming the option."""

    @click.command("cmd")
    @_limit("--rate", click.FloatRange(0, 1), 0.0, "A share.")
    def command(rate: float) -> None:
        click.echo(f"rate={rate}")

    assert invoke(command, "--rate", "nan") == (
        2,
        "Usage: cmd [OPTIONS]\n"
        "Try 'cmd --help' for help.\n"
        "\n"
        "Error: Invalid value for '--rate': nan is not a number.\n",
    )
    assert invoke(command, "--rate", "0.5") == (0, "rate=0.5\n")


def test_a_file_option_refuses_a_folder(tmp_path: Path) -> None:
    """A folder given where a file is expected is a usage error; a file is taken as a Path."""

    @click.command("cmd")
    @file_path_option("--file", help="A file.")
    def command(file: Path | None) -> None:
        click.echo(f"{type(file).__name__} {file}")

    assert invoke(command, "--file", str(tmp_path)) == (
        2,
        "Usage: cmd [OPTIONS]\n"
        "Try 'cmd --help' for help.\n"
        "\n"
        f"Error: Invalid value for '--file': File '{tmp_path}' is a directory.\n",
    )
    target = tmp_path / "in.jsonl"
    assert invoke(command, "--file", str(target)) == (0, f"{type(target).__name__} {target}\n")


def test_the_app_keeps_the_emulator_flag_and_leaves_it_off_by_default() -> None:
    """--emulator given is True on the app; not given, it is False."""
    assert App(use_emulator=True).use_emulator is True
    assert App().use_emulator is False
