"""What `run` writes and says, to the character: the files it wrote (kind, model, lines
written and expected), its summary in lines and in JSON, and its story after Ctrl-C."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import QUICK, batch_job

from mistral_batch import BatchJob, Mistral, RunProgress
from mistral_batch.cli._app import App
from mistral_batch.cli._output import duration, job_duration, size
from mistral_batch.cli._progress import RunMonitor
from mistral_batch.cli._run import interrupted, write_answers
from mistral_batch.cli._run_summary import Written, summary_json, summary_lines
from mistral_batch.emulator import Emulator

SMALL, LARGE = "mistral-small-latest", "mistral-large-latest"


def seen(job_id: str, status: str) -> BatchJob:
    return batch_job(
        id=job_id, status=status, total_requests=3, completed_requests=0, succeeded_requests=0
    )


def test_ctrl_c_before_any_job_says_so_and_how_to_resume(
    client: Mistral, capsys: pytest.CaptureFixture[str]
) -> None:
    app = App(no_progress=True)
    monitor = RunMonitor(app.out, "in.jsonl")
    interrupted(app, client, monitor, Path("in.state"), cancel=False)
    server = client.server_url
    assert capsys.readouterr().err.splitlines() == [
        f"Interrupted: no job yet on {server}, as far as this run knows.",
        f"To resume, run the same command again with the server {server} (state in in.state).",
    ]


def test_ctrl_c_with_jobs_tells_each_ones_fate_and_nothing_about_no_job(
    client: Mistral, capsys: pytest.CaptureFixture[str]
) -> None:
    app = App(no_progress=True)
    monitor = RunMonitor(app.out, "in.jsonl")
    monitor.jobs = {"job-a": seen("job-a", "SUCCESS"), "job-b": seen("job-b", "RUNNING")}
    interrupted(app, client, monitor, Path("in.state"), cancel=False)
    server = client.server_url
    assert capsys.readouterr().err.splitlines() == [
        f"Interrupted: job job-a ended SUCCESS on {server}.",
        f"Interrupted: job job-b keeps running on the server {server}.",
        f"To cancel it: mistral-batch --server-url {server} jobs cancel job-b",
        f"To resume, run the same command again with the server {server} (state in in.state).",
    ]


def test_several_models_write_each_ones_files_and_the_comparison(
    client: Mistral, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    source = write_input(good=2, bad=1)
    output, errors, compare = tmp_path / "out.jsonl", tmp_path / "err.jsonl", tmp_path / "cmp.jsonl"
    with client.batch.run(source, models=[SMALL, LARGE], poll=QUICK) as run:
        written = write_answers(run, output, errors, compare, ordered=True, mode=0o600)
        assert written == [
            Written("output", SMALL, tmp_path / f"out.{SMALL}.jsonl", 2, 2),
            Written("errors", SMALL, tmp_path / f"err.{SMALL}.jsonl", 1, 1),
            Written("output", LARGE, tmp_path / f"out.{LARGE}.jsonl", 2, 2),
            Written("errors", LARGE, tmp_path / f"err.{LARGE}.jsonl", 1, 1),
            Written("compare", "", compare, 3, 3),
        ]
        files = summary_json(run, written)["files"]
        assert files["compare"] == {
            "path": str(compare),
            "bytes": compare.stat().st_size,
            "lines": 3,
            "expected_lines": 3,
        }
        assert files[f"errors.{SMALL}"]["expected_lines"] == 1
        lines = summary_lines(run, written)
        assert f"Comparison: {compare} (3 lines, {size(compare.stat().st_size)})" in lines


def test_a_table_output_expects_a_row_for_every_request_failed_or_not(
    client: Mistral, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    source = write_input(good=2, bad=1)
    output, errors = tmp_path / "out.parquet", tmp_path / "err.jsonl"
    with client.batch.run(source, model=SMALL, poll=QUICK) as run:
        written = write_answers(run, output, errors, None, ordered=False, mode=0o600)
        assert written == [
            Written("output", SMALL, output, 3, 3),
            Written("errors", SMALL, errors, 1, 1),
        ]


def test_the_json_summary_has_every_field_and_the_jobs_duration(
    client: Mistral, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    source = write_input(good=2)
    with client.batch.run(source, model=SMALL, poll=QUICK) as run:
        assert run.job is not None and run.job.completed_at is not None
        written = write_answers(run, tmp_path / "o.jsonl", tmp_path / "e.jsonl", None, False, 0o600)
        summary = summary_json(run, written, state="s")
        assert list(summary) == [
            "job",
            "jobs",
            "status",
            "succeeded_requests",
            "failed_requests",
            "cached",
            "percent_done",
            "duration_seconds",
            "files",
            "state",
        ]
        assert summary["duration_seconds"] == run.job.completed_at - run.job.created_at
        assert isinstance(summary["duration_seconds"], int)


def test_requests_no_job_answered_are_counted_in_the_summary(
    client: Mistral, emu: Emulator, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    source = write_input(good=2)
    emu.set_requests_per_second(0.2)  # the first request is answered at once, the next in 5 s

    def cancel_after_one(progress: RunProgress) -> None:
        job = progress.job
        if job is not None and job.completed_requests == 1 and not job.done:
            client.batch.jobs.cancel(job.id)

    output, errors = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    with client.batch.run(source, model=SMALL, poll=QUICK, on_progress=cancel_after_one) as run:
        assert run.unanswered(SMALL) == 1
        job = run.job
        assert job is not None
        written = write_answers(run, output, errors, None, ordered=False, mode=0o600)
        assert summary_lines(run, written) == [
            f"Batch job {job.id} completed with status: CANCELLED",
            "Total requests: 2",
            "Successful requests: 1",
            "Failed requests: 1",
            "Percent done: 100.0",
            f"Job duration: {duration(job_duration(job))}",
            "No answer: 1 request, in the error file",
            f"Output file: {output} (1 line, {size(output.stat().st_size)})",
            f"Error file: {errors} (1 line, {size(errors.stat().st_size)})",
        ]
