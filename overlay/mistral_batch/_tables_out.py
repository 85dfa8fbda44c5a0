"""A run's answers as a table: Arrow record batches, then pandas, polars or Parquet.

One row per request and model, in input order (or one row per request with a set of
columns per model, `wide`), with the input's own columns beside them when the run's
input was a table (`join`). Built one record batch at a time from the run's record, so
that writing Parquet holds one batch in memory; the column types are fixed up front (the
schema's fields typed from the JSON schema), so that every batch has the same.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

from ._answer_columns import Columns
from ._local_files import PRIVATE_FILE_MODE
from ._optional import require
from ._storage import atomic_output
from ._tables_in import BATCH_ROWS, is_table, record_batches
from .errors import InputError
from .results import BatchResult

if TYPE_CHECKING:
    from ._run_record import RunRecord

__all__ = ["AnswerTable"]

_STRING = ("custom_id", "model", "content", "finish_reason", "error", "body", "parse_error")
_INT = ("prompt_tokens", "completion_tokens", "status_code")


def _fixed_type(pa: Any, name: str) -> Any:
    if name in _STRING:
        return pa.string()
    if name in _INT:
        return pa.int64()
    return {
        "embedding": pa.list_(pa.float64()),
        "flagged": pa.bool_(),
        "categories": pa.list_(pa.string()),
        "category_scores": pa.map_(pa.string(), pa.float64()),
        "scores": pa.map_(pa.string(), pa.float64()),
    }.get(name)


def _schema_type(pa: Any, node: Any, defs: dict[str, Any], depth: int = 0) -> Any:
    """The Arrow type of the values a JSON schema allows; None when it cannot say (the
    values' own types are then inferred)."""
    if not isinstance(node, dict) or depth > 8:
        return None
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(("#/$defs/", "#/definitions/")):
        return _schema_type(pa, defs.get(ref.rsplit("/", 1)[1]), defs, depth + 1)
    for key in ("anyOf", "oneOf", "allOf"):
        branches = [b for b in node.get(key) or () if b != {"type": "null"}]
        if len(branches) == 1:
            return _schema_type(pa, branches[0], defs, depth + 1)
    kind = node.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    simple = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64()}
    if kind in simple or kind == "boolean":
        return simple.get(kind, pa.bool_())
    enum = node.get("enum")
    if kind is None and isinstance(enum, list) and all(isinstance(v, str) for v in enum):
        return pa.string()
    if kind == "array":
        item = _schema_type(pa, node.get("items"), defs, depth + 1)
        return None if item is None else pa.list_(item)
    if kind == "object" and isinstance(node.get("properties"), dict):
        fields = [(n, _schema_type(pa, s, defs, depth + 1)) for n, s in node["properties"].items()]
        if all(t is not None for _, t in fields):
            return pa.struct(fields)
    return None


