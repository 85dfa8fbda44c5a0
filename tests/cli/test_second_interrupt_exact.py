"""A second Ctrl-C, while the first is being reported: one line on stderr, exit 130."""

from __future__ import annotations

import os
import signal

import pytest

from mistral_batch.cli._interrupt import _second_interrupt


def test_a_second_ctrl_c_says_so_and_ends_the_process_with_130(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """The handler writes its line straight to fd 2, then ends the process with 130."""

    def end_process(code: int) -> None:
        raise SystemExit(code)

    monkeypatch.setattr(os, "_exit", end_process)
    with pytest.raises(SystemExit) as ended:
        _second_interrupt(signal.SIGINT, None)
    assert ended.value.code == 130
    assert capfd.readouterr() == ("", "\nerror: interrupted again\n")
