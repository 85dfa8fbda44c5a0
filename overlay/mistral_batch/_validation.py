"""Local checks run before anything is sent; each failure is an InputError naming the field.

They catch what the API would refuse anyway, but earlier, with a clearer message, and
without spending a request (or a rate-limit token) on it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from mistral_batch._generated import endpoints, purposes
from mistral_batch.errors import InputError

__all__ = [
    "ENDPOINTS",
    "MAX_INLINE_REQUESTS",
    "MAX_PENDING_REQUESTS",
    "MAX_TIMEOUT_HOURS",
    "parse_completion_window",
    "validate_endpoint",
    "validate_id",
    "validate_job_create",
    "validate_metadata",
    "validate_metadata_filter",
    "validate_page",
    "validate_page_size",
    "validate_purpose",
    "validate_signed_url",
    "validate_signed_url_expiry",
    "validate_timeout_hours",
]

MAX_INLINE_REQUESTS = 10_000
#: The most requests a workspace's unfinished jobs may hold together (Mistral's limit).
MAX_PENDING_REQUESTS = 1_000_000
MAX_TIMEOUT_HOURS = 168
MAX_SIGNED_URL_HOURS = 168
METADATA_KEY_LENGTH = (1, 32)
METADATA_VALUE_LENGTH = (1, 512)

# Characters that would change the meaning of a URL if an id were pasted into one unquoted.
_URL_SPECIAL = frozenset("/\\?#%")

# The shapes of an endpoint and a purpose a newer server may add: sent with a warning.
_ENDPOINT_SHAPE = re.compile(r"/v[0-9]+(/[a-z][a-z0-9_-]*)+")
_PURPOSE_SHAPE = re.compile(r"[a-z][a-z0-9_-]{0,63}")

logger = logging.getLogger("mistral_batch")

if TYPE_CHECKING:
    #: The batch endpoints this version knows, from openapi.yaml's ApiEndpoint.
    ENDPOINTS: tuple[str, ...]
    #: The file purposes this version knows, from openapi.yaml's FilePurpose.
    PURPOSES: tuple[str, ...]


def __getattr__(name: str) -> tuple[str, ...]:
    # Derived from the generated enums, which are loaded on first use, not on import.
    if name == "ENDPOINTS":
        return endpoints()
    if name == "PURPOSES":
        return purposes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def json_type(value: object) -> str:
    """Return the JSON name of a value's type ("object", "array", ...), for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__


def validate_id(value: object, what: str = "id") -> str:
    """Return `value` if it can safely name a file or job in a URL path; else InputError.

    Ids are opaque (not required to be UUIDs) but must be a non-empty string without
    whitespace, control characters, path separators, '?', '#', '%', or a '.'/'..' segment.
    """
    if not isinstance(value, str):
        raise InputError(f"{what} must be a string, got {json_type(value)}", field=what)
    if not value:
        raise InputError(f"{what} is empty", field=what)
    if value in (".", ".."):
        raise InputError(f"{what} {value!r} is a path segment, not an id", field=what)
    for ch in value:
        if ch in _URL_SPECIAL:
            raise InputError(f"{what} {value!r} contains {ch!r}", field=what)
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            raise InputError(
                f"{what} {value!r} contains whitespace or a control character", field=what
            )
    return value


def _int(value: object, field: str) -> int:
    # bool is an int subclass, but True as a page size is surely a mistake.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{field} must be an int, got {json_type(value)}", field=field)
    return value


def validate_page_size(n: object) -> int:
    """Return the page size if it is an int >= 1; else InputError."""
    size = _int(n, "page_size")
    if size < 1:
        raise InputError(f"page_size must be >= 1, got {size}", field="page_size")
    return size


def validate_page(n: object) -> int:
    """Return the page number if it is an int >= 0 (pages count from 0); else InputError."""
    page = _int(n, "page")
    if page < 0:
        raise InputError(f"page must be >= 0, got {page}", field="page")
    return page


def validate_signed_url_expiry(value: object) -> int:
    """Return a signed URL's lifetime if it is an int from 1 to 168 hours; else InputError."""
    hours = _int(value, "expiry")
    if not 1 <= hours <= MAX_SIGNED_URL_HOURS:
        raise InputError(
            f"expiry must be between 1 and {MAX_SIGNED_URL_HOURS} hours, got {hours}",
            field="expiry",
        )
    return hours


def validate_signed_url(url: object) -> str:
    """Return `url` if it is an absolute http(s) URL with a host; else InputError.

    The text of the URL is a secret, so the message does not repeat it.
    """
    if not isinstance(url, str):
        raise InputError(f"a signed URL must be a string, got {json_type(url)}", field="url")
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in url):
        raise InputError("a signed URL must not hold whitespace or control characters", field="url")
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port  # .port raises on a bad one
    except ValueError:
        raise InputError("a signed URL must be a well-formed URL", field="url") from None
    if parts.scheme.lower() not in ("http", "https"):
        shown = parts.scheme if parts.scheme and len(parts.scheme) <= 16 else "no"
        raise InputError(
            f"a signed URL must be an absolute http(s) URL; this one has {shown} scheme",
            field="url",
        )
    if not host:
        raise InputError("a signed URL must name a host", field="url")
    return url


def _open_value(value: object, known: tuple[str, ...], shape: re.Pattern[str], what: str) -> str:
    if isinstance(value, str) and value in known:
        return value
    if isinstance(value, str) and shape.fullmatch(value):
        logger.warning(
            "%s %r is not one this version knows (%s); sending it as it is",
            what,
            value,
            ", ".join(known),
        )
        return value
    raise InputError(f"{what} must be one of {', '.join(known)}; got {value!r}", field=what)


