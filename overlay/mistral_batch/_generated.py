"""The one door to the generated package: requests built and answers read by its code.

Every operation's request comes from the generated module's ``_get_kwargs``, a private
function of openapi-python-client's output. This module is the only place in the overlay
that calls it, and the only one that knows what the generator makes. It relies on:

- ``mistral_batch_api.api.<tag>.<operation>._get_kwargs`` for each operation below,
  taking the parameters passed here and returning a dict with "method", "url" and,
  where the operation has them, "params", "json", "headers" and "files";
- the multipart form of ``FileUpload.to_multipart()``: (name, (None, bytes, type)) parts;
- the models' ``from_dict``, the enums ``ApiEndpoint``, ``FilePurpose``,
  ``FileVisibility``, ``JobOrder``, and ``mistral_batch_api.types.Unset``/``UNSET``.

tests/foundation/test_generated_adapter.py pins each of these, so that a regeneration
that breaks one fails there first. The generated package is imported on first use,
never by ``import mistral_batch``: a program starts without paying for it.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

if TYPE_CHECKING:
    import datetime

    from mistral_batch_api.models import (
        BatchJob,
        BatchJobDeleted,
        BatchJobList,
        FileDeleted,
        FileList,
        FileObject,
        SignedUrl,
    )
    from mistral_batch_api.types import Unset

__all__ = [
    "BatchJob",
    "BatchJobDeleted",
    "BatchJobList",
    "FileDeleted",
    "FileList",
    "FileObject",
    "JobFilters",
    "RequestArgs",
    "SignedUrl",
    "Unset",
    "cancel_batch_job",
    "create_batch_job",
    "delete_batch_job",
    "delete_file",
    "download_file",
    "endpoints",
    "get_batch_job",
    "get_signed_url",
    "list_batch_jobs",
    "list_files",
    "purposes",
    "retrieve_file",
    "upload_file",
    "visibilities",
]

#: What a generated ``_get_kwargs`` returns: httpx.build_request's arguments.
RequestArgs = dict[str, Any]


#: The generated models that answers are read with, by their ``from_dict``: the classes
#: of __all__ but those defined here and Unset, no model.
_MODELS = frozenset(n for n in __all__ if n[0].isupper()) - {"JobFilters", "RequestArgs", "Unset"}


def __getattr__(name: str) -> Any:
    """A generated model (or Unset), imported on first use and a plain lookup after."""
    value: Any
    if name == "Unset":
        from mistral_batch_api import types

        value = types.Unset
    elif name in _MODELS:
        from mistral_batch_api import models

        value = getattr(models, name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def _unset_if_none(value: Any) -> Any:
    from mistral_batch_api.types import UNSET

    return UNSET if value is None else value


# --- Values the spec enumerates --------------------------------------------------------------


@functools.cache
def endpoints() -> tuple[str, ...]:
    """The batch endpoints this version knows, from openapi.yaml's ApiEndpoint."""
    from mistral_batch_api.models import ApiEndpoint

    return tuple(endpoint.value for endpoint in ApiEndpoint)


@functools.cache
def purposes() -> tuple[str, ...]:
    """The file purposes this version knows, from openapi.yaml's FilePurpose."""
    from mistral_batch_api.models import FilePurpose

    return tuple(purpose.value for purpose in FilePurpose)


@functools.cache
def visibilities() -> tuple[str, ...]:
    """The file visibilities this version knows, from openapi.yaml's FileVisibility."""
    from mistral_batch_api.models import FileVisibility

    return tuple(visibility.value for visibility in FileVisibility)


# --- Files -----------------------------------------------------------------------------------


def upload_file(
    *, file_name: str, purpose: str | None, visibility: str | None, expiry: int | None
) -> tuple[RequestArgs, list[tuple[str, bytes]]]:
    """The upload request without its body, and the form fields other than the file.

    The file itself streams separately (see _upload); a purpose newer than this
    client, which the generated form cannot carry, is added as a plain field.
    """
    from mistral_batch_api.api.files import upload_file as op
    from mistral_batch_api.models import FilePurpose, FileUpload, FileVisibility
    from mistral_batch_api.types import UNSET, File

    known = purpose is not None and purpose in purposes()
    body = FileUpload(
        file=File(payload=io.BytesIO(), file_name=file_name),
        purpose=FilePurpose(purpose) if known and purpose is not None else UNSET,
        visibility=FileVisibility(visibility) if visibility else UNSET,
        expiry=_unset_if_none(expiry),
    )
    kwargs = op._get_kwargs(body=body)
    fields = [(name, part[1]) for name, part in kwargs.pop("files") if name != "file"]
    if purpose is not None and not known:
        fields.append(("purpose", purpose.encode()))
    kwargs.pop("headers", None)  # the fixed "+++" boundary
    return kwargs, fields


