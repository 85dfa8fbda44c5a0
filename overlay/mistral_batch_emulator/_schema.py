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
-- How many times a workspace had each (model, custom_id) run in a job, counted while
-- fail_rate is above zero: the attempt that decides a transient failure.
CREATE TABLE IF NOT EXISTS attempts (
    workspace TEXT NOT NULL,
    model TEXT NOT NULL,
    custom_id TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (workspace, model, custom_id)
) WITHOUT ROWID;
"""

#: The unanswered requests of a workspace's QUEUED and RUNNING jobs.
PENDING_REQUESTS = (
    "SELECT COALESCE(SUM(MAX(total - succeeded - failed, 0)), 0) FROM jobs "
    "WHERE workspace = ? AND status IN ('QUEUED', 'RUNNING')"
)
GET_ATTEMPTS = "SELECT count FROM attempts WHERE workspace = ? AND model = ? AND custom_id = ?"
ADD_ATTEMPTS = (
    "INSERT INTO attempts (workspace, model, custom_id, count) VALUES (?,?,?,?) "
    "ON CONFLICT (workspace, model, custom_id) DO UPDATE SET count = count + excluded.count"
)

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
