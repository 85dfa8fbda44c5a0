"""What a job's row shows for its model, and how a narrow table keeps its ids whole."""

from __future__ import annotations

import io

from cli_helpers import batch_job
from rich.console import Console

from mistral_batch import BatchJob
from mistral_batch.cli._output import Output, job_row


def a_job(model: str | None, agent_id: str | None) -> BatchJob:
    return batch_job(
        input_files=["file-1"],
        created_at=1_700_000_000,
        total_requests=10,
        completed_requests=10,
        succeeded_requests=9,
        failed_requests=1,
        model=model,
        agent_id=agent_id,
    )


def test_a_jobs_row_shows_its_agent_without_a_model_and_a_dash_without_either() -> None:
    """The model column holds the model, else the agent id, else "-"."""
    assert job_row(a_job(None, "ag-1"))[2] == "ag-1"
    assert job_row(a_job(None, None))[2] == "-"
    assert job_row(a_job("mistral-small-latest", "ag-1"))[2] == "mistral-small-latest"


def test_a_narrow_table_keeps_the_first_column_whole_and_folds_the_others() -> None:
    """At 24 columns the id stays on one line; the note folds into the width left."""
    out = Output()
    buffer = io.StringIO()
    out.stdout = Console(file=buffer, width=24, color_system=None)
    out.table(["ID", "NOTE"], [["job-0123456789", "a note that folds"]])
    assert buffer.getvalue() == (
        "                        \n"
        " ID               NOTE  \n"
        " ────────────────────── \n"
        " job-0123456789   a     \n"
        "                  note  \n"
        "                  that  \n"
        "                  folds \n"
        "                        \n"
    )
