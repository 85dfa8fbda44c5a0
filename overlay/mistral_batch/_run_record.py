"""What a finished run keeps on disk, read back: each request's standing answer per model.

The ledger knows, for each model and request, which line of which downloaded result file
stands (see _ledger); this module reads those lines as BatchResult values, a model's
successes or its errors (a request no job answered gets an error line of its own), or
every model's answers side by side. Sync and async alike: it reads local files only.
"""

from __future__ import annotations

import json
import os
import shutil
import weakref
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Self, TypedDict

from ._jsonl import loads
from ._ledger import CACHED, Ledger, Placed
from ._local_files import PRIVATE_FILE_MODE
from ._parts_io import placed_lines
from ._storage import atomic_output
from ._usage import Prices, Usage, tally
from ._workload import result_file_name, unanswered_line
from .errors import InputError
from .results import BatchResult

if TYPE_CHECKING:
    from ._structured import ResponseSchema

__all__ = ["RunRecord", "RunResults", "StrPath", "WriteOptions"]

StrPath = str | os.PathLike[str]


class WriteOptions(TypedDict, total=False):
    """How a run's answers are written: in input order or not, and the file's mode."""

    ordered: bool
    mode: int


def _reader(schema: ResponseSchema | None) -> Callable[[bytes, int], BatchResult]:
    """What reads a result line (its number given): with a schema, each success's answer
    is parsed under it too (see BatchResult.parsed)."""
    from_json = BatchResult.from_json
    if schema is None:
        return lambda line, number: from_json(loads(line), number)
    parse = schema.parse

    def read(line: bytes, number: int) -> BatchResult:
        result = from_json(loads(line), number)
        if not result.ok:
            return result
        parsed, error = parse(result.content)
        return result._replace(parsed=parsed, parse_error=error)

    return read


class RunResults:
    """Results read lazily from a run's folder: iterate it (``for`` or ``async for``),
    ideally in a ``with`` block; one BatchResult per line."""

    def __init__(
        self, lines: Generator[bytes, None, None], schema: ResponseSchema | None = None
    ) -> None:
        self._lines = lines
        self._read = _reader(schema)

    def _iterate(self) -> Iterator[BatchResult]:
        read = self._read
        for number, line in enumerate(self._lines, 1):
            yield read(line, number)

    def __iter__(self) -> Iterator[BatchResult]:
        return self._iterate()

    async def __aiter__(self) -> AsyncIterator[BatchResult]:
        for result in self._iterate():
            yield result

    def close(self) -> None:
        """Stop reading; the files the lines come from are closed."""
        self._lines.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        self.close()


