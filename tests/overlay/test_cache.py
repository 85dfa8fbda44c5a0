"""Answers kept across runs: a request answered once, on a model, is not sent again."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mistral_batch import Backoff, Mistral
from mistral_batch._cache import AnswerCache, body_digest, request_key
from mistral_batch.emulator import Emulator

from .conftest import FAST_RETRY

MODEL = "mistral-small-latest"
QUICK = Backoff(initial=0.02, factor=1.5, max_delay=0.2)


def chat(i: int, custom_id: str | None = None) -> dict[str, Any]:
    body = {"messages": [{"role": "user", "content": f"q {i}"}]}
    return {"custom_id": custom_id or f"r{i}", "body": body}


@pytest.fixture
def emu(emulator: Emulator) -> Iterator[Emulator]:
    emulator.reset_stats()
    yield emulator
    with emulator.settings.lock:
        emulator.settings.fail_rate = 0.0


def sent(emu: Emulator) -> int:
    """Requests the emulator's jobs were given, across every job it made."""
    with Mistral(api_key=emu.api_key, server_url=emu.url) as c:
        return sum(job.total_requests for job in c.batch.jobs.list())


def test_the_key_is_the_request_not_its_spelling() -> None:
    a = body_digest({"messages": [{"role": "user", "content": "é"}], "temperature": 0})
    b = body_digest({"temperature": 0, "messages": [{"content": "é", "role": "user"}]})
    assert a == b
    assert body_digest({"temperature": 0.0}) != body_digest({"temperature": 1})
    key = request_key("/v1/chat/completions", "m", a)
    assert key != request_key("/v1/chat/completions", "n", a)
    assert key != request_key("/v1/embeddings", "m", a)
    assert len(key) == 32


