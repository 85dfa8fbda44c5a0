"""Runs of any size on the async client: the stories of test_workload and test_cache told
again on `AsyncMistral` (its own engine, `_async/_workload.py`), against the emulator."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from mistral_batch import AsyncMistral, InputError, RunProgress, StateError, WaitTimeoutError
from mistral_batch._async._batch import AsyncBatchRun
from mistral_batch._cache import AnswerCache
from mistral_batch._run_record import RunResults
from mistral_batch.emulator import Emulator

from .conftest import FAST_RETRY
from .test_workload import LINE, MODEL, QUICK, chat, emu, emulator, served

T = TypeVar("T")

# The emulator and its reset between tests, as test_workload has them.
__all__ = ["emu", "emulator"]

MODELS = ["mistral-small-latest", "mistral-large-latest"]


def on_async(emu: Emulator, story: Callable[[AsyncMistral], Awaitable[T]]) -> T:
    """Tell `story` on an async client of the emulator, in a loop of its own."""

    async def main() -> T:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
            return await story(c)

    return asyncio.run(main())


async def read(results: Awaitable[RunResults]) -> list[Any]:
    """Every result of `results`, read with ``async for`` in an ``async with`` block."""
    async with await results as found:
        return [r async for r in found]


async def ids(results: Awaitable[RunResults]) -> list[str]:
    return sorted(r.custom_id for r in await read(results))


def numbered(n: int) -> list[str]:
    return sorted(f"r{i}" for i in range(n))


async def sent(c: AsyncMistral) -> int:
    """Requests the emulator's jobs were given, across every job it made."""
    return sum([job.total_requests async for job in c.batch.jobs.list()])


def test_an_input_past_one_file_is_cut_into_parts_each_answered_once(emu: Emulator) -> None:
    async def story(c: AsyncMistral) -> None:
        requests = [chat(i) for i in range(25)]
        run = await c.batch.run(requests, model=MODEL, max_file_bytes=10 * (LINE + 1), poll=QUICK)
        async with run:
            assert len(run.jobs) == served(emu, "create_batch_job") == 3
            assert served(emu, "upload_file") == 3
            assert {job.status for job in run.jobs} == {"SUCCESS"}
            assert sum(job.total_requests for job in run.jobs) == 25
            assert await ids(run.results()) == numbered(25)
            assert await read(run.errors()) == []
            assert run.input_file is not None
            assert run.input_file.filename == "input.part0.jsonl"

    on_async(emu, story)


def test_the_pending_limit_holds_back_the_parts_that_do_not_fit(emu: Emulator) -> None:
    seen: list[tuple[str, str]] = []
    others: list[int] = []  # at each look, the jobs running besides the one looked at

    def note(progress: RunProgress) -> None:
        job = progress.job
        others.append(progress.jobs_running - (job is not None and not job.done))
        if job is not None:
            seen.append((job.id, job.status))

    async def story(c: AsyncMistral) -> AsyncBatchRun:
        requests = [chat(i) for i in range(12)]
        run = await c.batch.run(requests, model=MODEL, max_pending=5, poll=QUICK, on_progress=note)
        async with run:
            assert [job.total_requests for job in run.jobs] == [5, 5, 2]
            assert await ids(run.results()) == numbered(12)
        return run

    run = on_async(emu, story)
    # Each job was created once the one before had ended: never more than 5 pending.
    order = list(dict.fromkeys(job_id for job_id, _ in seen))
    assert order == [job.id for job in run.jobs]
    assert max(others) == 0


def test_a_refusal_for_too_many_pending_requests_is_waited_out(emu: Emulator) -> None:
    with emu.settings.lock:
        emu.settings.max_pending_requests = 6
    emu.set_requests_per_second(50)

    async def story(c: AsyncMistral) -> None:
        requests = [chat(i) for i in range(10)]
        run = await c.batch.run(requests, model=MODEL, max_file_bytes=5 * (LINE + 1), poll=QUICK)
        async with run:
            assert await ids(run.results()) == numbered(10)
        assert len(run.jobs) == 2

    on_async(emu, story)
    # The second create was refused while the first job held its 5 requests.
    assert served(emu, "create_batch_job") > 2


