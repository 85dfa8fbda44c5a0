"""Where a run keeps its record: its ledger, its input and its jobs' result files.

With a state file, the ledger is that file and the rest sits in a folder beside it
(``STATE.d``), kept after the run so that the same call, run again, goes on or reads the
results again. Without one, all of it is in a temporary folder, removed when the run's
record is closed. Requests given as an iterable are written to the folder first (checked
one by one), since each part and each later round reads them again; so are the rows of a
table, and a JSONL file whose bodies are given a response_format.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from ._input import file_size, spool_requests
from ._ledger import Ledger
from ._local_files import PRIVATE_FILE_MODE
from ._run_input import Requests, is_path, requests_of, sent_as_is
from ._storage import is_url, url_size
from ._tables_in import TableShape

__all__ = ["Opened", "open_run"]


class Opened(NamedTuple):
    """A run's ledger, its folder, its input file, and whether the folder is temporary."""

    ledger: Ledger
    folder: Path
    source: Path
    temporary: bool


def fingerprint(path: Path) -> dict[str, Any]:
    """What identifies a file's content: its sha256 and its size, read in chunks."""
    with path.open("rb") as stream:
        digest = hashlib.file_digest(stream, "sha256")
        return {"sha256": digest.hexdigest(), "size": stream.tell()}


def open_run(
    requests: Requests,
    state: str | os.PathLike[str] | None,
    describe: dict[str, Any],
    shape: TableShape | None = None,
    response_format: Mapping[str, Any] | None = None,
) -> Opened:
    """Open (or create) the record of the run `describe` describes, over `requests` (a
    table's rows shaped by `shape`, each body given `response_format` if not None).

    InputError for requests that cannot be read or written, LedgerError for a state
    file of another run; a temporary folder is then removed, a state left as it was.
    """
    as_is = sent_as_is(requests, response_format)
    if is_url(requests):
        url_size(requests)  # type: ignore[arg-type]
    elif is_path(requests):
        source = Path(requests)  # type: ignore[arg-type]
        file_size(source)
    if state is None:
        folder = Path(tempfile.mkdtemp(prefix="mistral-batch-run-"))
        ledger_path = folder / "run.state"
    else:
        ledger_path = Path(state)
        folder = Path(f"{ledger_path}.d")
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Readable by its owner alone, like every file a run writes: SQLite would make it
        # as the umask allows (its journal files take the same mode).
        os.close(os.open(ledger_path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE))
    try:
        if not as_is:
            source = folder / "input.jsonl"
            spool_requests(requests_of(requests, shape or TableShape(), response_format), source)
        run = {**describe, "input": fingerprint(source)}
        return Opened(Ledger.open(ledger_path, run), folder, source, state is None)
    except BaseException:
        if state is None:
            shutil.rmtree(folder, ignore_errors=True)
        raise
