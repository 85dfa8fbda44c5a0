"""What a run takes as its requests: a checked JSONL file, given or written for it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ._input import check_input_file, write_requests

__all__ = ["Requests", "input_path", "is_path"]

#: What `run` takes as requests: a JSONL path, or dicts / (custom_id, body) pairs.
Requests = str | os.PathLike[str] | Iterable[Mapping[str, Any] | tuple[str, Mapping[str, Any]]]


def is_path(requests: Any) -> bool:
    """True when `requests` names a file rather than holding requests."""
    return isinstance(requests, (str, os.PathLike))


@contextlib.contextmanager
def input_path(requests: Requests) -> Iterator[Path]:
    """A checked JSONL file for `requests`: the given path, or a temporary one written
    from the requests. Raises InputError (naming the line) before anything is sent."""
    if is_path(requests):
        path = Path(requests)  # type: ignore[arg-type]
        check_input_file(path)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="mistral-batch-") as folder:
        path = Path(folder) / "input.jsonl"
        write_requests(requests, path)  # type: ignore[arg-type]
        yield path