def test_several_models_answer_each_request_once_each(emu: Emulator) -> None:
    progress: list[RunProgress] = []

    async def remember(p: RunProgress) -> None:  # an on_progress to await
        progress.append(p)

    async def story(c: AsyncMistral) -> None:
        requests = [chat(i) for i in range(6)]
        run = await c.batch.run(
            requests, models=MODELS, metadata={"team": "a"}, poll=QUICK, on_progress=remember
        )
        async with run:
            # First the plan, before any job: every request to answer, none answered.
            first = progress[0]
            assert (first.job, first.total_requests, first.completed_requests) == (None, 12, 0)
            last = progress[-1]
            assert (last.total_requests, last.completed_requests, last.succeeded_requests) == (
                12,
                12,
                12,
            )
            assert (last.failed_requests, last.jobs_running, last.jobs_done) == (0, 0, 2)
            assert last.remaining == 0
            assert served(emu, "upload_file") == 1  # one file serves every model
            assert sorted(job.model or "" for job in run.jobs) == sorted(MODELS)
            assert all((job.metadata or {}).get("team") == "a" for job in run.jobs)
            # A run of one part uploads its input under its own name.
            assert run.input_file is not None and run.input_file.filename == "input.jsonl"
            for model in MODELS:
                results = await read(run.results(model))
                assert sorted(r.custom_id for r in results) == numbered(6)
                assert {r.body["model"] for r in results} == {model}
            compared = list(run.compare())
            assert [custom_id for custom_id, _ in compared] == [f"r{i}" for i in range(6)]
            assert all(set(answers) == set(MODELS) for _, answers in compared)
            assert all(answer.ok for _, answers in compared for answer in answers.values())
            with pytest.raises(InputError, match="name one of"):
                await run.results()
            with pytest.raises(InputError, match="did not run on 'other'"):
                await run.errors("other")

    on_async(emu, story)


def test_transient_failures_are_sent_again_until_the_rounds_are_spent(emu: Emulator) -> None:
    with emu.settings.lock:
        emu.settings.fail_rate = 0.5

    async def story(c: AsyncMistral) -> None:
        requests = [chat(i) for i in range(40)]
        async with await c.batch.run(requests, model=MODEL, retry_failed=2, poll=QUICK) as run:
            results, errors = await read(run.results()), await read(run.errors())
            # Each request once: its success, or its error of the last round.
            found = [r.custom_id for r in results] + [e.custom_id for e in errors]
            assert sorted(found) == numbered(40)
            assert all(r.ok for r in results) and all(e.status_code == 503 for e in errors)
            assert len(run.jobs) == 3
            # Round by round, only the failures went again.
            assert run.jobs[0].total_requests == 40
            assert run.jobs[1].total_requests == run.jobs[0].failed_requests
            assert run.jobs[2].total_requests == run.jobs[1].failed_requests
            assert len(errors) == run.jobs[2].failed_requests
            assert len(results) > 30

    on_async(emu, story)


def test_without_rounds_the_failures_stay_failures(emu: Emulator) -> None:
    with emu.settings.lock:
        emu.settings.fail_rate = 0.5

    async def story(c: AsyncMistral) -> None:
        requests = [chat(i) for i in range(20)]
        async with await c.batch.run(requests, model=MODEL, retry_failed=0) as run:
            assert len(run.jobs) == 1 and run.job is not None
            errors = await read(run.errors())
            assert len(errors) == run.job.failed_requests > 0
            assert all(e.transient for e in errors)

    on_async(emu, story)


def test_a_run_on_a_state_file_picks_up_where_it_stopped(emu: Emulator, tmp_path: Path) -> None:
    state = tmp_path / "run.state"
    requests = [chat(i) for i in range(30)]
    options: dict[str, Any] = {"model": MODEL, "max_pending": 10, "state": state, "poll": QUICK}

    async def story(c: AsyncMistral) -> None:
        emu.set_requests_per_second(40)
        with pytest.raises(WaitTimeoutError, match="run it again to go on") as caught:
            await c.batch.run(requests, wait_timeout=0.3, **options)
        assert caught.value.job is not None
        created, uploaded = served(emu, "create_batch_job"), served(emu, "upload_file")
        assert created >= 1
        emu.set_requests_per_second(None)
        async with await c.batch.run(requests, **options) as run:
            assert await ids(run.results()) == numbered(30)
        # Three parts in all: each uploaded once and made a job once, across the two calls.
        assert served(emu, "upload_file") == 3 >= uploaded
        assert served(emu, "create_batch_job") == 3 >= created
        # Called again once it is over, it reads the same answers and sends nothing.
        async with await c.batch.run(requests, **options) as again:
            assert await ids(again.results()) == numbered(30)
            assert [job.id for job in again.jobs] == [job.id for job in run.jobs]
            assert again.input_file is not None and again.input_file == run.input_file
        assert served(emu, "create_batch_job") == 3

    on_async(emu, story)
    assert state.exists() and (tmp_path / "run.state.d").is_dir()


