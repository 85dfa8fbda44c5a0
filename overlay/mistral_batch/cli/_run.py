"""`mistral-batch run`: check, upload, create, watch, download; resumable across restarts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from mistral_batch import (
    CREATE_TOKEN_KEY,
    BatchJob,
    Mistral,
    NotFoundError,
    WaitTimeoutError,
    check_input_file,
    validate_job_create,
)
from mistral_batch.limits import PRIVATE_FILE_MODE

from . import _codes, _steps
from ._app import App, CommandError, pass_app
from ._output import plural, size
from ._params import (
    endpoint_option,
    file_mode_option,
    file_path_option,
    give_up_option,
    metadata_option,
    model_option,
    timeout_hours_option,
)
from ._state import Fingerprint, RunState, StateError, default_state_path, load_state, save_state

#: Stands in for the input file's id while the job's options are checked before uploading.
_PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"

RUN_HELP = f"""Run a batch job over INPUT (JSONL) and download its results.

Checks INPUT locally (errors name the line; nothing is sent), uploads it, creates the job,
shows its progress until it ends, downloads the output and error files and prints a
summary.

The run resumes: the uploaded file and the job are recorded in a state file beside the
output (--state). Running the same command again, after Ctrl-C, a crash or a reboot,
picks up the same job instead of paying again; --fresh starts a new one. Ctrl-C while
waiting leaves the job running (--cancel-on-interrupt cancels it).

\b
Exit codes:
{_codes.EXIT_CODES_TABLE}
"""


class _Run:
    """One invocation of `run`: its options, its client, its state file."""

    def __init__(
        self,
        app: App,
        client: Mistral,
        state_file: Path,
        options: dict[str, Any],
        file_mode: int = PRIVATE_FILE_MODE,
    ):
        self.app = app
        self.file_mode = file_mode
        self.out = app.out
        self.client = client
        self.state_file = state_file
        self.options = options
        #: The job as last seen, for what Ctrl-C reports.
        self.job: BatchJob | None = None

    def previous(self, fingerprint: Fingerprint) -> RunState | None:
        """The state of an earlier run of the same input and options, if any."""
        try:
            state = load_state(self.state_file)
        except StateError as exc:
            raise CommandError(f"{exc}; remove it or pass --fresh") from exc
        if state is None:
            return None
        differences = state.differences(fingerprint, self.options)
        if differences:
            left = f"; job {state.job_id} is left as it is" if state.job_id else ""
            self.out.note(
                f"{self.state_file} was written for another run: {'; '.join(differences)}"
                f"{left}. Starting a new job (pass --state to keep both)."
            )
            return None
        return state

    def resume(self, state: RunState) -> BatchJob | None:
        """The job recorded in `state`, created first if only the upload had happened."""
        if state.job_id is not None:
            try:
                job = self.client.batch.jobs.get(state.job_id)
            except NotFoundError:
                self.out.warn(f"job {state.job_id} no longer exists; starting a new one")
                return None
            self.out.note(f"Resuming job {job.id} ({job.status}), recorded in {self.state_file}")
            self.job = job
            return job
        if state.input_file_id is None:
            return None
        if state.create_token is not None:
            found = self._find(state.create_token)
            if found is not None:
                self.out.note(f"Resuming job {found.id} ({found.status})")
                self._record(state, found)
                return found
        try:
            self.client.files.retrieve(state.input_file_id)
        except NotFoundError:
            return None
        self.out.note(f"Reusing the uploaded file {state.input_file_id}")
        return self.create(state)

    def _find(self, token: str) -> BatchJob | None:
        """The job created with `token` before its answer was lost, if there is one."""
        for job in self.client.batch.jobs.list(metadata={CREATE_TOKEN_KEY: token}):
            if (job.metadata or {}).get(CREATE_TOKEN_KEY) == token:
                return job
        return None

    def start(self, state: RunState, path: Path) -> BatchJob:
        """Upload the input, then create the job, recording each step."""
        state.input_file_id = _steps.upload(self.out, self.client, path).id
        save_state(self.state_file, state, self.file_mode)
        return self.create(state)

    def create(self, state: RunState) -> BatchJob:
        """Create the job over the uploaded file, under a token recorded beforehand."""
        assert state.input_file_id is not None
        metadata = dict(self.options["metadata"])
        metadata[CREATE_TOKEN_KEY] = state.new_token()
        save_state(self.state_file, state, self.file_mode)
        job = self.client.batch.jobs.create(
            input_files=[state.input_file_id],
            model=self.options["model"],
            endpoint=self.options["endpoint"],
            metadata=metadata,
            timeout_hours=self.options["timeout_hours"],
        )
        self._record(state, job)
        self.out.note(f"Created job {job.id} ({job.total_requests or '?'} requests)")
        return job

    def _record(self, state: RunState, job: BatchJob) -> None:
        self.job = job
        if (state.job_id, state.status) != (job.id, job.status):
            state.job_id, state.status = job.id, job.status
            save_state(self.state_file, state, self.file_mode)

    def interrupted(self, state: RunState | None, cancel: bool) -> None:
        """Say what became of the job after Ctrl-C, and how to resume; cancel it if asked."""
        server = self.client.server_url
        resume = (
            f"To resume, run the same command again with the server {server}"
            f" (state in {self.state_file})."
        )
        job = self.job
        if job is None:
            recorded = state.job_id if state is not None else None
            where = f"job {recorded}" if recorded else "no job yet"
            self.out.note(f"Interrupted: {where} on {server}, as far as this run knows.")
            self.out.note(resume)
            return
        if job.done:
            self.out.note(f"Interrupted: job {job.id} ended {job.status} on {server}.")
            self.out.note(resume.replace("To resume", "To download its results"))
            return
        if cancel and state is not None:
            cancelled = self.client.batch.jobs.cancel(job.id)
            self._record(state, cancelled)
            self.out.note(f"Interrupted: cancelled job {job.id} ({cancelled.status}) on {server}.")
            return
        self.out.note(f"Interrupted: job {job.id} keeps running on the server {server}.")
        self.out.note(resume)
        self.out.note(f"To cancel it: mistral-batch --server-url {server} jobs cancel {job.id}")

    def wait(self, state: RunState, job: BatchJob, timeout: float | None) -> BatchJob:
        """Watch the job until it ends, recording its status in the state file."""
        try:
            return _steps.watch(
                self.out,
                self.client,
                job,
                timeout=timeout,
                on_poll=lambda j: self._record(state, j),
            )
        except WaitTimeoutError:
            self.out.note(f"Job {job.id} keeps running; run the same command again to resume.")
            raise


def _check_options(
    model: str | None, endpoint: str, metadata: dict[str, str], timeout_hours: int | None
) -> None:
    """Check the job's options locally, so that a bad one fails before the upload."""
    validate_job_create(
        endpoint=endpoint,
        model=model,
        metadata={**metadata, CREATE_TOKEN_KEY: "0" * 32},
        timeout_hours=timeout_hours,
        input_files=[_PLACEHOLDER_ID],
    )


