"""The SQLite schema of the emulator's state, and rows turned back into records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

import orjson

from ._records import FileRecord, JobRecord, Progress

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    workspace TEXT NOT NULL,
    filename TEXT NOT NULL,
    purpose TEXT NOT NULL,
    sample_type TEXT NOT NULL,
    source TEXT NOT NULL,
    num_lines INTEGER,
    mimetype TEXT,
    signature TEXT,
    bytes INTEGER NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL,
    visibility TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    workspace TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    started_at REAL,
    completed_at REAL,
    total INTEGER NOT NULL DEFAULT 0,
    succeeded INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    errors TEXT NOT NULL DEFAULT '{}',
    output_file TEXT,
    error_file TEXT,
    cursor_file INTEGER NOT NULL DEFAULT 0,
    cursor_offset INTEGER NOT NULL DEFAULT 0,
    next_index INTEGER NOT NULL DEFAULT 0,
    out_bytes INTEGER NOT NULL DEFAULT 0,
    err_bytes INTEGER NOT NULL DEFAULT 0
);
"""


FILE_COLUMNS = (
    "id, workspace, filename, purpose, sample_type, source, num_lines, mimetype, "
    "signature, bytes, created_at, expires_at, visibility"
)
JOB_COLUMNS = (
    "id, workspace, body, status, created_at, started_at, completed_at, total, succeeded, "
    "failed, errors, output_file, error_file, cursor_file, cursor_offset, next_index, "
    "out_bytes, err_bytes"
)
_JOB_NAMES = JOB_COLUMNS.split(", ")
#: The columns that hold a job's Progress as they are; its ``errors`` are JSON.
_PROGRESS_COUNTERS = [field.name for field in fields(Progress) if field.name != "errors"]


def file_from_row(row: Sequence[Any]) -> FileRecord:
    return FileRecord(*row)


def job_from_row(row: Sequence[Any]) -> JobRecord:
    values = dict(zip(_JOB_NAMES, row, strict=True))
    body = orjson.loads(values.pop("body"))
    counters = {name: values.pop(name) for name in _PROGRESS_COUNTERS}
    progress = Progress(**counters, errors=orjson.loads(values.pop("errors")))
    # A state kept by an older emulator has no created_by.
    return JobRecord(**values, **{"created_by": None, **body}, progress=progress)
