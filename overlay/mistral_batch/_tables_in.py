"""Tables as a run's requests: pandas and polars DataFrames, Arrow tables, Parquet and CSV.

Each row becomes one request. Its text comes from a ``prompt`` column (one user message)
or a ``messages`` column (a list of role/content objects, or their JSON text in a CSV),
its custom_id from a ``custom_id`` column (else its position), and any other body field
from the columns named in ``body_columns``; a table of ``custom_id`` and ``body`` columns
(a JSONL input as a table) is taken as it is. A body field's null is left out, and a
whole float (2.0: pandas makes an integer column with a gap into floats) goes as an
integer. Rows are read in Arrow record batches, so
memory holds one batch at a time whatever the table's size, and a bad row is named by its
position (from 0, as ``iloc`` counts).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from ._optional import require
from ._storage import is_url, open_input
from .errors import InputError

__all__ = ["TABLE_SUFFIXES", "TableShape", "is_table", "naming_rows", "table_requests"]

#: The file suffixes read as tables rather than JSONL.
TABLE_SUFFIXES = (".parquet", ".pq", ".csv")
#: Rows converted at a time.
BATCH_ROWS = 8192

#: Where each endpoint's body takes the row's text: "messages" (a chat), or the key of a
#: plain text; an endpoint not named here takes its body from body_columns alone.
_TEXT_KEY = {
    "/v1/chat/completions": "messages",
    "/v1/chat/moderations": "input",
    "/v1/chat/classifications": "input",
    "/v1/embeddings": "input",
    "/v1/moderations": "input",
    "/v1/classifications": "input",
    "/v1/fim/completions": "prompt",
    "/v1/conversations": "inputs",
}
#: The endpoints whose text is a conversation (messages), not a string.
_CHATS = frozenset({"/v1/chat/completions", "/v1/chat/moderations", "/v1/chat/classifications"})


@attrs.frozen
class TableShape:
    """Which columns of a table make a request, and what every request shares."""

    prompt_column: str | None = None
    messages_column: str | None = None
    id_column: str | None = None
    body_columns: tuple[str, ...] = ()
    system: str | None = None
    endpoint: str = "/v1/chat/completions"


def _kind(value: Any) -> str | None:
    """The library of a table (pandas, polars or arrow), or None; imports none of them."""
    module = type(value).__module__.split(".")[0]
    name = type(value).__name__
    if module == "pandas" and name == "DataFrame":
        return "pandas"
    if module == "polars" and name == "DataFrame":
        return "polars"
    if module == "pyarrow" and name in ("Table", "RecordBatch", "RecordBatchReader"):
        return "arrow"
    return None


def is_table(value: Any) -> bool:
    """True for a DataFrame, an Arrow table, or the path of a Parquet or CSV file."""
    if isinstance(value, str | os.PathLike):
        return str(value).lower().endswith(TABLE_SUFFIXES)
    return _kind(value) is not None


def _file_batches(path: str | os.PathLike[str]) -> Iterator[Any]:
    """The record batches of a Parquet or CSV file, local or at a URL."""
    remote = is_url(path)
    if not remote and not Path(path).is_file():
        missing = not Path(path).exists()
        raise InputError("no such file" if missing else "is not a file", path=path)
    with open_input(str(path)) if remote else Path(path).open("rb") as stream:
        if str(path).lower().endswith(".csv"):
            csv = require("pyarrow.csv", "reading a CSV input")
            options = csv.ReadOptions(block_size=1 << 22)
            with csv.open_csv(stream, read_options=options) as reader:
                yield from reader
            return
        parquet = require("pyarrow.parquet", "reading a Parquet input")
        with parquet.ParquetFile(stream) as source:
            yield from source.iter_batches(batch_size=BATCH_ROWS)


def record_batches(value: Any) -> Iterator[Any]:
    """The table's rows as Arrow record batches of a bounded size, in order; InputError
    when they cannot be read (a CSV value of another type than its column's, a file that
    is not Parquet, a DataFrame column Arrow cannot hold)."""
    pa = require("pyarrow", "a table as input")
    where = value if isinstance(value, str | os.PathLike) else None
    try:
        yield from _batches(pa, value)
    except pa.ArrowException as exc:
        raise InputError(f"cannot read as a table: {exc}", path=where) from exc


def _batches(pa: Any, value: Any) -> Iterator[Any]:
    if isinstance(value, str | os.PathLike):
        yield from _file_batches(value)
        return
    kind = _kind(value)
    if kind == "pandas":
        for start in range(0, len(value), BATCH_ROWS):
            rows = value.iloc[start : start + BATCH_ROWS]
            yield pa.RecordBatch.from_pandas(rows, preserve_index=False)
    elif kind == "polars":
        for rows in value.iter_slices(BATCH_ROWS):
            yield from rows.to_arrow().to_batches()
    elif isinstance(value, pa.RecordBatch):
        yield value
    elif isinstance(value, pa.Table):
        yield from value.to_batches(max_chunksize=BATCH_ROWS)
    else:
        yield from value


def _pick(columns: list[str], named: str | None, usual: str, what: str) -> str | None:
    """The column `named` (InputError if the table has none), else `usual` if present."""
    if named is not None:
        if named not in columns:
            raise InputError(f"no {what} column {named!r}; the table has {columns}", field=what)
        return named
    return usual if usual in columns else None


class _Rows:
    """Turns the rows of record batches into requests (see the module)."""

    def __init__(self, shape: TableShape, columns: list[str]) -> None:
        self.shape = shape
        if shape.messages_column is not None and shape.prompt_column is not None:
            raise InputError("name a prompt column or a messages column, not both", field="prompt")
        self.id = _pick(columns, shape.id_column, "custom_id", "id")
        self.messages = _pick(columns, shape.messages_column, "messages", "messages")
        self.prompt: str | None = None
        if self.messages is None or shape.prompt_column is not None:
            self.messages = None
            self.prompt = _pick(columns, shape.prompt_column, "prompt", "prompt")
        for name in shape.body_columns:
            _pick(columns, name, name, "body")
        self.body = "body" if "body" in columns and self.text is None else None
        self.key = _TEXT_KEY.get(shape.endpoint)
        needed = self.key is not None and self.key not in shape.body_columns
        if self.text is None and self.body is None and needed:
            raise InputError(
                f"the table has no prompt or messages column to send; it has {columns}",
                field="prompt",
            )

    @property
    def text(self) -> str | None:
        """The column the row's text comes from, if any."""
        return self.messages or self.prompt

    def requests(self, batch: Any, first: int) -> Iterator[dict[str, Any]]:
        """The requests of a record batch whose first row is row `first`."""
        wanted = [name for name in (self.id, self.text, self.body) if name is not None]
        values = {name: batch.column(name).to_pylist() for name in wanted}
        extra = {name: batch.column(name).to_pylist() for name in self.shape.body_columns}
        for offset in range(batch.num_rows):
            row = first + offset
            custom_id = self._custom_id(values, offset, row)
            if self.body is not None:
                body = values[self.body][offset]
                if isinstance(body, str):
                    body = _json(body, row, self.body)
                yield {"custom_id": custom_id, "body": body}
                continue
            body = {} if self.text is None else self._text(values[self.text][offset], row)
            for name, column in extra.items():
                value = column[offset]
                if value is not None:
                    body[name] = int(value) if _whole(value) else value
            yield {"custom_id": custom_id, "body": body}

    def _custom_id(self, values: dict[str, list[Any]], offset: int, row: int) -> str:
        if self.id is None:
            return str(row)
        value = values[self.id][offset]
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str) or not value:
            raise InputError(
                f"{self.id} is {_what(value)}; a custom_id must be a non-empty string or an"
                " integer",
                row=row,
                field=self.id,
            )
        return value

    def _text(self, value: Any, row: int) -> dict[str, Any]:
        name = self.text or ""
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InputError(f"{name} is {_what(value)}", row=row, field=name)
        chat = self.shape.endpoint in _CHATS or self.key == "inputs"
        if self.messages is not None:
            messages = _json(value, row, name) if isinstance(value, str) else value
            if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
                raise InputError(f"{name} must be a list of messages", row=row, field=name)
            text: Any = [{k: v for k, v in m.items() if v is not None} for m in messages]
        elif not isinstance(value, str):
            raise InputError(f"{name} must be a string, got {_what(value)}", row=row, field=name)
        else:
            text = [{"role": "user", "content": value}] if chat else value
        if self.shape.system is not None and chat and isinstance(text, list):
            text = [{"role": "system", "content": self.shape.system}, *text]
        return {self.key or "messages": text}


