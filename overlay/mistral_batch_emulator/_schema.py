"""The SQLite schema of the emulator's state, and rows turned back into records."""

from __future__ import annotations

from collections.abc import Sequence
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


def file_from_row(row: Sequence[Any]) -> FileRecord:
    return FileRecord(*row)


def job_from_row(row: Sequence[Any]) -> JobRecord:
    body = orjson.loads(row[2])
    progress = Progress(
        cursor_file=row[13],
        cursor_offset=row[14],
        next_index=row[15],
        succeeded=row[8],
        failed=row[9],
        out_bytes=row[16],
        err_bytes=row[17],
        errors=orjson.loads(row[10]),
    )
    return JobRecord(
        id=row[0],
        workspace=row[1],
        input_files=body["input_files"],
        inline=body["inline"],
        endpoint=body["endpoint"],
        model=body["model"],
        agent_id=body["agent_id"],
        metadata=body["metadata"],
        timeout_hours=body["timeout_hours"],
        status=row[3],
        created_at=row[4],
        started_at=row[5],
        completed_at=row[6],
        total=row[7],
        output_file=row[11],
        error_file=row[12],
        output_file_id=body["output_file_id"],
        error_file_id=body["error_file_id"],
        progress=progress,
        created_by=body.get("created_by"),
    )
