"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from mistral_batch.limits import MAX_TIMEOUT_HOURS

F = TypeVar("F", bound=Callable[..., Any])


def parse_metadata(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> dict[str, str]:
    """Turn repeated ``key=value`` options into a dict; a usage error for anything else."""
    metadata: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", ctx=ctx, param=param)
        metadata[key] = value
    return metadata


def _octal_mode(ctx: click.Context, param: click.Parameter, value: str) -> int:
    try:
        mode = int(value, 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o777:
        raise click.BadParameter(f"expected an octal mode such as 600 or 644, got {value!r}")
    return mode


def file_path_option(*decls: str, help: str) -> Callable[[F], F]:
    """An option naming a file (not a folder), as a Path."""
    return click.option(*decls, type=click.Path(path_type=Path, dir_okay=False), help=help)


def give_up_option(name: str, help: str) -> Callable[[F], F]:
    """An option of SECONDS after which a command stops waiting for a job."""
    return click.option(name, type=click.FloatRange(0), metavar="SECONDS", help=help)


#: ``--metadata KEY=VALUE``, repeatable, as a dict.
metadata_option = click.option(
    "--metadata",
    multiple=True,
    metavar="KEY=VALUE",
    callback=parse_metadata,
    help="Job metadata (repeatable).",
)

#: ``--timeout-hours 1-168``: the job's lifetime, checked as Mistral checks it.
timeout_hours_option = click.option(
    "--timeout-hours",
    type=click.IntRange(1, MAX_TIMEOUT_HOURS),
    metavar=f"1-{MAX_TIMEOUT_HOURS}",
    help="Hours before the job times out [default: the server's, 24].",
)

#: ``--model``: the job's model, optional when each request names its own.
model_option = click.option(
    "--model",
    "-m",
    help="The model for every request whose body names none; without it, each request "
    "names its own.",
)

#: ``--endpoint``: the API every request of the job goes to.
endpoint_option = click.option(
    "--endpoint",
    default="/v1/chat/completions",
    show_default=True,
    help="The API each request goes to, e.g. /v1/embeddings.",
)


def count_option(
    name: str, default: int, help: str, low: int = 0, high: int | None = None
) -> Callable[[F], F]:
    """An option of a whole number N from `low` (to `high`), with its default shown."""
    kind = click.IntRange(low, high)
    return click.option(name, type=kind, default=default, show_default=True, metavar="N", help=help)


#: ``--page N``: the first page of a listing to show (0-based); later pages follow.
page_option = count_option(
    "--page", 0, "Start at page N (0 is the first; pages of 100), then walk on."
)

#: ``--file-mode 600``: the mode of the files a command writes, as an int.
file_mode_option = click.option(
    "--file-mode",
    default="600",
    show_default=True,
    metavar="OCTAL",
    callback=_octal_mode,
    help="Mode of the files written, less the umask (600: yours alone; 644: all may read).",
)

#: ``--json``: one JSON document on stdout instead of a table.
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
