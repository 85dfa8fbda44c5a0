"""The SQL of a run's ledger: its schema, its transactions, and the planning of its parts
(the input's, checked as they are noted, and each next round's, from the requests that
failed for a transient reason or got no answer).

Functions on the ledger's SQLite connection, called by _ledger inside its transactions.

The tables:

- ``facts``: what the run is (its input and options, as JSON), whether it is planned,
  each round planned after the first, whether a cache was asked, and when each part's
  upload was first begun;
- ``requests``: each input line, by its index: its custom_id (unique), its bytes, and
  with a cache its body's digest;
- ``parts``: the slices sent as one file each; round 0 cuts the input in consecutive
  lines shared by every model (model NULL), and each later round gathers one model's
  requests to send again (listed in ``members``), as round 0 does when a cache answered
  some;
- ``jobs``: one per part and model, with the token its create carries;
- ``outcomes``: for each model and request, the answer that stands: the round, whether it
  succeeded or failed for a transient reason, and where its line is in the job's result
  files (part, kind, offset, length; part -1 for a cache's answers).
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

import attrs

from ._cache import body_digest
from ._input import check_request_line
from ._split import split
from .errors import InputError

__all__ = [
    "SCHEMA",
    "SCHEMA_VERSION",
    "Answer",
    "JobEntry",
    "Placed",
    "Planned",
    "differences",
    "fact",
    "incoming",
    "job_entry",
    "keep_answers",
    "plan_input",
    "plan_retry",
    "transaction",
]


class Planned(NamedTuple):
    """What planning found: the requests and bytes of the input, and its parts."""

    requests: int
    bytes: int
    parts: int


class Answer(NamedTuple):
    """One line of a job's result files, as collecting reads it."""

    custom_id: str | None
    ok: bool
    transient: bool
    kind: str
    offset: int
    length: int


class Placed(NamedTuple):
    """Where a request's standing answer is (None for a request never answered)."""

    idx: int
    custom_id: str
    part: int | None
    kind: str | None
    offset: int
    length: int


@attrs.frozen
class JobEntry:
    """The job of one part on one model, as recorded."""

    part: int
    model: str
    token: str
    job_id: str | None
    status: str | None
    collected: bool


def job_entry(row: tuple[Any, ...]) -> JobEntry:
    part, model, token, job_id, status, collected = row
    return JobEntry(part, model, token, job_id, status, bool(collected))


SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE facts (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE requests (
    idx INTEGER PRIMARY KEY, custom_id TEXT NOT NULL UNIQUE,
    start INTEGER NOT NULL, size INTEGER NOT NULL, digest BLOB
);
CREATE TABLE parts (
    id INTEGER PRIMARY KEY, round INTEGER NOT NULL, model TEXT,
    first INTEGER, count INTEGER NOT NULL, start INTEGER, size INTEGER NOT NULL, file_id TEXT
);
CREATE TABLE members (part INTEGER NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (part, idx))
    WITHOUT ROWID;
CREATE TABLE jobs (
    part INTEGER NOT NULL, model TEXT NOT NULL, token TEXT NOT NULL, job_id TEXT,
    status TEXT, collected INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (part, model)
);
CREATE TABLE outcomes (
    model TEXT NOT NULL, idx INTEGER NOT NULL, round INTEGER NOT NULL, ok INTEGER NOT NULL,
    transient INTEGER NOT NULL, part INTEGER NOT NULL, kind TEXT NOT NULL,
    offset INTEGER NOT NULL, length INTEGER NOT NULL, PRIMARY KEY (model, idx)
) WITHOUT ROWID;
"""


#: Rows written per statement while planning: big enough to be fast, small enough to
#: keep memory flat.
_BATCH = 10_000
#: How much of a line is read before its start is looked at.
_PROBE = 64 * 1024


def plan_input(
    db: sqlite3.Connection,
    stream: IO[bytes],
    path: Path,
    *,
    max_bytes: int,
    max_requests: int,
    models_in_body: bool,
    cached: bool = False,
) -> tuple[int, int, int]:
    """Note each request of the input and its round-0 parts; (requests, bytes, parts).

    `cached`: a cache may answer some requests on some models; the digest of each body
    is noted, and round 0 is cut later, model by model, from what is left to send.
    """
    sizes = _checked_sizes(db, stream, path, models_in_body, max_bytes, cached)
    count = 0
    try:
        for part in split(sizes, max_bytes=max_bytes, max_requests=max_requests):
            if cached:
                continue
            db.execute(
                "INSERT INTO parts (id, round, first, count, start, size)"
                " VALUES (?, 0, ?, ?, ?, ?)",
                (part.index, part.first, part.count, part.start, part.size),
            )
            count += 1
    except InputError as exc:
        if exc.path is not None:
            raise
        raise InputError(exc.reason, line=exc.line, path=path, field=exc.field) from None
    requests, total = db.execute("SELECT count(*), coalesce(sum(size), 0) FROM requests").fetchone()
    if requests == 0:
        raise InputError("the input is empty", path=path)
    return requests, total, count


def plan_retry(
    db: sqlite3.Connection, model: str, round_: int, *, max_bytes: int, max_requests: int
) -> int:
    """Note the parts of the round after `round_` on `model`, once; their request count.

    None after a round in which a job on the model was cancelled: whoever cancelled it
    wanted its requests stopped, not sent again.
    """
    cancelled = db.execute(
        "SELECT 1 FROM jobs j JOIN parts p ON p.id = j.part"
        " WHERE j.model = ? AND p.round = ? AND j.status = 'CANCELLED'",
        (model, round_),
    ).fetchone()
    if cancelled is not None:
        return 0
    following = round_ + 1
    planned, parts = db.execute(
        "SELECT coalesce(sum(count), 0), count(*) FROM parts WHERE round = ? AND model = ?",
        (following, model),
    ).fetchone()
    if parts:
        return int(planned)
    # Gathered apart first: reading members while writing them would be undefined.
    db.execute("CREATE TEMP TABLE IF NOT EXISTS resend (idx INTEGER PRIMARY KEY, size INTEGER)")
    db.execute("DELETE FROM resend")
    db.execute(f"INSERT INTO resend {_to_send_again(round_)}", (*_args(model, round_),))
    base = db.execute("SELECT coalesce(max(id), -1) + 1 FROM parts").fetchone()[0]
    # The ids of the part being filled: at most one part's worth is held at a time.
    waiting: deque[int] = deque()

    def sizes() -> Iterator[int]:
        for idx, size in db.execute("SELECT idx, size FROM resend ORDER BY idx"):
            waiting.append(idx)
            yield int(size)

    for part in split(sizes(), max_bytes=max_bytes, max_requests=max_requests):
        pid = base + part.index
        db.execute(
            "INSERT INTO parts (id, round, model, count, size) VALUES (?, ?, ?, ?, ?)",
            (pid, following, model, part.count, part.size),
        )
        db.executemany(
            "INSERT INTO members VALUES (?, ?)",
            ((pid, waiting.popleft()) for _ in range(part.count)),
        )
    found = db.execute("SELECT count(*) FROM resend").fetchone()[0]
    db.execute("DELETE FROM resend")
    return int(found)


def _to_send_again(round_: int) -> str:
    """The query of (idx, size) of a round's requests on a model to send again; its
    arguments are _args'. Round -1 is before round 0: every request not answered yet."""
    if round_ <= 0:
        # Round 0's parts hold every request (but those a cache answered).
        members = "SELECT idx, size FROM requests"
    else:
        members = (
            "SELECT r.idx, r.size FROM members m JOIN parts p ON p.id = m.part"
            " AND p.round = ? AND p.model = ? JOIN requests r ON r.idx = m.idx"
        )
    return (
        f"SELECT s.idx, s.size FROM ({members}) s LEFT JOIN outcomes o"
        " ON o.model = ? AND o.idx = s.idx"
        " WHERE o.idx IS NULL OR (o.ok = 0 AND o.transient = 1)"
    )


def _args(model: str, round_: int) -> tuple[Any, ...]:
    return (model,) if round_ <= 0 else (round_, model, model)


def _checked_sizes(
    db: sqlite3.Connection,
    stream: IO[bytes],
    path: Path,
    models_in_body: bool,
    max_bytes: int,
    digests: bool,
) -> Iterator[int]:
    """Check each line of the input and note it (with its body's digest if asked);
    yield its size, for the split."""
    batch: list[tuple[int, str, int, int, bytes | None]] = []
    offset = 0
    for number, raw in enumerate(_lines(stream, max_bytes), 1):
        if len(raw) > max_bytes:
            yield len(raw)  # the split names it
        custom_id, value = check_request_line(raw, number, path)
        if not models_in_body and "model" in value["body"]:
            raise InputError(
                "the body names a model, but the run names the models to run it on:"
                " remove 'model' from the bodies",
                line=number,
                path=path,
                field="model",
            )
        digest = body_digest(value["body"]) if digests else None
        batch.append((number - 1, custom_id, offset, len(raw), digest))
        offset += len(raw)
        if len(batch) == _BATCH:
            _note(db, batch, path)
            batch = []
        yield len(raw)
    _note(db, batch, path)


def _lines(stream: IO[bytes], max_bytes: int) -> Iterator[bytes]:
    """Each line of the input, read no further than it must be: one byte past the longest
    line a part can hold (an endless line must not fill memory), and no further than its
    start when that start is not a JSON object's (a file of something else)."""
    while head := stream.readline(min(_PROBE, max_bytes + 1)):
        if head.endswith(b"\n") or not head.lstrip(b" \t").startswith(b"{"):
            yield head
        else:
            yield head + stream.readline(max_bytes + 1 - len(head))


def _note(
    db: sqlite3.Connection, batch: list[tuple[int, str, int, int, bytes | None]], path: Path
) -> None:
    """Note a batch of requests; InputError naming the first duplicate custom_id."""
    before = db.total_changes
    db.executemany("INSERT OR IGNORE INTO requests VALUES (?, ?, ?, ?, ?)", batch)
    if db.total_changes - before == len(batch):
        return
    for idx, custom_id, *_ in batch:
        first = db.execute("SELECT idx FROM requests WHERE custom_id = ?", (custom_id,))
        found = first.fetchone()[0]
        if found != idx:
            raise InputError(
                f"duplicate custom_id {custom_id!r} (first on line {found + 1})",
                line=idx + 1,
                path=path,
                field="custom_id",
            )


def incoming(db: sqlite3.Connection, answers: Iterable[Answer]) -> int:
    """Put `answers` in the temporary table ``incoming``, emptied first; how many."""
    db.execute(
        "CREATE TEMP TABLE IF NOT EXISTS incoming (line INTEGER PRIMARY KEY,"
        " custom_id TEXT, ok INTEGER, transient INTEGER, kind TEXT, offset INTEGER,"
        " length INTEGER)"
    )
    db.execute("DELETE FROM incoming")
    db.executemany(
        "INSERT INTO incoming (custom_id, ok, transient, kind, offset, length)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        answers,
    )
    return int(db.execute("SELECT count(*) FROM incoming").fetchone()[0])


def keep_answers(
    db: sqlite3.Connection, model: str, round_: int, part: int, member: str, args: tuple[int, ...]
) -> int:
    """Let the answers in ``incoming`` that `member` says belong to the part stand, each
    where no answer does yet or where a failure of an earlier round does; how many."""
    before = db.total_changes
    db.execute(
        f"""INSERT INTO outcomes
        SELECT ?, r.idx, ?, i.ok, i.transient, ?, i.kind, i.offset, i.length
        FROM incoming i JOIN requests r ON r.custom_id = i.custom_id
        WHERE {member} ORDER BY i.line
        ON CONFLICT (model, idx) DO UPDATE SET
            round = excluded.round, ok = excluded.ok, transient = excluded.transient,
            part = excluded.part, kind = excluded.kind, offset = excluded.offset,
            length = excluded.length
        WHERE excluded.round > outcomes.round AND outcomes.ok = 0""",
        (model, round_, part, *args),
    )
    return db.total_changes - before


class transaction:
    """BEGIN IMMEDIATE .. COMMIT on a connection in autocommit mode; ROLLBACK on error."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *_: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def fact(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM facts WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def differences(found: dict[str, Any], wanted: dict[str, Any]) -> str:
    """What differs between two runs' descriptions, in words ('' when nothing does)."""
    keys = sorted(set(found) | set(wanted))
    return "; ".join(
        _difference(key, found.get(key), wanted.get(key))
        for key in keys
        if found.get(key) != wanted.get(key)
    )


def _difference(key: str, was: Any, now: Any) -> str:
    if key == "input":
        return "the input's content"
    if key == "models" and isinstance(was, list) and isinstance(now, list):
        if len(was) == len(now) == 1:
            return f"the model ({was[0] or 'none'}, now {now[0] or 'none'})"
        return f"the models ({', '.join(was)}, now {', '.join(now)})"
    return f"{key.replace('_', ' ')} ({was!r}, now {now!r})"
