"""A finished run's outputs, to the letter, on both clients: `BatchRun` and `AsyncBatchRun`
read the same record the same way, each method's model, options and mode reaching it.

One run per client, shared by the module: two models, a request the server refuses, two
answers from a cache on the first model, and the second model's job cancelled before it
started (so that none of its requests was answered).
"""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mistral_batch import AsyncMistral, InputError, Mistral, RunProgress
from mistral_batch._async._batch import AsyncBatchRun
from mistral_batch._sync._batch import BatchRun
from mistral_batch._usage import Usage
from mistral_batch.emulator import Emulator

from .conftest import FAST_RETRY
from .test_tables import ANSWER_COLUMNS, QUICK

A, B = "model-a", "model-b"
UNANSWERED = {"message": "no job answered this request (sent once)", "code": "unanswered"}
REFUSED = (
    "Invalid request for /v1/chat/completions: 'messages' must be a non-empty list of messages"
)


def chat(i: int) -> dict[str, Any]:
    return {"custom_id": f"r{i}", "body": {"messages": [{"role": "user", "content": f"q {i}"}]}}


#: The run's requests, in input order: "bad" is refused by the server (a 422).
REQUESTS = [chat(0), chat(1), {"custom_id": "bad", "body": {"messages": 3}}, chat(3), chat(4)]
IN_ORDER = ["r0", "r1", "bad", "r3", "r4"]


def start(
    side: str, emu: Emulator, requests: Any, cancel: str | None = None, **options: Any
) -> Any:
    """A finished run of `requests` on a client of `side` (its record left open); the job
    on the model `cancel` is cancelled at the first look, while it is queued."""
    key = {"api_key": emu.api_key, "server_url": emu.url, "retry": FAST_RETRY}
    if side == "sync":
        with Mistral(**key) as client:

            def note(progress: RunProgress) -> None:
                job = progress.job
                if job is not None and job.model == cancel and job.status == "QUEUED":
                    client.batch.jobs.cancel(job.id)

            return client.batch.run(requests, on_progress=note, poll=QUICK, **options)

    async def main() -> AsyncBatchRun:
        async with AsyncMistral(**key) as client:

            async def note(progress: RunProgress) -> None:
                job = progress.job
                if job is not None and job.model == cancel and job.status == "QUEUED":
                    await client.batch.jobs.cancel(job.id)

            return await client.batch.run(requests, on_progress=note, poll=QUICK, **options)

    return asyncio.run(main())


def listed(run: BatchRun | AsyncBatchRun, which: str, *args: Any) -> list[Any]:
    """The BatchResults of run.results(*args) or run.errors(*args), read to the end."""
    if isinstance(run, BatchRun):
        with getattr(run, which)(*args) as found:
            return list(found)

    async def read() -> list[Any]:
        async with await getattr(run, which)(*args) as found:
            return [r async for r in found]

    return asyncio.run(read())


def raised(run: BatchRun | AsyncBatchRun, which: str, *args: Any) -> InputError:
    """The InputError run.results(*args) or run.errors(*args) raises."""
    with pytest.raises(InputError) as caught:
        listed(run, which, *args)
    return caught.value


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(scope="module", params=["sync", "async"])
def run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BatchRun | AsyncBatchRun]:
    side: str = request.param
    cache = tmp_path_factory.mktemp(f"cache-{side}")
    with Emulator(api_keys=[f"key-{side}"]) as emu:
        # The cache learns r1 and r3 on model A first.
        start(side, emu, [chat(1), chat(3)], model=A, cache=cache).close()
        with emu.settings.lock:
            emu.settings.queue_delay = 1.0  # time enough to cancel B's job while queued
        finished = start(side, emu, REQUESTS, cancel=B, models=[A, B], cache=cache)
        assert isinstance(finished, BatchRun if side == "sync" else AsyncBatchRun)
        try:
            yield finished
        finally:
            finished.close()


def test_the_jobs_models_and_input_file_of_the_run(run: BatchRun | AsyncBatchRun) -> None:
    assert run.models == (A, B)
    assert [(j.model, j.status, j.total_requests) for j in run.jobs] == [
        (A, "SUCCESS", 3),
        (B, "CANCELLED", 5),
    ]
    assert run.job == run.jobs[0]
    assert run.input_file is not None
    assert (run.input_file.id, run.input_file.filename, run.input_file.num_lines) == (
        run.jobs[0].input_files[0],
        "input.part0.jsonl",
        3,
    )


