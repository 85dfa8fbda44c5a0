"""A finished run's answers as pyarrow, pandas or polars tables, or a Parquet file.

pyarrow is needed for any of them, pandas or polars for theirs: each is imported by the
call that needs it (MissingDependencyError says what to install when it is missing).
"""

from __future__ import annotations

import os
from typing import Any, TypedDict, Unpack

from ._answer_columns import Columns
from ._local_files import PRIVATE_FILE_MODE
from ._optional import require
from ._run_record import RunRecord
from ._tables_in import is_table
from ._tables_out import AnswerTable

__all__ = ["RunTables", "TableOptions"]


class TableOptions(TypedDict, total=False):
    """How a run's answers are laid out as a table.

    ``join``: the input's columns first (a run whose input was a table); ``wide``: one
    row per request, with a set of columns per model named ``MODEL.COLUMN``, rather than
    one row per request and model.
    """

    join: bool
    wide: bool


class RunTables:
    """The tables of a run's record, to `endpoint`, whose input was `source` (a table, or
    None)."""

    def __init__(self, record: RunRecord, endpoint: str, source: Any = None) -> None:
        self._record, self._endpoint, self._source = record, endpoint, source

    @property
    def joinable(self) -> bool:
        """True when the run's input was a table, whose columns can go beside the answers."""
        return is_table(self._source)

    def _table(self) -> AnswerTable:
        columns = Columns(self._endpoint, self._record.schema)
        return AnswerTable(self._record, columns, self._source)

    def to_arrow(self, model: str | None = None, **options: Unpack[TableOptions]) -> Any:
        """A pyarrow.Table of the answers (see AnswerTable.batches)."""
        return self._table().to_arrow(model=model, **options)

    def to_pandas(self, model: str | None = None, **options: Unpack[TableOptions]) -> Any:
        """A pandas DataFrame of the answers."""
        require("pandas", "a run's answers as a pandas DataFrame", "pandas")
        return self.to_arrow(model, **options).to_pandas()

    def to_polars(self, model: str | None = None, **options: Unpack[TableOptions]) -> Any:
        """A polars DataFrame of the answers."""
        polars = require("polars", "a run's answers as a polars DataFrame", "polars")
        return polars.from_arrow(self.to_arrow(model, **options))

    def write_parquet(
        self,
        path: str | os.PathLike[str],
        model: str | None = None,
        *,
        mode: int = PRIVATE_FILE_MODE,
        **options: Unpack[TableOptions],
    ) -> int:
        """Write the answers to a Parquet file, all or nothing; the number of rows."""
        return self._table().write_parquet(path, mode, model=model, **options)
