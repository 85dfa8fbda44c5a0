"""The emulator's state: files and jobs in SQLite, file contents as blobs on disk.

Every blob path is made from an id this server generated (a UUID), never from a
client's file name or id, so no request can reach outside ``data_dir``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import astuple
from pathlib import Path
from typing import Any, TypeVar

import orjson

from ._records import UNFINISHED, FileQuery, FileRecord, JobRecord, Progress, is_server_id, new_id
from ._schema import (
    ADD_ATTEMPTS,
    FILE_COLUMNS,
    GET_ATTEMPTS,
    JOB_COLUMNS,
    PENDING_REQUESTS,
    SCHEMA,
    file_from_row,
    job_from_row,
)

R = TypeVar("R")
#: A request as attempts are counted: its workspace, its model and its custom_id.
AttemptKey = tuple[str, str, str]
_FILE_SLOTS = ",".join("?" * len(FILE_COLUMNS.split(",")))


class Store:
    """SQLite state and blob files under one data directory, safe to share by threads."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.blobs = data_dir / "blobs"
        self.tmp = data_dir / "tmp"
        for folder in (self.blobs, self.tmp):
            folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            data_dir / "emulator.sqlite3", check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _first(
        self,
        sql: str,
        params: list[Any],
        workspace: str | None,
        from_row: Callable[[Sequence[Any]], R],
    ) -> R | None:
        """The first row of `sql`, as `from_row` makes it; of `workspace` only, unless None."""
        if workspace is not None:
            sql += " AND workspace = ?"
            params = [*params, workspace]
        rows = self._query(sql, params)
        return from_row(rows[0]) if rows else None

    # Blobs

    def blob_path(self, file_id: str) -> Path:
        """Where the content of file ``file_id`` lives."""
        if not is_server_id(file_id):
            raise ValueError("not an id made by this server")
        return self.blobs / file_id

    def requests_path(self, job_id: str) -> Path:
        """Where the inline requests of job ``job_id`` live."""
        return self.blob_path(job_id).with_suffix(".requests.jsonl")

    def temp_path(self) -> Path:
        """A fresh path for an upload in progress."""
        return self.tmp / new_id()

    # Files

    def insert_file(self, record: FileRecord) -> None:
        """Store a new file's description."""
        with self._transaction() as db:
            self._insert_file(db, record)

    @staticmethod
    def _insert_file(db: sqlite3.Connection, record: FileRecord) -> None:
        # FileRecord's fields are FILE_COLUMNS, in their order.
        db.execute(f"INSERT INTO files ({FILE_COLUMNS}) VALUES ({_FILE_SLOTS})", astuple(record))

    def get_file(self, workspace: str | None, file_id: str, now: float) -> FileRecord | None:
        """The live file ``file_id`` of ``workspace`` (of any workspace when None)."""
        if not is_server_id(file_id):
            return None
        sql = (
            f"SELECT {FILE_COLUMNS} FROM files "
            "WHERE id = ? AND (expires_at IS NULL OR expires_at > ?)"
        )
        return self._first(sql, [file_id, now], workspace, file_from_row)

    def list_files(
        self,
        workspace: str,
        query: FileQuery,
        page: int,
        page_size: int,
        now: float,
    ) -> tuple[list[FileRecord], int]:
        """One page of the workspace's files, newest first, and how many match."""
        where = ["workspace = ?", "(expires_at IS NULL OR expires_at > ?)"]
        params: list[Any] = [workspace, now]
        for column, values in (
            ("sample_type", query.sample_types),
            ("source", query.sources),
            ("mimetype", query.mimetypes),
        ):
            if values:
                where.append(f"{column} IN ({','.join('?' * len(values))})")
                params.extend(values)
        if query.purpose is not None:
            where.append("purpose = ?")
            params.append(query.purpose)
        if query.search:
            where.append("instr(filename, ?) > 0")
            params.append(query.search)
        condition = " AND ".join(where)
        total = self._query(f"SELECT COUNT(*) FROM files WHERE {condition}", params)[0][0]
        rows = self._query(
            f"SELECT {FILE_COLUMNS} FROM files WHERE {condition} "
            "ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?",
            [*params, page_size, page * page_size],
        )
        return [file_from_row(row) for row in rows], int(total)

    def delete_file(self, workspace: str, file_id: str, now: float) -> bool:
        """Delete a live file and its content; False when there is no such file."""
        if self.get_file(workspace, file_id, now) is None:
            return False
        with self._transaction() as db:
            db.execute("DELETE FROM files WHERE id = ?", (file_id,))
        self.blob_path(file_id).unlink(missing_ok=True)
        return True

    # Jobs

    def insert_job(self, job: JobRecord) -> None:
        """Store a new job."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO jobs (id, workspace, body, status, created_at, total) "
                "VALUES (?,?,?,?,?,?)",
                (
                    job.id,
                    job.workspace,
                    orjson.dumps(job.body()),
                    job.status,
                    job.created_at,
                    job.total,
                ),
            )

    def get_job(self, workspace: str | None, job_id: str) -> JobRecord | None:
        """Job ``job_id`` of ``workspace`` (of any workspace when None)."""
        if not is_server_id(job_id):
            return None
        sql = f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?"
        return self._first(sql, [job_id], workspace, job_from_row)

    def list_jobs(
        self,
        workspace: str,
        *,
        statuses: Sequence[str] = (),
        model: str | None = None,
        agent_id: str | None = None,
        created_after: float | None = None,
        newest_first: bool = True,
    ) -> list[JobRecord]:
        """The workspace's jobs that pass the SQL-expressible filters, in order."""
        where = ["workspace = ?"]
        params: list[Any] = [workspace]
        if statuses:
            where.append(f"status IN ({','.join('?' * len(statuses))})")
            params.extend(statuses)
        if created_after is not None:
            where.append("created_at > ?")
            params.append(created_after)
        order = "DESC" if newest_first else "ASC"
        rows = self._query(
            f"SELECT {JOB_COLUMNS} FROM jobs WHERE {' AND '.join(where)} "
            f"ORDER BY created_at {order}, seq {order}",
            params,
        )
        jobs = [job_from_row(row) for row in rows]
        if model is not None:
            jobs = [job for job in jobs if job.model == model]
        if agent_id is not None:
            jobs = [job for job in jobs if job.agent_id == agent_id]
        return jobs

    def active_jobs(self) -> list[JobRecord]:
        """Every job the worker still has to move, oldest first."""
        rows = self._query(
            f"SELECT {JOB_COLUMNS} FROM jobs WHERE status IN (?,?,?) ORDER BY seq", UNFINISHED
        )
        return [job_from_row(row) for row in rows]

    def pending_requests(self, workspace: str) -> int:
        """Requests of the workspace's QUEUED and RUNNING jobs not yet answered."""
        return int(self._query(PENDING_REQUESTS, (workspace,))[0][0])

    def delete_job(self, workspace: str, job_id: str, *, unfinished_too: bool = False) -> str:
        """Delete a job: "deleted", "missing" or "unfinished" (refused, unless `unfinished_too`).

        An unfinished job deleted with `unfinished_too` is gone at once: the worker drops
        it, and its partial results are removed.
        """
        job = self.get_job(workspace, job_id)
        if job is None:
            return "missing"
        with self._transaction() as db:
            if unfinished_too:
                deleted = db.execute("DELETE FROM jobs WHERE id = ?", (job_id,)).rowcount
            else:
                deleted = db.execute(
                    "DELETE FROM jobs WHERE id = ? AND status NOT IN (?,?,?)",
                    (job_id, *UNFINISHED),
                ).rowcount
        if not deleted:
            return "unfinished"
        if job.inline:
            self.requests_path(job_id).unlink(missing_ok=True)
        if job.status in UNFINISHED:
            for partial in (job.output_file_id, job.error_file_id):
                remove_quietly(self.blob_path(partial))
        return "deleted"

    def request_cancel(self, workspace: str, job_id: str) -> JobRecord | None:
        """Ask a queued or running job to stop; the job as it now is."""
        if self.get_job(workspace, job_id) is None:
            return None
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET status = 'CANCELLATION_REQUESTED' "
                "WHERE id = ? AND status IN ('QUEUED', 'RUNNING')",
                (job_id,),
            )
        return self.get_job(workspace, job_id)

    def start_job(self, job_id: str, started_at: float, total: int) -> bool:
        """Move a queued job to RUNNING; False when it is no longer queued."""
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE jobs SET status = 'RUNNING', started_at = ?, total = ? "
                "WHERE id = ? AND status = 'QUEUED'",
                (started_at, total, job_id),
            ).rowcount
        return bool(changed)

    def save_progress(
        self, job_id: str, progress: Progress, attempts: Mapping[AttemptKey, int] | None = None
    ) -> None:
        """Record how far a running job got (its status is left alone).

        ``attempts`` adds to the counts of requests run, in the same transaction, so a
        restart never counts the requests of a step whose results it writes again.
        """
        with self._transaction() as db:
            self._save_progress(db, job_id, progress)
            if attempts:
                db.executemany(ADD_ATTEMPTS, [(*key, n) for key, n in attempts.items()])

    def attempts(self, key: AttemptKey) -> int:
        """How many times a (workspace, model, custom_id) was run in a job so far."""
        rows = self._query(GET_ATTEMPTS, key)
        return int(rows[0][0]) if rows else 0

    @staticmethod
    def _save_progress(db: sqlite3.Connection, job_id: str, p: Progress) -> None:
        db.execute(
            "UPDATE jobs SET cursor_file = ?, cursor_offset = ?, next_index = ?, succeeded = ?, "
            "failed = ?, out_bytes = ?, err_bytes = ?, errors = ? WHERE id = ?",
            (
                p.cursor_file,
                p.cursor_offset,
                p.next_index,
                p.succeeded,
                p.failed,
                p.out_bytes,
                p.err_bytes,
                orjson.dumps(p.errors),
                job_id,
            ),
        )

    def finish_job(
        self,
        job: JobRecord,
        status: str,
        completed_at: float,
        progress: Progress,
        results: Sequence[FileRecord],
    ) -> str:
        """End a job and publish its result files, at once; the status it ended with.

        A job whose cancellation was asked ends CANCELLED whatever ``status`` says.
        """
        with self._transaction() as db:
            row = db.execute("SELECT status FROM jobs WHERE id = ?", (job.id,)).fetchone()
            if row is None or row[0] not in UNFINISHED:
                return str(row[0]) if row else "DELETED"
            if row[0] == "CANCELLATION_REQUESTED":
                status = "CANCELLED"
            self._save_progress(db, job.id, progress)
            for record in results:
                self._insert_file(db, record)
            by_kind = {record.sample_type: record.id for record in results}
            db.execute(
                "UPDATE jobs SET status = ?, completed_at = ?, output_file = ?, error_file = ? "
                "WHERE id = ?",
                (
                    status,
                    completed_at,
                    by_kind.get("batch_result"),
                    by_kind.get("batch_error"),
                    job.id,
                ),
            )
        return status


def remove_quietly(path: Path) -> None:
    """Delete ``path`` if it exists, ignoring errors."""
    with suppress(OSError):
        os.unlink(path)
