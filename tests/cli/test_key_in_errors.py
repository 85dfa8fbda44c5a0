"""The command's own error line never prints the key, even when the error's text holds it.

The client redacts the key from the errors it raises; these are errors it never saw or
never redacted: a key typed where a path was expected (the error names the path), a key
with a character no header may carry, and any error at all that quotes the key, with
and without -v (which adds the traceback).
"""

from __future__ import annotations

import pytest
from cli_helpers import API_KEY, CLI

from mistral_batch.cli._app import App, CommandError


@pytest.mark.parametrize("verbose", [[], ["-v"]], ids=["plain", "verbose"])
@pytest.mark.parametrize(
    "args",
    [["files", "upload", API_KEY], ["run", API_KEY, "--model", "mistral-small-latest"]],
    ids=["files-upload", "run"],
)
def test_a_key_given_as_a_path_is_redacted_from_the_error_line(
    cli: CLI, args: list[str], verbose: list[str]
) -> None:
    done = cli(*verbose, *args)
    assert done.returncode != 0
    assert "error: [REDACTED]: no such file" in done.stderr
    assert API_KEY not in done.stderr + done.stdout


def test_a_key_with_a_character_no_header_may_carry_is_not_printed(cli: CLI) -> None:
    bad = API_KEY + "\u00e9"
    done = cli("files", "ls", MISTRAL_API_KEY=bad)
    assert done.returncode != 0
    assert "U+00E9" in done.stderr, done.stderr
    # Not the key, nor the part of it before the bad character.
    assert API_KEY not in done.stderr + done.stdout


@pytest.mark.parametrize("verbose", [0, 1], ids=["plain", "verbose"])
@pytest.mark.parametrize(
    "error",
    [
        RuntimeError(f"a library quoted the header: Bearer {API_KEY}"),
        CommandError(f"cannot use {API_KEY}"),
        OSError(f"no such file: {API_KEY}"),
    ],
    ids=["foreign", "command", "os"],
)
def test_the_error_line_and_traceback_redact_the_key(
    capsys: pytest.CaptureFixture[str], error: BaseException, verbose: int
) -> None:
    app = App(api_key=f"  {API_KEY}\n", verbose=verbose)
    app.fail(error)
    out = capsys.readouterr()
    assert "[REDACTED]" in out.err
    assert API_KEY not in out.err + out.out
    assert out.err.startswith("error: ")
