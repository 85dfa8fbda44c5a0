"""The optional dependencies (pyarrow, pandas, polars), imported only by the calls that
need them, so that importing mistral_batch imports none of them."""

from __future__ import annotations

import importlib
from typing import Any

from .errors import MissingDependencyError

__all__ = ["require"]


def require(module: str, purpose: str, install: str = "mistral-batch[tables]") -> Any:
    """The module `module`, imported; MissingDependencyError saying what to install when
    it is not there (`purpose` says what needed it)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        raise MissingDependencyError(f"{purpose} needs {top}: pip install '{install}'") from exc
