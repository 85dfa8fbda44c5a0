"""`run`'s options for data people: a table as INPUT (Parquet, CSV), its columns, a
schema for structured answers, Parquet as OUTPUT, and the prices of the tokens used."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from mistral_batch import BatchRun

from ._output import plural

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["TABLE_OUTPUTS", "data_options", "usage_json", "usage_lines"]

#: The suffixes of an --output written as a Parquet table rather than JSONL.
TABLE_OUTPUTS = (".parquet", ".pq")


def _prices(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, tuple[float, float]]:
    """``MODEL=IN,OUT`` (repeatable) as {MODEL: (IN, OUT)}, prices per million tokens."""
    prices = {}
    for value in values:
        model, _, pair = value.partition("=")
        try:
            price = tuple(float(p) for p in pair.split(","))
        except ValueError:
            price = ()
        if not model or len(price) != 2 or min(price) < 0:
            raise click.BadParameter(
                f"{value!r}: give MODEL=IN,OUT, the prices per million input and output"
                " tokens (two numbers at least 0)"
            )
        prices[model] = (price[0], price[1])
    return prices


def _schema(ctx: click.Context, param: click.Parameter, value: Path | None) -> Any:
    """The JSON document of a --response-format file."""
    if value is None:
        return None
    try:
        return json.loads(value.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.BadParameter(f"{value}: not a JSON file ({exc})") from None


_OPTIONS = [
    click.option("--prompt-column", help="A table's column of prompts (one user message each)."),
    click.option(
        "--messages-column", help="A table's column of messages (lists of role and content)."
    ),
    click.option(
        "--id-column", help="A table's column of custom_ids [default: custom_id, else the row]."
    ),
    click.option(
        "--body-column",
        "body_columns",
        multiple=True,
        help="A table's column to send as a body field of the same name (repeatable).",
    ),
    click.option("--system", help="A system message put before each row's prompt."),
    click.option(
        "--response-format",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        callback=_schema,
        help="A JSON schema (file) the answers must follow; parsed fields become columns.",
    ),
    click.option(
        "--price",
        "prices",
        multiple=True,
        metavar="MODEL=IN,OUT",
        callback=_prices,
        help="A model's prices per million input and output tokens, for the cost (repeatable).",
    ),
]


def data_options(command: F) -> F:
    """Add the options above to `command`."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def usage_lines(run: BatchRun, prices: dict[str, tuple[float, float]]) -> list[str]:
    """Per model, the tokens its answers used (and their cost when priced)."""
    lines = []
    for model, usage in run.usage(prices).items():
        if not usage.total_tokens:
            continue
        cost = "" if usage.cost is None else f", cost {usage.cost:,.6f}"
        lines.append(
            f"Tokens{f' on {model}' if model else ''}: {usage.prompt_tokens:,} prompt,"
            f" {usage.completion_tokens:,} completion over"
            f" {plural(usage.requests, 'answer')}{cost}"
        )
    return lines


def usage_json(run: BatchRun, prices: dict[str, tuple[float, float]]) -> dict[str, Any]:
    """Per model, its usage as a JSON object."""
    return {
        model: {**usage._asdict(), "total_tokens": usage.total_tokens}
        for model, usage in run.usage(prices).items()
    }
