"""mistral_batch: a client for Mistral AI's Files and Batch APIs.

from mistral_batch import Mistral

with Mistral() as client:                      # MISTRAL_API_KEY from the environment
    run = client.batch.run("requests.jsonl", model="mistral-small-latest")
    for result in run.results():
        print(result.custom_id, result.ok)
"""

__version__ = "0.1.0"

# Read by type checkers only: at run time each name is imported on first use (see
# __getattr__), so that `import mistral_batch` costs nothing and a program loads only
# the parts it uses. A bare False, not typing.TYPE_CHECKING: importing typing is work.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._async._client import AsyncMistral
    from ._async._download import AsyncDownload
    from ._async._paginator import AsyncPaginator
    from ._async._results import AsyncResultStream
    from ._backoff import Backoff
    from ._batch_out import BatchError, BatchJobOut, BatchJobRequestCounts, BatchJobsOut
    from ._config import parse_server_url
    from ._create import CREATE_TOKEN_KEY
    from ._input import InputSummary, check_input_file, write_requests
    from ._pagination import Page
    from ._polling import UnknownStatusPolicy
    from ._retry import RetryPolicy
    from ._secrets import redact
    from ._status import JOB_STATUSES
    from ._sync._batch import BatchRun
    from ._sync._client import Mistral
    from ._sync._download import Download
    from ._sync._paginator import SyncPaginator
    from ._sync._results import ResultStream
    from ._upload import File
    from ._validation import ENDPOINTS, validate_job_create
    from ._workload import RunProgress
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
        StateError,
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
    "JOB_STATUSES",
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
    "RunProgress",
    "ServerError",
    "SignedURL",
    "StateError",
    "SyncPaginator",
    "UnexpectedStatusError",
    "UnknownStatusPolicy",
    "UnprocessableEntityError",
    "UnsafeResponseError",
    "WaitTimeoutError",
    "__version__",
    "check_input_file",
    "pair_results",
    "parse_server_url",
    "redact",
    "validate_job_create",
    "write_requests",
]

#: The modules whose names are public, as the import of every name once loaded them.
_PUBLIC_MODULES = frozenset(
    {"batch", "errors", "files", "jobs", "limits", "models", "results", "storage", "tables"}
)

#: The module each public name comes from.
_HOME: dict[str, str] = {
    "Backoff": "._backoff",
    "parse_server_url": "._config",
    "redact": "._secrets",
    "BatchError": "._batch_out",
    "BatchJobOut": "._batch_out",
    "BatchJobRequestCounts": "._batch_out",
    "BatchJobsOut": "._batch_out",
    "AsyncMistral": "._async._client",
    "Mistral": "._sync._client",
    "CREATE_TOKEN_KEY": "._create",
    "AsyncDownload": "._async._download",
    "Download": "._sync._download",
    "InputSummary": "._input",
    "check_input_file": "._input",
    "write_requests": "._input",
    "AsyncPaginator": "._async._paginator",
    "Page": "._pagination",
    "SyncPaginator": "._sync._paginator",
    "UnknownStatusPolicy": "._polling",
    "AsyncResultStream": "._async._results",
    "ResultStream": "._sync._results",
    "RetryPolicy": "._retry",
    "JOB_STATUSES": "._status",
    "File": "._upload",
    "ENDPOINTS": "._validation",
    "validate_job_create": "._validation",
    "BatchRun": "._sync._batch",
    "APIConnectionError": ".errors",
    "APIError": ".errors",
    "APITimeoutError": ".errors",
    "AuthenticationError": ".errors",
    "BadRequestError": ".errors",
    "ConflictError": ".errors",
    "IncompleteDownloadError": ".errors",
    "InputError": ".errors",
    "InsecureTransportError": ".errors",
    "MalformedResponseError": ".errors",
    "MistralBatchError": ".errors",
    "NotFoundError": ".errors",
    "PermissionDeniedError": ".errors",
    "RateLimitError": ".errors",
    "RequestTooLargeError": ".errors",
    "ResultDecodeError": ".errors",
    "ServerError": ".errors",
    "StateError": ".errors",
    "RunProgress": "._workload",
    "UnexpectedStatusError": ".errors",
    "UnprocessableEntityError": ".errors",
    "UnsafeResponseError": ".errors",
    "WaitTimeoutError": ".errors",
    "BatchJob": ".models",
    "Deleted": ".models",
    "FileObject": ".models",
    "RequestCounts": ".models",
    "SignedURL": ".models",
    "BatchResult": ".results",
    "pair_results": ".results",
}


def __getattr__(name: str) -> object:
    """A public name, imported from its module on first use."""
    import importlib

    if name in _PUBLIC_MODULES:  # `mistral_batch.errors.InputError` without importing it
        return importlib.import_module(f".{name}", __name__)
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value  # the next use is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
