"""The exact text the command shows for files and jobs: fields, rows, sizes, durations,
dates, and the two kinds of table."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

import pytest
from rich.console import Console

from mistral_batch import BatchJob, FileObject
from mistral_batch.cli._output import (
    Output,
    as_dict,
    duration,
    file_fields,
    file_row,
    job_fields,
    size,
    when,
)


def a_file(**changes: object) -> FileObject:
    fields: dict[str, object] = {
        "id": "file-1",
        "filename": "in.jsonl",
        "bytes": 1500,
        "created_at": 1_700_000_000,
        "purpose": "batch",
        "sample_type": "batch_request",
        "source": "upload",
        "num_lines": 3,
        "mimetype": "application/jsonl",
        "expires_at": 1_700_086_400,
    }
    fields.update(changes)
    return FileObject(**fields)  # type: ignore[arg-type]


def a_job(**changes: object) -> BatchJob:
    fields: dict[str, object] = {
        "id": "job-1",
        "status": "SUCCESS",
        "endpoint": "/v1/chat/completions",
        "input_files": ["file-1", "file-2"],
        "created_at": 1_700_000_000,
        "total_requests": 10,
        "completed_requests": 10,
        "succeeded_requests": 9,
        "failed_requests": 1,
        "model": "mistral-small-latest",
        "metadata": {"team": "a"},
        "output_file": "file-out",
        "started_at": 1_700_000_060,
        "completed_at": 1_700_003_725,
    }
    fields.update(changes)
    return BatchJob(**fields)  # type: ignore[arg-type]


def printed_by(out: Output) -> io.StringIO:
    """Point the output's stdout at a plain 60-column console; return what it writes."""
    buffer = io.StringIO()
    out.stdout = Console(file=buffer, width=60, color_system=None)
    return buffer


@pytest.fixture
def far_from_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's local time five hours behind UTC, for the length of the test."""
    monkeypatch.setenv("TZ", "EST+05")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_sizes_in_bytes_then_decimal_units_up_to_gigabytes() -> None:
    assert size(None) == "-"
    assert size(0) == "0 B"
    assert size(512) == "512 B"
    assert size(999) == "999 B"
    assert size(1000) == "1.0 KB"
    assert size(5000) == "5.0 KB"
    assert size(1500) == "1.5 KB"
    assert size(3_200_000) == "3.2 MB"
    assert size(7_000_000_000) == "7.0 GB"
    assert size(7_000_000_000_000) == "7000.0 GB"


def test_durations_in_seconds_minutes_and_hours() -> None:
    assert duration(None) == "-"
    assert duration(-3) == "0s"
    assert duration(42.4) == "42s"
    assert duration(185) == "3m05s"
    assert duration(3599) == "59m59s"
    assert duration(3600) == "1h00m"
    assert duration(7260) == "2h01m"


def test_dates_are_utc_whatever_the_machines_time_zone(far_from_utc: None) -> None:
    assert when(None) == "-"
    assert when(0) == "1970-01-01 00:00:00"
    assert when(1_700_000_000) == "2023-11-14 22:13:20"


def test_a_files_fields_by_name() -> None:
    assert file_fields(a_file()) == [
        ("id", "file-1"),
        ("filename", "in.jsonl"),
        ("size", "1.5 KB"),
        ("lines", "3"),
        ("purpose", "batch"),
        ("sample_type", "batch_request"),
        ("source", "upload"),
        ("mimetype", "application/jsonl"),
        ("created", "2023-11-14 22:13:20"),
        ("expires", "2023-11-15 22:13:20"),
    ]


def test_a_files_missing_fields_show_as_a_dash() -> None:
    bare = a_file(bytes=None, num_lines=None, mimetype=None, expires_at=None)
    assert dict(file_fields(bare)) == {
        "id": "file-1",
        "filename": "in.jsonl",
        "size": "-",
        "lines": "-",
        "purpose": "batch",
        "sample_type": "batch_request",
        "source": "upload",
        "mimetype": "-",
        "created": "2023-11-14 22:13:20",
        "expires": "-",
    }


def test_a_file_as_a_row() -> None:
    assert file_row(a_file()) == [
        "file-1",
        "in.jsonl",
        "1.5 KB",
        "3",
        "batch",
        "batch_request",
        "2023-11-14 22:13:20",
    ]
    assert file_row(a_file(num_lines=None, bytes=None))[2:4] == ["-", "-"]


def test_a_jobs_fields_by_name() -> None:
    assert job_fields(a_job()) == [
        ("id", "job-1"),
        ("status", "SUCCESS"),
        ("model", "mistral-small-latest"),
        ("endpoint", "/v1/chat/completions"),
        ("input_files", "file-1, file-2"),
        ("requests", "10 total, 10 done"),
        ("succeeded", "9"),
        ("failed", "1"),
        ("output_file", "file-out"),
        ("error_file", "-"),
        ("metadata", "team=a"),
        ("created", "2023-11-14 22:13:20"),
        ("started", "2023-11-14 22:14:20"),
        ("completed", "2023-11-14 23:15:25"),
        ("duration", "1h02m"),
    ]


def test_a_queued_jobs_missing_fields_show_as_a_dash() -> None:
    queued = a_job(
        status="QUEUED",
        model=None,
        metadata=None,
        output_file=None,
        started_at=None,
        completed_at=None,
    )
    shown = dict(job_fields(queued))
    assert [shown[name] for name in ("model", "output_file", "metadata")] == ["-", "-", "-"]
    assert [shown[name] for name in ("started", "completed", "duration")] == ["-", "-", "-"]


def test_as_json_fields_the_client_does_not_know_keep_their_values() -> None:
    data = as_dict(a_file(extra={"region": "eu", "num_lines": 99}))
    assert data["region"] == "eu"
    assert data["num_lines"] == 3
    assert data["id"] == "file-1"
    assert "extra" not in data


def test_a_table_has_a_header_ruled_off_and_no_frame() -> None:
    out = Output(progress=False)
    printed = printed_by(out)
    out.table(("ID", "NAME"), [["file-1", "a.jsonl"], ["file-22", "b.jsonl"]])
    assert printed.getvalue().splitlines() == [
        "                   ",
        " ID        NAME    ",
        " ───────────────── ",
        " file-1    a.jsonl ",
        " file-22   b.jsonl ",
        "                   ",
    ]


def test_fields_are_plain_name_value_lines_without_a_frame() -> None:
    out = Output(progress=False)
    printed = printed_by(out)
    out.fields([("id", "file-1"), ("filename", "a.jsonl")])
    assert printed.getvalue().splitlines() == [
        "id        file-1 ",
        "filename  a.jsonl",
    ]
