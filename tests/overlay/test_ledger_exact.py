"""A run's ledger, exactly: each query's rows and order, each message, each fact kept.

Pure SQLite on a file in tmp_path; the ledger is driven through its own methods, and the
file read back with sqlite3 where what is on disk is the point.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mistral_batch._cache import body_digest
from mistral_batch._ledger import CACHED, Answer, Ledger, Placed, Planned
from mistral_batch._ledger_sql import differences
from mistral_batch._split import Part
from mistral_batch.errors import InputError, StateError

from .test_ledger import RUN, SIZE, line, write


def answer(custom_id: str | None, ok: bool, transient: bool = False, offset: int = 0) -> Answer:
    return Answer(custom_id, ok, transient, "output" if ok else "errors", offset, 10)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = Ledger.open(tmp_path / "run.state", RUN)
    yield opened
    opened.close()


@pytest.fixture
def planned(tmp_path: Path, ledger: Ledger) -> Ledger:
    """Five requests r0..r4, two to a part: parts 0, 1 and 2; their jobs on a and b begun."""
    source = write(tmp_path / "in.jsonl", *(line(f"r{i}") for i in range(5)))
    ledger.plan(source, max_bytes=1000, max_requests=2)
    for part in range(3):
        for model in ("a", "b"):
            ledger.begin_job(part, model, f"token-{part}{model}")
    return ledger


@pytest.fixture
def cached(tmp_path: Path, ledger: Ledger) -> Ledger:
    """Four requests r0..r3 with distinct bodies, planned for a cache: no round-0 part yet."""
    source = write(tmp_path / "in.jsonl", *(line(f"r{i}", n=i) for i in range(4)))
    assert ledger.plan(source, max_bytes=1000, max_requests=10, cached=True) == Planned(
        4, 4 * SIZE, 0
    )
    return ledger


def stored_run(path: Path) -> str:
    with sqlite3.connect(path) as db:
        (value,) = db.execute("SELECT value FROM facts WHERE key = 'run'").fetchone()
    return str(value)


# Opening


def test_the_run_is_stored_the_same_whatever_the_order_of_its_keys(tmp_path: Path) -> None:
    one = {"models": ["a"], "endpoint": "/v1/embeddings", "inline": False}
    two = {"inline": False, "endpoint": "/v1/embeddings", "models": ["a"]}
    Ledger.open(tmp_path / "one.state", one).close()
    Ledger.open(tmp_path / "two.state", two).close()
    assert stored_run(tmp_path / "one.state") == stored_run(tmp_path / "two.state")
    assert stored_run(tmp_path / "one.state") == json.dumps(one, sort_keys=True)


def test_the_same_run_opens_its_record_again(tmp_path: Path) -> None:
    Ledger.open(tmp_path / "run.state", RUN).close()
    again = Ledger.open(tmp_path / "run.state", dict(reversed(list(RUN.items()))))
    again.close()
    assert stored_run(tmp_path / "run.state") == json.dumps(RUN, sort_keys=True)


def test_a_record_of_another_version_is_refused_and_not_written(tmp_path: Path) -> None:
    state = tmp_path / "run.state"
    with sqlite3.connect(state) as db:
        db.execute("PRAGMA user_version=7")
    with pytest.raises(StateError) as caught:
        Ledger.open(state, RUN)
    assert str(caught.value) == f"{state}: a state of version 7, not 1"
    with sqlite3.connect(state) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (7,)
        assert db.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)


@pytest.mark.parametrize(
    ("was", "now", "words"),
    [
        ({"models": ["a"]}, {"models": ["b"]}, "the model (a, now b)"),
        ({"models": [""]}, {"models": ["b"]}, "the model (none, now b)"),
        ({"models": ["a"]}, {"models": [""]}, "the model (a, now none)"),
        ({"models": ["a", "b"]}, {"models": ["a", "c"]}, "the models (a, b, now a, c)"),
        ({"models": ["a"]}, {"models": ["a", "b"]}, "the models (a, now a, b)"),
        ({"input": "x"}, {"input": "y"}, "the input's content"),
        ({"max_pending": 5}, {"max_pending": 6}, "max pending (5, now 6)"),
        ({"models": "a"}, {"models": "b"}, "models ('a', now 'b')"),
        ({"models": ["a"]}, {"models": "b"}, "models (['a'], now 'b')"),
        ({"tags": "a"}, {"tags": ["b"]}, "tags ('a', now ['b'])"),
        ({}, {"timeout_hours": 3}, "timeout hours (None, now 3)"),
        (
            {"input": "x", "agent_id": "g", "models": ["a"]},
            {"input": "y", "agent_id": None, "models": ["a"]},
            "agent id ('g', now None); the input's content",
        ),
        ({"models": ["a"], "inline": True}, {"models": ["a"], "inline": True}, ""),
    ],
)
def test_what_differs_between_two_runs_in_words(
    was: dict[str, object], now: dict[str, object], words: str
) -> None:
    assert differences(was, now) == words


def test_another_run_is_named_by_what_differs(tmp_path: Path) -> None:
    state = tmp_path / "run.state"
    Ledger.open(state, {"input": "x", "models": ["a"]}).close()
    with pytest.raises(StateError) as caught:
        Ledger.open(state, {"input": "y", "models": [""]})
    assert str(caught.value) == (
        f"{state} was written for another run: the input's content; the model (a, now none)"
    )


def test_a_record_without_its_run_is_taken_for_another_runs(tmp_path: Path) -> None:
    state = tmp_path / "run.state"
    Ledger.open(state, RUN).close()
    with sqlite3.connect(state) as db:
        db.execute("DELETE FROM facts WHERE key = 'run'")
    with pytest.raises(StateError) as caught:
        Ledger.open(state, {"models": ["a"]})
    assert str(caught.value) == f"{state} was written for another run: models (None, now ['a'])"
    Ledger.open(state, {}).close()


def in_a_thread(work: Callable[[], object]) -> None:
    failed: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the test's thread
            failed.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]


def test_a_ledger_may_be_used_and_let_go_from_another_thread(tmp_path: Path) -> None:
    opened = Ledger.open(tmp_path / "run.state", RUN)
    source = write(tmp_path / "in.jsonl", line("a"))
    in_a_thread(lambda: opened.plan(source, max_bytes=100, max_requests=10))
    assert opened.planned == Planned(1, len(line("a")), 1)
    in_a_thread(opened.close)
    again = Ledger.open(tmp_path / "run.state", RUN)
    try:
        assert again.planned == Planned(1, len(line("a")), 1)
    finally:
        again.close()


def test_each_step_is_on_disk_as_soon_as_it_returns(tmp_path: Path, planned: Ledger) -> None:
    """Another connection sees each step at once: none is left in an open transaction."""
    planned.uploaded(0, "file-0")
    planned.created(0, "a", "job-0", "QUEUED")
    planned.collect(0, "a", [answer("r0", ok=True)])
    with sqlite3.connect(tmp_path / "run.state", timeout=0) as other:
        assert other.execute("SELECT file_id FROM parts WHERE id = 0").fetchone() == ("file-0",)
        assert other.execute("SELECT count(*) FROM outcomes").fetchone() == (1,)
        # And the ledger's file is free to be written: no lock is held.
        other.execute("INSERT INTO facts VALUES ('other', 'x')")
    assert planned.upload_begun(0) is None


# Planning


def test_a_body_naming_a_model_is_refused_by_field_and_path(tmp_path: Path, ledger: Ledger) -> None:
    source = write(tmp_path / "in.jsonl", line("a"), line("b", model="m"))
    with pytest.raises(InputError) as caught:
        ledger.plan(source, max_bytes=1000, max_requests=10, models_in_body=False)
    error = caught.value
    assert (error.line, error.path, error.field) == (2, str(source), "model")
    assert error.reason == (
        "the body names a model, but the run names the models to run it on:"
        " remove 'model' from the bodies"
    )


def test_a_body_naming_a_model_is_kept_by_default(tmp_path: Path, ledger: Ledger) -> None:
    source = write(tmp_path / "in.jsonl", line("a", model="m"))
    assert ledger.plan(source, max_bytes=1000, max_requests=10) == Planned(
        1, len(line("a", model="m")), 1
    )


def test_a_duplicate_custom_id_is_named_by_field_line_and_path(
    tmp_path: Path, ledger: Ledger
) -> None:
    source = write(tmp_path / "in.jsonl", line("a"), line("b"), line("c"), line("b"))
    with pytest.raises(InputError) as caught:
        ledger.plan(source, max_bytes=1000, max_requests=10)
    error = caught.value
    assert error.reason == "duplicate custom_id 'b' (first on line 2)"
    assert (error.line, error.path, error.field) == (4, str(source), "custom_id")
    assert ledger.planned is None
    assert list(ledger.digests()) == []


def test_a_line_of_exactly_the_limit_is_one_request(tmp_path: Path, ledger: Ledger) -> None:
    source = write(tmp_path / "in.jsonl", line("a"), line("b"))
    assert ledger.plan(source, max_bytes=len(line("a")), max_requests=10) == Planned(
        2, 2 * len(line("a")), 2
    )
    assert ledger.planned == Planned(2, 2 * len(line("a")), 2)
    assert ledger.parts(0) == [
        Part(index=0, first=0, count=1, start=0, size=len(line("a"))),
        Part(index=1, first=1, count=1, start=len(line("a")), size=len(line("b"))),
    ]


def test_an_empty_input_names_its_path(tmp_path: Path, ledger: Ledger) -> None:
    source = write(tmp_path / "in.jsonl")
    with pytest.raises(InputError) as caught:
        ledger.plan(source, max_bytes=100, max_requests=10)
    assert str(caught.value) == f"{source}: the input is empty"
    assert (caught.value.path, caught.value.line, caught.value.field) == (str(source), None, None)


@pytest.mark.parametrize(
    ("raw", "max_bytes", "reason"),
    [
        # Not JSON at all: read one byte past the limit, and named for its size.
        (b"x" * 100 + b"\n", 60, "the request is 61 bytes, over the 60 that one file may hold"),
        (
            b"{" + b" " * 98 + b"}\n",
            60,
            "the request is 61 bytes, over the 60 that one file may hold",
        ),
        # Past the probe's 64 KiB: the rest of the line is read up to the limit.
        (
            b'{"custom_id": "a", "body": {"x": "' + b"y" * 100_000 + b'"}}\n',
            70_000,
            "the request is 70,001 bytes, over the 70,000 that one file may hold",
        ),
        # Exactly the limit: read whole, and judged as JSON.
        (b"[" + b"1" * 57 + b"]\n", 60, "a request must be a JSON object, got array"),
    ],
)
def test_a_line_is_read_one_byte_past_the_limit(
    tmp_path: Path, ledger: Ledger, raw: bytes, max_bytes: int, reason: str
) -> None:
    source = write(tmp_path / "in.jsonl", raw, line("next"))
    with pytest.raises(InputError) as caught:
        ledger.plan(source, max_bytes=max_bytes, max_requests=10)
    assert (caught.value.reason, caught.value.line) == (reason, 1)
    assert (caught.value.path, caught.value.field) == (str(source), None)
    assert ledger.planned is None


@pytest.mark.parametrize("indent", [b"", b" \t "])
def test_a_line_longer_than_the_probe_is_planned_whole(
    tmp_path: Path, ledger: Ledger, indent: bytes
) -> None:
    long = indent + b'{"custom_id": "a", "body": {"x": "' + b"y" * 100_000 + b'"}}\n'
    source = write(tmp_path / "in.jsonl", long, line("b"))
    assert ledger.plan(source, max_bytes=200_000, max_requests=10) == Planned(
        2, len(long) + len(line("b")), 1
    )
    assert ledger.planned == Planned(2, len(long) + len(line("b")), 1)
    assert list(ledger.ranges(0)) == [(0, len(long) + len(line("b")))]
    assert [cid for cid, _ in ledger.digests()] == ["a", "b"]


def test_planning_for_a_cache_notes_each_bodys_digest(cached: Ledger) -> None:
    assert list(cached.digests()) == [(f"r{i}", body_digest({"n": i})) for i in range(4)]
    assert cached.parts(0) == []
    assert cached.parts(0, "a") == []


def test_planning_for_a_cache_notes_every_request_however_many_parts(
    tmp_path: Path, ledger: Ledger
) -> None:
    source = write(tmp_path / "in.jsonl", *(line(f"r{i}", n=i) for i in range(4)))
    assert ledger.plan(source, max_bytes=1000, max_requests=1, cached=True) == Planned(
        4, 4 * SIZE, 0
    )
    assert [cid for cid, _ in ledger.digests()] == ["r0", "r1", "r2", "r3"]
    assert ledger.parts(0) == []


def test_planning_without_a_cache_notes_no_digest(planned: Ledger) -> None:
    assert list(planned.digests()) == [(f"r{i}", None) for i in range(5)]


# Parts and uploads


def test_each_parts_count_and_file(planned: Ledger) -> None:
    assert [planned.count_of(part) for part in range(3)] == [2, 2, 1]
    assert (planned.first_file(), planned.file_of(0), planned.file_of(1)) == (None, None, None)
    planned.uploaded(1, "file-1")
    assert (planned.first_file(), planned.file_of(0), planned.file_of(1)) == (
        "file-1",
        None,
        "file-1",
    )
    planned.uploaded(0, "file-0")
    assert (planned.first_file(), planned.file_of(0), planned.file_of(1)) == (
        "file-0",
        "file-0",
        "file-1",
    )
    assert planned.file_of(2) is None
    assert planned.file_of(99) is None


def test_an_upload_is_recorded_on_disk(tmp_path: Path, planned: Ledger) -> None:
    planned.uploaded(2, "file-2")
    planned.close()
    again = Ledger.open(tmp_path / "run.state", RUN)
    try:
        assert (again.first_file(), again.file_of(2), again.file_of(0)) == (
            "file-2",
            "file-2",
            None,
        )
    finally:
        again.close()


def test_the_parts_of_a_round_are_the_models_own_and_the_shared(planned: Ledger) -> None:
    planned.plan_retry("a", 0, max_bytes=1000, max_requests=3)
    shared = planned.parts(0)
    assert planned.parts(0, "a") == planned.parts(0, "b") == shared
    assert planned.parts(1) == []
    assert planned.parts(1, "b") == []
    assert planned.parts(1, "a") == [
        Part(index=3, first=0, count=3, start=0, size=3 * SIZE),
        Part(index=4, first=0, count=2, start=0, size=2 * SIZE),
    ]
    assert list(planned.ranges(3)) == [(0, SIZE), (SIZE, SIZE), (2 * SIZE, SIZE)]
    assert list(planned.ranges(4)) == [(3 * SIZE, SIZE), (4 * SIZE, SIZE)]
    assert [planned.count_of(3), planned.count_of(4)] == [3, 2]


# Jobs


def test_jobs_come_in_the_order_they_were_begun(ledger: Ledger, tmp_path: Path) -> None:
    ledger.plan(write(tmp_path / "in.jsonl", line("a"), line("b")), max_bytes=99, max_requests=1)
    ledger.begin_job(1, "b", "t1b")
    ledger.begin_job(0, "b", "t0b")
    ledger.begin_job(1, "a", "t1a")
    ledger.created(0, "b", "job-0b", "RUNNING")
    assert [(j.part, j.model, j.token, j.job_id, j.status) for j in ledger.jobs()] == [
        (1, "b", "t1b", None, None),
        (0, "b", "t0b", "job-0b", "RUNNING"),
        (1, "a", "t1a", None, None),
    ]
    entry = ledger.job(0, "b")
    assert entry is not None
    assert (entry.part, entry.model, entry.token, entry.job_id, entry.status) == (
        0,
        "b",
        "t0b",
        "job-0b",
        "RUNNING",
    )
    assert entry.collected is False
    assert ledger.job(0, "a") is None
    assert ledger.job(1, "z") is None


def test_a_job_status_is_updated_on_its_own_part_and_model(planned: Ledger) -> None:
    planned.created(1, "a", "job-1a", "QUEUED")
    planned.created(1, "a", "job-1a", "SUCCESS")
    statuses = {(j.part, j.model): (j.job_id, j.status) for j in planned.jobs()}
    assert statuses[(1, "a")] == ("job-1a", "SUCCESS")
    assert statuses[(1, "b")] == (None, None)
    assert statuses[(0, "a")] == (None, None)


def test_a_cancelled_round_plans_nothing_to_send_again(planned: Ledger) -> None:
    planned.created(0, "a", "job-0a", "CANCELLED")
    assert planned.plan_retry("a", 0, max_bytes=1000, max_requests=10) == 0
    assert planned.parts(1, "a") == []
    assert planned.retried("a", 0) == 0
    # The other model's round was not cancelled.
    assert planned.plan_retry("b", 0, max_bytes=1000, max_requests=10) == 5


def test_a_second_round_gathers_only_the_models_own_requests(planned: Ledger) -> None:
    assert planned.plan_retry("a", 0, max_bytes=1000, max_requests=10) == 5
    assert planned.plan_retry("b", 0, max_bytes=1000, max_requests=2) == 5
    (part_a,) = planned.parts(1, "a")
    assert [p.index for p in planned.parts(1, "b")] == [4, 5, 6]
    planned.begin_job(part_a.index, "a", "token-1a")
    planned.collect(
        part_a.index,
        "a",
        [
            answer("r0", ok=True),
            answer("r1", ok=False, transient=True),
            answer("r2", ok=False),
            answer("r4", ok=True),
        ],
    )
    assert planned.plan_retry("a", 1, max_bytes=1000, max_requests=10) == 2
    # Planned once: asked again, even with other limits, it gives the same count.
    assert planned.plan_retry("a", 1, max_bytes=1000, max_requests=1) == 2
    assert planned.parts(2, "a") == [Part(index=7, first=0, count=2, start=0, size=2 * SIZE)]
    assert list(planned.ranges(7)) == [(SIZE, SIZE), (3 * SIZE, SIZE)]
    assert planned.parts(2, "b") == []
    assert (planned.last_round("a"), planned.last_round("b"), planned.last_round("c")) == (2, 1, 0)
    assert planned.retried("a", 1) == 2
    assert planned.retried("b", 1) is None


def test_the_limits_of_a_retry_cut_its_parts(planned: Ledger) -> None:
    assert planned.plan_retry("a", 0, max_bytes=2 * SIZE, max_requests=10) == 5
    assert [(p.count, p.size) for p in planned.parts(1, "a")] == [
        (2, 2 * SIZE),
        (2, 2 * SIZE),
        (1, SIZE),
    ]


# A cache's answers


def test_a_cache_answers_once_and_the_rest_is_cut_for_the_model(cached: Ledger) -> None:
    assert (cached.from_cache("a"), cached.cached("a")) == (None, 0)
    found = cached.record_cached(
        "a",
        [
            Answer("r1", True, False, "output", 0, 7),
            Answer("r2", False, False, "errors", 0, 8),
            Answer("r1", True, False, "output", 7, 9),  # a second line for r1: the first stands
            Answer("ghost", True, False, "output", 16, 5),
            Answer("r3", True, False, "output", 21, 6),
        ],
        max_bytes=1000,
        max_requests=10,
    )
    assert found == 2
    assert (cached.from_cache("a"), cached.cached("a")) == (2, 2)
    assert (cached.from_cache("b"), cached.cached("b")) == (None, 0)
    assert cached.parts(0, "a") == [Part(index=0, first=0, count=2, start=0, size=2 * SIZE)]
    assert list(cached.ranges(0)) == [(0, SIZE), (2 * SIZE, SIZE)]
    assert cached.parts(0, "b") == []
    assert list(cached.standing("a", ordered=True)) == [
        Placed(0, "r0", None, None, 0, 0),
        Placed(1, "r1", CACHED, "output", 0, 7),
        Placed(2, "r2", None, None, 0, 0),
        Placed(3, "r3", CACHED, "output", 21, 6),
    ]
    assert cached.counts("a") == (2, 0, 2)
    assert cached.to_create(("a",)) == [(0, "a", 2)]
    # Asked again, the cache's answer stands as it was.
    again = cached.record_cached(
        "a", [Answer("r0", True, False, "output", 0, 3)], max_bytes=1000, max_requests=10
    )
    assert again == 2
    assert cached.cached("a") == 2
    assert len(cached.parts(0, "a")) == 1


def test_a_cache_that_answered_nothing_leaves_every_request_to_send(cached: Ledger) -> None:
    assert cached.record_cached("b", [], max_bytes=2 * SIZE, max_requests=10) == 0
    assert cached.from_cache("b") == 0
    assert cached.parts(0, "b") == [
        Part(index=0, first=0, count=2, start=0, size=2 * SIZE),
        Part(index=1, first=0, count=2, start=0, size=2 * SIZE),
    ]
    assert cached.parts(0, "a") == []
    assert cached.record_cached("a", [], max_bytes=1000, max_requests=3) == 0
    assert [(p.index, p.count) for p in cached.parts(0, "a")] == [(2, 3), (3, 1)]


def test_a_caches_answers_outlive_the_process(tmp_path: Path, cached: Ledger) -> None:
    cached.record_cached(
        "a", [Answer("r0", True, False, "output", 4, 5)], max_bytes=1000, max_requests=10
    )
    cached.close()
    again = Ledger.open(tmp_path / "run.state", RUN)
    try:
        assert (again.from_cache("a"), again.cached("a"), again.from_cache("b")) == (1, 1, None)
        assert again.record_cached("a", [], max_bytes=1000, max_requests=10) == 1
    finally:
        again.close()


def test_the_successes_of_a_part_carry_their_bodys_digest(cached: Ledger) -> None:
    cached.record_cached(
        "a", [Answer("r3", True, False, "output", 0, 4)], max_bytes=1000, max_requests=2
    )
    cached.record_cached("b", [], max_bytes=1000, max_requests=10)
    assert [(p.index, p.count) for p in cached.parts(0, "a")] == [(0, 2), (1, 1)]
    for part, model in ((0, "a"), (2, "b")):
        cached.begin_job(part, model, f"t{part}{model}")
    cached.collect(
        0,
        "a",
        [
            Answer("r1", True, False, "output", 30, 11),
            Answer("r0", True, False, "output", 5, 12),
            Answer("r2", False, False, "errors", 0, 13),
        ],
    )
    cached.collect(2, "b", [Answer("r2", True, False, "output", 0, 14)])
    assert list(cached.successes(0, "a")) == [
        (body_digest({"n": 0}), "output", 5, 12),
        (body_digest({"n": 1}), "output", 30, 11),
    ]
    assert list(cached.successes(1, "a")) == []
    assert list(cached.successes(0, "b")) == []
    assert list(cached.successes(2, "b")) == [(body_digest({"n": 2}), "output", 0, 14)]
    assert list(cached.successes(CACHED, "a")) == [(body_digest({"n": 3}), "output", 0, 4)]
    assert (cached.cached("a"), cached.cached("b")) == (1, 0)


# Standing answers


def test_unordered_answers_come_file_by_file_then_by_offset(planned: Ledger) -> None:
    planned.collect(
        1,
        "a",
        [answer("r3", ok=True, offset=0), answer("r2", ok=False, offset=0)],
    )
    planned.collect(
        0,
        "a",
        [
            answer("r0", ok=True, offset=50),
            answer("r1", ok=True, offset=10),
        ],
    )
    planned.collect(0, "b", [answer("r0", ok=True, offset=0)])
    assert [p.custom_id for p in planned.standing("a", ordered=False)] == [
        "r1",
        "r0",
        "r2",
        "r3",
        "r4",
    ]
    assert [p.custom_id for p in planned.standing("a", ordered=True)] == [
        "r0",
        "r1",
        "r2",
        "r3",
        "r4",
    ]
    assert list(planned.standing("a", ordered=False, kind="output")) == [
        Placed(1, "r1", 0, "output", 10, 10),
        Placed(0, "r0", 0, "output", 50, 10),
        Placed(3, "r3", 1, "output", 0, 10),
    ]
    assert list(planned.standing("a", ordered=False, kind="errors")) == [
        Placed(2, "r2", 1, "errors", 0, 10),
        Placed(4, "r4", None, None, 0, 0),
    ]
    # Any kind but "output" is the rest.
    assert list(planned.standing("a", ordered=True, kind="unanswered")) == list(
        planned.standing("a", ordered=True, kind="errors")
    )
    assert list(planned.standing("b", ordered=False)) == [
        Placed(0, "r0", 0, "output", 0, 10),
        Placed(1, "r1", None, None, 0, 0),
        Placed(2, "r2", None, None, 0, 0),
        Placed(3, "r3", None, None, 0, 0),
        Placed(4, "r4", None, None, 0, 0),
    ]
    assert (planned.counts("a"), planned.counts("b")) == ((3, 1, 1), (1, 0, 4))


def test_collecting_counts_each_line_not_kept(planned: Ledger) -> None:
    stray = planned.collect(
        2,
        "b",
        [answer("r4", ok=False, transient=True), answer("r4", ok=True), answer("r0", ok=True)],
    )
    assert stray == 2
    assert list(planned.standing("b", ordered=True, kind="errors"))[-1] == Placed(
        4, "r4", 2, "errors", 0, 10
    )
    job = planned.job(2, "b")
    assert job is not None and job.collected
    other = planned.job(2, "a")
    assert other is not None and not other.collected
