"""Success answers into the client's objects, or one error naming what is wrong.

A server, a proxy or an attacker can send any JSON with a 200: nested a million deep,
a string where a list belongs, a total of "many". Every parser here turns whatever goes
wrong into AnswerShapeError (a ValueError, so the transport treats it as a malformed
answer: retried where that is safe, then a MalformedResponseError naming the field).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import orjson

from . import _generated as gen
from ._pagination import Page
from .models import BatchJob, Deleted, FieldTypeError, FileObject, SignedURL

__all__ = [
    "AnswerShapeError",
    "batch_job",
    "file_deleted",
    "file_object",
    "file_page",
    "job_deleted",
    "job_page",
    "signed_url",
]

T = TypeVar("T")


class AnswerShapeError(ValueError):
    """A success answer that is not the shape the contract gives; `field` names where."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _json(response: httpx.Response) -> Any:
    # orjson refuses nesting past 1024 levels with a ValueError, where the standard
    # library's parser would raise RecursionError deep in the stack.
    return orjson.loads(response.content)


def _object(response: httpx.Response) -> dict[str, Any]:
    value = _json(response)
    if not isinstance(value, dict):
        raise AnswerShapeError(f"the answer is a JSON {type(value).__name__}, not an object")
    return value


def _shaped(what: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Turn any failure of a parser of `what` into AnswerShapeError."""

    def wrap(parse: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(parse)
        def checked(*args: Any) -> T:
            try:
                return parse(*args)
            except AnswerShapeError:
                raise
            except FieldTypeError as exc:
                raise AnswerShapeError(f"{what}: {exc}", exc.field) from None
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
                field = exc.args[0] if isinstance(exc, KeyError) and exc.args else None
                detail = f"no field {field!r}" if field is not None else f"{exc}"
                raise AnswerShapeError(
                    f"{what}: {detail or type(exc).__name__}",
                    field if isinstance(field, str) else None,
                ) from None

        return checked

    return wrap


#: The containers of a job answer, checked before the generated model walks into them.
_JOB_CONTAINERS: dict[str, tuple[type, ...]] = {
    "input_files": (list,),
    "errors": (list,),
    "outputs": (list, type(None)),
    "metadata": (dict, type(None)),
}


def _containers(body: dict[str, Any], where: str = "") -> None:
    for name, kinds in _JOB_CONTAINERS.items():
        if name in body and not isinstance(body[name], kinds):
            field = f"{where}{name}"
            raise AnswerShapeError(
                f"{field!r} is a {type(body[name]).__name__}, not a list or object", field
            )
    strings = body.get("input_files", [])
    if not all(isinstance(item, str) for item in strings):
        raise AnswerShapeError(
            f"'{where}input_files' holds an item that is not an id", f"{where}input_files"
        )


def _total(value: object) -> int | None:
    if value is None or isinstance(value, gen.Unset):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise AnswerShapeError(f"'total' is {value!r}, not a count", "total")
    return value


def _items(value: object) -> list[Any]:
    if isinstance(value, gen.Unset):
        return []
    if not isinstance(value, list):
        raise AnswerShapeError(f"'data' is a {type(value).__name__}, not a list", "data")
    return value


@_shaped("a file")
def file_object(response: httpx.Response) -> FileObject:
    """A file from an upload or retrieve answer."""
    return FileObject.from_generated(gen.FileObject.from_dict(_object(response)))


def file_page(page: int) -> Callable[[httpx.Response], Page[FileObject]]:
    """The parser of page `page` of the file listing."""

    @_shaped("a page of files")
    def parse(response: httpx.Response) -> Page[FileObject]:
        body = _object(response)
        _items(body.get("data", []))
        listing = gen.FileList.from_dict(body)
        items = [FileObject.from_generated(f) for f in listing.data]
        return Page(items=items, page=page, total=_total(listing.total))

    return parse


@_shaped("a file deletion")
def file_deleted(response: httpx.Response) -> Deleted:
    """The answer to a file deletion."""
    d = gen.FileDeleted.from_dict(_object(response))
    return Deleted(id=d.id, deleted=d.deleted, object=d.object_)


@_shaped("a signed URL")
def signed_url(response: httpx.Response) -> SignedURL:
    """A signed URL's answer."""
    url = gen.SignedUrl.from_dict(_object(response)).url
    if not isinstance(url, str) or not url.lower().startswith(("https://", "http://")):
        raise AnswerShapeError("'url' is not an http(s) URL", "url")
    return SignedURL(url=url)


@_shaped("a batch job")
def batch_job(response: httpx.Response) -> BatchJob:
    """A job from a create, get or cancel answer."""
    body = _object(response)
    _containers(body)
    return BatchJob.from_generated(gen.BatchJob.from_dict(body))


def job_page(page: int) -> Callable[[httpx.Response], Page[BatchJob]]:
    """The parser of page `page` of the job listing."""

    @_shaped("a page of jobs")
    def parse(response: httpx.Response) -> Page[BatchJob]:
        body = _object(response)
        for index, job in enumerate(_items(body.get("data", []))):
            if not isinstance(job, dict):
                raise AnswerShapeError(f"'data[{index}]' is not an object", f"data[{index}]")
            _containers(job, f"data[{index}].")
        listing = gen.BatchJobList.from_dict(body)
        data = [] if isinstance(listing.data, gen.Unset) else listing.data
        items = [BatchJob.from_generated(j) for j in data]
        return Page(items=items, page=page, total=_total(listing.total))

    return parse


@_shaped("a job deletion")
def job_deleted(response: httpx.Response) -> Deleted:
    """The answer to a job deletion, where only the id is required."""
    return Deleted.from_job_deletion(gen.BatchJobDeleted.from_dict(_object(response)))
