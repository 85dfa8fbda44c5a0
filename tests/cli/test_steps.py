"""The steps of `run` that need no server: counting a result file's lines on disk and
summing up a run whose file is shorter than its job."""

from __future__ import annotations

import time
from pathlib import Path

from mistral_batch import BatchJob
from mistral_batch.cli._steps import Saved, count_lines, summary_lines


def finished(succeeded: int) -> BatchJob:
    now = int(time.time())
    return BatchJob(
        id="job-1",
        input_files=["in-1"],
        endpoint="/v1/chat/completions",
        status="SUCCESS",
        created_at=now,
        total_requests=succeeded,
        completed_requests=succeeded,
        succeeded_requests=succeeded,
        failed_requests=0,
        output_file="out-1",
        completed_at=now,
    )


def test_lines_are_counted_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b'{"a": 1}\n\n{"a": 2}\n{"a": 3}')  # a blank line; no final newline
    assert count_lines(path) == 3


def test_a_short_file_is_reported_with_the_lines_on_disk(tmp_path: Path) -> None:
    saved = Saved(
        kind="output", file_id="out-1", path=tmp_path / "o.jsonl", bytes=10, lines=2, expected=3
    )
    assert saved.short
    text = "\n".join(summary_lines(finished(3), [saved]))
    assert f"Output file: {saved.path} (2 lines, " in text
    assert "Output file is short: the job counts 3 lines" in text


def test_a_whole_file_says_nothing_more(tmp_path: Path) -> None:
    saved = Saved(
        kind="output", file_id="out-1", path=tmp_path / "o.jsonl", bytes=10, lines=3, expected=3
    )
    assert not saved.short
    assert not any("short" in line for line in summary_lines(finished(3), [saved]))
