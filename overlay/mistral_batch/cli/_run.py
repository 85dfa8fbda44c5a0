"""`mistral-batch run`: a whole run of any size, on one model or several, over
``client.batch.run``; it picks up where it stopped, from its state file."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import click

from mistral_batch import BatchRun, Mistral, StateError, WaitTimeoutError
from mistral_batch.limits import MAX_INPUT_BYTES, MAX_PENDING_REQUESTS
from mistral_batch.tables import TABLE_SUFFIXES

from . import _codes
from ._app import App, pass_app
from ._output import plural
from ._params import (
    count_option,
    endpoint_option,
    file_mode_option,
    file_path_option,
    give_up_option,
    metadata_option,
    timeout_hours_option,
)
from ._places import (
    Place,
    base_name,
    for_model,
    place,
    place_option,
    same_places,
    suffix_of,
)
from ._progress import RunMonitor
from ._run_data import TABLE_OUTPUTS, data_options, usage_json, usage_lines
from ._run_summary import Written, run_status, summary_json, summary_lines

RUN_HELP = f"""Run the requests of INPUT as batch jobs and write their answers.

INPUT is a JSONL file of requests, or a table (.parquet, .csv) whose rows are requests:
a prompt or messages column (--prompt-column, --messages-column), a custom_id column
(--id-column, else the row's position) and body fields (--body-column).

Checks INPUT line by line (errors name the line; nothing is sent), cuts it into parts
(--max-file-bytes, --max-pending), runs each part as a job on each --model, shows the
progress, sends again the requests that failed for a transient reason (--retry-failed
rounds), and writes each request's answer once: its success to --output, or its last
error to --errors. With several models, the model's name goes before the files'
suffix (out.MODEL.jsonl), and --compare writes every model's answer side by side.
An --output ending in .parquet is a table: a row per request, its answer in columns
(content, tokens, error; a --response-format schema's fields), beside a table INPUT's
own columns. --price prices the tokens used, in the summary.

The run resumes: what was uploaded, created and answered is recorded in a state file
beside the output (--state). Running the same command again, after Ctrl-C, a crash or a
reboot, picks up where it was instead of paying again; --fresh starts a new run.
Ctrl-C leaves the jobs running (--cancel-on-interrupt cancels them). With --cache DIR,
answers are kept across runs and a request answered before is not sent again.

\b
Exit codes:
{_codes.EXIT_CODES_TABLE}
"""


def forget(state: Path) -> None:
    """Remove a state file and its folder, for a fresh run."""
    for name in (state, Path(f"{state}-wal"), Path(f"{state}-shm")):
        name.unlink(missing_ok=True)
    shutil.rmtree(Path(f"{state}.d"), ignore_errors=True)


def interrupted(app: App, client: Mistral, monitor: RunMonitor, state: Path, cancel: bool) -> None:
    """Say what became of the jobs after Ctrl-C, and how to resume; cancel them if asked."""
    out, server = app.out, client.server_url
    resume = f"To resume, run the same command again with the server {server} (state in {state})."
    jobs = list(monitor.jobs.values())
    if not jobs:
        out.note(f"Interrupted: no job yet on {server}, as far as this run knows.")
    for job in jobs:
        if job.done:
            out.note(f"Interrupted: job {job.id} ended {job.status} on {server}.")
        elif cancel:
            cancelled = client.batch.jobs.cancel(job.id)
            out.note(f"Interrupted: cancelled job {job.id} ({cancelled.status}) on {server}.")
        else:
            out.note(f"Interrupted: job {job.id} keeps running on the server {server}.")
            out.note(f"To cancel it: mistral-batch --server-url {server} jobs cancel {job.id}")
    out.note(resume)


def write_answers(
    run: BatchRun, output: Place, errors: Place, compare: Place | None, ordered: bool, mode: int
) -> list[Written]:
    """Write each model's answers (its errors only if it has some) and the comparison."""
    written = []
    several = len(run.models) > 1
    table = suffix_of(output) in TABLE_OUTPUTS
    for model in run.models:
        name = model or None
        succeeded, failed = run.counts(name)
        path = for_model(output, model, several)
        if table:
            # A table holds a row for every request, its error in a column if it failed.
            lines = run.write_parquet(path, name, mode=mode, join=run.tables.joinable)
            written.append(Written("output", model, path, lines, succeeded + failed))
        else:
            lines = run.write_results(path, name, ordered=ordered, mode=mode)
            written.append(Written("output", model, path, lines, succeeded))
        if failed:
            path = for_model(errors, model, several)
            lines = run.write_errors(path, name, ordered=ordered, mode=mode)
            written.append(Written("errors", model, path, lines, failed))
    if compare is not None:
        lines = run.write_compare(compare, mode=mode)
        written.append(Written("compare", "", compare, lines, lines))
    return written


@click.command("run", help=RUN_HELP)
@click.argument("input_path", metavar="INPUT", callback=place)
@click.option(
    "--model",
    "-m",
    "models",
    multiple=True,
    help="A model to run every request on (repeatable); without one, each request names its own.",
)
@endpoint_option
@metadata_option
@timeout_hours_option
@place_option(
    "--output",
    "-o",
    help="Where to write the results [default: INPUT's name + .results.jsonl, here].",
)
@place_option(
    "--errors",
    help="Where to write the failed requests [default: INPUT's name + .errors.jsonl, here].",
)
@place_option("--compare", help="Write each request's answers on every model, side by side.")
@file_path_option("--state", "state_path", help="The state file [default: OUTPUT + .state].")
@click.option("--fresh", is_flag=True, help="Forget the state file: upload and create anew.")
@click.option("--cancel-on-interrupt", is_flag=True, help="Cancel the jobs on Ctrl-C.")
@count_option(
    "--retry-failed", 2, "Rounds in which the requests that failed for a transient reason go again."
)
@click.option(
    "--cache",
    type=click.Path(path_type=Path, file_okay=False),
    help="Keep answers in this folder across runs; a request answered before is not sent.",
)
@click.option("--ordered", is_flag=True, help="Write the answers in the order of INPUT.")
@count_option(
    "--max-pending", MAX_PENDING_REQUESTS, "Requests pending at once, and in one job, at most.", 1
)
@count_option("--max-file-bytes", MAX_INPUT_BYTES, "Bytes in one file at most.", 1, MAX_INPUT_BYTES)
@click.option(
    "--inline", is_flag=True, help="Send the requests in the jobs' creates (10,000 a job)."
)
@give_up_option("--wait-timeout", "Stop waiting after SECONDS (exit 9); the jobs keep running.")
@file_mode_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@data_options
@pass_app
def run(
    app: App,
    /,
    input_path: Place,
    models: tuple[str, ...],
    output: Place | None,
    errors: Place | None,
    compare: Place | None,
    state_path: Path | None,
    fresh: bool,
    cancel_on_interrupt: bool,
    wait_timeout: float | None,
    file_mode: int,
    as_json: bool,
    ordered: bool,
    prices: dict[str, tuple[float, float]],
    **options: Any,
) -> None:
    """Run the requests of INPUT and write their answers (see RUN_HELP)."""
    stem = base_name(input_path)
    for suffix in (".jsonl", *TABLE_SUFFIXES):
        stem = stem.removesuffix(suffix)
    output = output or Path(f"{stem}.results.jsonl")
    errors = errors or Path(f"{stem}.errors.jsonl")
    # The state is a local file (SQLite's), beside a local output or here.
    state = state_path or Path(f"{output if isinstance(output, Path) else base_name(output)}.state")
    files = [input_path, output, errors, state, *([compare] if compare else [])]
    if same_places(files):
        raise click.UsageError("INPUT, --output, --errors, --compare and --state must differ")
    client = app.client()
    if fresh:
        forget(state)
    elif state.exists():
        app.out.note(f"Resuming the run recorded in {state}")
    named = {"model": models[0]} if len(models) == 1 else {"models": list(models) or None}
    monitor = RunMonitor(app.out, input_path)

    def start() -> BatchRun:
        return client.batch.run(
            input_path,
            **named,
            **options,
            state=state,
            wait_timeout=wait_timeout,
            on_progress=monitor.update,
        )

    try:
        with monitor:
            try:
                done = start()
            except StateError as exc:
                app.out.note(f"{exc}; starting a new run (pass --state to keep both).")
                forget(state)
                done = start()
    except KeyboardInterrupt:
        interrupted(app, client, monitor, state, cancel_on_interrupt)
        raise click.exceptions.Exit(_codes.INTERRUPTED) from None
    except WaitTimeoutError:
        app.out.note("The jobs keep running; run the same command again to resume.")
        raise
    with done:
        written = write_answers(done, output, errors, compare, ordered, file_mode)
        code = _codes.for_status(run_status(done))
        unanswered = sum(done.unanswered(model or None) for model in done.models)
        if unanswered and not code:
            code = _codes.ERROR  # a run that left requests without any answer did not succeed
        if as_json:
            usage = usage_json(done, prices)
            app.out.json(summary_json(done, written, state=str(state), exit_code=code, usage=usage))
        else:
            for line in summary_lines(done, written) + usage_lines(done, prices):
                app.out.line(line)
        if unanswered:
            app.out.warn(
                f"{plural(unanswered, 'request')} got no answer from any job, however often"
                " sent: see the error file; run again with --fresh to send them anew"
            )
    if code:
        raise click.exceptions.Exit(code)