def test_a_create_whose_answer_was_lost_is_found_not_sent_again(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mistral_batch._ledger import Ledger

    recorded = Ledger.created
    made: list[str] = []

    def lost(self: Ledger, part: int, model: str, job_id: str, status: str) -> None:
        monkeypatch.setattr(Ledger, "created", recorded)
        made.append(job_id)
        raise KeyboardInterrupt  # the job is on the server; its id is not recorded

    monkeypatch.setattr(Ledger, "created", lost)
    state = tmp_path / "run.state"

    async def story(c: AsyncMistral) -> None:
        requests = [chat(i) for i in range(3)]
        with pytest.raises(KeyboardInterrupt):
            await c.batch.run(requests, model=MODEL, state=state, poll=QUICK)
        async with await c.batch.run(requests, model=MODEL, state=state, poll=QUICK) as run:
            assert [job.id for job in run.jobs] == made
            assert await ids(run.results()) == numbered(3)

    on_async(emu, story)
    assert served(emu, "create_batch_job") == 1


def test_a_state_file_of_another_run_is_refused_and_kept(emu: Emulator, tmp_path: Path) -> None:
    state = tmp_path / "run.state"

    async def story(c: AsyncMistral) -> None:
        async with await c.batch.run([chat(0)], model=MODEL, state=state, poll=QUICK):
            pass
        before = served(emu, "upload_file")
        with pytest.raises(
            StateError,
            match=r"written for another run: the model \(mistral-small-latest, now other-model\)",
        ):
            await c.batch.run([chat(0)], model="other-model", state=state)
        with pytest.raises(StateError, match="the input's content"):
            await c.batch.run([chat(1)], model=MODEL, state=state)
        assert served(emu, "upload_file") == before

    on_async(emu, story)
    assert state.exists()


def test_a_state_or_cache_given_as_a_url_is_refused(emu: Emulator) -> None:
    async def story(c: AsyncMistral) -> None:
        for name in ("state", "cache"):
            url: dict[str, Any] = {name: "s3://bucket/x"}
            with pytest.raises(InputError, match=f": {name} must be a local path") as caught:
                await c.batch.run([chat(0)], model=MODEL, **url)
            assert caught.value.field == name

    on_async(emu, story)
    assert served(emu, "upload_file") == 0


def test_a_run_without_state_leaves_nothing_behind(emu: Emulator) -> None:
    async def story(c: AsyncMistral) -> Path:
        run = await c.batch.run([chat(0)], model=MODEL, poll=QUICK)
        folder: Path = run.record.folder
        assert folder.is_dir()
        run.close()
        return folder

    assert not on_async(emu, story).exists()


def test_the_counts_say_how_each_model_ended(emu: Emulator) -> None:
    with emu.settings.lock:
        emu.settings.fail_rate = 1.0
    requests = [chat(i) for i in range(4)]

    async def story(c: AsyncMistral) -> None:
        async with await c.batch.run(requests, models=MODELS, retry_failed=1) as run:
            assert run.counts(MODELS[0]) == run.counts(MODELS[1]) == (0, 4)
            assert len(run.jobs) == 4  # two rounds on each model
        with emu.settings.lock:
            emu.settings.fail_rate = 0.0
        async with await c.batch.run(requests, models=MODELS, poll=QUICK) as run:
            assert run.counts(MODELS[0]) == (4, 0)

    on_async(emu, story)


def test_the_answers_are_written_per_model_in_input_order_and_side_by_side(
    emu: Emulator, tmp_path: Path
) -> None:
    with emu.settings.lock:
        emu.settings.fail_rate = 0.4
    requests = [chat(i) for i in range(30)]

    async def story(c: AsyncMistral) -> None:
        run = await c.batch.run(requests, models=MODELS, max_pending=7, retry_failed=1, poll=QUICK)
        async with run:
            for model in MODELS:
                out, err = tmp_path / f"out.{model}.jsonl", tmp_path / f"err.{model}.jsonl"
                written = run.write_results(out, model, ordered=True)
                failed = run.write_errors(err, model, ordered=True)
                assert (written, failed) == run.counts(model)
                got = [json.loads(line)["custom_id"] for line in out.read_text().splitlines()]
                bad = [json.loads(line)["custom_id"] for line in err.read_text().splitlines()]
                # In input order, each request in exactly one of the two files.
                assert got == [c for c in (f"r{i}" for i in range(30)) if c in set(got)]
                assert sorted(got + bad) == numbered(30)
                assert out.stat().st_mode & 0o777 == 0o600
                assert err.stat().st_mode & 0o777 == 0o600
            assert run.write_compare(tmp_path / "compare.jsonl", mode=0o640) == 30
        assert (tmp_path / "compare.jsonl").stat().st_mode & 0o777 == 0o640

    on_async(emu, story)
    rows = [json.loads(line) for line in (tmp_path / "compare.jsonl").read_text().splitlines()]
    assert [row["custom_id"] for row in rows] == [f"r{i}" for i in range(30)]
    assert all(set(row["answers"]) == set(MODELS) for row in rows)
    assert all(row["answers"][m]["custom_id"] == row["custom_id"] for row in rows for m in MODELS)


def test_an_inline_run_sends_its_requests_in_the_create_and_reads_the_answers_from_the_job(
    emu: Emulator,
) -> None:
    with emu.settings.lock:
        emu.settings.fail_rate = 0.3
    requests = [chat(i) for i in range(25)] + [{"custom_id": "bad", "body": {"messages": 3}}]

    async def story(c: AsyncMistral) -> None:
        run = await c.batch.run(requests, model=MODEL, inline=True, max_pending=10, poll=QUICK)
        async with run:
            assert served(emu, "upload_file") == 0 and served(emu, "download_file") == 0
            assert run.input_file is None
            results, errors = await read(run.results()), await read(run.errors())
            found = [r.custom_id for r in results] + [e.custom_id for e in errors]
            assert sorted(found) == sorted([f"r{i}" for i in range(25)] + ["bad"])
            assert all(r.ok for r in results) and not any(e.ok for e in errors)
            # The bad request failed for good: it was not sent again.
            assert [e.status_code for e in errors if e.custom_id == "bad"] == [422]
            assert sum(job.total_requests for job in run.jobs[:3]) == 26  # 10, 10, 6
            assert len(run.jobs) > 3  # and the transient failures went again, inline too

    on_async(emu, story)


def test_a_cancelled_job_ends_its_models_rounds(emu: Emulator) -> None:
    emu.set_requests_per_second(20)

    async def story(c: AsyncMistral) -> None:
        async def cancel_at_once(progress: RunProgress) -> None:  # awaited by the run
            if progress.job is not None and progress.job.status in {"QUEUED", "RUNNING"}:
                await c.batch.jobs.cancel(progress.job.id)

        requests = [chat(i) for i in range(40)]
        run = await c.batch.run(requests, model=MODEL, poll=QUICK, on_progress=cancel_at_once)
        async with run:
            assert [job.status for job in run.jobs] == ["CANCELLED"]  # and no round after it
            succeeded, failed = run.counts()
            assert succeeded + failed == 40 and failed > 0
            errors = await read(run.errors())
            unanswered = [e for e in errors if e.raw["error"] and e.status_code is None]
            assert unanswered and all("no job answered" in str(e.error) for e in unanswered)
            assert run.unanswered(MODEL) == len(unanswered)

    on_async(emu, story)


# The answer cache, on the async engine: the stories of test_cache.


def test_a_request_answered_before_is_not_sent_again(emu: Emulator, tmp_path: Path) -> None:
    cache = tmp_path / "cache"

    async def story(c: AsyncMistral) -> None:
        before = await sent(c)
        requests = [chat(i) for i in range(6)]
        async with await c.batch.run(requests, model=MODEL, cache=cache) as run:
            assert run.cached() == 0
            first = {r.custom_id: r.body for r in await read(run.results())}
        assert await sent(c) - before == 6

        # Four of the same requests (two under other custom_ids) and two new ones.
        again = [chat(0), chat(1), chat(2), chat(3), chat(6), chat(7)]
        again[2] = {**again[2], "custom_id": "renamed-2"}
        again[3] = {**again[3], "custom_id": "renamed-3"}
        async with await c.batch.run(again, model=MODEL, cache=cache, poll=QUICK) as run:
            assert run.cached() == 4
            results = {r.custom_id: r for r in await read(run.results())}
            assert sorted(results) == sorted(r["custom_id"] for r in again)
            assert results["r0"].body == first["r0"]
            assert results["renamed-2"].body == first["r2"]
            assert all(r.ok for r in results.values())
        assert await sent(c) - before == 6 + 2  # only the new ones went

    on_async(emu, story)


def test_a_request_answered_on_one_model_goes_to_another(emu: Emulator, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    requests = [chat(i) for i in range(5)]

    async def story(c: AsyncMistral) -> None:
        before = await sent(c)
        async with await c.batch.run(requests, model=MODEL, cache=cache):
            pass
        async with await c.batch.run(requests, models=MODELS, cache=cache, poll=QUICK) as run:
            assert (run.cached(MODELS[0]), run.cached(MODELS[1])) == (5, 0)
            for model in MODELS:
                assert await ids(run.results(model)) == numbered(5)
        assert await sent(c) - before == 5 + 5

    on_async(emu, story)


def test_failures_are_not_kept(emu: Emulator, tmp_path: Path) -> None:
    with emu.settings.lock:
        emu.settings.fail_rate = 1.0
    cache = tmp_path / "cache"

    async def story(c: AsyncMistral) -> None:
        async with await c.batch.run([chat(0)], model=MODEL, cache=cache, retry_failed=0) as run:
            assert run.counts() == (0, 1)
        with emu.settings.lock:
            emu.settings.fail_rate = 0.0
        async with await c.batch.run([chat(0)], model=MODEL, cache=cache, poll=QUICK) as run:
            assert (run.cached(), run.counts()) == (0, (1, 0))

    on_async(emu, story)


def test_a_run_the_cache_answers_whole_sends_nothing(emu: Emulator, tmp_path: Path) -> None:
    cache = tmp_path / "cache"

    async def story(c: AsyncMistral) -> None:
        async with await c.batch.run([chat(0), chat(1)], model=MODEL, cache=cache):
            pass
        emu.reset_stats()
        async with await c.batch.run([chat(1), chat(0)], model=MODEL, cache=cache) as run:
            assert (run.job, run.input_file, run.jobs) == (None, None, ())
            assert [r.custom_id for r in await read(run.results())] == ["r1", "r0"]
            assert run.cached() == 2
            assert run.counts() == (2, 0)

    on_async(emu, story)
    assert served(emu, "upload_file") == 0
    assert served(emu, "create_batch_job") == 0


def test_answers_collected_before_a_stop_are_kept_when_the_run_goes_on(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run stopped between recording a job's answers and keeping them in the cache
    keeps them when it is started again: a later run over the same requests pays none."""
    cache, state = tmp_path / "cache", tmp_path / "run.state"
    requests = [chat(i) for i in range(6)]

    def stop(*_: Any, **__: Any) -> int:
        raise KeyboardInterrupt

    async def story(c: AsyncMistral) -> None:
        options: dict[str, Any] = {"model": MODEL, "cache": cache, "poll": QUICK}
        with monkeypatch.context() as patched:
            patched.setattr(AnswerCache, "keep", stop)
            with pytest.raises(KeyboardInterrupt):
                await c.batch.run(requests, state=state, **options)
        async with await c.batch.run(requests, state=state, **options) as run:
            assert run.counts() == (6, 0)
        # The job whose answers were kept late is noted with them: not kept once more.
        kept = AnswerCache(cache)
        try:
            assert kept.unkept([job.id for job in run.jobs]) == []
        finally:
            kept.close()
        before = await sent(c)
        async with await c.batch.run(requests[::-1], **options) as run:
            assert (run.cached(), run.counts()) == (6, (6, 0))
            results = await read(run.results())
            assert [r.custom_id for r in results] == [f"r{i}" for i in range(6)][::-1]
            assert all(r.ok for r in results)
        assert await sent(c) == before

    on_async(emu, story)


def test_a_plain_function_that_returns_a_value_is_a_progress_callback_too(emu: Emulator) -> None:
    # As on the sync client, whose idiom `lambda p: ... or seen.append(p)` returns True.
    seen: list[RunProgress] = []

    async def story(c: AsyncMistral) -> list[str]:
        run = await c.batch.run(
            [chat(i) for i in range(3)],
            model=MODEL,
            poll=QUICK,
            on_progress=lambda p: p.job is None or seen.append(p),
        )
        async with run:
            return await ids(run.results())

    assert on_async(emu, story) == numbered(3)
    assert seen and seen[-1].job is not None and seen[-1].job.done
