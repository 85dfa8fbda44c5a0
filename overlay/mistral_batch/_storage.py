"""Paths that are URLs of object storage (``s3://``, ``gs://``, ``az://`` ...), by fsspec.

Where a run reads its input or a result is written, a URL works as a local path does,
when fsspec and the URL's backend (s3fs, gcsfs, adlfs) are installed: read as a stream,
and written all or nothing (to a temporary object beside the target, moved into place
once complete; removed otherwise). Local paths never import fsspec.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ._local_files import atomic_file
from ._optional import require
from .errors import InputError, MissingDependencyError

__all__ = ["atomic_output", "is_url", "local_only", "open_input", "url_size"]

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_EXTRA = "mistral-batch[storage]"
#: The bytes read from object storage at a time.
BLOCK = 8 * 1024 * 1024


def is_url(path: object) -> bool:
    """True for a string of the form SCHEME://..., which fsspec opens."""
    return isinstance(path, str) and _URL.match(path) is not None


def local_only(path: object, name: str) -> None:
    """InputError when `path`, given as `name`, is a URL: SQLite needs a local disk."""
    if is_url(path):
        raise InputError(
            f"{name} must be a local path (a SQLite database needs a local disk), not a URL",
            path=str(path),
            field=name,
        )


def _filesystem(url: str) -> tuple[Any, str]:
    """The fsspec file system of `url`, and the path within it."""
    scheme = url.split("://", 1)[0]
    fsspec = require("fsspec", f"a {scheme}:// URL", _EXTRA)
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except ImportError as exc:
        raise MissingDependencyError(f"a {scheme}:// URL needs its fsspec backend: {exc}") from exc
    except ValueError as exc:
        raise InputError(f"cannot open: {exc}", path=url) from exc
    return fs, path


def url_size(url: str) -> int:
    """The size of the object at `url`; InputError when there is none."""
    fs, path = _filesystem(url)
    try:
        return int(fs.size(path))
    except FileNotFoundError:
        raise InputError("no such object", path=url) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", path=url) from exc


@contextlib.contextmanager
def open_input(url: str) -> Iterator[IO[bytes]]:
    """The object at `url` opened for reading, as a stream read a block at a time."""
    fs, path = _filesystem(url)
    try:
        stream = fs.open(path, "rb", block_size=BLOCK)
    except FileNotFoundError:
        raise InputError("no such object", path=url) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", path=url) from exc
    # Buffered again, for readline(limit), which fsspec's files lack.
    with stream, io.BufferedReader(stream, buffer_size=BLOCK) as buffered:
        yield buffered


@contextlib.contextmanager
def atomic_output(
    path: str | os.PathLike[str], mode: int, *, make_parents: bool = True
) -> Iterator[IO[bytes]]:
    """A stream whose bytes become `path` only if the block ends without error: a local
    file (created with `mode`; see atomic_file) or an object (where modes do not apply)."""
    if not is_url(path):
        with atomic_file(Path(path), mode, make_parents=make_parents) as out:
            yield out
        return
    fs, target = _filesystem(str(path))
    temp = f"{target}.{secrets.token_hex(6)}.part"
    try:
        with fs.open(temp, "wb", block_size=BLOCK) as out:
            yield out
        fs.mv(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError, OSError):
            if fs.exists(temp):
                fs.rm(temp)
