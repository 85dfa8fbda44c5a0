"""Instances of JSON schemas, value for value: type hints, depth limits, pointers and bounds."""

from __future__ import annotations

from typing import Any

import pytest

from mistral_batch_emulator._fake_model import _WORDS
from mistral_batch_emulator._schema_answer import DEEP, instance

DIGESTS = [bytes([seed]) * 32 for seed in range(8)]
WORDS = {word.lower() for word in _WORDS}


def make(schema: Any, digest: bytes = DIGESTS[0]) -> Any:
    return instance(schema, digest, _WORDS)


def behind_refs(count: int, end: dict[str, Any], **defs: Any) -> dict[str, Any]:
    """A schema that reaches ``end`` after following ``count`` references."""
    chain: dict[str, Any] = {f"step{n}": {"$ref": f"#/$defs/step{n + 1}"} for n in range(1, count)}
    chain[f"step{count}"] = end
    return {"$ref": "#/$defs/step1", "$defs": {**chain, **defs}}


def test_booleans_are_drawn_from_the_digest() -> None:
    drawn = [make({"type": "boolean"}, digest) for digest in DIGESTS]
    assert drawn == [False, True, False, True, True, False, True, True]


def test_numbers_are_drawn_with_two_decimals_within_the_default_span() -> None:
    drawn = [make({"type": "number"}, digest) for digest in DIGESTS]
    assert drawn == [32.03, 44.14, 8.2, 35.55, 58.98, 72.27, 61.33, 51.95]


def test_number_keeps_the_tighter_minimum_near_the_float_limit() -> None:
    schema = {"type": "number", "minimum": -1e308, "exclusiveMinimum": -1.5e308}
    assert make(schema) == -1e308


def test_properties_alone_make_an_object() -> None:
    assert make({"properties": {"a": {"const": 1}}}) == {"a": 1}


def test_prefix_items_alone_make_an_array() -> None:
    assert make({"prefixItems": [{"const": 1}]}) == [1]


def test_object_names_are_plain_words_when_they_do_not_clash() -> None:
    drawn = [make({"type": "object"}, digest) for digest in DIGESTS[:4]]
    assert [list(value) for value in drawn] == [
        ["gentle"],
        ["request", "south"],
        ["steady"],
        ["winter", "silver"],
    ]
    assert all(set(value) <= WORDS for value in drawn)


def test_unique_items_fill_the_minimum_with_distinct_values() -> None:
    schema = {
        "type": "array",
        "items": {"type": "integer", "minimum": 0, "maximum": 3},
        "uniqueItems": True,
        "minItems": 3,
    }
    drawn = [make(schema, digest) for digest in DIGESTS[:3]]
    assert drawn == [[3, 1, 2], [2, 0, 3], [2, 1, 0]]


def test_pointer_escapes_name_slash_and_tilde() -> None:
    schema = {"$ref": "#/$defs/a~1b~0c", "$defs": {"a/b~c": {"const": 5}}}
    assert make(schema) == 5


def test_pointer_to_a_missing_name_is_an_empty_schema() -> None:
    value = make({"$ref": "#/$defs/nothing", "$defs": {}})
    assert isinstance(value, str)
    assert set(value.split()) <= WORDS


def test_pointer_past_the_end_of_a_list_is_an_empty_schema() -> None:
    schema = {
        "type": "array",
        "prefixItems": [{"const": 1}],
        "items": {"$ref": "#/prefixItems/1"},
        "minItems": 2,
        "maxItems": 2,
    }
    first, second = make(schema)
    assert first == 1
    assert isinstance(second, str)
    assert set(second.split()) <= WORDS


def test_pointer_into_a_list_by_index() -> None:
    schema = {"type": "array", "prefixItems": [{"const": 7}, {"$ref": "#/prefixItems/0"}]}
    assert make(schema)[:2] == [7, 7]


@pytest.mark.parametrize("digest", DIGESTS[:3])
def test_types_are_drawn_among_non_null_ones_up_to_the_deep_limit(digest: bytes) -> None:
    schema = behind_refs(DEEP, {"type": ["null", "string"]})
    assert isinstance(make(schema, digest), str)


@pytest.mark.parametrize("digest", DIGESTS[:3])
def test_branches_are_drawn_among_non_null_ones_up_to_the_deep_limit(digest: bytes) -> None:
    schema = behind_refs(DEEP, {"anyOf": [{"type": "null"}, {"type": "string"}]})
    assert isinstance(make(schema, digest), str)


@pytest.mark.parametrize("digest", DIGESTS[:3])
def test_past_the_deep_limit_the_type_that_best_ends_is_chosen(digest: bytes) -> None:
    schema = behind_refs(DEEP + 1, {"type": ["array", "null"]})
    assert make(schema, digest) is None


@pytest.mark.parametrize("digest", DIGESTS[:3])
def test_past_the_deep_limit_a_reference_branch_ends_last(digest: bytes) -> None:
    branches = [{"$ref": "#/$defs/leaf", "type": "array"}, {"type": "boolean"}]
    schema = behind_refs(DEEP + 1, {"anyOf": branches}, leaf={"items": {"type": "integer"}})
    assert isinstance(make(schema, digest), bool)
