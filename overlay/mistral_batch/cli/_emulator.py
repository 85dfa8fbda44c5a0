"""`mistral-batch emulator`: run the local emulator of the Files and Batch API."""

from __future__ import annotations

from pathlib import Path

import click

from ._app import CommandError


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
def emulator(
    host: str,
    port: int,
    data_dir: Path | None,
    api_keys: tuple[str, ...],
    requests_per_second: float | None,
    queue_delay: float,
    hour_seconds: float,
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
        )
    except (ImportError, OSError) as exc:
        raise CommandError(describe_start_error(exc)) from exc
