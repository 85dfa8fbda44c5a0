"""Runs of any size, on several models, sent again where they failed, and picked up where
they stopped: `client.batch.run` against the emulator, its limits lowered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mistral_batch import (
    Backoff,
    InputError,
    Mistral,
    RunProgress,
    StateError,
    WaitTimeoutError,
)
from mistral_batch.emulator import Emulator

from .conftest import FAST_RETRY

MODEL = "mistral-small-latest"
QUICK = Backoff(initial=0.02, factor=1.5, max_delay=0.2)


def chat(i: int) -> dict[str, Any]:
    return {"custom_id": f"r{i}", "body": {"messages": [{"role": "user", "content": f"q {i}"}]}}


#: The size of one request line of chat(i) for i under 10 (for under 100, one byte more).
LINE = len(json.dumps(chat(0))) + 1


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(api_keys=["key-w"]) as emu:
        yield emu


@pytest.fixture
def emu(emulator: Emulator) -> Iterator[Emulator]:
    """The module's emulator, with its counters at zero and its settings put back after."""
    emulator.reset_stats()
    yield emulator
    with emulator.settings.lock:
        emulator.settings.fail_rate = 0.0
        emulator.settings.max_pending_requests = 1_000_000
    emulator.set_requests_per_second(None)


@pytest.fixture
def client(emu: Emulator) -> Iterator[Mistral]:
    with Mistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
        yield c


def served(emu: Emulator, operation: str) -> int:
    return emu.stats.requests.get(operation, 0)


def ids(results: Any) -> list[str]:
    return sorted(r.custom_id for r in results)


def test_an_input_past_one_file_is_cut_into_parts_each_answered_once(
    client: Mistral, emu: Emulator
) -> None:
    with client.batch.run(
        [chat(i) for i in range(25)], model=MODEL, max_file_bytes=10 * (LINE + 1), poll=QUICK
    ) as run:
        assert len(run.jobs) == served(emu, "create_batch_job") == 3
        assert served(emu, "upload_file") == 3
        assert {job.status for job in run.jobs} == {"SUCCESS"}
        assert sum(job.total_requests for job in run.jobs) == 25
        assert ids(run.results()) == sorted(f"r{i}" for i in range(25))
        assert list(run.errors()) == []
        assert run.input_file.filename == "input.part0.jsonl"


def test_the_pending_limit_holds_back_the_parts_that_do_not_fit(
    client: Mistral, emu: Emulator
) -> None:
    seen: list[tuple[str, str]] = []
    with client.batch.run(
        [chat(i) for i in range(12)],
        model=MODEL,
        max_pending=5,
        poll=QUICK,
        on_progress=lambda p: p.job is None or seen.append((p.job.id, p.job.status)),
    ) as run:
        assert [job.total_requests for job in run.jobs] == [5, 5, 2]
        assert ids(run.results()) == sorted(f"r{i}" for i in range(12))
    # Each job was created once the one before had ended: never more than 5 pending.
    order = list(dict.fromkeys(job_id for job_id, _ in seen))
    assert order == [job.id for job in run.jobs]


def test_a_refusal_for_too_many_pending_requests_is_waited_out(
    client: Mistral, emu: Emulator
) -> None:
    with emu.settings.lock:
        emu.settings.max_pending_requests = 6
    emu.set_requests_per_second(50)
    with client.batch.run(
        [chat(i) for i in range(10)], model=MODEL, max_file_bytes=5 * (LINE + 1), poll=QUICK
    ) as run:
        assert ids(run.results()) == sorted(f"r{i}" for i in range(10))
    # The second create was refused while the first job held its 5 requests.
    assert served(emu, "create_batch_job") > 2
    assert len(run.jobs) == 2


def test_several_models_answer_each_request_once_each(client: Mistral, emu: Emulator) -> None:
    models = ["mistral-small-latest", "mistral-large-latest"]
    requests = [chat(i) for i in range(6)]
    progress: list[RunProgress] = []
    with client.batch.run(requests, models=models, poll=QUICK, on_progress=progress.append) as run:
        # First the plan, before any job: every request to answer, none answered.
        assert (progress[0].job, progress[0].total_requests, progress[0].completed_requests) == (
            None,
            12,
            0,
        )
        last = progress[-1]
        assert (last.total_requests, last.completed_requests, last.succeeded_requests) == (
            12,
            12,
            12,
        )
        assert (last.failed_requests, last.jobs_running, last.jobs_done) == (0, 0, 2)
        assert last.remaining == 0
        assert served(emu, "upload_file") == 1  # one file serves every model
        assert sorted(job.model for job in run.jobs) == sorted(models)
        for model in models:
            results = list(run.results(model))
            assert ids(results) == sorted(f"r{i}" for i in range(6))
            assert {r.body["model"] for r in results} == {model}
        compared = list(run.compare())
        assert [custom_id for custom_id, _ in compared] == [f"r{i}" for i in range(6)]
        assert all(set(answers) == set(models) for _, answers in compared)
        assert all(answer.ok for _, answers in compared for answer in answers.values())
        with pytest.raises(InputError, match="name one of"):
            run.results()
        with pytest.raises(InputError, match="did not run on 'other'"):
            run.errors("other")


