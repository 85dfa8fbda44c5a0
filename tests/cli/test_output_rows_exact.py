"""What the command's output prints, to the character: a job's row, JSON indented by two,
a warning, stdout as wide as the terminal, and the notes' console leaving strings plain."""

from __future__ import annotations

import pytest
from cli_helpers import batch_job

from mistral_batch import BatchJob
from mistral_batch.cli._output import Output, job_row


def a_job() -> BatchJob:
    return batch_job(
        status="SUCCESS",
        input_files=["file-1"],
        created_at=1_700_000_000,
        total_requests=10,
        completed_requests=10,
        succeeded_requests=9,
        failed_requests=1,
        model="mistral-small-latest",
    )


def test_a_jobs_row_counts_its_requests_done_succeeded_and_failed() -> None:
    """The row holds the id, status, model, endpoint, done/total, ok, failed, created."""
    assert job_row(a_job()) == [
        "job-1",
        "SUCCESS",
        "mistral-small-latest",
        "/v1/chat/completions",
        "10/10",
        "9",
        "1",
        "2023-11-14 22:13:20",
    ]


def test_json_is_indented_by_two_spaces_and_keeps_accents(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One JSON document, two spaces a level, non-ASCII kept as it is, a final newline."""
    Output(progress=False).json({"id": "file-1", "name": "été.jsonl", "lines": [1, 2]})
    assert capsys.readouterr().out == (
        '{\n  "id": "file-1",\n  "name": "été.jsonl",\n  "lines": [\n    1,\n    2\n  ]\n}\n'
    )


def test_a_warning_is_one_line_on_stderr_after_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A warning says "warning: " then its text, on stderr only."""
    Output(progress=False).warn("3 requests were left out")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "warning: 3 requests were left out\n"


def test_on_a_terminal_stdout_is_as_wide_as_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal, tables fit its width; only a pipe gets the very wide console."""
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("COLUMNS", "90")
    stdout = Output(progress=False).stdout
    assert stdout.is_terminal is True
    assert stdout.width == 90


def test_through_a_pipe_stdout_is_1000_columns_wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a terminal, rows are not cut to the default 80 columns."""
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("COLUMNS", "90")
    stdout = Output(progress=False).stdout
    assert stdout.is_terminal is False
    assert stdout.width == 1000


def test_the_notes_console_leaves_a_plain_string_uncoloured_on_a_colour_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Text that reaches stderr as a string (as what is written during a bar does) keeps
    its numbers and words uncoloured, even where colours are on."""
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    stderr = Output(progress=False).stderr
    assert stderr.color_system is not None
    stderr.print("job-1: 3 of 5 requests done, True")
    assert capsys.readouterr().err == "job-1: 3 of 5 requests done, True\n"
