"""The run engine's decisions, to the letter, on both clients: `Workload` (sync) and
`AsyncWorkload`, each reached through `client.batch.run`, against the emulator.

What counts as movement (a job created, a job seen ended, a job seen with more answers)
restarts the poll's backoff; a round without any lets it grow. Each run here polls with
a backoff whose second or third delay is far past its `wait_timeout`, so that the round
where the run gives up (WaitTimeoutError, at once, without waiting) tells exactly which
rounds moved; the emulator holds its jobs queued, and the run's `on_progress` notes each
look (a refusal for pending requests, and a round planned already, are no movement).
Also: the pending limit, the job's timeout, the run's folder, the cache's note of the
jobs it kept, and what a run started again on the same state picks up (an upload whose
answer was lost, told from files that only look like it; a create begun before a stop;
answers collected but not kept yet; a model's rounds spent before another's next is
planned; a cache's answers recorded for some of the models only).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mistral_batch import (
    AsyncMistral,
    Backoff,
    MalformedResponseError,
    Mistral,
    RetryPolicy,
    RunProgress,
    WaitTimeoutError,
)
from mistral_batch._async._batch import AsyncBatchRun
from mistral_batch._backoff import Jitter
from mistral_batch._cache import AnswerCache
from mistral_batch._ledger import Ledger
from mistral_batch._sync._batch import BatchRun
from mistral_batch.emulator import Emulator

from .conftest import FAST_RETRY

SIDES = pytest.mark.parametrize("side", ["sync", "async"])
A, B = "model-a", "model-b"

#: The runs' wait_timeout: any delay of the backoffs below past the first two is longer.
WAIT = 50.0
#: A poll that gives up at the first round without movement (its second delay is 100 s).
NO_STILL_ROUND = Backoff(initial=0.0001, factor=1e6, max_delay=1e9, jitter=Jitter.NONE)
#: A poll that waits out one round without movement (0.1 s) and gives up at the second
#: in a row (its third delay is 100 s).
ONE_STILL_ROUND = Backoff(initial=0.0001, factor=1000.0, max_delay=1e9, jitter=Jitter.NONE)
#: A poll for runs whose jobs are answered at once.
QUICK = Backoff(initial=0.02, factor=1.5, max_delay=0.2)
#: No retry: an upload whose answer is lost fails the run.
ONCE = RetryPolicy(max_attempts=1, initial_delay=0.0, max_delay=0.0)
GIVE_UP = f"the run is not over after {WAIT:g} s; run it again to go on"

#: The stories, each in a workspace of its own on each side (files and jobs apart).
STORIES = ("moves", "found", "cached", "hours", "decoys", "folder", "rounds", "stopped")


def key(story: str, side: str) -> str:
    return f"key-{story}-{side}"


def chat(i: int) -> dict[str, Any]:
    return {"custom_id": f"r{i}", "body": {"messages": [{"role": "user", "content": f"q {i}"}]}}


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    keys = [key(story, side) for story in STORIES for side in ("sync", "async")]
    with Emulator(api_keys=keys) as emu:
        yield emu


@pytest.fixture
def emu(emulator: Emulator) -> Iterator[Emulator]:
    """The module's emulator, its counters at zero, its settings put back after."""
    emulator.reset_stats()
    yield emulator
    emulator.clear_faults()
    with emulator.settings.lock:
        emulator.settings.queue_delay, emulator.settings.hour_seconds = 0.0, 3600.0
        emulator.settings.fail_rate, emulator.settings.max_pending_requests = 0.0, 1_000_000
    emulator.set_requests_per_second(None)


@pytest.fixture
def held(emu: Emulator) -> Emulator:
    """The emulator with every job it is given held QUEUED (for 1000 s)."""
    with emu.settings.lock:
        emu.settings.queue_delay = 1000.0
    return emu


def served(emu: Emulator, operation: str) -> int:
    return emu.stats.requests.get(operation, 0)


def own_client(emu: Emulator, story: str, side: str) -> Mistral:
    """A sync client of the story's workspace on `side`, for the test's own calls."""
    return Mistral(api_key=key(story, side), server_url=emu.url, retry=FAST_RETRY)


