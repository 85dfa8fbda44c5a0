"""The records the emulator keeps: files, jobs and job progress, and their ids."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

UNFINISHED = ("QUEUED", "RUNNING", "CANCELLATION_REQUESTED")

_UUID = re.compile(r"\A[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")


def new_id() -> str:
    """A fresh object id."""
    return str(uuid.uuid4())


def is_server_id(value: str) -> bool:
    """Whether ``value`` has the shape of an id this server makes."""
    return _UUID.match(value) is not None


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A stored file."""

    id: str
    workspace: str
    filename: str
    purpose: str
    sample_type: str
    source: str
    num_lines: int | None
    mimetype: str | None
    signature: str | None
    bytes: int
    created_at: float
    expires_at: float | None = None
    visibility: str = "workspace"


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a running job is: its input cursor, its counters and its output sizes."""

    cursor_file: int = 0
    cursor_offset: int = 0
    next_index: int = 0
    succeeded: int = 0
    failed: int = 0
    out_bytes: int = 0
    err_bytes: int = 0
    errors: dict[str, int] = field(default_factory=dict)


#: The fields of a job that never change once it is created, stored together as JSON.
JOB_BODY_FIELDS = (
    "input_files",
    "inline",
    "endpoint",
    "model",
    "agent_id",
    "metadata",
    "timeout_hours",
    "output_file_id",
    "error_file_id",
    "created_by",
)


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A batch job: what was asked (``body`` fields) and where it stands."""

    id: str
    workspace: str
    input_files: list[str]
    inline: bool
    endpoint: str
    model: str | None
    agent_id: str | None
    metadata: dict[str, str] | None
    timeout_hours: int
    status: str
    created_at: float
    output_file_id: str
    error_file_id: str
    started_at: float | None = None
    completed_at: float | None = None
    total: int = 0
    output_file: str | None = None
    error_file: str | None = None
    progress: Progress = field(default_factory=Progress)
    #: The user (one per API key) who created the job, for ``created_by_me``.
    created_by: str | None = None

    def body(self) -> dict[str, Any]:
        """The fixed part of the job, as stored."""
        return {name: getattr(self, name) for name in JOB_BODY_FIELDS}


@dataclass(frozen=True, slots=True)
class FileQuery:
    """Filters of the file list."""

    sample_types: Sequence[str] = ()
    sources: Sequence[str] = ()
    mimetypes: Sequence[str] = ()
    search: str | None = None
    purpose: str | None = None