def test_results_are_each_models_own(run: BatchRun | AsyncBatchRun) -> None:
    on_a = listed(run, "results", A)
    # File by file: the cache's answers first, then the job's.
    assert [r.custom_id for r in on_a] == ["r1", "r3", "r0", "r4"]
    assert all(r.ok and r.status_code == 200 and r.body["model"] == A for r in on_a)
    assert listed(run, "results", B) == []
    error = raised(run, "results")
    assert (str(error), error.field) == (
        f"the run ran on 2 models: name one of ['{A}', '{B}']",
        "model",
    )
    assert str(raised(run, "results", "other")) == "the run did not run on 'other'"


def test_errors_are_each_models_own(run: BatchRun | AsyncBatchRun) -> None:
    [refused] = listed(run, "errors", A)
    assert (refused.custom_id, refused.status_code, refused.ok) == ("bad", 422, False)
    assert refused.body["message"] == REFUSED
    on_b = listed(run, "errors", B)
    # The unanswered are read in custom_id order, none of them from a file.
    assert [e.custom_id for e in on_b] == ["bad", "r0", "r1", "r3", "r4"]
    assert all(e.status_code is None and e.raw["error"] == UNANSWERED for e in on_b)
    assert raised(run, "errors").field == "model"
    assert str(raised(run, "errors", "other")) == "the run did not run on 'other'"


def test_counts_cached_and_unanswered_per_model(run: BatchRun | AsyncBatchRun) -> None:
    assert (run.counts(A), run.counts(B)) == ((4, 1), (0, 5))
    assert (run.cached(A), run.cached(B)) == (2, 0)
    assert (run.unanswered(A), run.unanswered(B)) == (0, 5)
    for method in (run.counts, run.cached, run.unanswered):
        with pytest.raises(InputError, match=r"^the run ran on 2 models: name one of"):
            method()
        with pytest.raises(InputError, match=r"^the run did not run on 'c'$"):
            method("c")


def test_usage_counts_the_jobs_tokens_and_prices_them(run: BatchRun | AsyncBatchRun) -> None:
    paid = [r for r in listed(run, "results", A) if r.custom_id in ("r0", "r4")]
    prompt = sum(r.body["usage"]["prompt_tokens"] for r in paid)
    completion = sum(r.body["usage"]["completion_tokens"] for r in paid)
    assert prompt > 0 and completion > 0
    unpriced = run.usage()
    assert unpriced == {
        A: Usage(A, 2, prompt, completion, 2, None),
        B: Usage(B, 0, 0, 0, 0, None),
    }
    assert list(unpriced) == [A, B]
    priced = run.usage({A: (2.0, 6.0), B: (1, 1)})
    assert priced[A] == Usage(A, 2, prompt, completion, 2, (prompt * 2.0 + completion * 6.0) / 1e6)
    assert priced[B] == Usage(B, 0, 0, 0, 0, 0.0)
    # Only the models priced are costed.
    assert run.usage({B: (3.0, 4.0)})[A].cost is None


@pytest.mark.parametrize("price", [(1.0, -2.0), (1.0,), (True, 1.0), "12"])
def test_a_bad_price_is_refused_before_anything_is_counted(
    run: BatchRun | AsyncBatchRun, price: Any
) -> None:
    with pytest.raises(InputError) as caught:
        run.usage({A: price})
    assert (str(caught.value), caught.value.field) == (
        f"the price of '{A}' must be (input, output) per million tokens, two"
        f" numbers at least 0; got {price!r}",
        "prices",
    )


