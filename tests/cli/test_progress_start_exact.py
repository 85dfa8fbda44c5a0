"""What a job's bar shows the moment it starts, before the first poll, and what the
output keeps and prints: the secrets it is given, long lines on a terminal."""

from __future__ import annotations

import io

import pytest
from cli_helpers import drawing_output

from mistral_batch.cli._output import Output
from mistral_batch.cli._progress import JobMonitor


def on_a_terminal() -> tuple[Output, io.StringIO]:
    """An output that draws bars, to a plain console without colours; and what it drew."""
    return drawing_output(width=100, color_system=None, no_color=True)


def test_a_bar_before_the_first_poll_shows_no_status_counts_rate_or_time_left() -> None:
    out, drawn = on_a_terminal()
    with JobMonitor(out):
        pass
    # The bar of an unknown total pulses; the rest of the line is empty.
    assert drawn.getvalue().replace("━", " ") == " " * 45 + "\n"


def test_the_secrets_given_are_the_ones_redacted_and_kept() -> None:
    secrets = ["secret-key-0123456789"]
    out = Output(secrets=secrets)
    assert out.clean("key secret-key-0123456789 used") == "key [REDACTED] used"
    out.secrets.append("another-key-0123456789")
    assert secrets == ["secret-key-0123456789", "another-key-0123456789"]


def test_a_long_line_is_not_folded_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("COLUMNS", "20")
    out = Output()
    assert out.stdout.is_terminal
    out.line("file-1 file-2 file-3 file-4 file-5")
    assert capsys.readouterr().out == "file-1 file-2 file-3 file-4 file-5\n"