def test_the_first_answer_kept_stays(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path / "cache")
    try:
        assert cache.keep([(b"k1", b"one\n"), (b"k2", b"two\n")]) == 2
        assert cache.keep([(b"k1", b"other\n"), (b"k3", b"three\n")]) == 1
        assert cache.find([b"k1", b"k3", b"k4"]) == {b"k1": b"one\n", b"k3": b"three\n"}
        assert len(cache.find(bytes([i % 256, i // 256]) for i in range(2000))) == 0
        # The jobs whose answers were kept are noted with them.
        assert cache.keep([(b"k4", b"four\n")], job="job-1") == 1
        assert cache.keep([], job="job-2") == 0
        jobs = [f"job-{i}" for i in range(1200)]
        assert cache.unkept(jobs) == [job for job in jobs if job not in ("job-1", "job-2")]
    finally:
        cache.close()


def test_a_new_cache_opened_while_another_process_writes_it_waits_its_turn(
    tmp_path: Path,
) -> None:
    """Two processes opening a new cache together: one switches the file to WAL while the
    other holds its write lock. SQLite answers such a switch "locked" at once, without
    waiting (it would deadlock); the cache waits and tries again instead of failing."""
    folder = tmp_path / "cache"
    folder.mkdir()
    other = sqlite3.connect(
        str(folder / "answers.sqlite"), isolation_level=None, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE IF NOT EXISTS answers (key BLOB PRIMARY KEY, line BLOB NOT NULL)")
    done = threading.Timer(0.3, other.execute, ["COMMIT"])
    done.start()
    try:
        cache = AnswerCache(folder)
        try:
            assert cache.keep([(b"k", b"line\n")], job="j") == 1
            assert cache.find([b"k"]) == {b"k": b"line\n"}
        finally:
            cache.close()
    finally:
        done.join()
        other.close()


def test_a_request_answered_before_is_not_sent_again(
    client: Mistral, emu: Emulator, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    before = sent(emu)
    with client.batch.run([chat(i) for i in range(6)], model=MODEL, cache=cache) as run:
        assert run.cached() == 0
        first = {r.custom_id: r.body for r in run.results()}
    assert sent(emu) - before == 6

    # Four of the same requests (two under other custom_ids) and two new ones.
    again = [chat(0), chat(1), chat(2, "renamed-2"), chat(3, "renamed-3"), chat(6), chat(7)]
    with client.batch.run(again, model=MODEL, cache=cache, poll=QUICK) as run:
        assert run.cached() == 4
        results = {r.custom_id: r for r in run.results()}
        assert sorted(results) == sorted(r["custom_id"] for r in again)
        assert results["r0"].body == first["r0"]
        assert results["renamed-2"].body == first["r2"]
        assert all(r.ok for r in results.values())
    assert sent(emu) - before == 6 + 2  # only the new ones went


def test_a_request_answered_on_one_model_goes_to_another(
    client: Mistral, emu: Emulator, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    before = sent(emu)
    requests = [chat(i) for i in range(5)]
    with client.batch.run(requests, model=MODEL, cache=cache):
        pass
    models = [MODEL, "mistral-large-latest"]
    with client.batch.run(requests, models=models, cache=cache, poll=QUICK) as run:
        assert (run.cached(models[0]), run.cached(models[1])) == (5, 0)
        for model in models:
            assert sorted(r.custom_id for r in run.results(model)) == [f"r{i}" for i in range(5)]
    assert sent(emu) - before == 5 + 5


def test_failures_are_not_kept(client: Mistral, emu: Emulator, tmp_path: Path) -> None:
    with emu.settings.lock:
        emu.settings.fail_rate = 1.0
    cache = tmp_path / "cache"
    with client.batch.run([chat(0)], model=MODEL, cache=cache, retry_failed=0) as run:
        assert run.counts() == (0, 1)
    with emu.settings.lock:
        emu.settings.fail_rate = 0.0
    with client.batch.run([chat(0)], model=MODEL, cache=cache, poll=QUICK) as run:
        assert (run.cached(), run.counts()) == (0, (1, 0))


def test_a_run_the_cache_answers_whole_sends_nothing(
    client: Mistral, emu: Emulator, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    with client.batch.run([chat(0), chat(1)], model=MODEL, cache=cache):
        pass
    emu.reset_stats()
    with client.batch.run([chat(1), chat(0)], model=MODEL, cache=cache) as run:
        assert (run.job, run.input_file, run.jobs) == (None, None, ())
        assert [r.custom_id for r in run.results()] == ["r1", "r0"]
        assert run.cached() == 2
    assert emu.stats.requests.get("upload_file", 0) == 0
    assert emu.stats.requests.get("create_batch_job", 0) == 0


def _run_in_a_process(url: str, key: str, cache: str, start: int, out: str) -> None:
    with Mistral(api_key=key, server_url=url, retry=FAST_RETRY) as c:
        requests = [chat(i) for i in range(start, start + 20)]
        with c.batch.run(requests, model=MODEL, cache=cache, poll=QUICK) as run:
            Path(out).write_text(json.dumps(sorted(r.custom_id for r in run.results())))


def test_two_processes_share_a_cache(emu: Emulator, tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(
            target=_run_in_a_process,
            args=(emu.url, emu.api_key, cache, start, str(tmp_path / f"out{start}")),
        )
        for start in (0, 10)  # they overlap on r10 .. r19
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    for start in (0, 10):
        found = json.loads((tmp_path / f"out{start}").read_text())
        assert found == sorted(f"r{i}" for i in range(start, start + 20))
    kept = AnswerCache(cache)
    try:
        keys = [
            request_key("/v1/chat/completions", MODEL, body_digest(chat(i)["body"]))
            for i in range(30)
        ]
        assert len(kept.find(keys)) == 30
    finally:
        kept.close()


def test_answers_collected_before_a_stop_are_kept_when_the_run_goes_on(
    client: Mistral, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run stopped between recording a job's answers and keeping them in the cache
    keeps them when it is started again: a later run over the same requests pays none."""
    cache, state = tmp_path / "cache", tmp_path / "run.state"
    requests = [chat(i) for i in range(6)]

    def stop(*_: Any, **__: Any) -> int:
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(AnswerCache, "keep", stop)
        with pytest.raises(KeyboardInterrupt):
            client.batch.run(requests, model=MODEL, cache=cache, state=state, poll=QUICK)
    with client.batch.run(requests, model=MODEL, cache=cache, state=state, poll=QUICK) as run:
        assert run.counts() == (6, 0)
    before = sent(emu)
    with client.batch.run(requests[::-1], model=MODEL, cache=cache, poll=QUICK) as run:
        assert (run.cached(), run.counts()) == (6, (6, 0))
    assert sent(emu) == before
