"""`mistral-batch jobs`: create, list, show, wait for, cancel, delete, and read jobs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from mistral_batch import JOB_STATUSES, BatchJob, BatchResult
from mistral_batch.jobs import Jobs

from . import _codes, _steps
from ._app import CONTEXT, App, pass_app
from ._output import JOB_HEADERS, as_dict, job_fields, job_row, size
from ._params import (
    endpoint_option,
    file_mode_option,
    file_path_option,
    give_up_option,
    json_option,
    metadata_option,
    model_option,
    page_option,
    timeout_hours_option,
)


@click.group("jobs", context_settings=CONTEXT)
def jobs() -> None:
    """Batch jobs: create, ls, get, wait, cancel, rm, results."""


def _show(app: App, job: BatchJob, as_json: bool) -> None:
    if as_json:
        app.out.json(as_dict(job))
    else:
        app.out.fields(job_fields(job))


@jobs.command("create")
@click.option("--input-file", "input_files", multiple=True, required=True, help="Uploaded file id.")
@model_option
@endpoint_option
@metadata_option
@timeout_hours_option
@json_option
@pass_app
def create(
    app: App,
    input_files: tuple[str, ...],
    model: str | None,
    endpoint: str,
    metadata: dict[str, str],
    timeout_hours: int | None,
    as_json: bool,
) -> None:
    """Create a job over uploaded input files (repeat --input-file)."""
    job = app.client().batch.jobs.create(
        input_files=list(input_files),
        model=model,
        endpoint=endpoint,
        metadata=metadata or None,
        timeout_hours=timeout_hours,
    )
    _show(app, job, as_json)


@jobs.command("ls")
@click.option(
    "--status",
    multiple=True,
    type=click.Choice(JOB_STATUSES, case_sensitive=False),
    metavar="[" + "|".join(JOB_STATUSES) + "]",
    help="Only jobs with this status (repeatable).",
)
@metadata_option
@click.option("--model", help="Only jobs of this model.")
@page_option
@json_option
@pass_app
def ls(
    app: App,
    status: tuple[str, ...],
    metadata: dict[str, str],
    model: str | None,
    page: int,
    as_json: bool,
) -> None:
    """List every job, newest first, all pages (from --page on)."""
    listing = app.client().batch.jobs.list(
        status=[s.upper() for s in status] or None,
        metadata=metadata or None,
        model=model,
        page=page,
    )
    app.out.listing(list(listing), as_json, JOB_HEADERS, job_row)


def _job_shown(name: str, help: str, act: Callable[[Jobs, str], BatchJob]) -> click.Command:
    """A command that does `act` to JOB_ID, then shows the job as `act` returned it."""

    @jobs.command(name, help=help)
    @click.argument("job_id")
    @json_option
    @pass_app
    def command(app: App, job_id: str, as_json: bool) -> None:
        _show(app, act(app.client().batch.jobs, job_id), as_json)

    return command


get = _job_shown("get", "Show a job.", Jobs.get)


@jobs.command("wait")
@click.argument("job_id")
@give_up_option("--timeout", "Give up after SECONDS (exit 9); the job keeps running.")
@json_option
@pass_app
def wait(app: App, job_id: str, timeout: float | None, as_json: bool) -> None:
    """Wait for a job to end, with its progress; the exit code says how it ended (see run)."""
    client = app.client()
    try:
        job = _steps.watch(app.out, client, client.batch.jobs.get(job_id), timeout=timeout)
    except KeyboardInterrupt:
        app.out.note(f"Interrupted: job {job_id} keeps running on the server {client.server_url}.")
        raise click.exceptions.Exit(_codes.INTERRUPTED) from None
    _show(app, job, as_json)
    code = _codes.for_status(job.status)
    if code:
        raise click.exceptions.Exit(code)


cancel = _job_shown(
    "cancel", "Ask a job to stop (CANCELLATION_REQUESTED, then CANCELLED).", Jobs.cancel
)


@jobs.command("rm")
@click.argument("job_id")
@json_option
@pass_app
def rm(app: App, job_id: str, as_json: bool) -> None:
    """Delete a finished job."""
    deleted = app.client().batch.jobs.delete(job_id)
    if as_json:
        app.out.json(as_dict(deleted))
    else:
        app.out.line(f"Deleted {deleted.id}" if deleted.deleted else f"Not deleted: {deleted.id}")


def _answer(result: BatchResult) -> str:
    """A short text for a result: the model's answer, or the error's message."""
    body: Any = result.body
    text: Any = None
    if isinstance(body, dict):
        choices = body.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[0], dict):
            message = choices[0].get("message")
            text = message.get("content") if isinstance(message, dict) else None
        if text is None:
            text = body.get("message") or body.get("detail") or body.get("object")
    if text is None and result.error is not None:
        text = result.error
    words = " ".join(str(text if text is not None else "-").split())
    return words if len(words) <= 80 else words[:79] + "\u2026"


@jobs.command("results")
@click.argument("job_id")
@click.option("--errors", "which", flag_value="errors", help="The failed requests instead.")
@file_path_option("--output", "-o", help="Save the file here instead of printing it.")
@file_mode_option
@json_option
@pass_app
def results(
    app: App,
    job_id: str,
    which: str | None,
    output: Path | None,
    file_mode: int,
    as_json: bool,
) -> None:
    """Show a finished job's results (or, with --errors, its failed requests)."""
    client = app.client()
    job = client.batch.jobs.get(job_id)
    if output is not None:
        file_id = job.error_file if which == "errors" else job.output_file
        if file_id is None:
            raise click.ClickException(f"job {job.id} ({job.status}) has no such file")
        label = f"download {output.name}"
        written = _steps.download(app.out, client, file_id, output, label, file_mode)
        app.out.line(f"Downloaded {file_id} to {output} ({size(written)})")
        return
    stream = client.batch.jobs.errors(job) if which == "errors" else client.batch.jobs.results(job)
    with stream:
        found = list(stream)
    if as_json:
        app.out.json(
            [
                {
                    "custom_id": r.custom_id,
                    "status_code": r.status_code,
                    "ok": r.ok,
                    "body": r.body,
                    "error": r.error,
                }
                for r in found
            ]
        )
    else:
        rows = ([r.custom_id or "-", str(r.status_code or "-"), _answer(r)] for r in found)
        app.out.table(("CUSTOM_ID", "STATUS", "ANSWER"), rows)
