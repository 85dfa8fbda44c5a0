"""The `mistral-batch` command: batch jobs, files and a local emulator from a shell.

    mistral-batch run requests.jsonl --model mistral-small-latest --output results.jsonl
    mistral-batch files ls --json
    mistral-batch jobs wait JOB_ID
    mistral-batch emulator --port 8000
    mistral-batch demo

Global options come before the command: ``--api-key`` (or MISTRAL_API_KEY),
``--server-url`` (or MISTRAL_SERVER_URL), ``--emulator``, ``-v``/``-vv``,
``--no-progress``, ``--max-retries``. Errors are one line on stderr (a traceback only
with ``-v``); the API key never appears in output, logs or state files.

Exit codes (also in ``mistral-batch run --help``)::

  0    the job ended SUCCESS (or the command did what it was asked)
  1    an API error not listed here, or an unexpected error
  2    usage error: a bad option or argument
  3    bad input: a local check failed (line number on stderr); nothing was sent
  4    authentication: the API key is missing, wrong or not allowed (401, 403)
  5    network: no answer from the server (refused, DNS, TLS, timeout)
  6    the job ended FAILED
  7    the job ended CANCELLED
  8    the job ended TIMEOUT_EXCEEDED (its timeout_hours ran out)
  9    gave up waiting (--wait-timeout); the job keeps running
  130  interrupted (Ctrl-C); the job keeps running unless --cancel-on-interrupt

Needs the ``cli`` extra (click, rich); ``emulator`` and ``demo`` without a key also
need the ``emulator`` extra.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._app import cli
from ._demo import demo
from ._emulator import emulator
from ._files import files
from ._jobs import jobs
from ._run import run

__all__ = ["cli", "main"]

for _command in (run, files, jobs, emulator, demo):
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line (``argv`` defaults to sys.argv[1:]) and exit with its code."""
    cli.main(args=None if argv is None else list(argv), prog_name="mistral-batch")