def run_on(
    side: str,
    emu: Emulator,
    story: str,
    requests: list[dict[str, Any]],
    *,
    retry: RetryPolicy = FAST_RETRY,
    **options: Any,
) -> BatchRun | AsyncBatchRun:
    """`client.batch.run(requests, **options)` on a client of `side`, in the story's
    workspace; the run's record is left open (close it)."""
    settings: dict[str, Any] = {"api_key": key(story, side), "server_url": emu.url}
    if side == "sync":
        with Mistral(**settings, retry=retry) as client:
            return client.batch.run(requests, **options)

    async def main() -> AsyncBatchRun:
        async with AsyncMistral(**settings, retry=retry) as client:
            return await client.batch.run(requests, **options)

    return asyncio.run(main())


def read(run: BatchRun | AsyncBatchRun, which: str, *args: Any) -> list[Any]:
    """Every BatchResult of run.results(*args) or run.errors(*args)."""
    if isinstance(run, BatchRun):
        with getattr(run, which)(*args) as found:
            return list(found)

    async def main() -> list[Any]:
        async with await getattr(run, which)(*args) as found:
            return [r async for r in found]

    return asyncio.run(main())


class Runaway(Exception):
    """Raised from on_progress to end a run that would never give up."""


class Looks:
    """An on_progress (a plain function, which both clients take) that notes what the run
    told: "plan" first, then (model, status) at each look at a job. It ends the run with
    Runaway past `limit` looks: a run that takes every look for movement never ends."""

    def __init__(self, limit: int = 12) -> None:
        self.told: list[Any] = []
        self.limit = limit

    def __call__(self, progress: RunProgress) -> None:
        job = progress.job
        self.told.append("plan" if job is None else (job.model, job.status))
        if len(self.told) > self.limit:
            raise Runaway(self.told)


# Movement: what restarts the poll's backoff.


@SIDES
def test_a_round_that_creates_a_job_has_moved(side: str, held: Emulator) -> None:
    # Round 1 looks at nothing and creates the job: it moved, so the run looks again.
    # Round 2 sees the job as it was made (queued, no answer): no movement, the run
    # gives up. Had the creation not counted, it would give up before any look.
    looks = Looks()
    with pytest.raises(WaitTimeoutError, match=GIVE_UP) as caught:
        run_on(
            side,
            held,
            "moves",
            [chat(0), chat(1)],
            model=A,
            poll=NO_STILL_ROUND,
            wait_timeout=WAIT,
            on_progress=looks,
        )
    assert looks.told == ["plan", (A, "QUEUED")]
    assert (served(held, "create_batch_job"), served(held, "get_batch_job")) == (1, 1)
    job = caught.value.job
    assert (job.model, job.status, job.total_requests, job.completed_requests) == (
        A,
        "QUEUED",
        2,
        0,
    )


@SIDES
def test_a_round_that_creates_a_job_then_meets_the_pending_limit_has_moved(
    side: str, held: Emulator
) -> None:
    # Two parts (2 requests, then 1) under a limit of 2 pending: round 1 creates part 0
    # and stops at part 1, which does not fit; that round moved all the same. Round 2
    # sees part 0's job unchanged and part 1 still does not fit: the run gives up.
    looks = Looks()
    with pytest.raises(WaitTimeoutError, match=GIVE_UP) as caught:
        run_on(
            side,
            held,
            "moves",
            [chat(0), chat(1), chat(2)],
            model=A,
            max_pending=2,
            poll=NO_STILL_ROUND,
            wait_timeout=WAIT,
            on_progress=looks,
        )
    assert looks.told == ["plan", (A, "QUEUED")]
    assert (served(held, "create_batch_job"), served(held, "get_batch_job")) == (1, 1)
    assert caught.value.job.total_requests == 2  # part 0's job, the only one made


