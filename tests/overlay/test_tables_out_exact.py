"""A run's answers as tables, exactly: the Arrow type each JSON schema gives a column, the
input's columns joined beside the answers, and what a missing library's error says."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from mistral_batch import Mistral
from mistral_batch._tables_out import _schema_type
from mistral_batch.emulator import Emulator
from mistral_batch.errors import MissingDependencyError

from .conftest import FAST_RETRY
from .test_tables import ANSWER_COLUMNS, QUICK

MODEL = "mistral-small-latest"
DEFS = {
    "Name": {"type": "string"},
    "Alias": {"$ref": "#/$defs/Count"},
    "Count": {"type": "integer"},
    "Loop": {"$ref": "#/$defs/Loop"},
}


def nested(levels: int) -> dict[str, Any]:
    """An array of arrays, `levels` deep, of strings."""
    node: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        node = {"type": "array", "items": node}
    return node


def list_of(levels: int) -> Any:
    kind = pa.string()
    for _ in range(levels):
        kind = pa.list_(kind)
    return kind


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ({"type": "string"}, pa.string()),
        ({"type": "integer"}, pa.int64()),
        ({"type": "number"}, pa.float64()),
        ({"type": "boolean"}, pa.bool_()),
        ({"type": "null"}, None),
        ({"type": "date"}, None),
        ({}, None),
        ("string", None),
        (None, None),
        # A list of types: one besides null names it, more cannot.
        ({"type": ["string", "null"]}, pa.string()),
        ({"type": ["null", "boolean"]}, pa.bool_()),
        ({"type": ["string", "integer"]}, None),
        ({"type": ["null"]}, None),
        # An enum of strings is a string; of anything else, nothing is said.
        ({"enum": ["red", "green"]}, pa.string()),
        ({"enum": ["red", 1]}, None),
        ({"enum": "red"}, None),
        ({"type": "integer", "enum": [1, 2]}, pa.int64()),
        # A choice of one branch (null aside) is that branch.
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, pa.string()),
        ({"anyOf": [{"type": "null"}, {"type": "number"}]}, pa.float64()),
        ({"oneOf": [{"type": "integer"}, {"type": "null"}]}, pa.int64()),
        ({"allOf": [{"type": "boolean"}]}, pa.bool_()),
        ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, None),
        ({"anyOf": [{"type": "string"}, {"type": "integer"}], "type": "number"}, pa.float64()),
        ({"anyOf": [], "type": "string"}, pa.string()),
        ({"anyOf": None, "oneOf": [{"type": "string"}]}, pa.string()),
        ({"anyOf": [{"type": "string"}], "oneOf": [{"type": "integer"}]}, pa.string()),
        # References, to $defs or definitions, followed through.
        ({"$ref": "#/$defs/Name"}, pa.string()),
        ({"$ref": "#/definitions/Name"}, pa.string()),
        ({"$ref": "#/$defs/Alias"}, pa.int64()),
        ({"$ref": "#/$defs/Nobody"}, None),
        ({"$ref": "#/elsewhere/Name"}, None),
        ({"$ref": "#/$defs/Loop"}, None),
        ({"$ref": "#/$defs/Count", "type": "string"}, pa.int64()),
        ({"$ref": 7, "type": "string"}, pa.string()),
        ({"anyOf": [{"$ref": "#/$defs/Name"}, {"type": "null"}]}, pa.string()),
        # Arrays and objects, when each of their parts is known.
        ({"type": "array", "items": {"type": "number"}}, pa.list_(pa.float64())),
        ({"type": "array", "items": {"$ref": "#/$defs/Alias"}}, pa.list_(pa.int64())),
        ({"type": "array", "items": {"type": "date"}}, None),
        ({"type": "array"}, None),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "string"}, "b": {"$ref": "#/$defs/Alias"}},
            },
            pa.struct([("a", pa.string()), ("b", pa.int64())]),
        ),
        (
            {"type": "object", "properties": {"a": {"type": "string"}, "b": {}}},
            None,
        ),
        ({"type": "object"}, None),
        ({"type": "object", "properties": ["a"]}, None),
        ({"type": "object", "properties": {}}, pa.struct([])),
        # Eight levels deep at most.
        (nested(8), list_of(8)),
        (nested(9), None),
    ],
)
def test_the_arrow_type_of_a_json_schema(node: Any, expected: Any) -> None:
    found = _schema_type(pa, node, DEFS)
    assert found == expected
    if expected is not None:
        assert str(found) == str(expected)


def test_a_reference_counts_toward_the_depth() -> None:
    defs = {"Deep": nested(7)}
    assert _schema_type(pa, {"$ref": "#/$defs/Deep"}, defs) == list_of(7)
    assert _schema_type(pa, {"type": "array", "items": {"$ref": "#/$defs/Deep"}}, defs) is None
    assert _schema_type(pa, nested(7), defs, depth=1) == list_of(7)
    assert _schema_type(pa, nested(7), defs, depth=2) is None


def test_a_choice_and_an_objects_fields_count_toward_the_depth() -> None:
    for key in ("anyOf", "oneOf", "allOf"):
        assert _schema_type(pa, {key: [nested(7), {"type": "null"}]}, {}) == list_of(7)
        assert _schema_type(pa, {key: [nested(8)]}, {}) is None
    one = {"type": "object", "properties": {"a": nested(7)}}
    assert _schema_type(pa, one, {}) == pa.struct([("a", list_of(7))])
    assert _schema_type(pa, {"type": "object", "properties": {"a": nested(8)}}, {}) is None


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(api_keys=["key-x"]) as emulator:
        yield emulator


@pytest.fixture
def client(emu: Emulator) -> Iterator[Mistral]:
    with Mistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
        yield c


INPUT = {
    "custom_id": ["x", "y"],
    "prompt": ["one", "two"],
    "content": ["c-x", "c-y"],
    "note": [1, 2],
}


def test_a_joined_table_keeps_one_custom_id_and_renames_a_clash(client: Mistral) -> None:
    with client.batch.run(pa.table(INPUT), models=["m-a", "m-b"], poll=QUICK) as run:
        long = run.to_arrow(join=True)
        wide = run.to_arrow(join=True, wide=True)
        one = run.to_arrow("m-b", join=True)
        frame = run.to_pandas("m-b", join=True)
        polars_frame = run.to_polars("m-a", join=True)
    assert long.schema.names == ["prompt", "input.content", "note", *ANSWER_COLUMNS]
    assert long.column("custom_id").to_pylist() == ["x", "x", "y", "y"]
    assert long.column("model").to_pylist() == ["m-a", "m-b", "m-a", "m-b"]
    assert long.column("prompt").to_pylist() == ["one", "one", "two", "two"]
    assert long.column("input.content").to_pylist() == ["c-x", "c-x", "c-y", "c-y"]
    assert long.column("note").to_pylist() == [1, 1, 2, 2]
    assert wide.schema.names[:5] == ["prompt", "content", "note", "custom_id", "m-a.content"]
    assert wide.column("custom_id").to_pylist() == ["x", "y"]
    assert wide.column("content").to_pylist() == ["c-x", "c-y"]
    assert wide.column("note").to_pylist() == [1, 2]
    assert one.schema.names == ["prompt", "input.content", "note", *ANSWER_COLUMNS]
    assert one.column("model").to_pylist() == ["m-b", "m-b"]
    assert one.column("custom_id").to_pylist() == ["x", "y"]
    assert list(frame.columns) == one.schema.names
    assert list(frame["model"]) == ["m-b", "m-b"]
    assert polars_frame.columns == one.schema.names
    assert polars_frame["model"].to_list() == ["m-a", "m-a"]


@pytest.mark.parametrize(
    ("hidden", "call", "message"),
    [
        (
            "pandas",
            "to_pandas",
            "a run's answers as a pandas DataFrame needs pandas: pip install 'pandas'",
        ),
        (
            "polars",
            "to_polars",
            "a run's answers as a polars DataFrame needs polars: pip install 'polars'",
        ),
        (
            "pyarrow",
            "to_arrow",
            "a run's answers as a table needs pyarrow: pip install 'mistral-batch[tables]'",
        ),
        (
            "pyarrow",
            "to_pandas",
            "a run's answers as a table needs pyarrow: pip install 'mistral-batch[tables]'",
        ),
    ],
)
def test_a_missing_library_is_named_with_what_to_install(
    client: Mistral, monkeypatch: pytest.MonkeyPatch, hidden: str, call: str, message: str
) -> None:
    requests = [{"custom_id": "a", "body": {"messages": [{"role": "user", "content": "x"}]}}]
    with client.batch.run(requests, model=MODEL, poll=QUICK) as run:
        monkeypatch.setitem(sys.modules, hidden, None)
        with pytest.raises(MissingDependencyError) as caught:
            getattr(run, call)()
        monkeypatch.undo()
        assert getattr(run, call)() is not None
    assert str(caught.value) == message


def test_parquet_without_its_module_is_named_and_writes_nothing(
    client: Mistral, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    requests = [{"custom_id": "a", "body": {"messages": [{"role": "user", "content": "x"}]}}]
    with client.batch.run(requests, model=MODEL, poll=QUICK) as run:
        monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
        with pytest.raises(MissingDependencyError) as caught:
            run.write_parquet(tmp_path / "out.parquet")
    assert str(caught.value) == "writing Parquet needs pyarrow: pip install 'mistral-batch[tables]'"
    assert list(tmp_path.iterdir()) == []