def _whole(value: Any) -> bool:
    """True for a float that is a whole number: pandas makes an integer column with a
    gap into floats, and an API wants an integer where it asks for one (max_tokens)."""
    return isinstance(value, float) and value.is_integer()


def _what(value: Any) -> str:
    """A bad value in words: null, empty (a blank string: a string with text is never
    bad where this is asked), or its type."""
    if value is None:
        return "null"
    return "empty" if isinstance(value, str) else f"a {type(value).__name__}"


def _json(text: str, row: int, column: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InputError(f"{column} is not valid JSON ({exc})", row=row, field=column) from None


def table_requests(table: Any, shape: TableShape) -> Iterator[Mapping[str, Any]]:
    """Each row of `table` as a request (see the module); InputError names a bad row
    (wrap the reading in naming_rows to have the errors of later checks name it too)."""
    rows: _Rows | None = None
    first = 0
    for batch in record_batches(table):
        if rows is None:
            rows = _Rows(shape, list(batch.schema.names))
        yield from rows.requests(batch, first)
        first += batch.num_rows
    if rows is None:
        raise InputError("the table has no rows")


_LINE = re.compile(r"\bline (\d+)")


@contextmanager
def naming_rows(path: str | os.PathLike[str] | None) -> Iterator[None]:
    """Errors about the lines a table's rows became name the rows instead (line n is row
    n - 1), and the table's file when it has one."""
    try:
        yield
    except InputError as exc:
        if exc.row is not None:
            if path is None or exc.path is not None:
                raise
            raise InputError(exc.reason, row=exc.row, path=path, field=exc.field) from None
        if exc.line is None:
            raise
        reason = _LINE.sub(lambda m: f"row {int(m.group(1)) - 1}", exc.reason)
        raise InputError(reason, row=exc.line - 1, path=path, field=exc.field) from None
