"""A run's durable record: planning, jobs, answers and rounds, each exactly once, on disk."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from mistral_batch._ledger import Answer, Ledger, Placed, Planned
from mistral_batch._split import Part
from mistral_batch.errors import InputError, StateError

RUN = {"endpoint": "/v1/chat/completions", "models": ["a", "b"]}


def line(custom_id: str, **body: object) -> bytes:
    return json.dumps({"custom_id": custom_id, "body": body or {"x": 1}}).encode() + b"\n"


#: The size of each line of the planned input below.
SIZE = len(line("r0"))


def write(path: Path, *lines: bytes) -> Path:
    path.write_bytes(b"".join(lines))
    return path


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = Ledger.open(tmp_path / "run.state", RUN)
    yield opened
    opened.close()


@pytest.fixture
def planned(tmp_path: Path, ledger: Ledger) -> Ledger:
    """Five requests of SIZE bytes each, two to a part: parts 0, 1 and 2; their jobs on
    models a and b begun."""
    source = write(tmp_path / "in.jsonl", *(line(f"r{i}") for i in range(5)))
    ledger.plan(source, max_bytes=1000, max_requests=2)
    for part in range(3):
        for model in ("a", "b"):
            ledger.begin_job(part, model, f"token-{part}{model}")
    return ledger


def answer(custom_id: str | None, ok: bool, transient: bool = False, offset: int = 0) -> Answer:
    return Answer(custom_id, ok, transient, "output" if ok else "errors", offset, 10)


def test_planning_notes_each_request_and_cuts_the_parts(tmp_path: Path, ledger: Ledger) -> None:
    source = write(tmp_path / "in.jsonl", *(line(f"r{i}") for i in range(5)))
    size = len(line("r0"))
    assert ledger.plan(source, max_bytes=size * 2, max_requests=10) == Planned(5, 5 * size, 3)
    assert ledger.planned == Planned(5, 5 * size, 3)
    assert ledger.parts(0) == [
        Part(index=0, first=0, count=2, start=0, size=2 * size),
        Part(index=1, first=2, count=2, start=2 * size, size=2 * size),
        Part(index=2, first=4, count=1, start=4 * size, size=size),
    ]
    assert list(ledger.ranges(1)) == [(2 * size, 2 * size)]


def test_planning_twice_keeps_the_first_plan(tmp_path: Path, planned: Ledger) -> None:
    other = write(tmp_path / "other.jsonl", line("z"))
    assert planned.plan(other, max_bytes=1000, max_requests=1) == Planned(5, 5 * SIZE, 3)


@pytest.mark.parametrize(
    ("lines", "line_number", "reason"),
    [
        ([line("a"), line("b"), line("a")], 3, "duplicate custom_id 'a' (first on line 1)"),
        ([line("a"), b"{not json\n"], 2, "not valid JSON"),
        ([line("a"), line("b", model="m")], 2, "the body names a model"),
        ([line("a"), line("b", text="x" * 100)], 2, "over the 60 that one file may hold"),
    ],
)
def test_a_bad_line_is_named_and_nothing_is_noted(
    tmp_path: Path, ledger: Ledger, lines: list[bytes], line_number: int, reason: str
) -> None:
    source = write(tmp_path / "in.jsonl", *lines)
    with pytest.raises(InputError) as caught:
        ledger.plan(source, max_bytes=60, max_requests=10, models_in_body=False)
    assert caught.value.line == line_number
    assert reason in str(caught.value)
    assert ledger.planned is None
    assert ledger.parts(0) == []


def test_a_duplicate_far_apart_is_found_on_disk(tmp_path: Path, ledger: Ledger) -> None:
    lines = [line(f"r{i}") for i in range(25_000)] + [line("r7")]
    source = write(tmp_path / "in.jsonl", *lines)
    with pytest.raises(InputError, match=r"duplicate custom_id 'r7' \(first on line 8\)") as caught:
        ledger.plan(source, max_bytes=10**6, max_requests=10**6)
    assert caught.value.line == 25_001


def test_an_empty_input_is_refused(tmp_path: Path, ledger: Ledger) -> None:
    with pytest.raises(InputError, match="the input is empty"):
        ledger.plan(write(tmp_path / "in.jsonl"), max_bytes=100, max_requests=10)


def test_the_record_outlives_the_process(tmp_path: Path, planned: Ledger) -> None:
    planned.created(0, "a", "job-1", "QUEUED")
    planned.close()
    again = Ledger.open(tmp_path / "run.state", RUN)
    try:
        assert again.planned == Planned(5, 5 * SIZE, 3)
        entry = again.job(0, "a")
        assert entry is not None
        assert (entry.token, entry.job_id, entry.status, entry.collected) == (
            "token-0a",
            "job-1",
            "QUEUED",
            False,
        )
    finally:
        again.close()


def test_another_runs_record_is_refused_and_left_alone(tmp_path: Path, planned: Ledger) -> None:
    planned.close()
    state = tmp_path / "run.state"
    before = state.read_bytes()
    with pytest.raises(StateError, match=r"another run: the models \(a, b, now a\)"):
        Ledger.open(state, {**RUN, "models": ["a"]})
    assert state.read_bytes() == before


def test_a_file_that_is_no_ledger_is_refused(tmp_path: Path) -> None:
    state = write(tmp_path / "run.state", b"this is not a database, just text\n" * 200)
    with pytest.raises(StateError, match="not a state file"):
        Ledger.open(state, RUN)


def someone_elses_database(path: Path, version: int) -> bytes:
    """A SQLite file of the user's own, in the default journal mode; its bytes."""
    db = sqlite3.connect(path)
    with db:
        db.execute("CREATE TABLE customers (name TEXT)")
        db.execute("INSERT INTO customers VALUES ('Ada')")
        db.execute(f"PRAGMA user_version={version}")
    db.close()
    return path.read_bytes()


