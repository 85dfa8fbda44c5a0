"""Ctrl-C at any instant ends the command with exit code 130 and no traceback.

The first Ctrl-C raises KeyboardInterrupt where the command is, so that it can say what
became of the job; a second one, while that is being said or cleaned up, ends the
process at once. Kept free of click and rich: it also guards their import.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

#: The exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130


@contextlib.contextmanager
def exit_on_interrupt() -> Iterator[None]:
    """Turn a Ctrl-C inside the block into exit 130 with one line, not a traceback."""
    try:
        yield
    except KeyboardInterrupt:
        sys.stderr.write("\nerror: interrupted\n")
        sys.exit(INTERRUPTED)


def _second_interrupt(signum: int, frame: FrameType | None) -> None:
    # Already reporting the first one: stop here, without a traceback or a half line.
    with contextlib.suppress(OSError):
        os.write(2, b"\nerror: interrupted again\n")
    os._exit(INTERRUPTED)


def _first_interrupt(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGINT, _second_interrupt)
    raise KeyboardInterrupt


@contextlib.contextmanager
def first_interrupt_raises() -> Iterator[None]:
    """Within the block, the first Ctrl-C raises KeyboardInterrupt, a second one exits 130."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    if not in_main_thread or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        # Not ours to change: an embedding program or a test runner chose its own.
        with exit_on_interrupt():
            yield
        return
    previous = signal.signal(signal.SIGINT, _first_interrupt)
    try:
        with exit_on_interrupt():
            yield
    finally:
        signal.signal(signal.SIGINT, previous)
