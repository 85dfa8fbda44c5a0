"""The objects the client hands back: files, jobs and small answers, with None for absent.

They are built from the generated models (``mistral_batch_api.models``, reached through
_generated) and keep every field the server sent, known or not: enum values this version
does not know stay plain strings, and fields it does not know are in ``extra``.

Why our own classes rather than the generated ones: the generated models change shape
with every regeneration (a renamed field, an enum gained or lost), mark absent fields
with ``UNSET`` where users expect None, and are mutable; these are frozen, typed as users
read them, stable across regenerations, and the only models the public API names. The
mapping in ``from_generated`` is the one place a change in the spec shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from . import _generated
from ._status import TERMINAL_STATUSES

if TYPE_CHECKING:
    from mistral_batch_api import models as gen
    from mistral_batch_api.types import Unset

__all__ = [
    "BatchJob",
    "Deleted",
    "FieldTypeError",
    "FileObject",
    "RequestCounts",
    "SignedURL",
]

T = TypeVar("T")


def _opt(value: T | Unset) -> T | None:
    return None if isinstance(value, _generated.Unset) else value


def _text(value: Any) -> Any:
    # Plain strings: a generated StrEnum member prints as its value, but reprs badly.
    # Anything else is left for the field's check to refuse.
    return str(value) if isinstance(value, str) else value


class FieldTypeError(TypeError):
    """A field whose value is not of the type the contract gives; `field` names it."""

    def __init__(self, field: str, value: object, expected: str) -> None:
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        super().__init__(f"field {field!r} is {shown}, not {expected}")
        self.field = field


_NAMES = {str: "a string", int: "an integer", bool: "a boolean", list: "a list", dict: "an object"}


def _of(*kinds: type, optional: bool = False) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """An attrs validator: the value is one of `kinds` (None too when optional)."""
    expected = " or ".join(_NAMES.get(kind, kind.__name__) for kind in kinds)
    expected += " or null" if optional else ""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        # bool is an int to Python, but true is no timestamp or count.
        if isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds):
            return
        raise FieldTypeError(attribute.name, value, expected)

    return check


def _dict(value: Any) -> dict[str, Any] | None:
    if value is None or isinstance(value, _generated.Unset):
        return None
    return dict(value.to_dict()) if hasattr(value, "to_dict") else dict(value)


@attrs.frozen
class FileObject:
    """A stored file: its id, name, size and what it is for."""

    id: str = attrs.field(validator=_of(str))
    filename: str = attrs.field(validator=_of(str))
    bytes: int | None = attrs.field(validator=_of(int, optional=True))
    created_at: int = attrs.field(validator=_of(int))
    purpose: str = attrs.field(validator=_of(str))
    sample_type: str = attrs.field(validator=_of(str))
    source: str = attrs.field(validator=_of(str))
    num_lines: int | None = attrs.field(default=None, validator=_of(int, optional=True))
    mimetype: str | None = attrs.field(default=None, validator=_of(str, optional=True))
    signature: str | None = attrs.field(default=None, validator=_of(str, optional=True))
    expires_at: int | None = attrs.field(default=None, validator=_of(int, optional=True))
    visibility: str | None = attrs.field(default=None, validator=_of(str, optional=True))
    deleted: bool | None = attrs.field(default=None, validator=_of(bool, optional=True))
    object: str = attrs.field(default="file", validator=_of(str))
    extra: dict[str, Any] = attrs.field(factory=dict, repr=False)

    @classmethod
    def from_generated(cls, model: gen.FileObject) -> FileObject:
        """Build from the generated model."""
        visibility = _opt(model.visibility)
        return cls(
            id=model.id,
            filename=model.filename,
            bytes=model.bytes_,
            created_at=model.created_at,
            purpose=_text(model.purpose),
            sample_type=_text(model.sample_type),
            source=_text(model.source),
            num_lines=_opt(model.num_lines),
            mimetype=_opt(model.mimetype),
            signature=_opt(model.signature),
            expires_at=_opt(model.expires_at),
            visibility=None if visibility is None else _text(visibility),
            deleted=_opt(model.deleted),
            object=model.object_,
            extra=dict(model.additional_properties),
        )


@attrs.frozen
class RequestCounts:
    """A job's request counters, as `job.request_counts` (total, completed, failed...)."""

    total: int
    completed: int
    succeeded: int
    failed: int


