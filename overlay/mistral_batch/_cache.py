"""Answers kept across runs, so that a request answered once is never paid for again.

A cache is a folder holding one SQLite file. A successful answer is kept under the key of
its request: the sha256 of the endpoint, the model and the request's body written in
canonical JSON (keys sorted, no spaces), so that the same request in another file, in
another order or under another custom_id finds it. Only successes are kept: a failure
may go otherwise next time. Several processes may share a cache: SQLite serializes their
writes, and the first answer kept for a key stays. The cache also notes, in the same
transaction, the job whose answers it kept: a run stopped between recording a job's
answers and keeping them keeps them when it goes on (see unkept).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

__all__ = ["AnswerCache", "body_digest", "cached_lines", "request_key"]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS answers (key BLOB PRIMARY KEY, line BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY) WITHOUT ROWID",
)
#: Keys looked up per query: below SQLite's limit on the parameters of one statement.
_LOOKUP = 500
#: How long, in seconds, a process waits for another to let go of the cache's file.
_WAIT = 60.0


def body_digest(body: Mapping[str, Any]) -> bytes:
    """The sha256 of a request's body written in canonical JSON."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).digest()


def request_key(endpoint: str, model: str, digest: bytes) -> bytes:
    """The key of a request's answer: its endpoint, the job's model ("" when the body
    names its own) and its body's digest, hashed together."""
    return hashlib.sha256(b"\0".join([endpoint.encode(), model.encode(), digest])).digest()


class AnswerCache:
    """A folder of kept answers (see the module)."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        path = Path(folder)
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        # A writer waits its turn rather than fail; one run uses it at a time.
        self._db = sqlite3.connect(
            str(path / "answers.sqlite"),
            timeout=_WAIT,
            isolation_level=None,
            check_same_thread=False,
        )
        try:
            for statement in ("PRAGMA journal_mode=WAL", *_SCHEMA):
                _patiently(self._db, statement)
        except BaseException:
            self._db.close()
            raise

    def close(self) -> None:
        """Close the cache's file."""
        self._db.close()

    def find(self, keys: Iterable[bytes]) -> dict[bytes, bytes]:
        """The answers kept for those of `keys` that have one."""
        found: dict[bytes, bytes] = {}
        batch: list[bytes] = []
        for key in keys:
            batch.append(key)
            if len(batch) == _LOOKUP:
                found.update(self._find(batch))
                batch = []
        found.update(self._find(batch))
        return found

    def _find(self, keys: list[bytes]) -> dict[bytes, bytes]:
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = self._db.execute(f"SELECT key, line FROM answers WHERE key IN ({marks})", keys)
        return {bytes(key): bytes(line) for key, line in rows}

    def keep(self, answers: Iterable[tuple[bytes, bytes]], job: str | None = None) -> int:
        """Keep (key, result line) pairs, the first answer for a key staying, and note
        that `job`'s answers are kept, in one transaction; how many were new."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            before = self._db.total_changes
            self._db.executemany("INSERT OR IGNORE INTO answers VALUES (?, ?)", answers)
            kept = self._db.total_changes - before
            if job is not None:
                self._db.execute("INSERT OR IGNORE INTO jobs VALUES (?)", (job,))
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return kept

    def unkept(self, jobs: Iterable[str]) -> list[str]:
        """Those of `jobs` whose answers were not noted as kept, in order."""
        wanted = list(jobs)
        found: set[str] = set()
        for start in range(0, len(wanted), _LOOKUP):
            batch = wanted[start : start + _LOOKUP]
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(f"SELECT id FROM jobs WHERE id IN ({marks})", batch)
            found.update(job for (job,) in rows)
        return [job for job in wanted if job not in found]


def _patiently(db: sqlite3.Connection, statement: str) -> None:
    """Execute `statement`, trying again while the file is locked, for _WAIT seconds.

    SQLite waits its turn for a lock, but answers "locked" at once, without waiting, when
    waiting could deadlock: when the file, not in WAL yet, is switched to WAL while
    another process holds its write lock, as two processes opening a new cache together
    do.
    """
    deadline = time.monotonic() + _WAIT
    pause = 0.005
    while True:
        try:
            db.execute(statement)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(2 * pause, 0.2)


class _Digests(Protocol):
    def digests(self) -> Iterable[tuple[str, bytes]]: ...


def cached_lines(
    cache: AnswerCache, endpoint: str, model: str, ledger: _Digests
) -> Iterator[bytes]:
    """The result line of each request of the ledger whose answer on `model` the cache
    holds, its custom_id made the request's own."""
    batch: list[tuple[str, bytes]] = []
    for custom_id, digest in ledger.digests():
        batch.append((custom_id, request_key(endpoint, model, digest)))
        if len(batch) == _LOOKUP:
            yield from _lines_of(cache, batch)
            batch = []
    yield from _lines_of(cache, batch)


def _lines_of(cache: AnswerCache, batch: list[tuple[str, bytes]]) -> Iterator[bytes]:
    found = cache.find(key for _, key in batch)
    for custom_id, key in batch:
        if key in found:
            value = json.loads(found[key])
            value["custom_id"] = custom_id
            yield json.dumps(value, ensure_ascii=False).encode() + b"\n"