def validate_endpoint(endpoint: object) -> str:
    """Return a known endpoint, or a well-formed newer one with a warning; else InputError."""
    return _open_value(endpoint, endpoints(), _ENDPOINT_SHAPE, "endpoint")


def validate_purpose(purpose: object) -> str:
    """Return a known purpose, or a well-formed newer one with a warning; else InputError."""
    return _open_value(purpose, purposes(), _PURPOSE_SHAPE, "purpose")


def validate_timeout_hours(value: object, field: str = "timeout_hours") -> int:
    """Return `value` if it is an int from 1 to 168 hours; else InputError."""
    hours = _int(value, field)
    if not 1 <= hours <= MAX_TIMEOUT_HOURS:
        raise InputError(
            f"{field} must be between 1 and {MAX_TIMEOUT_HOURS} hours, got {hours}", field=field
        )
    return hours


_WINDOW = re.compile(r"\s*(\d+)\s*([hd]?)\s*", re.IGNORECASE)


def parse_completion_window(value: str | int) -> int:
    """Return a completion window ("24h", "2d", "36", or an int of hours) as whole hours."""
    if isinstance(value, str):
        match = _WINDOW.fullmatch(value)
        if match is None:
            raise InputError(
                f"completion_window must look like '24h' or '2d', got {value!r}",
                field="completion_window",
            )
        hours = int(match.group(1)) * (24 if match.group(2).lower() == "d" else 1)
        return validate_timeout_hours(hours, "completion_window")
    return validate_timeout_hours(value, "completion_window")


def _check_text(value: object, what: str, bounds: tuple[int, int], field: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"{what} must be a string, got {json_type(value)}", field=field)
    low, high = bounds
    if not low <= len(value) <= high:
        raise InputError(
            f"{what} must be {low} to {high} characters, got {len(value)}", field=field
        )
    return value


def validate_metadata(metadata: object, field: str = "metadata") -> dict[str, str]:
    """Return metadata as a dict if keys are 1-32 and values 1-512 character strings.

    Values are not coerced: 3 or True is an error, since the server would store a string.
    """
    if not isinstance(metadata, Mapping):
        raise InputError(f"{field} must be a mapping, got {json_type(metadata)}", field=field)
    checked: dict[str, str] = {}
    for key, value in metadata.items():
        _check_text(key, f"{field} key {key!r}", METADATA_KEY_LENGTH, field)
        _check_text(value, f"{field}[{key!r}]", METADATA_VALUE_LENGTH, field)
        checked[key] = value
    return checked


def validate_metadata_filter(metadata: object) -> dict[str, str]:
    """Return a job-list metadata filter as a dict of str to str; else InputError."""
    return validate_metadata(metadata, "metadata filter")


def _check_requests(requests: object) -> None:
    if isinstance(requests, str | bytes) or not isinstance(requests, Sequence):
        raise InputError(f"requests must be a list, got {json_type(requests)}", field="requests")
    if not 1 <= len(requests) <= MAX_INLINE_REQUESTS:
        raise InputError(
            f"requests must hold 1 to {MAX_INLINE_REQUESTS:,} items, got {len(requests):,}"
            " (use an input file for more)",
            field="requests",
        )
    seen: dict[str, int] = {}
    for index, item in enumerate(requests):
        where = f"requests[{index}]"
        if not isinstance(item, Mapping):
            raise InputError(f"{where} must be an object, got {json_type(item)}", field="requests")
        if not isinstance(item.get("body"), Mapping):
            raise InputError(
                f"{where}.body must be an object, got {json_type(item.get('body'))}",
                field="requests",
            )
        custom_id = item.get("custom_id")
        if custom_id is None:
            continue
        if not isinstance(custom_id, str) or not custom_id:
            raise InputError(
                f"{where}.custom_id must be a non-empty string, got {custom_id!r}",
                field="requests",
            )
        if custom_id in seen:
            raise InputError(
                f"{where}.custom_id {custom_id!r} repeats requests[{seen[custom_id]}]",
                field="requests",
            )
        seen[custom_id] = index


def _check_input_files(input_files: object) -> None:
    if isinstance(input_files, str | bytes) or not isinstance(input_files, Sequence):
        raise InputError(
            f"input_files must be a list of file ids, got {json_type(input_files)}",
            field="input_files",
        )
    if not input_files:
        raise InputError("input_files is empty", field="input_files")
    for index, file_id in enumerate(input_files):
        validate_id(file_id, f"input_files[{index}]")


def validate_job_create(
    endpoint: object,
    model: object = None,
    agent_id: object = None,
    metadata: object = None,
    timeout_hours: object = None,
    input_files: object = None,
    requests: object = None,
) -> None:
    """Return None if a job could be created from these arguments; else InputError.

    Checks the endpoint (one of ENDPOINTS, or well-formed: sent with a warning), model
    and agent_id, metadata and timeout_hours (when given) and exactly one of input_files
    or requests. Neither model nor agent_id is required: each request may then name its
    model in its body.
    """
    validate_endpoint(endpoint)
    for name, value in (("model", model), ("agent_id", agent_id)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise InputError(f"{name} must be a non-empty string, got {value!r}", field=name)
    if metadata is not None:
        validate_metadata(metadata)
    if timeout_hours is not None:
        validate_timeout_hours(timeout_hours)
    if (input_files is None) == (requests is None):
        raise InputError("give exactly one of input_files or requests", field="input_files")
    if input_files is not None:
        _check_input_files(input_files)
    else:
        _check_requests(requests)