@SIDES
def test_a_look_at_a_job_that_has_not_changed_is_no_movement(side: str, held: Emulator) -> None:
    # Two models, one job each, both held queued: round 1 creates both (movement);
    # round 2 sees both unchanged and the run gives up, having looked at each once.
    looks = Looks()
    with pytest.raises(WaitTimeoutError, match=GIVE_UP):
        run_on(
            side,
            held,
            "moves",
            [chat(0)],
            models=[A, B],
            poll=NO_STILL_ROUND,
            wait_timeout=WAIT,
            on_progress=looks,
        )
    assert looks.told == ["plan", (A, "QUEUED"), (B, "QUEUED")]
    assert (served(held, "create_batch_job"), served(held, "get_batch_job")) == (2, 2)


@SIDES
def test_a_job_seen_ended_is_movement_while_another_runs_on(side: str, held: Emulator) -> None:
    # Two models, one job each, held queued; no round after round 0. At its first look,
    # model A's job is cancelled (and waited for until CANCELLED) by a client of the test.
    #   round 1: both created (moved)            -> next delay 0.0001 s
    #   round 2: both unchanged (still)          -> 0.1 s
    #   round 3: A seen CANCELLED and collected (moved), B unchanged -> 0.0001 s
    #   round 4: B unchanged (still)             -> 0.1 s
    #   round 5: B unchanged (still, twice)      -> gives up
    # Had A's end not counted, round 3 would be the second still round in a row.
    with own_client(held, "moves", side) as control:

        class CancelA(Looks):
            def __call__(self, progress: RunProgress) -> None:
                super().__call__(progress)
                job = progress.job
                if job is not None and job.model == A and job.status == "QUEUED":
                    control.batch.jobs.cancel(job.id)
                    deadline = time.monotonic() + 30
                    while control.batch.jobs.get(job.id).status != "CANCELLED":
                        assert time.monotonic() < deadline, "the emulator did not cancel"
                        time.sleep(0.01)

        looks = CancelA()
        with pytest.raises(WaitTimeoutError, match=GIVE_UP) as caught:
            run_on(
                side,
                held,
                "moves",
                [chat(0), chat(1)],
                models=[A, B],
                retry_failed=0,
                poll=ONE_STILL_ROUND,
                wait_timeout=WAIT,
                on_progress=looks,
            )
    assert looks.told == [
        "plan",
        (A, "QUEUED"),
        (B, "QUEUED"),
        (A, "CANCELLED"),
        (B, "QUEUED"),
        (B, "QUEUED"),
        (B, "QUEUED"),
    ]
    assert served(held, "create_batch_job") == 2
    assert (caught.value.job.model, caught.value.job.status) == (B, "QUEUED")


@SIDES
@pytest.mark.parametrize("fails", [False, True], ids=["succeeded", "failed"])
def test_a_look_that_sees_more_answers_is_movement(side: str, fails: bool, held: Emulator) -> None:
    # One job of two requests, held queued. At the first look the test lets it start at
    # one request every 1000 s, and waits until the emulator has answered the first.
    #   round 1: created (moved)                 -> next delay 0.0001 s
    #   round 2: queued, unchanged (still)       -> 0.1 s
    #   round 3: running, one answer more (moved) -> 0.0001 s
    #   round 4: unchanged (still)               -> 0.1 s
    #   round 5: unchanged (still, twice)        -> gives up
    # Had the answer not counted, round 3 would be the second still round in a row. An
    # answer is one whether it succeeded or failed: a failure the same again is no news.
    with held.settings.lock:
        held.settings.fail_rate = 1.0 if fails else 0.0
    with own_client(held, "moves", side) as control:

        class Release(Looks):
            def __call__(self, progress: RunProgress) -> None:
                super().__call__(progress)
                job = progress.job
                if job is not None and job.status == "QUEUED":
                    with held.settings.lock:
                        held.settings.queue_delay = 0.0
                    held.set_requests_per_second(0.001)  # and wakes the emulator's worker
                    deadline = time.monotonic() + 30
                    while control.batch.jobs.get(job.id).completed_requests != 1:
                        assert time.monotonic() < deadline, "the emulator did not answer"
                        time.sleep(0.01)

        looks = Release()
        with pytest.raises(WaitTimeoutError, match=GIVE_UP) as caught:
            run_on(
                side,
                held,
                "moves",
                [chat(0), chat(1)],
                model=A,
                poll=ONE_STILL_ROUND,
                wait_timeout=WAIT,
                on_progress=looks,
            )
    assert looks.told == ["plan", (A, "QUEUED"), (A, "RUNNING"), (A, "RUNNING"), (A, "RUNNING")]
    job = caught.value.job
    answered = (0, 1) if fails else (1, 0)
    assert (job.status, job.total_requests) == ("RUNNING", 2)
    assert (job.succeeded_requests, job.failed_requests) == answered


