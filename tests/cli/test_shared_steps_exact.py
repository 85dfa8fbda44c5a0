"""The steps `run` and `demo` share, to the character: the bars of an upload and a
download drawn to the end, a job with only an error file, and the summary naming it."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import attrs
from cli_helpers import batch_job, drawing_output, finished_job

from mistral_batch import BatchJob, Mistral
from mistral_batch.cli._output import Output
from mistral_batch.cli._steps import Saved, download, download_results, summary_lines, upload


def terminal() -> tuple[Output, io.StringIO]:
    """An Output whose stderr is a terminal without colours, drawn into a string."""
    return drawing_output(
        force_terminal=True, color_system=None, width=200, highlight=False, soft_wrap=True
    )


def finished(status: str, succeeded: int, failed: int) -> BatchJob:
    return batch_job(
        status=status,
        created_at=100,
        completed_at=130,
        total_requests=succeeded + failed,
        completed_requests=succeeded + failed,
        succeeded_requests=succeeded,
        failed_requests=failed,
    )


def test_the_upload_bar_reaches_the_files_size(client: Mistral, tmp_path: Path) -> None:
    """The upload's bar is fed as bytes go up: it ends at 2.7 of 2.7 kB."""
    source = tmp_path / "requests.jsonl"
    source.write_text('{"a": 1}\n' * 300)
    out, drawn = terminal()
    upload(out, client, source)
    assert "upload requests.jsonl" in drawn.getvalue()
    assert "2.7/2.7 kB" in drawn.getvalue()


def test_the_download_bar_reaches_the_files_size(client: Mistral, tmp_path: Path) -> None:
    """The download's bar is fed as bytes come down: it ends at 2.7 of 2.7 kB."""
    source = tmp_path / "data.jsonl"
    source.write_text('{"a": 1}\n' * 300)
    uploaded = client.files.upload(source, purpose="batch")
    out, drawn = terminal()
    written = download(out, client, uploaded.id, tmp_path / "copy.jsonl", "download output")
    assert written == 2700
    assert "download output" in drawn.getvalue()
    assert "2.7/2.7 kB" in drawn.getvalue()


def test_a_job_without_an_output_file_still_gives_its_error_file(
    client: Mistral, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    """A job that has no output file but an error file: the error file is downloaded."""
    job = finished_job(client, write_input(good=1, bad=1))
    assert job.error_file is not None
    no_output = attrs.evolve(job, output_file=None)
    output, errors = tmp_path / "output.jsonl", tmp_path / "error.jsonl"
    saved = download_results(Output(progress=False), client, no_output, output, errors)
    assert saved == [
        Saved(
            kind="errors",
            file_id=job.error_file,
            path=errors,
            bytes=errors.stat().st_size,
            lines=1,
            expected=1,
        )
    ]
    assert not output.exists()


def test_the_summary_names_the_output_and_error_files() -> None:
    """Each file saved is a line, "Output file" or "Error file", with its lines and size;
    a short one says how many the job counts."""
    job = finished("SUCCESS", 2, 3)
    saved = [
        Saved("output", "f-out", Path("out.jsonl"), 120, 2, 2),
        Saved("errors", "f-err", Path("err.jsonl"), 90, 2, 3),
    ]
    assert summary_lines(job, saved) == [
        "Batch job job-1 completed with status: SUCCESS",
        "Total requests: 5",
        "Successful requests: 2",
        "Failed requests: 3",
        "Percent done: 100.0",
        "Job duration: 30s",
        "Output file: out.jsonl (2 lines, 120 B)",
        "Error file: err.jsonl (2 lines, 90 B)",
        "Error file is short: the job counts 3 lines",
    ]