def test_with_several_models_a_body_may_not_name_its_own(client: Mistral, emu: Emulator) -> None:
    requests = [chat(0), {"custom_id": "x", "body": {"model": "m", "messages": []}}]
    with pytest.raises(InputError, match="the body names a model") as caught:
        client.batch.run(requests, models=["a", "b"])
    assert caught.value.line == 2
    assert served(emu, "upload_file") == 0


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"model": "a", "models": ["b"]}, "model or models, not both"),
        ({"models": []}, "models is empty"),
        ({"models": "a"}, "a list of model names"),
        ({"models": ["a", "a"]}, "named twice"),
        ({"model": MODEL, "retry_failed": -1}, "retry_failed must be an int of 0 or more"),
        ({"model": MODEL, "max_pending": 0}, "max_pending must be a positive int"),
        ({"model": MODEL, "max_file_bytes": 2**30}, "max_file_bytes must be at most"),
        ({"model": MODEL, "timeout_hours": 0}, "between 1 and 168"),
    ],
)
def test_bad_options_are_refused_before_anything_is_sent(
    client: Mistral, emu: Emulator, options: dict[str, Any], reason: str
) -> None:
    with pytest.raises(InputError, match=reason):
        client.batch.run([chat(0)], **options)
    assert served(emu, "upload_file") == 0


def test_transient_failures_are_sent_again_until_the_rounds_are_spent(
    client: Mistral, emu: Emulator
) -> None:
    with emu.settings.lock:
        emu.settings.fail_rate = 0.5
    requests = [chat(i) for i in range(40)]
    with client.batch.run(requests, model=MODEL, retry_failed=2, poll=QUICK) as run:
        results, errors = list(run.results()), list(run.errors())
        # Each request once: its success, or its error of the last round.
        assert sorted(ids(results) + ids(errors)) == sorted(f"r{i}" for i in range(40))
        assert all(r.ok for r in results) and all(e.status_code == 503 for e in errors)
        rounds = len(run.jobs)
        assert rounds == 3
        # Round by round, only the failures went again.
        assert run.jobs[0].total_requests == 40
        assert run.jobs[1].total_requests == run.jobs[0].failed_requests
        assert run.jobs[2].total_requests == run.jobs[1].failed_requests
        assert len(errors) == run.jobs[2].failed_requests
        assert len(results) > 30


def test_without_rounds_the_failures_stay_failures(client: Mistral, emu: Emulator) -> None:
    with emu.settings.lock:
        emu.settings.fail_rate = 0.5
    with client.batch.run([chat(i) for i in range(20)], model=MODEL, retry_failed=0) as run:
        assert len(run.jobs) == 1
        errors = list(run.errors())
        assert len(errors) == run.job.failed_requests > 0
        assert all(e.transient for e in errors)


def test_a_run_on_a_state_file_picks_up_where_it_stopped(
    client: Mistral, emu: Emulator, tmp_path: Path
) -> None:
    state = tmp_path / "run.state"
    requests = [chat(i) for i in range(30)]
    emu.set_requests_per_second(40)
    with pytest.raises(WaitTimeoutError):
        client.batch.run(
            requests, model=MODEL, max_pending=10, state=state, wait_timeout=0.3, poll=QUICK
        )
    created, uploaded = served(emu, "create_batch_job"), served(emu, "upload_file")
    assert created >= 1
    emu.set_requests_per_second(None)
    with client.batch.run(requests, model=MODEL, max_pending=10, state=state, poll=QUICK) as run:
        assert ids(run.results()) == sorted(f"r{i}" for i in range(30))
    # Three parts in all: each uploaded once and made a job once, across the two calls.
    assert served(emu, "upload_file") == 3 >= uploaded
    assert served(emu, "create_batch_job") == 3 >= created
    # Called again once it is over, it reads the same answers and sends nothing.
    with client.batch.run(requests, model=MODEL, max_pending=10, state=state, poll=QUICK) as again:
        assert ids(again.results()) == sorted(f"r{i}" for i in range(30))
        assert [job.id for job in again.jobs] == [job.id for job in run.jobs]
        assert again.input_file == run.input_file
    assert served(emu, "create_batch_job") == 3
    assert state.exists() and (tmp_path / "run.state.d").is_dir()