@SIDES
def test_a_first_round_refused_for_pending_requests_is_still(side: str, held: Emulator) -> None:
    # The workspace holds a queued job of one request, and the server takes no more than
    # one pending: the run's create is refused.
    #   round 1: nothing to look at, the create refused (still)  -> next delay 0.1 s
    #   round 2: the create refused again (still, twice)        -> gives up
    # A first round counted as still from the start would have given up at once.
    with own_client(held, "rounds", side) as control:
        upload = control.files.upload(
            b'{"custom_id": "x", "body": {"messages": []}}\n', file_name="other.jsonl"
        )
        control.batch.jobs.create(input_files=[upload.id], model=A, endpoint="/v1/chat/completions")
    with held.settings.lock:
        held.settings.max_pending_requests = 1
    held.reset_stats()
    looks = Looks()
    with pytest.raises(WaitTimeoutError, match=GIVE_UP) as caught:
        run_on(
            side,
            held,
            "rounds",
            [chat(0)],
            model=A,
            poll=ONE_STILL_ROUND,
            wait_timeout=WAIT,
            on_progress=looks,
        )
    assert looks.told == ["plan"]
    assert (served(held, "upload_file"), served(held, "create_batch_job")) == (1, 2)
    assert caught.value.job is None


@SIDES
def test_a_round_whose_retry_is_planned_already_is_still(
    side: str, held: Emulator, tmp_path: Path
) -> None:
    # The cache answers every request on model A: its round 0 is over at once, and its
    # round 1 planned in round 1, with nothing to send again. B's job is held queued.
    #   round 1: B's job created, A's next round planned (moved) -> next delay 0.0001 s
    #   round 2: B unchanged, A's round 1 planned already (still) -> 0.1 s
    #   round 3: the same (still, twice)                          -> gives up
    # Had A's round been planned again at each round, the run would never give up.
    cache = tmp_path / "cache"
    with held.settings.lock:
        held.settings.queue_delay = 0.0
    warm = run_on(side, held, "rounds", [chat(0)], model=A, cache=cache, poll=QUICK)
    warm.close()
    with held.settings.lock:
        held.settings.queue_delay = 1000.0
    held.reset_stats()
    looks = Looks()
    with pytest.raises(WaitTimeoutError, match=GIVE_UP):
        run_on(
            side,
            held,
            "rounds",
            [chat(0)],
            models=[A, B],
            cache=cache,
            retry_failed=2,
            poll=ONE_STILL_ROUND,
            wait_timeout=WAIT,
            on_progress=looks,
        )
    assert looks.told == ["plan", (B, "QUEUED"), (B, "QUEUED")]
    assert served(held, "create_batch_job") == 1


# The job's window.


@SIDES
def test_the_runs_jobs_are_held_to_its_timeout_hours(side: str, emu: Emulator) -> None:
    # An hour of 0.2 s, jobs queued for 1000 s: a job given one hour times out (after
    # 0.2 s) before it starts; one given the server's default of 24 (4.8 s) would not
    # have ended before the run gave up.
    with emu.settings.lock:
        emu.settings.hour_seconds, emu.settings.queue_delay = 0.2, 1000.0
    run = run_on(
        side,
        emu,
        "hours",
        [chat(0), chat(1)],
        model=A,
        timeout_hours=1,
        retry_failed=0,
        poll=QUICK,
        wait_timeout=3.0,
    )
    try:
        assert [(job.status, job.total_requests) for job in run.jobs] == [("TIMEOUT_EXCEEDED", 2)]
        assert run.counts() == (0, 2)
        errors = read(run, "errors")
        assert [e.custom_id for e in errors] == ["r0", "r1"]
        assert [e.raw["error"]["code"] for e in errors] == ["unanswered", "unanswered"]
    finally:
        run.close()
    assert served(emu, "create_batch_job") == 1


