"""The global options, defined once: taken before the command, and after it too.

``mistral-batch --no-progress run in.jsonl`` and ``mistral-batch run in.jsonl
--no-progress`` mean the same. The group reads them (with their environment
variables); every command gets a hidden copy of each that it does not define itself,
and a value given there, on the command line, overrides the group's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypedDict, TypeVar

import click

from mistral_batch import RetryPolicy
from mistral_batch.errors import InputError

F = TypeVar("F", bound=Callable[..., Any])


def _server_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Check --server-url as soon as it is read, so that a bad one is a usage error."""
    if not value:
        return None
    from mistral_batch import parse_server_url

    try:
        parse_server_url(value)
    except InputError as exc:
        raise click.BadParameter(str(exc).removeprefix("server_url "), ctx, param) from None
    return value


#: Each global option: its declarations and settings (without the environment variable).
GLOBAL_OPTIONS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (
        ("--api-key",),
        {"metavar": "KEY", "help": "Mistral API key; - reads it from standard input."},
    ),
    (
        ("--api-key-file",),
        {
            "type": click.Path(path_type=Path, dir_okay=False),
            "metavar": "FILE",
            "help": "Read the API key from FILE, which only you may read (chmod 600).",
        },
    ),
    (
        ("--server-url",),
        {
            "metavar": "URL",
            "callback": _server_url,
            "help": "API base URL, without /v1 [default: https://api.mistral.ai].",
        },
    ),
    (
        ("--emulator", "use_emulator"),
        {
            "is_flag": True,
            "help": "Start a local emulator for this command and talk to it (no key, no network).",
        },
    ),
    (("-v", "--verbose"), {"count": True, "help": "Log what happens (-vv: debug, HTTP too)."}),
    (("--no-progress",), {"is_flag": True, "help": "No progress bars (off anyway without a tty)."}),
    (
        ("--max-retries",),
        {
            "type": click.IntRange(0),
            "metavar": "N",
            "help": f"Retries of a failed request [default: {RetryPolicy().max_attempts - 1}].",
        },
    ),
    (
        ("--allow-insecure-http",),
        {
            "is_flag": True,
            "help": "Allow plain http to a host that is not this machine (the key goes in clear).",
        },
    ),
]

_ENVVARS = {"--api-key": "MISTRAL_API_KEY", "--server-url": "MISTRAL_SERVER_URL"}


class GlobalOptions(TypedDict, total=False):
    """The values of the global options, by the names the group's callback gets them."""

    api_key: str | None
    api_key_file: Path | None
    server_url: str | None
    use_emulator: bool
    verbose: int
    no_progress: bool
    max_retries: int | None
    allow_insecure_http: bool


def global_options(f: F) -> F:
    """Decorate the group with every global option, environment variables included."""
    for decls, settings in reversed(GLOBAL_OPTIONS):
        envvar = _ENVVARS.get(decls[0])
        extra: dict[str, Any] = {"envvar": envvar, "show_envvar": True} if envvar else {}
        f = click.option(*decls, **settings, **extra)(f)
    return f


def _given_after(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Hand a global option given after the command to the App (see `App.override`)."""
    from ._app import App

    if (
        param.name
        and ctx.get_parameter_source(param.name) is click.core.ParameterSource.COMMANDLINE
    ):
        app = ctx.find_object(App)
        if app is not None:
            app.override(param.name, value)
    return value


def _copies(taken: set[str]) -> Iterable[click.Option]:
    for decls, settings in GLOBAL_OPTIONS:
        option = click.Option(list(decls), **settings)
        if taken & set(option.opts):
            continue
        check = settings.get("callback")

        def callback(
            ctx: click.Context, param: click.Parameter, value: Any, check: Any = check
        ) -> Any:
            return _given_after(ctx, param, check(ctx, param, value) if check else value)

        yield click.Option(
            list(decls), **{**settings, "callback": callback}, expose_value=False, hidden=True
        )


def accept_after_commands(group: click.Group, skip: Iterable[str] = ()) -> None:
    """Give every command under `group` (but those in `skip`), and every group between,
    the global options too."""
    for name, command in group.commands.items():
        if name in skip:
            continue
        taken = {opt for param in command.params for opt in getattr(param, "opts", ())}
        command.params.extend(_copies(taken))
        if isinstance(command, click.Group):
            accept_after_commands(command)