@attrs.frozen
class BatchJob:
    """A batch job: its status, counters, and the ids of its result files once done.

    Statuses are Mistral's, in capitals: QUEUED, RUNNING, SUCCESS, FAILED,
    TIMEOUT_EXCEEDED, CANCELLATION_REQUESTED, CANCELLED (not the lowercase ones of
    other providers' batch APIs).
    """

    id: str = attrs.field(validator=_of(str))
    status: str = attrs.field(validator=_of(str))
    endpoint: str = attrs.field(validator=_of(str))
    input_files: list[str] = attrs.field(validator=_of(list))
    created_at: int = attrs.field(validator=_of(int))
    total_requests: int = attrs.field(validator=_of(int))
    completed_requests: int = attrs.field(validator=_of(int))
    succeeded_requests: int = attrs.field(validator=_of(int))
    failed_requests: int = attrs.field(validator=_of(int))
    errors: list[dict[str, Any]] = attrs.field(factory=list, validator=_of(list))
    model: str | None = attrs.field(default=None, validator=_of(str, optional=True))
    agent_id: str | None = attrs.field(default=None, validator=_of(str, optional=True))
    metadata: dict[str, Any] | None = attrs.field(default=None, validator=_of(dict, optional=True))
    output_file: str | None = attrs.field(default=None, validator=_of(str, optional=True))
    error_file: str | None = attrs.field(default=None, validator=_of(str, optional=True))
    outputs: list[dict[str, Any]] | None = attrs.field(
        default=None, validator=_of(list, optional=True)
    )
    started_at: int | None = attrs.field(default=None, validator=_of(int, optional=True))
    completed_at: int | None = attrs.field(default=None, validator=_of(int, optional=True))
    object: str = attrs.field(default="batch", validator=_of(str))
    extra: dict[str, Any] = attrs.field(factory=dict, repr=False)

    @classmethod
    def from_generated(cls, model: gen.BatchJob) -> BatchJob:
        """Build from the generated model."""
        outputs = _opt(model.outputs)
        return cls(
            id=model.id,
            status=_text(model.status),
            endpoint=_text(model.endpoint),
            input_files=list(model.input_files),
            created_at=model.created_at,
            total_requests=model.total_requests,
            completed_requests=model.completed_requests,
            succeeded_requests=model.succeeded_requests,
            failed_requests=model.failed_requests,
            errors=[e.to_dict() for e in model.errors],
            model=_opt(model.model),
            agent_id=_opt(model.agent_id),
            metadata=_dict(model.metadata),
            output_file=_opt(model.output_file),
            error_file=_opt(model.error_file),
            outputs=None if outputs is None else [o.to_dict() for o in outputs],
            started_at=_opt(model.started_at),
            completed_at=_opt(model.completed_at),
            object=_opt(model.object_) or "batch",
            extra=dict(model.additional_properties),
        )

    @property
    def request_counts(self) -> RequestCounts:
        """The counters grouped, as other batch APIs name them."""
        return RequestCounts(
            total=self.total_requests,
            completed=self.completed_requests,
            succeeded=self.succeeded_requests,
            failed=self.failed_requests,
        )

    @property
    def output_file_id(self) -> str | None:
        """The output file's id (the name other batch APIs use)."""
        return self.output_file

    @property
    def error_file_id(self) -> str | None:
        """The error file's id (the name other batch APIs use)."""
        return self.error_file

    @property
    def done(self) -> bool:
        """True once the job has reached a final status."""
        return self.status in TERMINAL_STATUSES


@attrs.frozen
class Deleted:
    """The answer to a deletion."""

    id: str
    deleted: bool
    object: str

    @classmethod
    def from_job_deletion(cls, model: gen.BatchJobDeleted) -> Deleted:
        """Build from a job deletion's answer, where only the id is required."""
        # Mistral's document requires only `id`: an answer without the rest still
        # means the job is gone.
        return cls(
            id=model.id,
            deleted=True if isinstance(model.deleted, _generated.Unset) else model.deleted,
            object=_opt(model.object_) or "batch",
        )


@attrs.frozen
class SignedURL:
    """A URL that downloads a file without the API key until it expires; keep it secret."""

    url: str = attrs.field(repr=False)