# A run started again on the same state.


#: How many batch files, under other names, are uploaded after the lost one: a page of the
#: file listing (100), newest first.
OTHERS = 100


@SIDES
def test_an_upload_whose_answer_was_lost_is_found_by_its_name_in_one_listing(
    side: str, emu: Emulator, tmp_path: Path
) -> None:
    # The upload reaches the server, its answer is cut: the run fails (no retry) with
    # the upload begun in its state. Then 100 other batch files are uploaded. Started
    # again, the run looks for the part's file by its name: one page holds what matches,
    # where a listing of every batch file, newest first, would find it on the second
    # page only. The file is read back, found to hold the part's very bytes, and taken:
    # nothing is uploaded again.
    state = tmp_path / "run.state"
    requests = [chat(0), chat(1), chat(2)]
    options: dict[str, Any] = {"model": A, "state": state, "poll": QUICK}
    emu.inject("upload_file", truncate=True)
    with pytest.raises(MalformedResponseError, match="POST /v1/files: malformed response"):
        run_on(side, emu, "found", requests, retry=ONCE, **options)
    assert (served(emu, "upload_file"), served(emu, "create_batch_job")) == (1, 0)
    with own_client(emu, "found", side) as client:
        named = [f.id for f in client.files.list(search="input.jsonl")]
        for i in range(OTHERS):
            client.files.upload(b'{"custom_id": "x", "body": {}}\n', file_name=f"o{i}.jsonl")
    emu.reset_stats()

    run = run_on(side, emu, "found", requests, **options)
    try:
        assert (served(emu, "upload_file"), served(emu, "list_files")) == (0, 1)
        assert served(emu, "create_batch_job") == 1
        assert run.input_file is not None and [run.input_file.id] == named
        assert run.jobs[0].input_files == named
        assert [r.custom_id for r in read(run, "results")] == ["r0", "r1", "r2"]
    finally:
        run.close()


