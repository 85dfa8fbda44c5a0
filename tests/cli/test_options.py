"""Option parsing and help, in process (click's CliRunner): nothing here talks to a server."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import mistral_batch.cli
from mistral_batch.cli import _codes, cli

COMMANDS = [
    [],
    ["run"],
    ["files"],
    ["files", "upload"],
    ["files", "ls"],
    ["files", "get"],
    ["files", "download"],
    ["files", "rm"],
    ["files", "url"],
    ["jobs"],
    ["jobs", "create"],
    ["jobs", "ls"],
    ["jobs", "get"],
    ["jobs", "wait"],
    ["jobs", "cancel"],
    ["jobs", "rm"],
    ["jobs", "results"],
    ["emulator"],
    ["demo"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "mistral-batch")
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert result.output.startswith("Usage: ")


def test_the_exit_codes_are_in_run_help_and_in_the_module_docstring() -> None:
    shown = CliRunner().invoke(cli, ["run", "--help"], terminal_width=120).output
    for line in _codes.EXIT_CODES_TABLE.splitlines():
        assert line.strip() in shown
        assert line in (mistral_batch.cli.__doc__ or "")


@pytest.mark.parametrize(
    "args",
    [
        ["run", "in.jsonl"],  # no --model
        ["run", "in.jsonl", "-m", "m", "--metadata", "novalue"],
        ["run", "in.jsonl", "-m", "m", "--timeout-hours", "0"],
        ["run", "in.jsonl", "-m", "m", "--output", "in.jsonl"],
        ["jobs", "ls", "--status", "DONE"],
        ["files", "url", "x", "--expiry", "0"],
        ["--max-retries", "-1", "files", "ls"],
        ["nothing"],
    ],
)
def test_bad_options_are_usage_errors(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args, env={"MISTRAL_API_KEY": "k" * 20})
    assert result.exit_code == _codes.USAGE, result.output


def test_status_and_error_codes() -> None:
    from mistral_batch import APIConnectionError, InputError, NotFoundError

    assert [_codes.for_status(s) for s in ("SUCCESS", "FAILED", "CANCELLED")] == [0, 6, 7]
    assert _codes.for_status("TIMEOUT_EXCEEDED") == 8
    assert _codes.for_error(InputError("bad", line=2)) == _codes.BAD_INPUT
    assert _codes.for_error(InputError("no API key", field="api_key")) == _codes.AUTH
    assert _codes.for_error(APIConnectionError("refused")) == _codes.NETWORK
    assert _codes.for_error(NotFoundError("gone", status_code=404)) == _codes.ERROR
