"""`mistral-batch emulator`: run the local emulator of the Files and Batch API."""

from __future__ import annotations

import math
from pathlib import Path

import click

from ._app import CommandError


def _a_number(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """Refuse nan, which click's ranges let through."""
    if math.isnan(value):
        raise click.BadParameter("nan is not a number.")
    return value


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
@click.option(
    "--max-pending-requests",
    type=click.IntRange(1),
    default=1_000_000,
    show_default=True,
    help="Unanswered requests a workspace's queued and running jobs may hold (Mistral's limit).",
)
@click.option(
    "--max-upload-bytes",
    type=click.IntRange(1),
    default=512 * 1024 * 1024,
    show_default=True,
    help="Largest file an upload may send (Mistral's limit, 512 MiB).",
)
@click.option(
    "--fail-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    callback=_a_number,
    help="Share of requests that jobs answer with a transient 503 (a retry draws again).",
)
def emulator(
    host: str,
    port: int,
    data_dir: Path | None,
    api_keys: tuple[str, ...],
    requests_per_second: float | None,
    queue_delay: float,
    hour_seconds: float,
    max_pending_requests: int,
    max_upload_bytes: int,
    fail_rate: float,
) -> None:
    """Serve a local emulator of Mistral's Files and Batch API until Ctrl-C.

    Prints its URL, and its key when it made one (keys given with --api-key are not
    echoed); point the client at it with
    MISTRAL_SERVER_URL=http://HOST:PORT and MISTRAL_API_KEY=KEY.
    """
    from mistral_batch_emulator import serve
    from mistral_batch_emulator._serve import describe_start_error

    try:
        serve(
            host,
            port,
            data_dir,
            list(api_keys) or None,
            queue_delay=queue_delay,
            requests_per_second=requests_per_second,
            hour_seconds=hour_seconds,
            max_pending_requests=max_pending_requests,
            max_upload_bytes=max_upload_bytes,
            fail_rate=fail_rate,
        )
    except (ImportError, OSError) as exc:
        raise CommandError(describe_start_error(exc)) from exc