def list_files(
    *,
    page: int,
    page_size: int,
    include_total: bool,
    sample_type: Sequence[str] | None,
    source: Sequence[str] | None,
    search: str | None,
    purpose: str | None,
    mimetypes: Sequence[str] | None,
) -> RequestArgs:
    """The request for one page of the file listing."""
    from mistral_batch_api.api.files import list_files as op

    return op._get_kwargs(
        page=page,
        page_size=page_size,
        include_total=include_total,
        sample_type=_unset_if_none(None if sample_type is None else list(sample_type)),
        source=_unset_if_none(None if source is None else list(source)),
        search=_unset_if_none(search),
        # A plain string: the generated code sends an enum's value and a string as it is.
        purpose=_unset_if_none(purpose),
        mimetypes=_unset_if_none(None if mimetypes is None else list(mimetypes)),
    )


def retrieve_file(file_id: str) -> RequestArgs:
    """The request for a file's description."""
    from mistral_batch_api.api.files import retrieve_file as op

    return op._get_kwargs(file_id)


def delete_file(file_id: str) -> RequestArgs:
    """The request deleting a file."""
    from mistral_batch_api.api.files import delete_file as op

    return op._get_kwargs(file_id)


def download_file(file_id: str) -> RequestArgs:
    """The request for a file's content, from its first byte (a resume adds its Range)."""
    from mistral_batch_api.api.files import download_file as op

    return op._get_kwargs(file_id)


def get_signed_url(file_id: str, expiry: int) -> RequestArgs:
    """The request for a signed URL valid `expiry` hours."""
    from mistral_batch_api.api.files import get_signed_url as op

    return op._get_kwargs(file_id, expiry=expiry)


# --- Batch jobs ------------------------------------------------------------------------------


def create_batch_job(body: Mapping[str, Any]) -> RequestArgs:
    """The request creating a job from its checked JSON body."""
    from mistral_batch_api.api.batch import create_batch_job as op
    from mistral_batch_api.models import BatchJobCreate

    return op._get_kwargs(body=BatchJobCreate.from_dict(dict(body)))


class JobFilters(TypedDict):
    """The filters of a job listing, as list_batch_jobs takes them (None: no filter)."""

    status: Sequence[str] | None
    metadata: Mapping[str, str] | None
    model: str | None
    agent_id: str | None
    created_after: datetime.datetime | None
    created_by_me: bool
    order_by: str


def list_batch_jobs(*, page: int, page_size: int, **filters: Unpack[JobFilters]) -> RequestArgs:
    """The request for one page of the job listing."""
    from mistral_batch_api.api.batch import list_batch_jobs as op
    from mistral_batch_api.models import JobOrder, MetadataFilter

    status, metadata = filters["status"], filters["metadata"]
    return op._get_kwargs(
        page=page,
        page_size=page_size,
        model=_unset_if_none(filters["model"]),
        agent_id=_unset_if_none(filters["agent_id"]),
        metadata=_unset_if_none(
            None if metadata is None else MetadataFilter.from_dict(dict(metadata))
        ),
        created_after=_unset_if_none(filters["created_after"]),
        created_by_me=filters["created_by_me"],
        status=_unset_if_none(None if status is None else list(status)),
        order_by=JobOrder(filters["order_by"]),
    )


def get_batch_job(job_id: str, *, inline: bool | None = None) -> RequestArgs:
    """The request for a job as it is now."""
    from mistral_batch_api.api.batch import get_batch_job as op

    return op._get_kwargs(job_id, inline=_unset_if_none(inline))


def cancel_batch_job(job_id: str) -> RequestArgs:
    """The request cancelling a job."""
    from mistral_batch_api.api.batch import cancel_batch_job as op

    return op._get_kwargs(job_id)


def delete_batch_job(job_id: str) -> RequestArgs:
    """The request deleting a job."""
    from mistral_batch_api.api.batch import delete_batch_job as op

    return op._get_kwargs(job_id)
