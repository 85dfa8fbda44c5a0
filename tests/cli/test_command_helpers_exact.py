"""The small rules behind the commands: a job's exit code, a result's short answer, a
key's checks, and where a download may write."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from mistral_batch import BatchResult
from mistral_batch.cli import _codes
from mistral_batch.cli._app import CommandError
from mistral_batch.cli._files import download_target
from mistral_batch.cli._jobs import _answer
from mistral_batch.cli._keys import KeySourceError, read_key_stdin


def result(body: Any, error: Any = None) -> BatchResult:
    return BatchResult(
        id="batch-1",
        custom_id="c1",
        status_code=200,
        body=body,
        error=error,
        line=1,
        raw={},
    )


def test_a_job_not_yet_final_exits_with_the_general_error_code() -> None:
    assert _codes.for_status("RUNNING") == _codes.ERROR == 1
    assert _codes.for_status("SUCCESS") == _codes.OK
    assert _codes.for_status("TIMEOUT_EXCEEDED") == _codes.JOB_TIMED_OUT


def test_the_answer_of_a_completion_is_its_first_choices_content() -> None:
    body = {
        "choices": [{"message": {"content": "  Paris,\n  France "}}],
        "object": "chat.completion",
    }
    assert _answer(result(body)) == "Paris, France"


def test_an_empty_or_odd_list_of_choices_falls_back_to_the_bodys_message() -> None:
    assert _answer(result({"choices": [], "message": "no choices"})) == "no choices"
    assert _answer(result({"choices": ["text"], "detail": "odd choices"})) == "odd choices"


def test_a_body_with_only_an_object_type_shows_that_type() -> None:
    assert _answer(result({"object": "error"})) == "error"
    assert _answer(result({"detail": "", "object": "error"})) == "error"


def test_without_any_text_the_answer_is_the_lines_error_or_a_dash() -> None:
    assert _answer(result({}, error="timed out")) == "timed out"
    assert _answer(result(None)) == "-"


def test_an_answer_of_80_characters_is_kept_whole_and_a_longer_one_is_cut() -> None:
    eighty = "a" * 80
    assert _answer(result({"message": eighty})) == eighty
    assert _answer(result({"message": "b" * 81})) == "b" * 79 + "\u2026"


def test_a_key_holding_capital_x_is_a_key_like_any_other() -> None:
    assert read_key_stdin(io.StringIO("sk-XXabcX0123\n")) == "sk-XXabcX0123"
    with pytest.raises(KeySourceError, match=r"^standard input holds no API key$"):
        read_key_stdin(io.StringIO("\n"))


def test_a_download_named_by_the_server_that_could_escape_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as raised:
        download_target("../x", None, force=False)
    assert str(raised.value) == (
        "the file's name '../x' could pick a hidden file or another folder;"
        " pass --output to name the target"
    )
    assert raised.value.code == _codes.USAGE
    for name in ("", ".bashrc", "a/b", "a\\b", "a\nb", "a\x7fb"):
        with pytest.raises(CommandError):
            download_target(name, None, force=False)
    target = tmp_path / "out.jsonl"
    assert download_target("ignored/../name", target, force=False) == target
