"""`mistral-batch demo`: the end-to-end example of Mistral's batch guide, as a command.

Random chat requests are written to a JSONL file, uploaded, run as a job whose progress
is shown, and the output and error files are downloaded; then the job's statistics and
duration are printed. Without an API key it runs against an in-process emulator.
"""

from __future__ import annotations

import random
from pathlib import Path

import click

from mistral_batch import write_requests

from . import _codes, _steps
from ._app import App, pass_app
from ._params import count_option

#: How long the emulator takes over a demo, whatever its size, so that progress shows.
_DEMO_SECONDS = 3.0


def random_text(rng: random.Random, low: int, high: int) -> str:
    """Between `low` and `high` random letters, separated by spaces (as in the guide)."""
    return " ".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randrange(low, high)))


def demo_requests(count: int, invalid: int, rng: random.Random) -> list[dict[str, object]]:
    """`count` chat requests with random prompts; the last `invalid` lack their messages."""
    requests: list[dict[str, object]] = []
    for index in range(count):
        body: dict[str, object] = {"max_tokens": rng.randint(10, 1000)}
        if index < count - invalid:
            body["messages"] = [{"role": "user", "content": random_text(rng, 100, 5000)}]
        requests.append({"custom_id": str(index), "body": body})
    return requests


@click.command("demo")
@click.option(
    "--num-samples",
    "-n",
    type=click.IntRange(1),
    default=100,
    show_default=True,
    help="How many random requests to send.",
)
@click.option(
    "--model", "-m", default="mistral-small-latest", show_default=True, help="The model to run."
)
@click.option(
    "--output-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("mistral-batch-demo"),
    show_default=True,
    help="Where the input, output and error files go.",
)
@count_option("--invalid", 0, "Requests sent without messages, to show the error file.")
@click.option("--seed", type=int, help="Seed of the random requests.")
@click.option(
    "--emulator", "use_emulator", is_flag=True, help="Use a local emulator even with a key."
)
@pass_app
def demo(
    app: App,
    num_samples: int,
    model: str,
    output_dir: Path,
    invalid: int,
    seed: int | None,
    use_emulator: bool,
) -> None:
    """Run the batch guide's end-to-end example: random requests, a job, its results.

    With no MISTRAL_API_KEY (or with --emulator) it runs against a local emulator
    started for the occasion; with a key, against the API (a real, if small, job).
    """
    if use_emulator or app.use_emulator or app.api_key is None:
        app.use_emulator = True
        why = "" if use_emulator or app.api_key is not None else "No MISTRAL_API_KEY. "
        app.start_emulator(max(1.0, num_samples / _DEMO_SECONDS), why=why)
    client = app.client()
    out = app.out
    output_dir.mkdir(parents=True, exist_ok=True)
    input_path = output_dir / "input.jsonl"
    requests = demo_requests(num_samples, min(invalid, num_samples), random.Random(seed))
    write_requests(requests, input_path)
    uploaded = _steps.upload(out, client, input_path)
    out.line(f"Created input file {uploaded.id} ({num_samples} requests, {input_path})")
    job = client.batch.jobs.create(
        input_files=[uploaded.id],
        model=model,
        endpoint="/v1/chat/completions",
        metadata={"job_type": "testing"},
    )
    out.line(f"Created job {job.id}")
    job = _steps.watch(out, client, job)
    saved = _steps.download_results(
        out, client, job, output_dir / "output.jsonl", output_dir / "error.jsonl"
    )
    for line in _steps.summary_lines(job, saved):
        out.line(line)
    code = _codes.for_status(job.status)
    if code:
        raise click.exceptions.Exit(code)
