"""Files on the local disk: written all or nothing, with progress reported as they go."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

__all__ = ["PRIVATE_FILE_MODE", "Progress", "atomic_file"]

#: Called with (bytes so far, total bytes or None) while an upload or download goes on.
Progress = Callable[[int, int | None], None]

#: The mode of the files downloads create: results may hold personal data.
PRIVATE_FILE_MODE = 0o600


@contextlib.contextmanager
def atomic_file(path: Path, mode: int, *, make_parents: bool = True) -> Iterator[IO[bytes]]:
    """A file beside `path` that becomes `path` only if the block ends without error.

    It is created with `mode` (less the umask), which the rename keeps: not
    tempfile.mkstemp, whose 0600 would survive the rename whatever was asked.
    """
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
        with os.fdopen(fd, "wb") as out:
            yield out
        os.replace(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