@SIDES
def test_a_caches_answers_recorded_for_the_first_model_only_are_taken_for_the_next(
    side: str, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cache holds r0..r2 on both models. A run of r0..r3 on both stops (Ctrl-C)
    # right after it recorded model A's cached answers, before model B's. Started again
    # on the same state, it takes model B's from the cache too: only r3 goes, once per
    # model, and B's cached answers are those of the first run.
    cache, state = tmp_path / "cache", tmp_path / "run.state"
    options: dict[str, Any] = {"models": [A, B], "cache": cache, "poll": QUICK, "wait_timeout": 30}
    warm = run_on(side, emu, "cached", [chat(0), chat(1), chat(2)], **options)
    try:
        first = {m: {r.custom_id: r.body for r in read(warm, "results", m)} for m in (A, B)}
    finally:
        warm.close()
    assert served(emu, "create_batch_job") == 2

    recorded = Ledger.record_cached

    def stop_after_the_first(self: Ledger, *args: Any, **kwargs: Any) -> int:
        found = recorded(self, *args, **kwargs)
        monkeypatch.setattr(Ledger, "record_cached", recorded)
        raise KeyboardInterrupt(found)  # A's answers are recorded; B's are not

    requests = [chat(0), chat(1), chat(2), chat(3)]
    monkeypatch.setattr(Ledger, "record_cached", stop_after_the_first)
    with pytest.raises(KeyboardInterrupt):
        run_on(side, emu, "cached", requests, state=state, **options)
    assert served(emu, "create_batch_job") == 2  # nothing sent before the stop

    run = run_on(side, emu, "cached", requests, state=state, **options)
    try:
        assert (run.cached(A), run.cached(B)) == (3, 3)
        assert [(job.model, job.total_requests) for job in run.jobs] == [(A, 1), (B, 1)]
        for model in (A, B):
            results = {r.custom_id: r.body for r in read(run, "results", model)}
            assert sorted(results) == ["r0", "r1", "r2", "r3"]
            assert {i: results[i] for i in ("r0", "r1", "r2")} == first[model]
            assert results["r3"]["model"] == model
    finally:
        run.close()
    assert served(emu, "create_batch_job") == 2 + 2


@SIDES
def test_an_upload_whose_answer_was_lost_is_told_from_files_that_only_look_like_it(
    side: str, emu: Emulator, tmp_path: Path
) -> None:
    # As above, with an input of some 1.2 MB, read back in many chunks. After the lost
    # upload come, newer, two files that hold the part's very bytes: one under the
    # part's name but for OCR, one for batch under a name that holds the part's name.
    # Neither is the part's file: the run takes the one the lost upload left.
    state = tmp_path / "run.state"
    long = "x" * 120_000
    requests = [
        {**chat(i), "body": {"messages": [{"role": "user", "content": long}]}} for i in range(10)
    ]
    options: dict[str, Any] = {"model": A, "state": state, "poll": QUICK}
    emu.inject("upload_file", truncate=True)
    with pytest.raises(MalformedResponseError, match="POST /v1/files: malformed response"):
        run_on(side, emu, "decoys", requests, retry=ONCE, **options)
    content = (tmp_path / "run.state.d" / "input.jsonl").read_bytes()
    assert len(content) > 1_200_000
    with own_client(emu, "decoys", side) as client:
        [lost] = [f.id for f in client.files.list(search="input.jsonl")]
        ocr = client.files.upload(content, "ocr", file_name="input.jsonl")
        named = client.files.upload(content, file_name="old-input.jsonl")
        assert (ocr.bytes, named.bytes) == (len(content), len(content))
    emu.reset_stats()

    run = run_on(side, emu, "decoys", requests, **options)
    try:
        assert (served(emu, "upload_file"), served(emu, "create_batch_job")) == (0, 1)
        assert run.input_file is not None and run.input_file.id == lost
        assert run.jobs[0].input_files == [lost]
        assert len(read(run, "results")) == 10
    finally:
        run.close()


@SIDES
def test_a_runs_folder_holds_each_jobs_answers_by_part_model_and_kind(
    side: str, emu: Emulator, tmp_path: Path
) -> None:
    # Every request fails: the job leaves its errors only, in a file named for its
    # part, its model and its kind, beside the run's input; they are read back from it.
    state = tmp_path / "run.state"
    with emu.settings.lock:
        emu.settings.fail_rate = 1.0
    try:
        run = run_on(
            side,
            emu,
            "folder",
            [chat(0), chat(1)],
            model=A,
            state=state,
            retry_failed=0,
            poll=QUICK,
        )
    finally:
        with emu.settings.lock:
            emu.settings.fail_rate = 0.0
    try:
        assert run.counts() == (0, 2)
        assert [(e.custom_id, e.status_code) for e in read(run, "errors")] == [
            ("r0", 503),
            ("r1", 503),
        ]
    finally:
        run.close()
    assert sorted(p.name for p in (tmp_path / "run.state.d").iterdir()) == [
        "input.jsonl",
        "part00000-model0-errors.jsonl",
    ]


@SIDES
def test_a_cache_notes_each_job_whose_answers_it_kept(
    side: str, emu: Emulator, tmp_path: Path
) -> None:
    # So that a run started again after a stop does not keep them a second time.
    cache = tmp_path / "cache"
    run = run_on(side, emu, "cached", [chat(0), chat(1)], models=[A, B], cache=cache, poll=QUICK)
    try:
        ids = [job.id for job in run.jobs]
    finally:
        run.close()
    assert len(ids) == 2
    kept = AnswerCache(cache)
    try:
        assert kept.unkept([*ids, "job-never-seen"]) == ["job-never-seen"]
    finally:
        kept.close()


@SIDES
def test_a_create_begun_before_a_stop_is_found_by_its_token(
    side: str, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The run stops (Ctrl-C) once its job is made, before it notes the job's id: its
    # create is begun in its state. Started again, the run finds the job by the token
    # it gave it and takes it: nothing is created again.
    state = tmp_path / "run.state"
    options: dict[str, Any] = {"model": A, "state": state, "poll": QUICK}
    noted = Ledger.created

    def stop_before_noting(self: Ledger, *args: Any, **kwargs: Any) -> None:
        monkeypatch.setattr(Ledger, "created", noted)
        raise KeyboardInterrupt(args)

    monkeypatch.setattr(Ledger, "created", stop_before_noting)
    with pytest.raises(KeyboardInterrupt):
        run_on(side, emu, "stopped", [chat(0), chat(1)], **options)
    with own_client(emu, "stopped", side) as client:
        made = [job.id for job in client.batch.jobs.list()]
    assert len(made) == 1
    emu.reset_stats()

    run = run_on(side, emu, "stopped", [chat(0), chat(1)], **options)
    try:
        assert served(emu, "create_batch_job") == 0
        assert [job.id for job in run.jobs] == made
        assert [r.custom_id for r in read(run, "results")] == ["r0", "r1"]
    finally:
        run.close()


@SIDES
def test_answers_collected_before_a_stop_are_kept_and_noted_when_the_run_goes_on(
    side: str, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The run stops (Ctrl-C) once its job's answers are collected, before the cache
    # keeps them. Started again on the same state, it keeps them, and notes the job as
    # kept, so that a third start would not keep them again.
    cache, state = tmp_path / "cache", tmp_path / "run.state"
    options: dict[str, Any] = {"model": A, "cache": cache, "state": state, "poll": QUICK}
    keep = AnswerCache.keep

    def stop_before_keeping(self: AnswerCache, *args: Any, **kwargs: Any) -> int:
        monkeypatch.setattr(AnswerCache, "keep", keep)
        raise KeyboardInterrupt(args)

    monkeypatch.setattr(AnswerCache, "keep", stop_before_keeping)
    with pytest.raises(KeyboardInterrupt):
        run_on(side, emu, "stopped", [chat(0), chat(1)], **options)
    run = run_on(side, emu, "stopped", [chat(0), chat(1)], **options)
    try:
        ids = [job.id for job in run.jobs]
    finally:
        run.close()
    kept = AnswerCache(cache)
    try:
        assert kept.unkept(ids) == []
        assert len(ids) == 1
    finally:
        kept.close()
    warm = run_on(side, emu, "stopped", [chat(0), chat(1)], model=A, cache=cache, poll=QUICK)
    try:
        assert warm.cached(A) == 2 and warm.jobs == ()
    finally:
        warm.close()


@SIDES
def test_a_model_whose_rounds_are_spent_holds_back_no_other(
    side: str, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every request fails, on both models, one round after the first. The run stops
    # (Ctrl-C) once it has planned model A's last round, before model B's. Started again
    # on the same state, A's rounds are spent: B's next round is planned all the same.
    state = tmp_path / "run.state"
    options: dict[str, Any] = {
        "models": [A, B],
        "state": state,
        "retry_failed": 1,
        "poll": QUICK,
        "wait_timeout": 10,
    }
    plan_retry = Ledger.plan_retry
    planned: list[str] = []

    def stop_before_b(self: Ledger, model: str, *args: Any, **kwargs: Any) -> Any:
        planned.append(model)
        if model == B:
            monkeypatch.setattr(Ledger, "plan_retry", plan_retry)
            raise KeyboardInterrupt(model)
        return plan_retry(self, model, *args, **kwargs)

    monkeypatch.setattr(Ledger, "plan_retry", stop_before_b)
    with emu.settings.lock:
        emu.settings.fail_rate = 1.0
    with pytest.raises(KeyboardInterrupt):
        run_on(side, emu, "rounds", [chat(0)], **options)
    assert planned == [A, B]
    run = run_on(side, emu, "rounds", [chat(0)], **options)
    try:
        assert sorted(job.model for job in run.jobs) == [A, A, B, B]
        assert (run.counts(A), run.counts(B)) == ((0, 1), (0, 1))
    finally:
        run.close()
