"""The steps `run` and `demo` share, to the character: the share of a job done, the job's
own errors, and the upload, wait and download as the user sees them (bars, notes)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import drawing_output

from mistral_batch import BatchJob, Mistral
from mistral_batch.cli._output import Output
from mistral_batch.cli._steps import download, job_error_lines, percent_done, upload, watch

MODEL = "mistral-small-latest"


def job(status: str, total: int = 0, errors: list[dict[str, Any]] | None = None) -> BatchJob:
    return BatchJob(
        id="job-1",
        status=status,
        endpoint="/v1/chat/completions",
        input_files=["in-1"],
        created_at=0,
        total_requests=total,
        completed_requests=0,
        succeeded_requests=0,
        failed_requests=0,
        errors=errors or [],
    )


def terminal() -> tuple[Output, io.StringIO]:
    """An Output whose stderr is a terminal, drawn into a string."""
    return drawing_output(force_terminal=True, width=200, highlight=False, soft_wrap=True)


@pytest.fixture
def quiet_out() -> Output:
    return Output(progress=False)


def test_a_finished_job_without_requests_is_all_done() -> None:
    assert percent_done(job("SUCCESS")) == 100.0
    assert percent_done(job("FAILED")) == 100.0


def test_a_running_job_without_requests_yet_is_not_started() -> None:
    assert percent_done(job("RUNNING")) == 0.0
    assert percent_done(job("QUEUED")) == 0.0


def test_each_job_error_is_a_line_with_how_often_it_happened() -> None:
    errors: list[dict[str, Any]] = [
        {"message": "twice", "count": 2},
        {"message": "once", "count": 1},
        {"message": "often", "count": 3},
        {"message": "uncounted"},
        {"message": "odd count", "count": "2"},
        {"code": "no-message"},
    ]
    assert job_error_lines(job("FAILED", errors=errors)) == [
        "Job error: twice (x2)",
        "Job error: once",
        "Job error: often (x3)",
        "Job error: uncounted",
        "Job error: odd count",
        "Job error: {'code': 'no-message'}",
    ]


def test_the_upload_is_a_batch_file_with_its_name_on_the_bar(
    client: Mistral, write_input: Callable[..., Path]
) -> None:
    source = write_input(good=3)
    out, drawn = terminal()
    uploaded = upload(out, client, source)
    assert uploaded.purpose == "batch"
    assert client.files.retrieve(uploaded.id).purpose == "batch"
    assert "upload requests.jsonl" in drawn.getvalue()
    assert drawn.getvalue().count(f"Uploaded requests.jsonl as file {uploaded.id}") == 1


def test_the_upload_without_a_terminal_only_says_where_the_file_went(
    client: Mistral,
    write_input: Callable[..., Path],
    quiet_out: Output,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = write_input(good=3)
    uploaded = upload(quiet_out, client, source)
    size = source.stat().st_size
    assert capsys.readouterr().err == (
        f"Uploaded requests.jsonl as file {uploaded.id} ({size} B)\n"
    )


def test_the_download_shows_its_label_on_the_bar(client: Mistral, tmp_path: Path) -> None:
    source = tmp_path / "data.jsonl"
    source.write_text('{"a": 1}\n')
    uploaded = client.files.upload(source, purpose="batch")
    out, drawn = terminal()
    written = download(out, client, uploaded.id, tmp_path / "copy.jsonl", "download output")
    assert written == source.stat().st_size
    assert (tmp_path / "copy.jsonl").read_text() == '{"a": 1}\n'
    assert "download output" in drawn.getvalue()


def _job_on(client: Mistral, source: Path) -> BatchJob:
    uploaded = client.files.upload(source, purpose="batch")
    return client.batch.jobs.create(
        input_files=[uploaded.id], model=MODEL, endpoint="/v1/chat/completions"
    )


def test_the_wait_shows_each_poll_and_hands_it_on(
    client: Mistral,
    write_input: Callable[..., Path],
    quiet_out: Output,
    capsys: pytest.CaptureFixture[str],
) -> None:
    created = _job_on(client, write_input(good=2))
    seen: list[BatchJob] = []
    ended = watch(quiet_out, client, created, timeout=30, on_poll=seen.append)
    assert ended.status == "SUCCESS"
    assert seen and seen[-1] == ended
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1] == f"job {created.id}: SUCCESS (2/2)"
    statuses = [f"job {created.id}: {s.status} ({s.completed_requests}/2)" for s in seen]
    assert set(lines) <= set(statuses)