@click.command("run", help=RUN_HELP)
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path, dir_okay=False))
@model_option
@endpoint_option
@metadata_option
@timeout_hours_option
@file_path_option(
    "--output",
    "-o",
    help="Where to write the results [default: INPUT's name + .results.jsonl, here].",
)
@file_path_option(
    "--errors",
    help="Where to write the failed requests [default: INPUT's name + .errors.jsonl, here].",
)
@file_path_option("--state", "state_path", help="The state file [default: OUTPUT + .state.json].")
@click.option("--fresh", is_flag=True, help="Ignore the state file: upload and create anew.")
@click.option("--cancel-on-interrupt", is_flag=True, help="Cancel the job on Ctrl-C.")
@give_up_option("--wait-timeout", "Stop waiting after SECONDS (exit 9); the job keeps running.")
@file_mode_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_app
def run(
    app: App,
    input_path: Path,
    model: str | None,
    endpoint: str,
    metadata: dict[str, str],
    timeout_hours: int | None,
    output: Path | None,
    errors: Path | None,
    state_path: Path | None,
    fresh: bool,
    cancel_on_interrupt: bool,
    wait_timeout: float | None,
    file_mode: int,
    as_json: bool,
) -> None:
    """Run a batch job over INPUT and download its results (see RUN_HELP)."""
    stem = input_path.name.removesuffix(".jsonl")
    output = output or Path(f"{stem}.results.jsonl")
    errors = errors or Path(f"{stem}.errors.jsonl")
    state_file = state_path or default_state_path(output)
    if len({p.resolve() for p in (input_path, output, errors, state_file)}) < 4:
        raise click.UsageError("INPUT, --output, --errors and --state must be different files")
    checked = check_input_file(input_path)
    _check_options(model, endpoint, metadata, timeout_hours)
    count = plural(checked.count, "request")
    app.out.note(f"{input_path}: {count}, {size(checked.bytes)}, valid")
    fingerprint = Fingerprint.of_file(input_path)
    client = app.client()
    options = {
        "model": model,
        "endpoint": endpoint,
        "metadata": metadata,
        "timeout_hours": timeout_hours,
        "server_url": client.server_url,
    }
    runner = _Run(app, client, state_file, options, file_mode)
    state = None
    try:
        state = None if fresh else runner.previous(fingerprint)
        job = runner.resume(state) if state is not None else None
        if state is None or job is None:
            state = RunState(
                input_path=str(input_path.resolve()), fingerprint=fingerprint, options=options
            )
            job = runner.start(state, input_path)
        job = runner.job = runner.wait(state, job, wait_timeout)
        saved = _steps.download_results(app.out, client, job, output, errors, file_mode)
    except KeyboardInterrupt:
        runner.interrupted(state, cancel_on_interrupt)
        raise click.exceptions.Exit(_codes.INTERRUPTED) from None
    code = _codes.for_status(job.status)
    short = [item for item in saved if item.short]
    if short and not code:
        code = _codes.ERROR  # a run whose results are not all on disk did not succeed
    if as_json:
        app.out.json(_steps.summary_json(job, saved, state=str(state_file), exit_code=code))
    else:
        for line in _steps.summary_lines(job, saved):
            app.out.line(line)
    for item in short:
        app.out.warn(
            f"{item.path} holds {plural(item.lines, 'line')} where the job counts "
            f"{item.expected}: the file is short; run the same command again to download it again"
        )
    if code:
        raise click.exceptions.Exit(code)
