"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

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


def metadata_option(f: F) -> F:
    """``--metadata KEY=VALUE``, repeatable, as a dict."""
    return click.option(
        "--metadata",
        multiple=True,
        metavar="KEY=VALUE",
        callback=parse_metadata,
        help="Job metadata (repeatable).",
    )(f)


def json_option(f: F) -> F:
    """``--json``: one JSON document on stdout instead of a table."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(f)
