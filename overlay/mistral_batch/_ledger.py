"""The durable record of a run: what was split, uploaded, created, answered and kept.

One SQLite file holds it. Each step is written in a transaction, before the act it
guards (a create's token, an upload's start) or after the act it records (an upload's
file id, a job's id, a job's answers), so that a process killed at any instant and
started again on the same file goes on from where it was: no part uploaded twice, no job
created twice, no request answered twice. Memory stays flat whatever the input's length:
the custom_ids, the parts and every answer's place live on disk, in the file.

Its tables are described with its schema, in _ledger_sql.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ._ledger_sql import (
    SCHEMA,
    SCHEMA_VERSION,
    Answer,
    JobEntry,
    Placed,
    Planned,
    differences,
    fact,
    incoming,
    job_entry,
    keep_answers,
    plan_input,
    plan_retry,
    transaction,
)
from ._split import Part
from .errors import StateError

__all__ = ["CACHED", "Answer", "JobEntry", "Ledger", "Placed", "Planned"]

#: The part that stands for a cache, in the answers it gave.
CACHED = -1


class Ledger:
    """A run's durable record in one SQLite file (see the module)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    @classmethod
    def open(cls, path: str | Path, run: Mapping[str, Any]) -> Ledger:
        """Open the ledger at `path` for the run `run` describes, creating it if new.

        StateError if the file holds another run's record (it names what differs) or
        is not a ledger; the file is then left as it is.
        """
        # One run uses it at a time; its record may be let go from another thread.
        db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        try:
            # Looked at before anything is written: a database of someone else's (another
            # version, or tables of its own under version 0) is left byte for byte.
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0 and db.execute("SELECT 1 FROM sqlite_master").fetchone():
                raise StateError(f"{path}: not a state file (a database of other tables)")
            if version not in (0, SCHEMA_VERSION):
                raise StateError(f"{path}: a state of version {version}, not {SCHEMA_VERSION}")
            # WAL with NORMAL sync survives a killed process; only a power cut can lose
            # the last steps, which are then found again by their tokens.
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            wanted = json.dumps(dict(run), sort_keys=True)
            if version == 0:
                with transaction(db):
                    # Statement by statement: executescript would commit half-way.
                    for statement in filter(str.strip, SCHEMA.split(";")):
                        db.execute(statement)
                    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                    db.execute("INSERT INTO facts VALUES ('run', ?)", (wanted,))
            else:
                found = json.loads(fact(db, "run") or "{}")
                changed = differences(found, dict(run))
                if changed:
                    raise StateError(f"{path} was written for another run: {changed}")
        except sqlite3.DatabaseError as exc:
            db.close()
            raise StateError(f"{path}: not a state file ({exc})") from exc
        except BaseException:
            db.close()
            raise
        return cls(db)

    def close(self) -> None:
        """Close the file; the record stays on disk."""
        self._db.close()

    # Planning

    @property
    def planned(self) -> Planned | None:
        """What planning found, once the input is planned."""
        value = fact(self._db, "planned")
        return None if value is None else Planned(*json.loads(value))

    def plan(
        self,
        path: Path,
        *,
        max_bytes: int,
        max_requests: int,
        models_in_body: bool = True,
        cached: bool = False,
    ) -> Planned:
        """Check the input file line by line, note each request and cut it into parts.

        All or nothing: InputError names the first bad line (a duplicate custom_id among
        them, found on disk), and nothing is noted. `models_in_body=False` refuses a body
        that names its own model (the run names the models). `cached`: a cache may answer
        some requests, so round 0 is cut later, model by model (see answer_from_cache).
        """
        if (done := self.planned) is not None:
            return done
        with transaction(self._db), path.open("rb") as stream:
            found = plan_input(
                self._db,
                stream,
                path,
                max_bytes=max_bytes,
                max_requests=max_requests,
                models_in_body=models_in_body,
                cached=cached,
            )
            planned = Planned(*found)
            self._db.execute(
                "INSERT INTO facts VALUES ('planned', ?)", (json.dumps(list(planned)),)
            )
        return planned

    def parts(self, round_: int, model: str | None = None) -> list[Part]:
        """The parts of a round that `model` runs: those of every model (round 0's cut of
        the input), and its own (a round's requests to send again, or round 0's when a
        cache answered some)."""
        rows = self._db.execute(
            "SELECT id, first, count, start, size FROM parts WHERE round = ?"
            " AND (model IS NULL OR model IS ?) ORDER BY id",
            (round_, model),
        )
        return [
            Part(index=i, first=first or 0, count=n, start=start or 0, size=size)
            for i, first, n, start, size in rows
        ]

    def ranges(self, part: int) -> Iterator[tuple[int, int]]:
        """The (offset, size) of the input bytes a part is made of, in order."""
        first = self._db.execute("SELECT model, start, size FROM parts WHERE id = ?", (part,))
        model, start, size = first.fetchone()
        if model is None:  # a cut of the input
            yield start, size
            return
        yield from self._db.execute(
            "SELECT r.start, r.size FROM members m JOIN requests r ON r.idx = m.idx"
            " WHERE m.part = ? ORDER BY m.idx",
            (part,),
        )

    def count_of(self, part: int) -> int:
        """How many requests the part holds."""
        row = self._db.execute("SELECT count FROM parts WHERE id = ?", (part,)).fetchone()
        return int(row[0])

    def first_file(self) -> str | None:
        """The id of the first part's uploaded file, if any part was uploaded."""
        row = self._db.execute(
            "SELECT file_id FROM parts WHERE file_id IS NOT NULL ORDER BY id LIMIT 1"
        ).fetchone()
        return None if row is None else str(row[0])

    def file_of(self, part: int) -> str | None:
        """The id of the part's uploaded file, once it is uploaded."""
        row = self._db.execute("SELECT file_id FROM parts WHERE id = ?", (part,)).fetchone()
        return None if row is None else row[0]

    def begin_upload(self, part: int, *, at: float) -> float:
        """Record that the part's upload is about to be sent, at `at` (a time.time()); the
        time it was first begun, which a later call keeps."""
        with transaction(self._db):
            self._db.execute(
                "INSERT OR IGNORE INTO facts VALUES (?, ?)", (f"upload {part}", repr(at))
            )
        begun = self.upload_begun(part)
        assert begun is not None
        return begun

    def upload_begun(self, part: int) -> float | None:
        """When the part's upload was first begun, once it was."""
        value = fact(self._db, f"upload {part}")
        return None if value is None else float(value)

    def uploaded(self, part: int, file_id: str) -> None:
        """Record that the part is uploaded as `file_id`."""
        with transaction(self._db):
            self._db.execute("UPDATE parts SET file_id = ? WHERE id = ?", (file_id, part))

    # Jobs

    def job(self, part: int, model: str) -> JobEntry | None:
        """The job recorded for the part on the model, if its create was begun."""
        row = self._db.execute(
            "SELECT part, model, token, job_id, status, collected FROM jobs"
            " WHERE part = ? AND model = ?",
            (part, model),
        ).fetchone()
        return None if row is None else job_entry(row)

    def jobs(self) -> list[JobEntry]:
        """Every job recorded, in the order begun."""
        rows = self._db.execute(
            "SELECT part, model, token, job_id, status, collected FROM jobs ORDER BY rowid"
        )
        return [job_entry(row) for row in rows]

    def begin_job(self, part: int, model: str, token: str) -> JobEntry:
        """Record the token a create is about to carry; the entry already there if any."""
        with transaction(self._db):
            self._db.execute(
                "INSERT OR IGNORE INTO jobs (part, model, token) VALUES (?, ?, ?)",
                (part, model, token),
            )
        found = self.job(part, model)
        assert found is not None
        return found

    def created(self, part: int, model: str, job_id: str, status: str) -> None:
        """Record the job a create made, or its status as last seen."""
        with transaction(self._db):
            self._db.execute(
                "UPDATE jobs SET job_id = ?, status = ? WHERE part = ? AND model = ?",
                (job_id, status, part, model),
            )

    def collect(self, part: int, model: str, answers: Iterable[Answer]) -> int:
        """Record the answers of the part's job on the model; return how many lines
        answered no request of the part, or one already answered (they are not kept).

        One transaction: a collect cut short leaves nothing, and is done again. An
        answer of a later round replaces the failure of an earlier one; within a round,
        the first line for a request stands.
        """
        db = self._db
        round_, owner, first, count = db.execute(
            "SELECT round, model, first, count FROM parts WHERE id = ?", (part,)
        ).fetchone()
        args: tuple[int, ...]
        if owner is None:  # a cut of the input
            member, args = "r.idx BETWEEN ? AND ?", (first, first + count - 1)
        else:
            member = "EXISTS (SELECT 1 FROM members m WHERE m.part = ? AND m.idx = r.idx)"
            args = (part,)
        with transaction(db):
            lines = incoming(db, answers)
            kept = keep_answers(db, model, round_, part, member, args)
            marked = db.execute(
                "UPDATE jobs SET collected = 1 WHERE part = ? AND model = ?", (part, model)
            )
            if marked.rowcount != 1:
                raise StateError(f"no job of part {part} on model {model!r} is recorded")
            db.execute("DELETE FROM incoming")
        return int(lines) - kept

    # Rounds

    def plan_retry(self, model: str, round_: int, *, max_bytes: int, max_requests: int) -> int:
        """Gather the model's requests of round `round_` that failed for a transient reason
        or got no answer into the parts of the next round; return how many there are.

        Done once: planned again, it returns the count it found the first time.
        """
        key = f"retry {round_} {model}"
        if (done := fact(self._db, key)) is not None:
            return int(done)
        with transaction(self._db):
            found = plan_retry(
                self._db, model, round_, max_bytes=max_bytes, max_requests=max_requests
            )
            self._db.execute("INSERT INTO facts VALUES (?, ?)", (key, str(found)))
        return found

    def retried(self, model: str, round_: int) -> int | None:
        """How many of the model's requests of the round were planned to go again, once
        that is planned."""
        done = fact(self._db, f"retry {round_} {model}")
        return None if done is None else int(done)

    def last_round(self, model: str) -> int:
        """The model's latest round that has parts (0, the input's, at least)."""
        row = self._db.execute(
            "SELECT coalesce(max(round), 0) FROM parts WHERE model = ?", (model,)
        ).fetchone()
        return int(row[0])

    def uncollected(self, model: str, round_: int) -> int:
        """How many parts of the model's round have no job whose answers are recorded."""
        row = self._db.execute(
            "SELECT count(*) FROM parts p LEFT JOIN jobs j ON j.part = p.id AND j.model = ?"
            " WHERE p.round = ? AND (p.model IS NULL OR p.model = ?)"
            " AND coalesce(j.collected, 0) = 0",
            (model, round_, model),
        ).fetchone()
        return int(row[0])

    def to_create(self, models: tuple[str, ...]) -> list[tuple[int, str, int]]:
        """(part, model, requests) of every job not created yet, round by round."""
        found = []
        for order, model in enumerate(models):
            rows = self._db.execute(
                "SELECT p.round, p.id, p.count FROM parts p LEFT JOIN jobs j"
                " ON j.part = p.id AND j.model = ? WHERE (p.model IS NULL OR p.model = ?)"
                " AND j.job_id IS NULL",
                (model, model),
            )
            found += [(round_, part, order, model, count) for round_, part, count in rows]
        return [(part, model, count) for _, part, _, model, count in sorted(found)]

    # A cache's answers

    def digests(self) -> Iterator[tuple[str, bytes]]:
        """(custom_id, body digest) of each request, in input order."""
        yield from self._db.execute("SELECT custom_id, digest FROM requests ORDER BY idx")

    def from_cache(self, model: str) -> int | None:
        """How many requests on the model a cache answered, once it was asked."""
        done = fact(self._db, f"cache {model}")
        return None if done is None else int(done)

    def record_cached(
        self, model: str, answers: Iterable[Answer], *, max_bytes: int, max_requests: int
    ) -> int:
        """Record the answers a cache gave on the model (lines of its file of cached
        answers, part CACHED), and cut the model's round 0 from the requests left; how
        many were answered. Once, in one transaction."""
        if (done := self.from_cache(model)) is not None:
            return done
        db = self._db
        with transaction(db):
            incoming(db, answers)
            before = db.total_changes
            db.execute(
                "INSERT INTO outcomes SELECT ?, r.idx, 0, 1, 0, ?, i.kind, i.offset, i.length"
                " FROM incoming i JOIN requests r ON r.custom_id = i.custom_id WHERE i.ok"
                " ORDER BY i.line ON CONFLICT (model, idx) DO NOTHING",
                (model, CACHED),
            )
            found = db.total_changes - before
            plan_retry(db, model, -1, max_bytes=max_bytes, max_requests=max_requests)
            db.execute("INSERT INTO facts VALUES (?, ?)", (f"cache {model}", str(found)))
        return found

    def successes(self, part: int, model: str) -> Iterator[tuple[bytes, str, int, int]]:
        """(body digest, kind, offset, length) of the answers of the part on the model that
        succeeded, to be kept in a cache."""
        yield from self._db.execute(
            "SELECT r.digest, o.kind, o.offset, o.length FROM outcomes o"
            " JOIN requests r ON r.idx = o.idx WHERE o.model = ? AND o.part = ? AND o.ok"
            " ORDER BY o.kind, o.offset",
            (model, part),
        )

    def cached(self, model: str) -> int:
        """How many of the model's standing answers came from a cache."""
        row = self._db.execute(
            "SELECT count(*) FROM outcomes WHERE model = ? AND part = ?", (model, CACHED)
        ).fetchone()
        return int(row[0])

    # Outputs

    def standing(self, model: str, *, ordered: bool, kind: str | None = None) -> Iterator[Placed]:
        """Each request's standing answer on the model: exactly one per request, in
        input order when `ordered`, else file by file (the unanswered last). With `kind`,
        only the successes ("output") or only the rest ("errors", the unanswered too)."""
        order = "r.idx" if ordered else "o.part IS NULL, o.part, o.kind, o.offset"
        which = {None: "", "output": "WHERE o.kind = 'output'"}
        where = which.get(kind, "WHERE o.kind IS NOT 'output'")
        yield from (
            Placed(*row)
            for row in self._db.execute(
                "SELECT r.idx, r.custom_id, o.part, o.kind, coalesce(o.offset, 0),"
                " coalesce(o.length, 0) FROM requests r LEFT JOIN outcomes o"
                f" ON o.model = ? AND o.idx = r.idx {where} ORDER BY {order}",
                (model,),
            )
        )

    def counts(self, model: str) -> tuple[int, int, int]:
        """(succeeded, failed, unanswered) requests on the model, as they stand."""
        ok, failed, total = self._db.execute(
            "SELECT coalesce(sum(ok), 0), count(*) - coalesce(sum(ok), 0),"
            " (SELECT count(*) FROM requests) FROM outcomes WHERE model = ?",
            (model,),
        ).fetchone()
        return ok, failed, total - ok - failed
