"""The command's help, usage errors, exit codes and global options, to the character,
in process: the help of a command (its text, N and SECONDS, defaults, no global
options), a bad --server-url, a folder where a file is expected, "Aborted!", and what
the global options given before the command make of the App."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mistral_batch.cli import cli
from mistral_batch.cli._app import App, pass_app
from mistral_batch.cli._commands import run_command


@pytest.fixture(autouse=True)
def no_mistral_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    monkeypatch.delenv("MISTRAL_SERVER_URL", raising=False)


def help_of(*command: str) -> str:
    result = CliRunner().invoke(
        cli, [*command, "--help"], prog_name="mistral-batch", terminal_width=80
    )
    assert result.exit_code == 0
    return result.output


def test_a_commands_help_shows_its_text_and_not_the_global_options() -> None:
    assert help_of("jobs", "rm") == (
        "Usage: mistral-batch jobs rm [OPTIONS] JOB_ID\n"
        "\n"
        "  Delete a finished job.\n"
        "\n"
        "Options:\n"
        "  --json      Print JSON for scripts.\n"
        "  -h, --help  Show this message and exit.\n"
    )


def test_a_count_shows_n_and_its_default() -> None:
    assert help_of("files", "ls") == (
        "Usage: mistral-batch files ls [OPTIONS]\n"
        "\n"
        "  List every file, all pages (from --page on).\n"
        "\n"
        "Options:\n"
        "  --purpose TEXT      Only files for this purpose.\n"
        "  --search TEXT       Only files whose name contains this.\n"
        "  --source TEXT       upload, repository or mistral (repeatable).\n"
        "  --sample-type TEXT  e.g. batch_result (repeatable).\n"
        "  --page N            Start at page N (0 is the first; pages of 100), then walk\n"
        "                      on.  [default: 0; x>=0]\n"
        "  --json              Print JSON for scripts.\n"
        "  -h, --help          Show this message and exit.\n"
    )


def test_a_time_to_give_up_shows_seconds() -> None:
    assert help_of("jobs", "wait") == (
        "Usage: mistral-batch jobs wait [OPTIONS] JOB_ID\n"
        "\n"
        "  Wait for a job to end, with its progress; the exit code says how it ended (see\n"
        "  run).\n"
        "\n"
        "Options:\n"
        "  --timeout SECONDS  Give up after SECONDS (exit 9); the job keeps running.\n"
        "                     [x>=0]\n"
        "  --json             Print JSON for scripts.\n"
        "  -h, --help         Show this message and exit.\n"
    )


@pytest.mark.parametrize(
    ("args", "usage", "option"),
    [
        (["jobs", "results", "job-1", "-o"], "jobs results [OPTIONS] JOB_ID", "'--output' / '-o'"),
        (
            ["files", "download", "file-1", "--output"],
            "files download [OPTIONS] FILE_ID",
            "'--output' / '-o'",
        ),
        (["run", "in.jsonl", "--state"], "run [OPTIONS] INPUT", "'--state'"),
    ],
)
def test_a_folder_where_a_file_is_expected_is_a_usage_error(
    tmp_path: Path, args: list[str], usage: str, option: str
) -> None:
    result = CliRunner().invoke(
        cli,
        [*args, str(tmp_path)],
        prog_name="mistral-batch",
        env={"MISTRAL_API_KEY": "k" * 20, "MISTRAL_SERVER_URL": "http://127.0.0.1:1"},
    )
    command = usage.split(" [")[0]
    assert result.exit_code == 2
    assert result.output == (
        f"Usage: mistral-batch {usage}\n"
        f"Try 'mistral-batch {command} --help' for help.\n"
        "\n"
        f"Error: Invalid value for {option}: File '{tmp_path}' is a directory.\n"
    )


def test_a_bad_server_url_is_a_usage_error_with_exit_code_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_command(cli, ["--server-url", "ftp://api.mistral.ai", "jobs", "ls"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "Usage: mistral-batch [OPTIONS] COMMAND [ARGS]...\n"
        "Try 'mistral-batch --help' for help.\n"
        "\n"
        "Error: Invalid value for '--server-url' (env var: 'MISTRAL_SERVER_URL'):"
        " must be an http(s) URL such as https://api.mistral.ai\n"
    )


def test_help_ends_with_exit_code_0_and_prints_on_stdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_command(cli, ["jobs", "rm", "--help"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("Usage: mistral-batch jobs rm [OPTIONS] JOB_ID\n")
    assert captured.err == ""


def test_an_abort_says_aborted_on_stderr_and_ends_with_exit_code_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    @click.group()
    def group() -> None:
        pass

    @group.command()
    def stop() -> None:
        raise click.Abort()

    assert run_command(group, ["stop"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "Aborted!\n"


def test_a_command_gets_the_app_first_then_its_own_arguments() -> None:
    @pass_app
    def command(app: App, name: str, *, count: int) -> tuple[App, str, int]:
        return app, name, count

    with click.Context(cli) as ctx:
        ctx.obj = App()
        assert command("a", count=2) == (ctx.obj, "a", 2)


def test_a_command_keeps_its_name_and_text() -> None:
    def command(app: App) -> None:
        """Do the thing."""

    wrapped = pass_app(command)
    assert (wrapped.__name__, wrapped.__doc__) == ("command", "Do the thing.")


def test_without_verbose_the_app_is_quiet_and_counts_from_0() -> None:
    assert App().verbose == 0
    assert App(verbose=2).verbose == 2


def test_no_progress_before_the_command_turns_the_bars_off_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    assert App().out.progress is True
    assert App(no_progress=False).out.progress is True
    assert App(no_progress=True).out.progress is False