def test_an_upload_whose_record_was_lost_is_found_not_sent_again(
    client: Mistral, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mistral_batch._ledger import Ledger

    recorded = Ledger.uploaded
    sent: list[str] = []

    def lost(self: Ledger, part: int, file_id: str) -> None:
        monkeypatch.setattr(Ledger, "uploaded", recorded)
        sent.append(file_id)
        raise KeyboardInterrupt  # the file is on the server; its id is not recorded

    monkeypatch.setattr(Ledger, "uploaded", lost)
    state = tmp_path / "run.state"
    requests = [chat(i) for i in range(25)]
    options: dict[str, Any] = {"model": MODEL, "max_file_bytes": 10 * (LINE + 1)}
    with pytest.raises(KeyboardInterrupt):
        client.batch.run(requests, state=state, poll=QUICK, **options)
    with client.batch.run(requests, state=state, poll=QUICK, **options) as run:
        assert ids(run.results()) == sorted(f"r{i}" for i in range(25))
        assert run.input_file.id == sent[0]
        assert run.jobs[0].input_files == sent
    assert served(emu, "upload_file") == 3  # each part once


def test_the_async_client_finds_an_upload_whose_record_was_lost(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from mistral_batch import AsyncMistral
    from mistral_batch._ledger import Ledger

    recorded = Ledger.uploaded
    sent: list[str] = []

    def lost(self: Ledger, part: int, file_id: str) -> None:
        monkeypatch.setattr(Ledger, "uploaded", recorded)
        sent.append(file_id)
        raise KeyboardInterrupt

    monkeypatch.setattr(Ledger, "uploaded", lost)

    async def scenario() -> list[str]:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
            requests = [chat(i) for i in range(3)]
            state = tmp_path / "async.state"
            with pytest.raises(KeyboardInterrupt):
                await c.batch.run(requests, model=MODEL, state=state, poll=QUICK)
            async with await c.batch.run(requests, model=MODEL, state=state, poll=QUICK) as run:
                return list(run.job.input_files)

    assert asyncio.run(scenario()) == sent
    assert served(emu, "upload_file") == 1


def test_a_file_of_the_same_name_and_size_but_other_bytes_is_not_taken_for_the_part(
    client: Mistral, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mistral_batch._sync._files import Files

    def cut(self: Files, *args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt  # begun, never sent

    monkeypatch.setattr(Files, "upload", cut)
    state = tmp_path / "run.state"
    requests = [chat(1), chat(2)]
    with pytest.raises(KeyboardInterrupt):
        client.batch.run(requests, model=MODEL, state=state, poll=QUICK)
    monkeypatch.undo()
    # Another file under the part's name, of its size, but not its bytes.
    content = (tmp_path / "run.state.d" / "input.jsonl").read_bytes().replace(b"r1", b"r3")
    other = client.files.upload({"file_name": "input.jsonl", "content": content})
    with client.batch.run(requests, model=MODEL, state=state, poll=QUICK) as run:
        assert run.input_file.id != other.id
        assert run.input_file.filename == "input.jsonl" and run.input_file.bytes == other.bytes
        assert ids(run.results()) == ["r1", "r2"]
    assert served(emu, "upload_file") == 2


def test_a_state_file_of_another_run_is_refused_and_kept(
    client: Mistral, emu: Emulator, tmp_path: Path
) -> None:
    state = tmp_path / "run.state"
    with client.batch.run([chat(0)], model=MODEL, state=state, poll=QUICK):
        pass
    before = served(emu, "upload_file")
    with pytest.raises(
        StateError,
        match=r"written for another run: the model \(mistral-small-latest, now other-model\)",
    ):
        client.batch.run([chat(0)], model="other-model", state=state)
    with pytest.raises(StateError, match="the input's content"):
        client.batch.run([chat(1)], model=MODEL, state=state)
    assert served(emu, "upload_file") == before


def test_a_run_without_state_leaves_nothing_behind(client: Mistral, tmp_path: Path) -> None:
    run = client.batch.run([chat(0)], model=MODEL, poll=QUICK)
    folder = run.record.folder
    assert folder.is_dir()
    run.close()
    assert not folder.exists()


def test_the_async_client_runs_the_same_rounds(emu: Emulator, tmp_path: Path) -> None:
    import asyncio

    from mistral_batch import AsyncMistral

    with emu.settings.lock:
        emu.settings.fail_rate = 0.3
    models = ["mistral-small-latest", "mistral-large-latest"]

    async def scenario() -> dict[str, tuple[list[str], list[str]]]:
        async with AsyncMistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
            run = await c.batch.run(
                [chat(i) for i in range(20)],
                models=models,
                max_file_bytes=8 * (LINE + 1),
                state=tmp_path / "async.state",
                poll=QUICK,
            )
            async with run:
                found = {}
                for model in models:
                    async with await run.results(model) as results:
                        ok = [r.custom_id async for r in results]
                    failed = [e.custom_id async for e in await run.errors(model)]
                    found[model] = (ok, failed)
                return found

    found = asyncio.run(scenario())
    for ok, failed in found.values():
        assert sorted(ok + failed) == sorted(f"r{i}" for i in range(20))


def test_the_counts_say_how_each_model_ended(client: Mistral, emu: Emulator) -> None:
    with emu.settings.lock:
        emu.settings.fail_rate = 1.0
    models = ["mistral-small-latest", "mistral-large-latest"]
    with client.batch.run([chat(i) for i in range(4)], models=models, retry_failed=1) as run:
        assert run.counts(models[0]) == run.counts(models[1]) == (0, 4)
        assert len(run.jobs) == 4  # two rounds on each model
    with emu.settings.lock:
        emu.settings.fail_rate = 0.0
    with client.batch.run([chat(i) for i in range(4)], models=models, poll=QUICK) as run:
        assert run.counts(models[0]) == (4, 0)


def test_the_answers_are_written_per_model_in_input_order_and_side_by_side(
    client: Mistral, emu: Emulator, tmp_path: Path
) -> None:
    with emu.settings.lock:
        emu.settings.fail_rate = 0.4
    models = ["mistral-small-latest", "mistral-large-latest"]
    requests = [chat(i) for i in range(30)]
    with client.batch.run(
        requests, models=models, max_pending=7, retry_failed=1, poll=QUICK
    ) as run:
        for model in models:
            out, err = tmp_path / f"out.{model}.jsonl", tmp_path / f"err.{model}.jsonl"
            written = run.write_results(out, model, ordered=True)
            failed = run.write_errors(err, model, ordered=True)
            assert (written, failed) == run.counts(model)
            got = [json.loads(line)["custom_id"] for line in out.read_text().splitlines()]
            bad = [json.loads(line)["custom_id"] for line in err.read_text().splitlines()]
            # In input order, each request in exactly one of the two files.
            assert got == [c for c in (f"r{i}" for i in range(30)) if c in set(got)]
            assert sorted(got + bad) == sorted(f"r{i}" for i in range(30))
            assert out.stat().st_mode & 0o777 == 0o600
        assert run.write_compare(tmp_path / "compare.jsonl") == 30
    rows = [json.loads(line) for line in (tmp_path / "compare.jsonl").read_text().splitlines()]
    assert [row["custom_id"] for row in rows] == [f"r{i}" for i in range(30)]
    assert all(set(row["answers"]) == set(models) for row in rows)
    assert all(row["answers"][m]["custom_id"] == row["custom_id"] for row in rows for m in models)


def test_an_inline_run_sends_its_requests_in_the_create_and_reads_the_answers_from_the_job(
    client: Mistral, emu: Emulator
) -> None:
    with emu.settings.lock:
        emu.settings.fail_rate = 0.3
    requests = [chat(i) for i in range(25)] + [{"custom_id": "bad", "body": {"messages": 3}}]
    with client.batch.run(requests, model=MODEL, inline=True, max_pending=10, poll=QUICK) as run:
        assert served(emu, "upload_file") == 0 and served(emu, "download_file") == 0
        assert run.input_file is None
        results, errors = list(run.results()), list(run.errors())
        assert sorted(ids(results) + ids(errors)) == sorted([f"r{i}" for i in range(25)] + ["bad"])
        assert all(r.ok for r in results) and not any(e.ok for e in errors)
        # The bad request failed for good: it was not sent again.
        assert [e.status_code for e in errors if e.custom_id == "bad"] == [422]
        assert sum(job.total_requests for job in run.jobs[:3]) == 26  # 10, 10, 6
        assert len(run.jobs) > 3  # and the transient failures went again, inline too


def test_a_cancelled_job_ends_its_models_rounds(client: Mistral, emu: Emulator) -> None:
    emu.set_requests_per_second(20)

    def cancel_at_once(progress: RunProgress) -> None:
        if progress.job is not None and progress.job.status in {"QUEUED", "RUNNING"}:
            client.batch.jobs.cancel(progress.job.id)

    with client.batch.run(
        [chat(i) for i in range(40)], model=MODEL, poll=QUICK, on_progress=cancel_at_once
    ) as run:
        assert [job.status for job in run.jobs] == ["CANCELLED"]  # and no round after it
        succeeded, failed = run.counts()
        assert succeeded + failed == 40 and failed > 0
        unanswered = [e for e in run.errors() if e.raw["error"] and e.status_code is None]
        assert unanswered and all("no job answered" in str(e.error) for e in unanswered)
