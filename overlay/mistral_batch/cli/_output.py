"""What the commands print: tables and notes for people, one JSON document for scripts.

Tables and results go to stdout; notes, progress and errors go to stderr, so that
``--json`` output can be piped as is. Every line is passed through `redact` first.
"""

from __future__ import annotations

import datetime
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mistral_batch import BatchJob, FileObject, redact

#: Without a terminal, rows are not cut to 80 columns: ids must survive a pipe whole.
_PIPE_WIDTH = 1000
#: Shorter "keys" (never real ones) are not redacted: they would mangle ordinary words.
MIN_SECRET_LENGTH = 8


class Output:
    """The consoles of one command, and the secrets never to print."""

    def __init__(self, *, progress: bool = True, secrets: list[str] | None = None) -> None:
        self.secrets: list[str] = secrets if secrets is not None else []
        out = Console(highlight=False, soft_wrap=True)
        self.stdout = (
            out if out.is_terminal else Console(highlight=False, width=_PIPE_WIDTH, soft_wrap=True)
        )
        self.stderr = Console(stderr=True, highlight=False, soft_wrap=True)
        self.progress = progress and self.stderr.is_terminal

    def clean(self, text: str) -> str:
        """`text` with every secret replaced by [REDACTED]."""
        return redact(text, [s for s in self.secrets if len(s) >= MIN_SECRET_LENGTH])

    def line(self, text: str) -> None:
        """Print a line of results on stdout."""
        self.stdout.print(Text(self.clean(text)))

    def note(self, text: str) -> None:
        """Print a line about what is happening on stderr."""
        self.stderr.print(Text(self.clean(text), style="dim" if self.progress else ""))

    def warn(self, text: str) -> None:
        """Print a warning on stderr."""
        self.stderr.print(Text(self.clean(f"warning: {text}"), style="yellow"))

    def error(self, text: str) -> None:
        """Print an error on stderr, on one line."""
        one_line = " ".join(self.clean(text).split())
        self.stderr.print(Text(f"error: {one_line}", style="bold red"))

    def json(self, data: Any) -> None:
        """Write one JSON document on stdout (plain, never wrapped or styled)."""
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        sys.stdout.write(self.clean(text) + "\n")
        sys.stdout.flush()

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
        """Print a table with a header row on stdout."""
        rows = [[self.clean(cell) for cell in row] for row in rows]
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        for index, header in enumerate(headers):
            if index == 0:
                # The first column holds ids, to be copied whole: never folded.
                widest = max((len(row[0]) for row in rows), default=len(header))
                table.add_column(header, no_wrap=True, min_width=max(widest, len(header)))
            else:
                table.add_column(header, overflow="fold")
        for row in rows:
            table.add_row(*(Text(cell) for cell in row))
        self.stdout.print(table)

    def listing(
        self,
        items: Sequence[Any],
        as_json: bool,
        headers: Sequence[str],
        row: Callable[[Any], Sequence[str]],
    ) -> None:
        """Print `items` as one JSON list, or as a table of `row(item)` under `headers`."""
        if as_json:
            self.json([as_dict(item) for item in items])
        else:
            self.table(headers, (row(item) for item in items))

    def fields(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Print name/value pairs, one per line, as a two-column table."""
        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column(style="bold")
        table.add_column(overflow="fold")
        for name, value in pairs:
            table.add_row(name, Text(self.clean(value)))
        self.stdout.print(table)


def as_dict(value: Any) -> dict[str, Any]:
    """A client object as JSON: its fields, with fields the client does not know merged in."""
    data: dict[str, Any] = attrs.asdict(value, filter=lambda a, _: a.name != "extra")
    for key, extra in getattr(value, "extra", {}).items():
        data.setdefault(key, extra)
    return data


def plural(count: int, word: str) -> str:
    """ "1 request", "2 requests"."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def size(n: int | None) -> str:
    """A byte count for people: 512 B, 1.5 KB, 3.2 MB."""
    if n is None:
        return "-"
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"  # pragma: no cover - the loop always returns


def when(timestamp: int | float | None) -> str:
    """A Unix time as a UTC date and time, or "-"."""
    if timestamp is None:
        return "-"
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def duration(seconds: float | None) -> str:
    """Seconds for people: 42s, 3m05s, 2h01m."""
    if seconds is None:
        return "-"
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


FILE_HEADERS = ("ID", "NAME", "SIZE", "LINES", "PURPOSE", "TYPE", "CREATED")


def file_row(f: FileObject) -> list[str]:
    """A file as a row of FILE_HEADERS."""
    lines = "-" if f.num_lines is None else str(f.num_lines)
    return [f.id, f.filename, size(f.bytes), lines, f.purpose, f.sample_type, when(f.created_at)]


def file_fields(f: FileObject) -> list[tuple[str, str]]:
    """A file as name/value pairs."""
    return [
        ("id", f.id),
        ("filename", f.filename),
        ("size", size(f.bytes)),
        ("lines", "-" if f.num_lines is None else str(f.num_lines)),
        ("purpose", f.purpose),
        ("sample_type", f.sample_type),
        ("source", f.source),
        ("mimetype", f.mimetype or "-"),
        ("created", when(f.created_at)),
        ("expires", when(f.expires_at)),
    ]


JOB_HEADERS = ("ID", "STATUS", "MODEL", "ENDPOINT", "DONE", "OK", "FAILED", "CREATED")


def job_row(j: BatchJob) -> list[str]:
    """A job as a row of JOB_HEADERS."""
    return [
        j.id,
        j.status,
        j.model or j.agent_id or "-",
        j.endpoint,
        f"{j.completed_requests}/{j.total_requests}",
        str(j.succeeded_requests),
        str(j.failed_requests),
        when(j.created_at),
    ]


def _metadata(metadata: Mapping[str, Any] | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in (metadata or {}).items()) or "-"


def job_duration(j: BatchJob) -> float | None:
    """Seconds from creation to completion, None while the job runs."""
    return None if j.completed_at is None else j.completed_at - j.created_at


def job_fields(j: BatchJob) -> list[tuple[str, str]]:
    """A job as name/value pairs."""
    return [
        ("id", j.id),
        ("status", j.status),
        ("model", j.model or j.agent_id or "-"),
        ("endpoint", j.endpoint),
        ("input_files", ", ".join(j.input_files)),
        ("requests", f"{j.total_requests} total, {j.completed_requests} done"),
        ("succeeded", str(j.succeeded_requests)),
        ("failed", str(j.failed_requests)),
        ("output_file", j.output_file or "-"),
        ("error_file", j.error_file or "-"),
        ("metadata", _metadata(j.metadata)),
        ("created", when(j.created_at)),
        ("started", when(j.started_at)),
        ("completed", when(j.completed_at)),
        ("duration", duration(job_duration(j))),
    ]