def test_write_results_in_input_order_or_file_by_file(
    run: BatchRun | AsyncBatchRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a path gone astray lands here
    read = {r.custom_id: r.raw for r in listed(run, "results", A)}
    ordered, loose = tmp_path / "ordered.jsonl", tmp_path / "loose.jsonl"
    assert run.write_results(ordered, A, ordered=True, mode=0o640) == 4
    assert lines(ordered) == [read[c] for c in ("r0", "r1", "r3", "r4")]
    assert mode_of(ordered) == 0o640
    assert run.write_results(str(loose), model=A) == 4
    assert lines(loose) == [read[c] for c in ("r1", "r3", "r0", "r4")]
    assert mode_of(loose) == 0o600
    assert run.write_results(tmp_path / "none.jsonl", B) == 0
    assert (tmp_path / "none.jsonl").read_bytes() == b""
    with pytest.raises(InputError, match="name one of"):
        run.write_results(tmp_path / "x.jsonl")
    assert not (tmp_path / "x.jsonl").exists()


def test_write_errors_in_input_order_or_file_by_file(
    run: BatchRun | AsyncBatchRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a path gone astray lands here
    ordered, loose = tmp_path / "ordered.jsonl", tmp_path / "loose.jsonl"
    assert run.write_errors(ordered, B, ordered=True, mode=0o640) == 5
    assert lines(ordered) == [
        {"id": None, "custom_id": c, "response": None, "error": UNANSWERED} for c in IN_ORDER
    ]
    assert mode_of(ordered) == 0o640
    assert run.write_errors(str(loose), model=B) == 5
    assert [line["custom_id"] for line in lines(loose)] == ["bad", "r0", "r1", "r3", "r4"]
    assert mode_of(loose) == 0o600
    # Model A's only failure: the refused request, as the job's error file has it.
    refused = tmp_path / "refused.jsonl"
    assert run.write_errors(refused, A) == 1
    [line] = lines(refused)
    assert (line["custom_id"], line["response"]["status_code"]) == ("bad", 422)
    assert line["response"]["body"]["message"] == REFUSED
    with pytest.raises(InputError, match="name one of"):
        run.write_errors(tmp_path / "x.jsonl")
    assert not (tmp_path / "x.jsonl").exists()


def test_write_compare_puts_every_models_line_side_by_side(
    run: BatchRun | AsyncBatchRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a path gone astray lands here
    results = {r.custom_id: r.raw for r in listed(run, "results", A)}
    refused = listed(run, "errors", A)[0].raw
    path = tmp_path / "compare.jsonl"
    assert run.write_compare(path) == 5
    assert mode_of(path) == 0o600
    assert lines(path) == [
        {
            "custom_id": c,
            "answers": {
                A: refused if c == "bad" else results[c],
                B: {"id": None, "custom_id": c, "response": None, "error": UNANSWERED},
            },
        }
        for c in IN_ORDER
    ]
    assert run.write_compare(str(tmp_path / "again.jsonl"), mode=0o604) == 5
    assert mode_of(tmp_path / "again.jsonl") == 0o604
    assert (tmp_path / "again.jsonl").read_bytes() == path.read_bytes()


def test_compare_gives_each_models_answer_in_input_order(run: BatchRun | AsyncBatchRun) -> None:
    results = {r.custom_id: r.raw for r in listed(run, "results", A)}
    compared = list(run.compare())
    assert [custom_id for custom_id, _ in compared] == IN_ORDER
    for custom_id, answers in compared:
        assert list(answers) == [A, B]
        assert answers[B].raw["error"] == UNANSWERED and answers[B].custom_id == custom_id
        if custom_id == "bad":
            assert answers[A].status_code == 422
        else:
            assert answers[A].raw == results[custom_id]


def rows_of(run: BatchRun | AsyncBatchRun, model: str) -> list[dict[str, Any]]:
    """One model's rows as to_arrow should have them, from the results and errors."""
    read = {r.custom_id: r for r in listed(run, "results", model)}
    read |= {e.custom_id: e for e in listed(run, "errors", model)}
    rows = []
    for custom_id in IN_ORDER:
        answer = read[custom_id]
        usage = answer.body.get("usage", {}) if answer.ok else {}
        error = None
        if not answer.ok:
            error = answer.raw["error"]["message"] if answer.raw["error"] else REFUSED
        rows.append(
            {
                "custom_id": custom_id,
                "model": model,
                "content": answer.content if answer.ok else None,
                "finish_reason": "stop" if answer.ok else None,
                "prompt_tokens": usage.get("prompt_tokens"),
                "completion_tokens": usage.get("completion_tokens"),
                "status_code": answer.status_code,
                "error": error,
            }
        )
    return rows


def test_to_arrow_gives_one_models_rows_or_every_models(run: BatchRun | AsyncBatchRun) -> None:
    on_a, on_b = rows_of(run, A), rows_of(run, B)
    assert run.to_arrow(A).to_pylist() == on_a
    assert run.to_arrow(model=B).to_pylist() == on_b
    # Without a model: one row per request and model, in input order.
    assert run.to_arrow().to_pylist() == [
        row for pair in zip(on_a, on_b, strict=True) for row in pair
    ]
    wide = run.to_arrow(A, wide=True)
    assert wide.schema.names == ["custom_id"] + [f"{A}.{c}" for c in ANSWER_COLUMNS[2:]]
    assert wide.column(f"{A}.content").to_pylist() == [row["content"] for row in on_a]
    with pytest.raises(InputError, match="join=True needs a run whose input was a table"):
        run.to_arrow(A, join=True)


def test_to_pandas_gives_one_models_rows(run: BatchRun | AsyncBatchRun) -> None:
    frame = run.to_pandas(B)
    assert isinstance(frame, pd.DataFrame)
    expected = pa.Table.from_pylist(rows_of(run, B), schema=run.to_arrow(B).schema)
    pd.testing.assert_frame_equal(frame, expected.to_pandas())
    assert list(run.to_pandas(model=A)["custom_id"]) == IN_ORDER
    assert list(run.to_pandas(model=A)["model"]) == [A] * 5
    assert list(run.to_pandas(A, wide=True).columns)[:2] == ["custom_id", f"{A}.content"]
    assert len(run.to_pandas()) == 10
    with pytest.raises(InputError, match="join=True needs a run whose input was a table"):
        run.to_pandas(A, join=True)


def test_to_polars_gives_one_models_rows(run: BatchRun | AsyncBatchRun) -> None:
    frame = run.to_polars(A)
    assert isinstance(frame, pl.DataFrame)
    assert frame.to_dicts() == rows_of(run, A)
    assert run.to_polars(model=B)["model"].to_list() == [B] * 5
    assert run.to_polars(B, wide=True).columns[:2] == ["custom_id", f"{B}.content"]
    assert run.to_polars().height == 10
    with pytest.raises(InputError, match="join=True needs a run whose input was a table"):
        run.to_polars(B, join=True)


def test_write_parquet_writes_what_to_arrow_gives(
    run: BatchRun | AsyncBatchRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a path gone astray lands here
    path = tmp_path / "b.parquet"
    assert run.write_parquet(path, B, mode=0o640) == 5
    assert pq.read_table(path).to_pylist() == rows_of(run, B)
    assert mode_of(path) == 0o640
    every = tmp_path / "every.parquet"
    assert run.write_parquet(str(every)) == 10
    assert pq.read_table(every).equals(run.to_arrow())
    assert mode_of(every) == 0o600
    wide = tmp_path / "wide.parquet"
    assert run.write_parquet(wide, model=A, wide=True) == 5
    assert pq.read_table(wide).schema.names[:2] == ["custom_id", f"{A}.content"]
    with pytest.raises(InputError, match="join=True needs a run whose input was a table"):
        run.write_parquet(tmp_path / "x.parquet", A, join=True)
    assert not (tmp_path / "x.parquet").exists()


# Closing: a run without a state file removes its temporary folder.


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(api_keys=["key-close"]) as emulator:
        yield emulator


@pytest.mark.parametrize("side", ["sync", "async"])
@pytest.mark.parametrize("how", ["close", "with"])
def test_a_closed_run_lets_its_record_go(emu: Emulator, side: str, how: str) -> None:
    finished = start(side, emu, [chat(0)], model=A)
    folder: Path = finished.record.folder
    assert (folder / "run.state").is_file()
    if how == "close":
        finished.close()
    elif side == "sync":
        with finished as same:
            assert same is finished
    else:

        async def use(run: AsyncBatchRun) -> None:
            async with run as same:
                assert same is run
                assert [r.custom_id for r in await run.results()] == ["r0"]
            assert not folder.exists()  # gone as the block ends

        asyncio.run(use(finished))
    assert not folder.exists()
    finished.close()  # once more: nothing left to do


def test_a_closed_async_run_is_closed_when_its_block_raises(emu: Emulator) -> None:
    finished = start("async", emu, [chat(0)], model=A)
    folder: Path = finished.record.folder

    async def fail(run: AsyncBatchRun) -> None:
        async with run:
            raise KeyError("in the block")

    with pytest.raises(KeyError, match="in the block"):
        asyncio.run(fail(finished))
    assert not folder.exists()
