"""What the run's steps hand back and say, to the character: the result files of a
finished job, each by kind, and Ctrl-C with --cancel-on-interrupt cancelling a job."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import API_KEY, finished_job

from mistral_batch import Mistral
from mistral_batch.cli._app import App
from mistral_batch.cli._output import Output
from mistral_batch.cli._progress import RunMonitor
from mistral_batch.cli._run import interrupted
from mistral_batch.cli._steps import Saved, download_results
from mistral_batch_emulator.pytest_plugin import EmulatorFactory

MODEL = "mistral-small-latest"


def test_a_finished_job_gives_its_output_and_error_files_by_kind(
    client: Mistral, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    """Each file the job has is downloaded and described: kind, id, path, bytes, lines
    on disk, and lines the job counts."""
    job = finished_job(client, write_input(good=2, bad=1))
    assert (job.status, job.succeeded_requests, job.failed_requests) == ("SUCCESS", 2, 1)
    assert job.output_file is not None and job.error_file is not None
    output, errors = tmp_path / "output.jsonl", tmp_path / "error.jsonl"
    saved = download_results(Output(progress=False), client, job, output, errors)
    assert saved == [
        Saved(
            kind="output",
            file_id=job.output_file,
            path=output,
            bytes=output.stat().st_size,
            lines=2,
            expected=2,
        ),
        Saved(
            kind="errors",
            file_id=job.error_file,
            path=errors,
            bytes=errors.stat().st_size,
            lines=1,
            expected=1,
        ),
    ]


def test_ctrl_c_with_cancel_cancels_a_running_job_and_says_how_to_resume(
    mistral_emulator_factory: EmulatorFactory,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A job still queued is asked to stop, and the note gives its id, the status the
    cancel answered and the server; then how to resume."""
    emulator = mistral_emulator_factory(api_keys=[API_KEY], queue_delay=60.0)
    source = tmp_path / "in.jsonl"
    request = {"custom_id": "0", "body": {"messages": [{"role": "user", "content": "hi"}]}}
    source.write_text(json.dumps(request) + "\n")
    with Mistral(api_key=API_KEY, server_url=emulator.url) as client:
        uploaded = client.files.upload(source, purpose="batch")
        job = client.batch.jobs.create(
            input_files=[uploaded.id], model=MODEL, endpoint="/v1/chat/completions"
        )
        app = App(no_progress=True)
        monitor = RunMonitor(app.out, "in.jsonl")
        monitor.jobs = {job.id: job}
        interrupted(app, client, monitor, Path("in.state"), cancel=True)
        status = client.batch.jobs.get(job.id).status
    server = emulator.url
    assert capsys.readouterr().err.splitlines() == [
        f"Interrupted: cancelled job {job.id} (CANCELLATION_REQUESTED) on {server}.",
        f"To resume, run the same command again with the server {server} (state in in.state).",
    ]
    assert status in ("CANCELLATION_REQUESTED", "CANCELLED")
