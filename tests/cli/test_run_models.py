"""`mistral-batch run` on several models, with rounds for transient failures, a cache,
parts and input order."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_helpers import CLI, lines_of

from mistral_batch import Mistral
from mistral_batch.emulator import Emulator

SMALL, LARGE = "mistral-small-latest", "mistral-large-latest"


@pytest.fixture
def failing(emu: Emulator) -> Iterator[Emulator]:
    with emu.settings.lock:
        emu.settings.fail_rate = 0.3
    yield emu
    with emu.settings.lock:
        emu.settings.fail_rate = 0.0


def test_several_models_write_a_file_each_and_a_comparison(
    cli: CLI, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    source = write_input(good=6, bad=1)
    done = cli("run", str(source), "-m", SMALL, "-m", LARGE, "--compare", "both.jsonl", "--json")
    assert done.returncode == 0, done.stderr
    for model in (SMALL, LARGE):
        output = lines_of(tmp_path / f"requests.results.{model}.jsonl")
        assert sorted(r["custom_id"] for r in output) == [str(i) for i in range(6)]
        assert {r["response"]["body"]["model"] for r in output} == {model}
        errors = lines_of(tmp_path / f"requests.errors.{model}.jsonl")
        assert [r["custom_id"] for r in errors] == ["bad-0"]
    rows = lines_of(tmp_path / "both.jsonl")
    assert len(rows) == 7 and all(set(row["answers"]) == {SMALL, LARGE} for row in rows)
    summary = json.loads(done.stdout)
    assert summary["succeeded_requests"] == 12 and summary["failed_requests"] == 2
    assert len(summary["jobs"]) == 2
    assert summary["files"][f"output.{SMALL}"]["lines"] == 6


def test_transient_failures_go_again_in_rounds_and_in_order(
    cli: CLI, failing: Emulator, client: Mistral, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    source = write_input(good=30)
    done = cli("run", str(source), "-m", SMALL, "--retry-failed", "3", "--ordered")
    assert done.returncode == 0, done.stderr
    output = lines_of(tmp_path / "requests.results.jsonl")
    errors = tmp_path / "requests.errors.jsonl"
    failed = lines_of(errors) if errors.exists() else []
    assert [r["custom_id"] for r in output] == sorted(
        (r["custom_id"] for r in output), key=int
    )  # in the order of the input
    assert sorted(r["custom_id"] for r in output + failed) == sorted(str(i) for i in range(30))
    jobs = list(client.batch.jobs.list())
    assert len(jobs) > 1  # the failures went again
    assert f"Batch run of {len(jobs)} jobs completed" in done.stdout


def test_a_cache_answers_a_run_over_the_same_requests(
    cli: CLI, client: Mistral, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    source = write_input(good=4)
    first = cli("run", str(source), "-m", SMALL, "--cache", "answers")
    assert first.returncode == 0, first.stderr
    again = cli("run", str(source), "-m", SMALL, "--cache", "answers", "--fresh")
    assert again.returncode == 0, again.stderr
    assert "From the cache: 4 answers, not sent again" in again.stdout
    assert len(list(client.batch.jobs.list())) == 1
    assert len(lines_of(tmp_path / "requests.results.jsonl")) == 4


def test_parts_past_the_pending_limit_go_one_after_another(
    cli: CLI, client: Mistral, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    source = write_input(good=10)
    done = cli("run", str(source), "-m", SMALL, "--max-pending", "4")
    assert done.returncode == 0, done.stderr
    assert sorted(j.total_requests for j in client.batch.jobs.list()) == [2, 4, 4]
    assert len(lines_of(tmp_path / "requests.results.jsonl")) == 10
