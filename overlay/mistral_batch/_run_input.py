"""What a run takes as its requests: a JSONL path, or the requests themselves."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["Requests", "is_path"]

#: What `run` takes as requests: a JSONL path, or dicts / (custom_id, body) pairs.
Requests = str | os.PathLike[str] | Iterable[Mapping[str, Any] | tuple[str, Mapping[str, Any]]]


def is_path(requests: Any) -> bool:
    """True when `requests` names a file rather than holding requests."""
    return isinstance(requests, (str, os.PathLike))
