"""Where the command takes the API key from, besides --api-key: a file, or standard input.

``--api-key KEY`` shows the key to every user of the machine (in ``ps``), so the key can
also come from ``--api-key-file PATH``, a file only its owner may read (as ssh demands
of a private key), or from standard input with ``--api-key -`` (piped, or typed without
echo at a terminal). Whitespace around the key, such as a file's last newline, is
dropped.
"""

from __future__ import annotations

import getpass
import os
import stat
import sys
from pathlib import Path
from typing import TextIO

#: ``--api-key -``: read the key from standard input.
FROM_STDIN = "-"


class KeySourceError(Exception):
    """Raised when the key cannot be taken from where the user said it is."""


def read_key_file(path: Path) -> str:
    """The key held in `path`; KeySourceError when others may read it, or it holds no key."""
    try:
        mode = path.stat().st_mode
        if os.name == "posix" and mode & 0o077:
            raise KeySourceError(
                f"{path} can be read or changed by other users (mode {stat.filemode(mode)});"
                f" make it yours alone: chmod 600 {path}"
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise KeySourceError(f"cannot read the key file {path}: {reason}") from None
    return _one_key(text, str(path))


def read_key_stdin(stream: TextIO | None = None) -> str:
    """The key on standard input: its first line, or typed without echo at a terminal."""
    stream = stream or sys.stdin
    if stream.isatty():
        # The prompt goes to the terminal the key is typed on, whatever stderr is.
        return _one_key(getpass.getpass("API key: "), "the key typed")
    return _one_key(stream.readline(), "standard input")


def _one_key(text: str, where: str) -> str:
    key = text.strip()
    if not key:
        raise KeySourceError(f"{where} holds no API key")
    if any(c in key for c in "\r\n"):
        raise KeySourceError(f"{where} holds more than one line; put the key alone in it")
    return key
