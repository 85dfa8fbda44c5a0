"""Option parsing and help, in process (click's CliRunner): nothing here talks to a server."""

from __future__ import annotations

from typing import Any

import click
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
        ["run", "in.jsonl", "--file-mode", "999"],
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


def _leaves(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _leaves(command, (*path, name))
        else:
            found.append(((*path, name), command))
    return found


@pytest.mark.parametrize("path", [p for p, _ in _leaves(cli)], ids=" ".join)
def test_every_option_is_described(path: tuple[str, ...]) -> None:
    command = dict(_leaves(cli))[path]
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"{' '.join(path)} {param.opts[0]} has no help"
    for param in cli.params:
        assert not isinstance(param, click.Option) or param.help, param.opts


def test_help_shows_statuses_in_capitals_and_the_range_of_timeout_hours() -> None:
    shown = CliRunner().invoke(cli, ["jobs", "ls", "--help"], terminal_width=200).output
    assert (
        "[QUEUED|RUNNING|SUCCESS|FAILED|TIMEOUT_EXCEEDED|CANCELLATION_REQUESTED|CANCELLED]" in shown
    )
    for command in (["run"], ["jobs", "create"]):
        shown = CliRunner().invoke(cli, [*command, "--help"], terminal_width=200).output
        assert "--timeout-hours 1-168" in shown


def test_the_global_options_are_said_to_work_after_the_command_too() -> None:
    shown = CliRunner().invoke(cli, ["--help"]).output
    assert "may also come after the command" in shown


@pytest.mark.parametrize(
    "args",
    [
        ["run", "in.jsonl", "-m", "m", "--timeout-hours", "169"],
        ["jobs", "create", "--input-file", "f", "-m", "m", "--timeout-hours", "169"],
        ["files", "url", "x", "--expiry", "169"],
        ["files", "ls", "--page", "-1"],
        ["files", "ls", "--server-url", "api.mistral.ai"],
        ["--server-url", "ftp://api.mistral.ai", "jobs", "ls"],
        ["jobs", "ls", "--max-retries", "-1"],
    ],
)
def test_more_bad_options_are_usage_errors(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args, env={"MISTRAL_API_KEY": "k" * 20})
    assert result.exit_code == _codes.USAGE, result.output
