"""`mistral-batch emulator`: run the local emulator of the Files and Batch API."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ._app import CommandError
from ._params import F


def _a_number(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """Refuse nan, which click's ranges let through."""
    if math.isnan(value):
        raise click.BadParameter("nan is not a number.")
    return value


def _limit(
    name: str, kind: click.IntRange | click.FloatRange, default: float, help: str
) -> Callable[[F], F]:
    """An option of one of the limits the emulator plays (a number; nan refused)."""
    return click.option(
        name, type=kind, default=default, show_default=True, callback=_a_number, help=help
    )


@click.command("emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Keep files and jobs here across restarts [default: a temporary folder].",
)
@click.option(
    "--api-key",
    "api_keys",
    multiple=True,
    metavar="KEY",
    help="An accepted key, one workspace each (repeatable) [default: one random key].",
)
@click.option(
    "--requests-per-second",
    type=click.FloatRange(0, min_open=True),
    help="How many requests a second jobs run [default: as fast as it can].",
)
@click.option(
    "--queue-delay", type=click.FloatRange(0), default=0.0, help="Seconds a job stays QUEUED."
)
@click.option(
    "--hour-seconds",
    type=click.FloatRange(0, min_open=True),
    default=3600.0,
    help="Real seconds in one API hour (for timeout_hours).",
)
@_limit(
    "--max-pending-requests",
    click.IntRange(1),
    1_000_000,
    "Unanswered requests a workspace's queued and running jobs may hold (Mistral's limit).",
)
@_limit(
    "--max-upload-bytes",
    click.IntRange(1),
    512 * 1024 * 1024,
    "Largest file an upload may send (Mistral's limit, 512 MiB).",
)
@_limit(
    "--fail-rate",
    click.FloatRange(0, 1),
    0.0,
    "Share of requests that jobs answer with a transient 503 (a retry draws again).",
)
def emulator(
    host: str,
    port: int,
    data_dir: Path | None,
    api_keys: tuple[str, ...],
    **settings: Any,
) -> None:
    """Serve a local emulator of Mistral's Files and Batch API until Ctrl-C.

    Prints its URL, and its key when it made one (keys given with --api-key are not
    echoed); point the client at it with
    MISTRAL_SERVER_URL=http://HOST:PORT and MISTRAL_API_KEY=KEY.
    """
    from mistral_batch_emulator import serve
    from mistral_batch_emulator._serve import describe_start_error

    try:
        # The settings go to the emulator as they are: the options bear their names.
        serve(host, port, data_dir, list(api_keys) or None, **settings)
    except (ImportError, OSError) as exc:
        raise CommandError(describe_start_error(exc)) from exc