@pytest.mark.parametrize(
    ("version", "said"),
    [(0, "not a state file (a database of other tables)"), (7, "a state of version 7, not 1")],
)
def test_someone_elses_database_is_refused_and_left_byte_for_byte(
    tmp_path: Path, version: int, said: str
) -> None:
    # A database of version 0 is not new when it has tables: none may be added to it,
    # and neither may its journal mode be changed (WAL is written in the file's header).
    state = tmp_path / "mine.db"
    before = someone_elses_database(state, version)
    with pytest.raises(StateError) as caught:
        Ledger.open(state, RUN)
    assert str(caught.value) == f"{state}: {said}"
    assert state.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.db"]


def test_a_create_keeps_the_token_recorded_first(ledger: Ledger, tmp_path: Path) -> None:
    ledger.plan(write(tmp_path / "in.jsonl", line("a"), line("b")), max_bytes=99, max_requests=1)
    first = ledger.begin_job(1, "b", "t1")
    again = ledger.begin_job(1, "b", "t2")
    assert first.token == again.token == "t1"
    assert again.job_id is None
    ledger.created(1, "b", "job-9", "RUNNING")
    assert [(j.part, j.model, j.job_id) for j in ledger.jobs()] == [(1, "b", "job-9")]


def test_an_upload_keeps_the_time_it_was_first_begun(planned: Ledger, tmp_path: Path) -> None:
    assert planned.upload_begun(1) is None
    assert planned.begin_upload(1, at=100.5) == 100.5
    assert planned.begin_upload(1, at=200.0) == 100.5
    assert planned.upload_begun(1) == 100.5
    assert planned.upload_begun(0) is None
    planned.close()
    reopened = Ledger.open(tmp_path / "run.state", RUN)
    assert reopened.upload_begun(1) == 100.5
    reopened.close()


def test_answers_of_a_job_never_begun_are_refused(ledger: Ledger, tmp_path: Path) -> None:
    ledger.plan(write(tmp_path / "in.jsonl", line("a")), max_bytes=99, max_requests=1)
    with pytest.raises(StateError, match="no job of part 0 on model 'z' is recorded"):
        ledger.collect(0, "z", [answer("a", ok=True)])
    assert ledger.counts("z") == (0, 0, 1)


def test_collecting_keeps_one_answer_per_request_and_counts_the_rest(planned: Ledger) -> None:
    stray = planned.collect(
        0,
        "a",
        [
            answer("r0", ok=True, offset=0),
            answer("r1", ok=False, transient=True, offset=0),
            answer("r0", ok=False, offset=10),  # a second line for r0: the first stands
            answer("r3", ok=True, offset=20),  # in another part
            answer("nobody", ok=True, offset=30),
            answer(None, ok=False, offset=40),
        ],
    )
    assert stray == 4
    job = planned.job(0, "a")
    assert job is not None and job.collected
    standing = list(planned.standing("a", ordered=True))
    assert standing[:2] == [
        Placed(0, "r0", 0, "output", 0, 10),
        Placed(1, "r1", 0, "errors", 0, 10),
    ]
    assert [p.part for p in standing[2:]] == [None, None, None]
    # A kind alone: the successes, or the rest (the unanswered among them).
    assert list(planned.standing("a", ordered=True, kind="output")) == standing[:1]
    assert list(planned.standing("a", ordered=True, kind="errors")) == standing[1:]
    errors = [p.custom_id for p in planned.standing("a", ordered=False, kind="errors")]
    assert errors == ["r1", "r2", "r3", "r4"]
    assert planned.counts("a") == (1, 1, 3)
    assert planned.counts("b") == (0, 0, 5)


