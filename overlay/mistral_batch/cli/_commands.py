"""The `mistral-batch` group with every command attached (needs click and rich)."""

from __future__ import annotations

from collections.abc import Sequence

import click

from ._app import cli
from ._demo import demo
from ._emulator import emulator
from ._files import files
from ._globals import accept_after_commands
from ._jobs import jobs
from ._run import run

__all__ = ["cli", "run_command"]

for _command in (run, files, jobs, emulator, demo):
    cli.add_command(_command)
accept_after_commands(cli, skip=("emulator",))


def run_command(group: click.Group, argv: Sequence[str] | None) -> int:
    """Run `group` on `argv` and return its exit code; Ctrl-C at any step gives 130."""
    try:
        code = group.main(
            args=None if argv is None else list(argv),
            prog_name="mistral-batch",
            standalone_mode=False,
        )
    except click.exceptions.Abort as exc:
        # click turns a Ctrl-C during parsing or teardown into Abort ("Aborted!", exit 1).
        if isinstance(exc.__cause__, KeyboardInterrupt):
            raise exc.__cause__ from None
        click.echo("Aborted!", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return code if isinstance(code, int) else 0