class RunRecord:
    """A run's ledger and the folder of its jobs' result files, read back.

    `temporary` folders (a run without a state file) are removed on close(), or when the
    record is garbage collected.
    """

    def __init__(
        self,
        ledger: Ledger,
        folder: Path,
        models: tuple[str, ...],
        *,
        temporary: bool,
        schema: ResponseSchema | None = None,
    ) -> None:
        self.ledger = ledger
        self.folder = folder
        self.models = models
        self.schema = schema
        self._finalizer = weakref.finalize(self, _release, ledger, folder if temporary else None)

    def close(self) -> None:
        """Close the ledger (and remove a temporary folder)."""
        self._finalizer()

    def _model(self, model: str | None) -> tuple[int, str]:
        if model is None:
            if len(self.models) > 1:
                raise InputError(
                    f"the run ran on {len(self.models)} models: name one of {list(self.models)}",
                    field="model",
                )
            return 0, self.models[0]
        if model not in self.models:
            raise InputError(f"the run did not run on {model!r}", field="model")
        return self.models.index(model), model

    def _answers(
        self, index: int, ordered: bool, kind: str | None = None
    ) -> Iterator[tuple[Placed, bytes]]:
        """Each request's standing answer on the model `index` (of `kind` only, if
        given: see Ledger.standing), with its line."""
        model = self.models[index]
        rounds = self.ledger.last_round(model) + 1
        return placed_lines(
            self.ledger.standing(model, ordered=ordered, kind=kind),
            lambda part, of: self.folder / result_file_name(part, index, of),
            lambda custom_id: unanswered_line(custom_id, rounds),
        )

    def _lines(
        self, model: str | None, kind: str, ordered: bool = False
    ) -> Generator[bytes, None, None]:
        """The model's lines of `kind`: "output" (successes) or "errors" (the rest)."""
        index, _ = self._model(model)
        # Chosen by the ledger: the lines of the other kind are not read at all.
        return (line for _, line in self._answers(index, ordered, kind))

    def results(self, model: str | None = None) -> RunResults:
        """The model's successful results (the only model's when None), once each."""
        return RunResults(self._lines(model, "output"), self.schema)

    def errors(self, model: str | None = None) -> RunResults:
        """The model's failed requests, each with its last error, once each."""
        return RunResults(self._lines(model, "errors"), self.schema)

    def _rows(self, models: Sequence[str] | None = None) -> Iterator[tuple[str, list[bytes]]]:
        """Each request in input order: its custom_id and the line of each of `models`
        (every model's when None)."""
        indices = [self._model(m)[0] for m in models] if models else range(len(self.models))
        streams = [self._answers(index, True) for index in indices]
        for row in zip(*streams, strict=True):
            yield row[0][0].custom_id, [line for _, line in row]

    def rows(self, models: Sequence[str]) -> Iterator[tuple[str, list[BatchResult]]]:
        """Each request in input order: its custom_id and its answer on each of `models`."""
        read = _reader(self.schema)
        for number, (custom_id, lines) in enumerate(self._rows(models), 1):
            yield custom_id, [read(line, number) for line in lines]

    def compare(self) -> Iterator[tuple[str, dict[str, BatchResult]]]:
        """For each request in input order: its custom_id, and each model's answer."""
        for custom_id, answers in self.rows(self.models):
            yield custom_id, dict(zip(self.models, answers, strict=True))

    def usage(self, model: str, prices: Prices | None = None) -> Usage:
        """The tokens the model's answers used (see Usage), and their cost at `prices`."""
        index, name = self._model(model)
        answers = (
            (placed.part == CACHED, BatchResult.from_json(loads(line), 0).body)
            for placed, line in self._answers(index, False, "output")
        )
        return tally(name, answers, prices)

    def write(
        self,
        path: StrPath,
        kind: str,
        model: str | None = None,
        *,
        ordered: bool = False,
        mode: int = PRIVATE_FILE_MODE,
    ) -> int:
        """Write the model's lines of `kind` ("output" or "errors") to `path`, all or
        nothing, in input order if `ordered`; return how many there are."""
        count = 0
        with atomic_output(path, mode) as out:
            for line in self._lines(model, kind, ordered):
                out.write(line)
                count += 1
        return count

    def write_compare(self, path: StrPath, *, mode: int = PRIVATE_FILE_MODE) -> int:
        """Write one line per request, in input order, with each model's answer:
        ``{"custom_id": ..., "answers": {MODEL: result or error line}}``; the count."""
        count = 0
        with atomic_output(path, mode) as out:
            for custom_id, lines in self._rows():
                answers = {m: loads(line) for m, line in zip(self.models, lines, strict=True)}
                row = {"custom_id": custom_id, "answers": answers}
                out.write(json.dumps(row, ensure_ascii=False).encode() + b"\n")
                count += 1
        return count

    def cached(self, model: str | None = None) -> int:
        """How many of the model's answers a cache gave."""
        return self.ledger.cached(self._model(model)[1])

    def unanswered(self, model: str | None = None) -> int:
        """How many of the model's requests no job answered."""
        return self.ledger.counts(self._model(model)[1])[2]

    def counts(self, model: str | None = None) -> tuple[int, int]:
        """(succeeded, failed) requests of the model as they stand, the unanswered failed."""
        ok, failed, unanswered = self.ledger.counts(self._model(model)[1])
        return ok, failed + unanswered


def _release(ledger: Ledger, folder: Path | None) -> None:
    ledger.close()
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