def test_a_collect_cut_short_records_nothing(planned: Ledger) -> None:

    def broken() -> Iterator[Answer]:
        yield answer("r0", ok=True)
        raise OSError("connection lost")

    with pytest.raises(OSError, match="connection lost"):
        planned.collect(0, "a", broken())
    job = planned.job(0, "a")
    assert job is not None and not job.collected
    assert planned.counts("a") == (0, 0, 5)


def test_transient_and_unanswered_requests_go_to_the_next_round(planned: Ledger) -> None:
    planned.collect(0, "a", [answer("r0", ok=True), answer("r1", ok=False, transient=True)])
    planned.collect(1, "a", [answer("r2", ok=False), answer("r3", ok=True)])
    # Part 2 (r4) got no answer at all: its job failed as a whole.
    assert planned.plan_retry("a", 0, max_bytes=1000, max_requests=1) == 2
    retry = planned.parts(1, "a")
    assert [(p.index, p.count) for p in retry] == [(3, 1), (4, 1)]
    assert [list(planned.ranges(p.index)) for p in retry] == [[(SIZE, SIZE)], [(4 * SIZE, SIZE)]]
    assert planned.parts(1, "b") == []
    # Planned once: asked again, it plans nothing more.
    assert planned.plan_retry("a", 0, max_bytes=1000, max_requests=1) == 2
    assert len(planned.parts(1, "a")) == 2


def test_a_later_answer_replaces_a_failure_but_never_a_success(planned: Ledger) -> None:
    planned.collect(0, "a", [answer("r0", ok=True), answer("r1", ok=False, transient=True)])
    planned.plan_retry("a", 0, max_bytes=1000, max_requests=10)
    (retry,) = planned.parts(1, "a")
    planned.begin_job(retry.index, "a", "token-retry")
    stray = planned.collect(
        retry.index, "a", [answer("r1", ok=True, offset=5), answer("r0", ok=False, offset=9)]
    )
    assert stray == 1  # r0 was not sent again: its line is a stray
    standing = {p.custom_id: p for p in planned.standing("a", ordered=False)}
    assert standing["r0"] == Placed(0, "r0", 0, "output", 0, 10)
    assert standing["r1"] == Placed(1, "r1", retry.index, "output", 5, 10)
    # In file order: part by part, the unanswered last.
    assert [p.custom_id for p in planned.standing("a", ordered=False)][:2] == ["r0", "r1"]


def test_a_round_with_nothing_to_send_again_plans_no_part(planned: Ledger) -> None:
    planned.collect(0, "b", [answer("r0", ok=True), answer("r1", ok=False, transient=False)])
    planned.collect(1, "b", [answer("r2", ok=True), answer("r3", ok=True)])
    planned.collect(2, "b", [answer("r4", ok=True)])
    assert planned.plan_retry("b", 0, max_bytes=1000, max_requests=10) == 0
    assert planned.parts(1, "b") == []


def test_the_ledger_is_a_plain_sqlite_file(tmp_path: Path, planned: Ledger) -> None:
    planned.close()
    with sqlite3.connect(tmp_path / "run.state") as db:
        assert db.execute("SELECT count(*) FROM requests").fetchone() == (5,)


def test_the_jobs_to_create_come_round_by_round_then_part_by_part(planned: Ledger) -> None:
    assert planned.to_create(("a", "b")) == [
        (0, "a", 2),
        (0, "b", 2),
        (1, "a", 2),
        (1, "b", 2),
        (2, "a", 1),
        (2, "b", 1),
    ]
    # Part 0 on a is begun (in the fixture), not created: it is still to create.
    planned.created(1, "a", "job-1", "QUEUED")
    assert (1, "a", 2) not in planned.to_create(("a", "b"))
    assert (0, "a", 2) in planned.to_create(("a", "b"))


def test_a_round_is_over_when_each_of_its_parts_is_collected(planned: Ledger) -> None:
    assert (planned.last_round("a"), planned.uncollected("a", 0)) == (0, 3)
    planned.collect(0, "a", [answer("r0", ok=False, transient=True)])
    planned.collect(1, "a", [])
    assert planned.uncollected("a", 0) == 1
    planned.collect(2, "a", [answer("r4", ok=True)])
    assert planned.uncollected("a", 0) == 0
    assert planned.uncollected("b", 0) == 3
    assert planned.retried("a", 0) is None
    assert planned.plan_retry("a", 0, max_bytes=1000, max_requests=10) == 4
    assert (planned.retried("a", 0), planned.last_round("a"), planned.last_round("b")) == (4, 1, 0)
    (retry,) = planned.parts(1, "a")
    assert planned.to_create(("a",))[-1] == (retry.index, "a", 4)
    assert planned.uncollected("a", 1) == 1
    planned.begin_job(retry.index, "a", "token-retry")
    planned.collect(retry.index, "a", [answer(f"r{i}", ok=True) for i in (0, 1, 2, 3)])
    assert planned.uncollected("a", 1) == 0
    assert planned.counts("a") == (5, 0, 0)
