"""The `mistral-batch` group: global options, the client it hands to commands, errors.

Every command gets an `App` (``@pass_app``) that builds the client on first use and,
with ``--emulator``, starts a local emulator for the length of the command. Errors end
the command with one line on stderr and the exit code of `_codes`; ``-v`` adds the
traceback.
"""

from __future__ import annotations

import functools
import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar, Unpack

import click

from mistral_batch import InsecureTransportError, Mistral, __version__

from . import _codes
from ._globals import GlobalOptions, global_options
from ._keys import FROM_STDIN, KeySourceError, read_key_file, read_key_stdin
from ._output import Output

if TYPE_CHECKING:
    from mistral_batch_emulator import Emulator

P = ParamSpec("P")
R = TypeVar("R")


class CommandError(Exception):
    """Ends a command with a message on stderr and a given exit code."""

    def __init__(self, message: str, code: int = _codes.ERROR) -> None:
        super().__init__(message)
        self.code = code


class App:
    """What the global options decided: the output, the client, an emulator if asked for."""

    def __init__(self, **options: Unpack[GlobalOptions]) -> None:
        self.allow_insecure_http = options.get("allow_insecure_http", False)
        self.server_url = options.get("server_url") or None
        self.use_emulator = options.get("use_emulator", False)
        self.verbose = options.get("verbose", 0)
        self.max_retries = options.get("max_retries")
        self.out = Output(progress=not options.get("no_progress", False))
        self.api_key: str | None = None
        self.set_key(options.get("api_key"), options.get("api_key_file"))
        self.emulator: Emulator | None = None
        self._client: Mistral | None = None
        self._logging = False

    def set_key(self, api_key: str | None, api_key_file: Path | None = None) -> None:
        """Take the key: from `api_key_file` if given, from stdin for ``-``, else as given."""
        try:
            if api_key_file is not None:
                api_key = read_key_file(api_key_file)
            elif api_key == FROM_STDIN:
                api_key = read_key_stdin()
        except KeySourceError as exc:
            raise CommandError(str(exc), _codes.AUTH) from None
        # Surrounding whitespace (a pasted newline) would make a header no server accepts.
        self.api_key = (api_key or "").strip() or None
        if self.api_key:
            self.out.secrets.append(self.api_key)

    def override(self, name: str, value: Any) -> None:
        """Take a global option given after the command (it wins over the one before)."""
        if name == "api_key":
            self.set_key(value)
        elif name == "api_key_file":
            self.set_key(None, value)
        elif name == "verbose":
            self.verbose += value
            self.setup_logging()
        elif name == "no_progress":
            self.out.progress = self.out.progress and not value
        elif name in ("server_url", "use_emulator", "max_retries", "allow_insecure_http"):
            setattr(self, name, value)
        else:
            raise AssertionError(f"not a global option: {name}")

    def setup_logging(self) -> None:
        """Send the log to stderr, redacted, once -v asks for it."""
        if self.verbose:
            _setup_logging(self, first=not self._logging)
            self._logging = True

    def start_emulator(self, requests_per_second: float | None = None, why: str = "") -> Emulator:
        """Start an in-process emulator (once) and say so, in one line on stderr."""
        if self.emulator is None:
            from mistral_batch_emulator import Emulator
            from mistral_batch_emulator._serve import describe_start_error

            try:
                self.emulator = Emulator(requests_per_second=requests_per_second).start()
            except (ImportError, OSError) as exc:
                raise CommandError(describe_start_error(exc)) from exc
            self.out.secrets.append(self.emulator.api_key)
            self.out.note(
                f"{why}Using a local emulator at {self.emulator.url}: no key, no network."
            )
        return self.emulator

    def client(self) -> Mistral:
        """The client for this command, built on first use."""
        if self._client is None:
            url: str | None
            if self.use_emulator:
                emulator = self.start_emulator()
                key, url = emulator.api_key, emulator.url
            elif self.api_key is None:
                raise CommandError("no API key: pass --api-key or set MISTRAL_API_KEY", _codes.AUTH)
            else:
                key, url = self.api_key, self.server_url
            self._client = Mistral(
                api_key=key,
                server_url=url,
                max_retries=self.max_retries,
                allow_insecure_http=self.allow_insecure_http,
            )
        return self._client

    def close(self) -> None:
        """Close the client and stop the emulator."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None

    def fail(self, error: BaseException) -> int:
        """Report `error` on stderr (traceback with -v) and return its exit code."""
        if isinstance(error, CommandError):
            code = error.code
            self.out.error(str(error))
        elif isinstance(error, KeyboardInterrupt):
            code = _codes.INTERRUPTED
            self.out.error("interrupted")
        else:
            code = _codes.for_error(error)
            self.out.error(_describe(error, self))
        if self.verbose:
            text = "".join(traceback.format_exception(error))
            sys.stderr.write(self.out.clean(text))
        return code


def _describe(error: BaseException, app: App) -> str:
    text = str(error) or type(error).__name__
    code = _codes.for_error(error)
    if code == _codes.AUTH and not isinstance(error, CommandError):
        return f"{text} (check --api-key or MISTRAL_API_KEY)"
    if code == _codes.NETWORK:
        target = app.emulator.url if app.emulator else app.server_url or "the API"
        return f"cannot reach {target}: {text}"
    if isinstance(error, InsecureTransportError):
        return text.replace("pass allow_insecure_http=True", "pass --allow-insecure-http")
    if isinstance(error, OSError | click.FileError):
        return text
    if code == _codes.ERROR and not _is_ours(error):
        return f"{type(error).__name__}: {text}"
    return text


def _is_ours(error: BaseException) -> bool:
    return type(error).__module__.startswith("mistral_batch")


class _RedactingFormatter(logging.Formatter):
    def __init__(self, out: Output) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")
        self._out = out

    def format(self, record: logging.LogRecord) -> str:
        return self._out.clean(super().format(record))


def _setup_logging(app: App, first: bool) -> None:
    if first:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_RedactingFormatter(app.out))
        logging.getLogger().addHandler(handler)
    level = logging.DEBUG if app.verbose >= 2 else logging.INFO
    # -v: this client's log only; -vv: every library's, httpx included.
    logging.getLogger().setLevel(level if app.verbose >= 2 else logging.WARNING)
    logging.getLogger("mistral_batch").setLevel(level)


class Group(click.Group):
    """A click group whose commands end with an exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; turn errors and Ctrl-C into a line on stderr and an exit code."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except (Exception, KeyboardInterrupt) as error:
            app = ctx.obj if isinstance(ctx.obj, App) else App()
            raise click.exceptions.Exit(app.fail(error)) from None


def pass_app(f: Callable[Concatenate[App, P], R]) -> Callable[P, R]:
    """Pass the App of the current command as the first argument."""

    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return f(click.get_current_context().find_object(App) or App(), *args, **kwargs)

    return functools.update_wrapper(wrapper, f)


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=Group, context_settings=CONTEXT)
@global_options
@click.version_option(__version__, prog_name="mistral-batch")
@click.pass_context
def cli(ctx: click.Context, **options: Unpack[GlobalOptions]) -> None:
    """Run batch jobs on Mistral AI, and manage their files and jobs.

    \b
    mistral-batch run requests.jsonl --model mistral-small-latest
    mistral-batch jobs ls --status RUNNING
    mistral-batch demo                  # against a local emulator without a key

    The options below may also come after the command.
    """
    given = ctx.get_parameter_source("api_key") is click.core.ParameterSource.COMMANDLINE
    if options.get("api_key_file") is not None and given:
        raise click.UsageError("pass --api-key or --api-key-file, not both")
    app = App(**options)
    ctx.obj = app
    ctx.call_on_close(app.close)
    app.setup_logging()