class AnswerTable:
    """A run's answers as Arrow record batches (see the module)."""

    def __init__(self, record: RunRecord, columns: Columns, source: Any = None) -> None:
        self._record, self._columns, self._source = record, columns, source
        self._pa = require("pyarrow", "a run's answers as a table")

    def _types(self) -> list[Any]:
        pa, columns = self._pa, self._columns
        schema = columns.schema.schema if columns.schema is not None else {}
        defs = {**schema.get("definitions", {}), **schema.get("$defs", {})}
        properties = schema.get("properties") or {}
        parsed = dict(zip(columns.names[-len(columns.fields) - 1 :], columns.fields, strict=False))
        return [
            _fixed_type(pa, name)
            if name not in parsed
            else _schema_type(pa, properties.get(parsed[name]), defs)
            for name in columns.names
        ]

    def _models(self, model: str | None) -> list[str]:
        models = list(self._record.models)
        if model is not None and model not in models:
            raise InputError(f"the run did not run on {model!r}", field="model")
        return models if model is None else [model]

    def batches(
        self, *, model: str | None = None, join: bool = False, wide: bool = False
    ) -> Iterator[Any]:
        """The table's record batches: one row per request and model (of `model` only,
        when named), or per request (`wide`); with the input's columns first (`join`)."""
        models = self._models(model)
        if join and not is_table(self._source):
            raise InputError("join=True needs a run whose input was a table", field="join")
        rows = self._record.rows(models)
        types = self._types()
        inputs = record_batches(self._source) if join else None
        while True:
            given = next(inputs, None) if inputs is not None else None
            if inputs is not None and given is None:
                return
            if given is not None and given.num_rows == 0:
                continue
            count = BATCH_ROWS if given is None else given.num_rows
            ids, per_model = self._values(islice(rows, count), models)
            if not ids:
                return
            answers = self._answers(ids, per_model, models, types, wide)
            yield answers if given is None else self._joined(given, answers, len(models), wide)

    def _values(
        self, chunk: Iterator[tuple[str, list[BatchResult]]], models: Sequence[str]
    ) -> tuple[list[str], list[list[list[Any]]]]:
        """The custom_ids of a chunk of requests, and each model's rows of values: each
        answer is read into its row and let go, so that no chunk of whole answers (their
        decoded bodies) is held at once."""
        values = self._columns.values
        ids: list[str] = []
        per_model: list[list[list[Any]]] = [[] for _ in models]
        for custom_id, found in chunk:
            ids.append(custom_id)
            for index, model in enumerate(models):
                per_model[index].append(values(model, found[index]))
        return ids, per_model

    def _answers(
        self,
        ids: list[str],
        per_model: list[list[list[Any]]],
        models: Sequence[str],
        types: list[Any],
        wide: bool,
    ) -> Any:
        pa, names = self._pa, self._columns.names
        if not wide:
            rows = [row for group in zip(*per_model, strict=True) for row in group]
            return _batch(pa, names, types, [list(c) for c in zip(*rows, strict=True)])
        arrays: list[Any] = [ids]
        out_names, out_types = ["custom_id"], [types[0]]
        for model, rows in zip(models, per_model, strict=True):
            by_column = list(zip(*rows, strict=True))
            for index, name in enumerate(names[2:], 2):
                out_names.append(f"{model}.{name}")
                out_types.append(types[index])
                arrays.append(list(by_column[index]))
        return _batch(pa, out_names, out_types, arrays)

    def _joined(self, given: Any, answers: Any, models: int, wide: bool) -> Any:
        pa = self._pa
        if models > 1 and not wide:
            given = given.take(pa.array([i for i in range(given.num_rows) for _ in range(models)]))
        taken = set(answers.schema.names)
        names = [name if name not in taken else f"input.{name}" for name in given.schema.names]
        keep = [i for i, name in enumerate(given.schema.names) if name != "custom_id"]
        columns = [given.column(i) for i in keep] + list(answers.columns)
        return pa.RecordBatch.from_arrays(
            columns, names=[names[i] for i in keep] + answers.schema.names
        )

    def to_arrow(self, **options: Any) -> Any:
        """The whole table as one pyarrow.Table."""
        batches = list(self.batches(**options))
        return self._pa.Table.from_batches(batches) if batches else self._pa.table({})

    def write_parquet(self, path: str | os.PathLike[str], mode: int, **options: Any) -> int:
        """Write the table to a Parquet file, one batch at a time, all or nothing; the
        number of rows."""
        parquet = require("pyarrow.parquet", "writing Parquet")
        count = 0
        with atomic_output(path, mode or PRIVATE_FILE_MODE) as out:
            writer = None
            for batch in self.batches(**options):
                if writer is None:
                    writer = parquet.ParquetWriter(out, batch.schema)
                writer.write_batch(batch)
                count += batch.num_rows
            if writer is not None:
                writer.close()
        return count


def _batch(pa: Any, names: Sequence[str], types: Sequence[Any], columns: list[Any]) -> Any:
    arrays = [
        pa.array(values) if kind is None else pa.array(values, type=kind)
        for values, kind in zip(columns, types, strict=True)
    ]
    return pa.RecordBatch.from_arrays(arrays, names=list(names))
