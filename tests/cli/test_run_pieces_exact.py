"""`run`'s pieces, to the character: the --wait-timeout and --price options, forgetting a
state that never had a folder, the mode of the answers written, the summary of a run
without errors, the duration of a run of several jobs and the status of a mixed run."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import cast

import click
from cli_helpers import QUICK, batch_job
from click.testing import CliRunner

from mistral_batch import BatchJob, BatchRun, Mistral
from mistral_batch.cli._output import duration, job_duration, size
from mistral_batch.cli._params import give_up_option
from mistral_batch.cli._run import forget, write_answers
from mistral_batch.cli._run_data import data_options
from mistral_batch.cli._run_summary import Written, run_status, summary_json, summary_lines

SMALL, LARGE = "mistral-small-latest", "mistral-large-latest"


def invoke(command: click.Command, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(command, list(args), prog_name="cmd", terminal_width=80)
    return result.exit_code, result.output


def test_a_negative_wait_timeout_is_a_usage_error() -> None:
    """SECONDS start at 0: -1 is refused with the range, 0 is taken."""

    @click.command("cmd")
    @give_up_option("--wait-timeout", "Stop waiting after SECONDS.")
    def command(wait_timeout: float | None) -> None:
        click.echo(f"wait_timeout={wait_timeout}")

    assert invoke(command, "--wait-timeout", "-1") == (
        2,
        "Usage: cmd [OPTIONS]\n"
        "Try 'cmd --help' for help.\n"
        "\n"
        "Error: Invalid value for '--wait-timeout': -1.0 is not in the range x>=0.\n",
    )
    assert invoke(command, "--wait-timeout", "0") == (0, "wait_timeout=0.0\n")


def test_a_price_of_zero_is_taken() -> None:
    """A free model (0,0) is a price; a negative one is refused."""

    @click.command("cmd")
    @data_options
    def command(prices: dict[str, tuple[float, float]], **options: object) -> None:
        click.echo(f"prices={prices}")

    assert invoke(command, "--price", "free=0,0") == (0, "prices={'free': (0.0, 0.0)}\n")
    code, output = invoke(command, "--price", "free=0,-1")
    assert code == 2
    assert "'free=0,-1': give MODEL=IN,OUT" in output


def test_forgetting_a_state_without_its_folder_removes_the_file(tmp_path: Path) -> None:
    """--fresh on a state file that never had a folder: the file goes, nothing fails."""
    state = tmp_path / "run.state"
    state.write_text("x")
    forget(state)
    assert list(tmp_path.iterdir()) == []


def test_the_answers_are_written_with_the_mode_asked_and_no_error_file_is_named(
    client: Mistral, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    """The output takes the mode given (less the umask); with no failure, the summary
    says there is no error file."""
    umask = os.umask(0)
    os.umask(umask)
    source = write_input(good=2)
    output, errors = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    with client.batch.run(source, model=SMALL, poll=QUICK) as run:
        written = write_answers(run, output, errors, None, ordered=True, mode=0o644)
        assert written == [Written("output", SMALL, output, 2, 2)]
        assert output.stat().st_mode & 0o777 == 0o644 & ~umask
        job = run.job
        assert job is not None
        assert summary_lines(run, written) == [
            f"Batch job {job.id} completed with status: SUCCESS",
            "Total requests: 2",
            "Successful requests: 2",
            "Failed requests: 0",
            "Percent done: 100.0",
            f"Job duration: {duration(job_duration(job))}",
            f"Output file: {output} (2 lines, {size(output.stat().st_size)})",
            "Error file: none (no request failed)",
        ]


def test_a_run_of_several_jobs_lasts_from_the_first_created_to_the_last_ended(
    client: Mistral, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    """With a job per model, the duration spans from the earliest creation to the latest
    completion."""
    source = write_input(good=1)
    with client.batch.run(source, models=[SMALL, LARGE], poll=QUICK) as run:
        assert len(run.jobs) == 2
        ends = [job.completed_at for job in run.jobs]
        assert None not in ends
        expected = max(cast(list[int], ends)) - min(job.created_at for job in run.jobs)
        written = write_answers(run, tmp_path / "o.jsonl", tmp_path / "e.jsonl", None, False, 0o600)
        assert summary_json(run, written)["duration_seconds"] == expected
        assert f"Job duration: {duration(expected)}" in summary_lines(run, written)


class _MixedRun:
    """A finished run's jobs and counts: the status reads nothing else."""

    def __init__(self, statuses: list[str], failed: int) -> None:
        self.jobs = [_job(f"job-{i}", status) for i, status in enumerate(statuses)]
        self.models = [SMALL]
        self.failed = failed

    def counts(self, model: str | None) -> tuple[int, int]:
        return 1, self.failed


def _job(job_id: str, status: str) -> BatchJob:
    return batch_job(id=job_id, status=status)


def test_a_run_with_failures_takes_the_last_status_other_than_success() -> None:
    """A job cancelled then one that succeeded, with a request failed: the run is
    CANCELLED, the last status that is not SUCCESS; without failures it is SUCCESS."""
    mixed = cast(BatchRun, _MixedRun(["CANCELLED", "SUCCESS"], failed=1))
    assert run_status(mixed) == "CANCELLED"
    clean = cast(BatchRun, _MixedRun(["CANCELLED", "SUCCESS"], failed=0))
    assert run_status(clean) == "SUCCESS"
