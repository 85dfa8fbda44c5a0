"""`client.batch.run`'s arguments on both clients, each reaching where it should: the jobs
(model, models, endpoint, agent, metadata, timeout, inline, parts), the engine (poll,
wait_timeout, progress, retries), the record (state, schema), the table input and its
options, and the run's first input file."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mistral_batch import (
    AsyncMistral,
    Backoff,
    Mistral,
    RunProgress,
    StateError,
    WaitTimeoutError,
)
from mistral_batch._backoff import Jitter
from mistral_batch.emulator import Emulator

from .conftest import FAST_RETRY

MODEL = "mistral-small-latest"
QUICK = Backoff(initial=0.02, factor=1.5, max_delay=0.2)
SIDES = pytest.mark.parametrize("side", ["sync", "async"])


def chat(i: int) -> dict[str, Any]:
    return {"custom_id": f"r{i}", "body": {"messages": [{"role": "user", "content": f"q {i}"}]}}


LINE = len(json.dumps(chat(0))) + 1


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(api_keys=["key-args"]) as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def settled(emu: Emulator) -> Iterator[None]:
    emu.reset_stats()
    yield
    with emu.settings.lock:
        emu.settings.fail_rate = 0.0
        emu.settings.hour_seconds, emu.settings.queue_delay = 3600.0, 0.0


def served(emu: Emulator, operation: str) -> int:
    return emu.stats.requests.get(operation, 0)


def go(
    side: str, emu: Emulator, requests: Any, server_url: str | None = None, **options: Any
) -> Any:
    """Run `requests` on a client of `side`; what the run gave, read while it is open:
    its jobs, input file, models, results and errors (each request's raw line, by
    custom_id), and its table (to_arrow, joined when the input was a table)."""
    key = {"api_key": emu.api_key, "server_url": server_url or emu.url, "retry": FAST_RETRY}
    options.setdefault("poll", QUICK)

    def summary(run: Any, results: list[Any], errors: list[Any]) -> dict[str, Any]:
        joinable = run.tables.joinable
        return {
            "jobs": run.jobs,
            "job": run.job,
            "input_file": run.input_file,
            "models": run.models,
            "results": {r.custom_id: r for r in results},
            "errors": {e.custom_id: e for e in errors},
            "table": run.to_arrow(join=joinable),
            "unanswered": run.unanswered() if len(run.models) == 1 else None,
            "folder": run.record.folder,
        }

    if side == "sync":
        with Mistral(**key) as client, client.batch.run(requests, **options) as run:
            one = len(run.models) == 1
            return summary(
                run, list(run.results()) if one else [], list(run.errors()) if one else []
            )

    async def main() -> dict[str, Any]:
        async with (
            AsyncMistral(**key) as client,
            await client.batch.run(requests, **options) as run,
        ):
            one = len(run.models) == 1
            results = [r async for r in await run.results()] if one else []
            errors = [e async for e in await run.errors()] if one else []
            return summary(run, results, errors)

    return asyncio.run(main())


@SIDES
def test_the_job_options_reach_every_job(side: str, emu: Emulator, tmp_path: Path) -> None:
    uploads: list[tuple[int, int | None]] = []
    looks: list[RunProgress] = []
    state = tmp_path / "run.state"

    def note(progress: RunProgress) -> None:
        looks.append(progress)

    got = go(
        side,
        emu,
        [chat(i) for i in range(5)],
        model=MODEL,
        metadata={"team": "nlp"},
        max_pending=2,
        state=state,
        upload_progress=lambda done, total: uploads.append((done, total)),
        on_progress=note,
    )
    jobs = got["jobs"]
    assert [job.total_requests for job in jobs] == [2, 2, 1]
    assert {(job.model, job.endpoint, job.agent_id) for job in jobs} == {
        (MODEL, "/v1/chat/completions", None)
    }
    assert all(job.metadata is not None and job.metadata["team"] == "nlp" for job in jobs)
    assert got["job"] == jobs[0] and got["models"] == (MODEL,)
    assert sorted(got["results"]) == [f"r{i}" for i in range(5)]
    # Not inline: each part uploaded, each upload told of its progress to the end.
    assert served(emu, "upload_file") == 3 and served(emu, "retrieve_file") <= 3
    assert got["input_file"].filename == "input.part0.jsonl"
    assert got["input_file"].id == jobs[0].input_files[0]
    ends = [(done, total) for done, total in uploads if done == total]
    assert len(ends) == 3 and ends[0][0] == got["input_file"].bytes
    assert looks[0].job is None and looks[0].total_requests == 5
    assert looks[-1].completed_requests == 5
    # The record is the state file's, kept beside it.
    assert state.is_file() and got["folder"] == tmp_path / "run.state.d"
    assert got["folder"].is_dir()


@SIDES
def test_an_agent_and_the_bodies_own_models(side: str, emu: Emulator) -> None:
    by_agent = go(side, emu, [chat(0)], agent_id="ag-1")
    [job] = by_agent["jobs"]
    assert (job.agent_id, job.model) == ("ag-1", None)
    assert by_agent["results"]["r0"].ok
    # Without model or agent, each body names its own model.
    named = [{"custom_id": "a", "body": {**chat(0)["body"], "model": "model-x"}}]
    own = go(side, emu, named)
    assert own["models"] == ("",) and own["jobs"][0].model is None
    assert own["results"]["a"].body["model"] == "model-x"


@SIDES
def test_models_and_parts(side: str, emu: Emulator) -> None:
    got = go(side, emu, [chat(i) for i in range(4)], models=["m-a", "m-b"], max_file_bytes=2 * LINE)
    # Each part on each model: the parts in order, on the models in order.
    assert [(job.model, job.total_requests) for job in got["jobs"]] == [
        ("m-a", 2),
        ("m-b", 2),
        ("m-a", 2),
        ("m-b", 2),
    ]
    assert got["models"] == ("m-a", "m-b")
    assert served(emu, "upload_file") == 2
    assert got["table"].column("model").to_pylist() == ["m-a", "m-b"] * 4


@SIDES
def test_inline_sends_nothing_to_upload(side: str, emu: Emulator) -> None:
    got = go(side, emu, [chat(0), chat(1)], model=MODEL, inline=True)
    assert served(emu, "upload_file") == 0 and got["input_file"] is None
    assert got["jobs"][0].input_files == []
    assert sorted(got["results"]) == ["r0", "r1"]


@SIDES
@pytest.mark.parametrize(("rounds", "jobs"), [({"retry_failed": 1}, 2), ({}, 3)])
def test_failures_are_sent_again_for_the_rounds_given(
    side: str, emu: Emulator, rounds: dict[str, Any], jobs: int
) -> None:
    with emu.settings.lock:
        emu.settings.fail_rate = 1.0
    got = go(side, emu, [chat(0)], model=MODEL, **rounds)
    assert len(got["jobs"]) == jobs
    assert got["errors"]["r0"].status_code == 503


@SIDES
def test_the_timeout_hours_reach_the_jobs(side: str, emu: Emulator) -> None:
    # An hour of 0.2 s, jobs queued 1.5 s: one hour runs out before the job starts.
    with emu.settings.lock:
        emu.settings.hour_seconds, emu.settings.queue_delay = 0.2, 1.5
    got = go(side, emu, [chat(0), chat(1)], model=MODEL, timeout_hours=1, retry_failed=0)
    assert [job.status for job in got["jobs"]] == ["TIMEOUT_EXCEEDED"]
    assert got["unanswered"] == 2 and got["results"] == {}


@SIDES
def test_the_poll_and_the_wait_timeout_are_the_runs(side: str, emu: Emulator) -> None:
    # The first wait would end past the timeout: the run stops at once.
    slow = Backoff(initial=2.0, factor=1.0, max_delay=2.0, jitter=Jitter.NONE)
    with pytest.raises(WaitTimeoutError) as caught:
        go(side, emu, [chat(0)], model=MODEL, poll=slow, wait_timeout=1)
    assert str(caught.value) == "the run is not over after 1 s; run it again to go on"
    assert caught.value.job is not None and caught.value.job.model == MODEL


@SIDES
def test_a_state_file_names_the_options_it_was_written_for(
    side: str, emu: Emulator, tmp_path: Path
) -> None:
    state, cache = tmp_path / "run.state", tmp_path / "cache"
    options: dict[str, Any] = {"model": MODEL, "state": state, "timeout_hours": 5}
    go(side, emu, [chat(0)], cache=cache, **options)
    before = served(emu, "create_batch_job")
    with pytest.raises(StateError) as caught:
        go(side, emu, [chat(0)], **options)
    assert str(caught.value) == f"{state} was written for another run: cache (True, now False)"
    with pytest.raises(StateError) as caught:
        go(side, emu, [chat(0)], cache=cache, **{**options, "timeout_hours": 6})
    assert str(caught.value) == f"{state} was written for another run: timeout hours (5, now 6)"
    other = "http://127.0.0.1:9"
    with pytest.raises(StateError) as caught:
        go(side, emu, [chat(0)], server_url=other, cache=cache, **options)
    assert str(caught.value) == (
        f"{state} was written for another run: server url ({emu.url!r}, now {other!r})"
    )
    assert served(emu, "create_batch_job") == before
    # The same options again read the run as it ended, asking the server for its jobs.
    again = go(side, emu, [chat(0)], cache=cache, **options)
    assert again["results"]["r0"].ok and len(again["jobs"]) == 1
    assert again["input_file"] is not None
    assert again["input_file"].id == again["jobs"][0].input_files[0]


@SIDES
def test_the_input_file_of_a_run_picked_up_once_over(
    side: str, emu: Emulator, tmp_path: Path
) -> None:
    options: dict[str, Any] = {"model": MODEL, "state": tmp_path / "run.state"}
    first = go(side, emu, [chat(0)], **options)
    assert served(emu, "retrieve_file") == 1  # the result file's, not the input's
    # As uploaded by this process: not asked for again (the server's answer says deleted).
    assert first["input_file"].deleted is None
    again = go(side, emu, [chat(0)], **options)
    assert again["input_file"].deleted is False
    assert again["input_file"].id == first["input_file"].id
    assert again["input_file"].filename == first["input_file"].filename == "input.jsonl"
    assert [job.id for job in again["jobs"]] == [job.id for job in first["jobs"]]
    with Mistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as client:
        client.files.delete(first["input_file"].id)
    gone = go(side, emu, [chat(0)], **options)
    assert gone["input_file"] is None and gone["results"]["r0"].ok


PRODUCTS = {"sku": ["a1", "b2"], "text": ["red shoes", "blue hat"], "temperature": [0.5, None]}


@SIDES
def test_a_table_and_its_options(side: str, emu: Emulator) -> None:
    got = go(
        side,
        emu,
        pd.DataFrame(PRODUCTS),
        model=MODEL,
        prompt_column="text",
        id_column="sku",
        body_columns=["temperature"],
        system="Be brief.",
    )
    with Mistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as client:
        raw = b"".join(client.files.download(got["jobs"][0].input_files[0]).iter_bytes())
    assert [json.loads(line) for line in raw.splitlines()] == [
        {
            "custom_id": "a1",
            "body": {
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "red shoes"},
                ],
                "temperature": 0.5,
            },
        },
        {
            "custom_id": "b2",
            "body": {
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "blue hat"},
                ]
            },
        },
    ]
    table = got["table"]  # joined: the input's columns first
    assert table.schema.names[:4] == ["sku", "text", "temperature", "custom_id"]
    assert table.column("sku").to_pylist() == ["a1", "b2"]


@SIDES
def test_a_table_of_messages_to_embeddings(side: str, emu: Emulator) -> None:
    conversation = [{"role": "user", "content": "hi"}]
    chats = go(
        side, emu, pd.DataFrame({"conv": [conversation]}), model=MODEL, messages_column="conv"
    )
    assert chats["results"]["0"].ok
    embedded = go(
        side,
        emu,
        pd.DataFrame({"prompt": ["cheese", "wine"]}),
        model="mistral-embed",
        endpoint="/v1/embeddings",
    )
    assert embedded["jobs"][0].endpoint == "/v1/embeddings"
    assert embedded["table"].schema.names == [
        "prompt",
        "custom_id",
        "model",
        "embedding",
        "prompt_tokens",
        "status_code",
        "error",
    ]
    vectors = [embedded["results"][c].body["data"][0]["embedding"] for c in ("0", "1")]
    assert embedded["table"].column("embedding").to_pylist() == vectors


@SIDES
def test_a_response_format_is_sent_and_read(side: str, emu: Emulator) -> None:
    schema = {
        "title": "City",
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "required": ["name"],
    }
    got = go(side, emu, [chat(0)], model=MODEL, response_format=schema)
    result = got["results"]["r0"]
    assert result.parse_error is None and set(result.parsed) == {"name"}
    assert got["table"].column("name").to_pylist() == [result.parsed["name"]]
