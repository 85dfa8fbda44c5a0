"""The `mistral-batch` command: batch jobs, files and a local emulator from a shell.

    mistral-batch run requests.jsonl --model mistral-small-latest --output results.jsonl
    mistral-batch files ls --json
    mistral-batch jobs wait JOB_ID
    mistral-batch emulator --port 8000
    mistral-batch demo

Global options come before the command or after it: ``--api-key`` (or
MISTRAL_API_KEY; ``--api-key -`` reads standard input), ``--api-key-file``,
``--server-url`` (or MISTRAL_SERVER_URL), ``--emulator``, ``-v``/``-vv``,
``--no-progress``, ``--max-retries``. Errors are one line on stderr (a
traceback only with ``-v``); the API key never appears in output, logs or state files.

Exit codes (also in ``mistral-batch run --help``)::

{EXIT_CODES_TABLE}

Needs the ``cli`` extra (click, rich); ``emulator`` and ``demo`` without a key also
need the ``emulator`` extra.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ._codes import EXIT_CODES_TABLE
from ._interrupt import exit_on_interrupt, first_interrupt_raises

if __doc__:  # None under python -OO
    # The table is written once, in _codes, and shown by ``run --help`` too.
    __doc__ = __doc__.replace("{EXIT_CODES_TABLE}", EXIT_CODES_TABLE)

__all__ = ["cli", "main"]

#: What to say when the command's own dependencies are missing, in one line.
MISSING_EXTRA = "the mistral-batch command needs the 'cli' extra: pip install 'mistral-batch[cli]'"

with exit_on_interrupt():
    try:
        from ._commands import cli, run_command
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] not in ("click", "rich"):
            raise
        _missing: ImportError | None = exc
    else:
        _missing = None


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line (``argv`` defaults to sys.argv[1:]) and exit with its code."""
    if _missing is not None:
        sys.exit(f"error: {MISSING_EXTRA}")
    with first_interrupt_raises():
        sys.exit(run_command(cli, argv))
