"""Runs one job's requests: reads input lines from a cursor and appends result lines.

A runner can be stopped between steps and a new one built from the saved
:class:`Progress` goes on from the same line: the result files are cut back to the sizes
recorded with that progress, so no line is lost or written twice.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import orjson

from ._endpoints import body_problem
from ._errors import error_body
from ._fake_model import respond
from ._records import JobRecord, Progress
from ._store import AttemptKey, Store
from ._transient import TRANSIENT_MESSAGE, TRANSIENT_STATUS, draws_failure

_READ_SIZE = 4 * 1024 * 1024


#: The answer to a request without a model in a job without one: Mistral's API checks
#: bodies with pydantic, and a missing required field is a 422 with a ``detail`` list.
MISSING_MODEL_STATUS = 422
MISSING_MODEL_BODY: dict[str, Any] = {
    "detail": [{"type": "missing", "loc": ["body", "model"], "msg": "Field required"}]
}


def _error_body(message: str, status: int) -> dict[str, Any]:
    return {
        "object": "error",
        "message": message,
        "type": "invalid_request_error",
        "param": None,
        "code": str(status),
    }


def _open_for_append(path: Path, size: int) -> IO[bytes]:
    handle = open(path, "ab")  # noqa: SIM115 - closed by JobRunner.close
    handle.truncate(size)
    handle.seek(size)
    return handle


def file_signature(path: Path) -> str:
    """A short hash of a file's content."""
    digest = hashlib.blake2b(digest_size=8)
    with open(path, "rb") as handle:
        while chunk := handle.read(_READ_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


class InputUnreadable(Exception):
    """Raised when an input file of a job is gone."""


class JobRunner:
    """Processes the lines of one job, a bounded number per step."""

    def __init__(self, store: Store, job: JobRecord) -> None:
        self.job = job
        self._store = store
        #: The requests the last step ran, to add to the store's counts with its progress.
        self.attempts: dict[AttemptKey, int] = {}
        self._fail_rate = 0.0
        self.progress = job.progress
        # None when the job names neither: each request must then name its own.
        self.model = job.model or (f"agent:{job.agent_id}" if job.agent_id else None)
        self.created = int(job.started_at or job.created_at)
        self._inputs = input_paths(store, job)
        for path in self._inputs:
            if not path.exists():
                raise InputUnreadable(path.name)
        self._out = _open_for_append(store.blob_path(job.output_file_id), self.progress.out_bytes)
        self._err = _open_for_append(store.blob_path(job.error_file_id), self.progress.err_bytes)
        self._reader: IO[bytes] | None = None
        self._buffer = b""
        self._pos = 0
        self._base = self.progress.cursor_offset

    def close(self) -> None:
        """Close the open files (the saved progress stays as it was)."""
        for handle in (self._reader, self._out, self._err):
            if handle is not None:
                handle.close()
        self._reader = None

    def _open_current(self) -> IO[bytes] | None:
        if self._reader is None:
            if self.progress.cursor_file >= len(self._inputs):
                return None
            try:
                self._reader = open(self._inputs[self.progress.cursor_file], "rb")  # noqa: SIM115
            except OSError as error:
                raise InputUnreadable(str(error)) from error
            self._reader.seek(self._base)
        return self._reader

    def _next_line(self) -> bytes | None:
        """The next input line (without its newline), or None at the end of all inputs."""
        while True:
            newline = self._buffer.find(b"\n", self._pos)
            if newline >= 0:
                line = self._buffer[self._pos : newline]
                self._pos = newline + 1
                return line
            reader = self._open_current()
            if reader is None:
                return None
            more = reader.read(_READ_SIZE)
            if more:
                self._base += self._pos
                self._buffer = self._buffer[self._pos :] + more
                self._pos = 0
                continue
            if self._pos < len(self._buffer):
                line = self._buffer[self._pos :]
                self._pos = len(self._buffer)
                return line
            reader.close()
            self._reader = None
            self._buffer, self._pos, self._base = b"", 0, 0
            self.progress = replace(self.progress, cursor_file=self.progress.cursor_file + 1)

    def step(self, max_lines: int, fail_rate: float = 0.0) -> bool:
        """Process up to ``max_lines`` requests and save nothing; True when input is done.

        A share ``fail_rate`` of the requests that reach the model fail with a transient
        error; the requests run are counted in ``attempts`` (when ``fail_rate`` > 0).
        """
        self.attempts = {}
        self._fail_rate = fail_rate
        p = self.progress
        index, succeeded, failed = p.next_index, p.succeeded, p.failed
        errors = dict(p.errors)
        out: list[bytes] = []
        err: list[bytes] = []
        done = False
        prefix = f"batch-{self.job.id}-"
        processed = 0
        while processed < max_lines:
            line = self._next_line()
            if line is None:
                done = True
                break
            if not line.strip():
                continue
            result, message = self._handle(line, prefix + str(index))
            if message is None:
                out.append(result)
                succeeded += 1
            else:
                err.append(result)
                failed += 1
                errors[message] = errors.get(message, 0) + 1
            index += 1
            processed += 1
        out_bytes, err_bytes = p.out_bytes, p.err_bytes
        if out:
            data = b"".join(out)
            self._out.write(data)
            self._out.flush()
            out_bytes += len(data)
        if err:
            data = b"".join(err)
            self._err.write(data)
            self._err.flush()
            err_bytes += len(data)
        self.progress = Progress(
            cursor_file=self.progress.cursor_file,
            cursor_offset=self._base + self._pos,
            next_index=index,
            succeeded=succeeded,
            failed=failed,
            out_bytes=out_bytes,
            err_bytes=err_bytes,
            errors=errors,
        )
        return done

    def _handle(self, line: bytes, result_id: str) -> tuple[bytes, str | None]:
        """The result line for one input line, and the error message if it failed."""
        custom_id: Any = None
        try:
            request = orjson.loads(line)
        except orjson.JSONDecodeError:
            return self._failure(result_id, None, 400, "Input line is not valid JSON")
        if not isinstance(request, dict):
            return self._failure(result_id, None, 400, "Input line is not a JSON object")
        custom_id = request.get("custom_id")
        if custom_id is not None and not isinstance(custom_id, str):
            custom_id = orjson.dumps(custom_id).decode()
        if "body" not in request:
            return self._failure(result_id, custom_id, 400, "Input line has no 'body'")
        body = request["body"]
        if not isinstance(body, dict):
            return self._failure(result_id, custom_id, 400, "'body' is not a JSON object")
        problem = body_problem(self.job.endpoint, body)
        if problem is not None:
            message = f"Invalid request for {self.job.endpoint}: {problem}"
            return self._failure(result_id, custom_id, 422, message)
        model = body.get("model") or self.model
        if model is None:
            message = f"Invalid request for {self.job.endpoint}: 'model' is required"
            return self._failure(
                result_id, custom_id, MISSING_MODEL_STATUS, message, MISSING_MODEL_BODY
            )
        if self._fail_rate > 0 and self._fails(custom_id, model, result_id):
            body = error_body(TRANSIENT_STATUS, TRANSIENT_MESSAGE)
            return self._failure(result_id, custom_id, TRANSIENT_STATUS, TRANSIENT_MESSAGE, body)
        answer = respond(self.job.endpoint, body, model, self.created)
        result = {
            "id": result_id,
            "custom_id": custom_id,
            "response": {"status_code": 200, "body": answer},
            "error": None,
        }
        return orjson.dumps(result) + b"\n", None

    def _fails(self, custom_id: str | None, model: str, result_id: str) -> bool:
        """Whether this attempt at the request draws a transient failure; counts it."""
        if custom_id is None:
            # Nothing ties it to a request of another job: always a first attempt.
            return draws_failure(result_id, model, 0, self._fail_rate)
        key = (self.job.workspace, model, custom_id)
        earlier = self.attempts.get(key, 0)
        self.attempts[key] = earlier + 1
        attempt = self._store.attempts(key) + earlier
        return draws_failure(custom_id, model, attempt, self._fail_rate)

    @staticmethod
    def _failure(
        result_id: str,
        custom_id: Any,
        status: int,
        message: str,
        body: dict[str, Any] | None = None,
    ) -> tuple[bytes, str | None]:
        answer = _error_body(message, status) if body is None else body
        result = {
            "id": result_id,
            "custom_id": custom_id,
            "response": {"status_code": status, "body": answer},
            "error": None,
        }
        return orjson.dumps(result) + b"\n", message


def input_paths(store: Store, job: JobRecord) -> list[Path]:
    """The files a job reads its requests from, in order."""
    if job.inline:
        return [store.requests_path(job.id)]
    return [store.blob_path(file_id) for file_id in job.input_files]


def cut_to(path: Path, size: int) -> bool:
    """Cut ``path`` to ``size`` bytes and say whether it keeps any; remove it when empty."""
    if size <= 0:
        path.unlink(missing_ok=True)
        return False
    try:
        os.truncate(path, size)
    except OSError:
        return False
    return True
