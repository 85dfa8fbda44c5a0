"""The files resource, sync and async (see _async/_files.py, the source of both)."""

from ._async._files import AsyncFiles
from ._sync._files import Files

__all__ = ["AsyncFiles", "Files"]
