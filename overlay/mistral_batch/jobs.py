"""The batch jobs resource, sync and async (see _async/_jobs.py, the source of both)."""

from ._async._jobs import AsyncJobs
from ._sync._jobs import Jobs

__all__ = ["AsyncJobs", "Jobs"]
