"""`client.batch`, sync and async (see _async/_batch.py, the source of both)."""

from ._async._batch import AsyncBatch, AsyncBatchRun
from ._sync._batch import Batch, BatchRun

__all__ = ["AsyncBatch", "AsyncBatchRun", "Batch", "BatchRun"]
