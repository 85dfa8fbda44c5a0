"""mistral_batch: a client for Mistral AI's Files and Batch APIs.

from mistral_batch import Mistral

with Mistral() as client:                      # MISTRAL_API_KEY from the environment
    run = client.batch.run("requests.jsonl", model="mistral-small-latest")
    for result in run.results():
        print(result.custom_id, result.ok)
"""

__version__ = "0.1.0"

from ._backoff import Backoff
from ._batch_out import BatchError, BatchJobOut, BatchJobRequestCounts, BatchJobsOut
from ._client import AsyncMistral, Mistral
from ._create import CREATE_TOKEN_KEY
from ._download import AsyncDownload, Download
from ._input import InputSummary, check_input_file, write_requests
from ._pagination import AsyncPaginator, Page, SyncPaginator
from ._polling import UnknownStatusPolicy
from ._results_io import AsyncResultStream, ResultStream
from ._retry import RetryPolicy
from ._upload import File
from ._validation import validate_job_create
from .batch import BatchRun
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    IncompleteDownloadError,
    InputError,
    InsecureTransportError,
    MalformedResponseError,
    MistralBatchError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    ResultDecodeError,
    ServerError,
    UnexpectedStatusError,
    UnprocessableEntityError,
    UnsafeResponseError,
    WaitTimeoutError,
)
from .models import BatchJob, Deleted, FileObject, RequestCounts, SignedURL
from .results import BatchResult, pair_results

__all__ = [
    "CREATE_TOKEN_KEY",
    "ENDPOINTS",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncDownload",
    "AsyncMistral",
    "AsyncPaginator",
    "AsyncResultStream",
    "AuthenticationError",
    "Backoff",
    "BadRequestError",
    "BatchError",
    "BatchJob",
    "BatchJobOut",
    "BatchJobRequestCounts",
    "BatchJobsOut",
    "BatchResult",
    "BatchRun",
    "ConflictError",
    "Deleted",
    "Download",
    "File",
    "FileObject",
    "IncompleteDownloadError",
    "InputError",
    "InputSummary",
    "InsecureTransportError",
    "MalformedResponseError",
    "Mistral",
    "MistralBatchError",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestCounts",
    "RequestTooLargeError",
    "ResultDecodeError",
    "ResultStream",
    "RetryPolicy",
    "ServerError",
    "SignedURL",
    "SyncPaginator",
    "UnexpectedStatusError",
    "UnknownStatusPolicy",
    "UnprocessableEntityError",
    "UnsafeResponseError",
    "WaitTimeoutError",
    "__version__",
    "check_input_file",
    "pair_results",
    "validate_job_create",
    "write_requests",
]


def __getattr__(name: str) -> object:
    # ENDPOINTS comes from the generated enums, loaded on first use rather than on import.
    if name == "ENDPOINTS":
        from ._validation import ENDPOINTS

        return ENDPOINTS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
