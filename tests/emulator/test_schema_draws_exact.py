"""Instances of JSON schemas at their edges: hints, exclusive bounds, lengths, the draw and the
budget of values made."""

from __future__ import annotations

import hashlib
from typing import Any

from mistral_batch_emulator._fake_model import _WORDS
from mistral_batch_emulator._schema_answer import DEEP, _Instance, instance

DIGESTS = [bytes([seed]) * 32 for seed in range(8)]


def make(schema: Any, digest: bytes = DIGESTS[0]) -> Any:
    return instance(schema, digest, _WORDS)


def behind_refs(count: int, end: dict[str, Any]) -> dict[str, Any]:
    """A schema that reaches ``end`` after following ``count`` references."""
    chain: dict[str, Any] = {f"step{n}": {"$ref": f"#/$defs/step{n + 1}"} for n in range(1, count)}
    chain[f"step{count}"] = end
    return {"$ref": "#/$defs/step1", "$defs": chain}


def made(value: Any) -> int:
    """How many values ``value`` holds that are not null, itself included."""
    if value is None:
        return 0
    if isinstance(value, list):
        return 1 + sum(made(item) for item in value)
    return 1


def test_additional_properties_alone_make_an_object() -> None:
    drawn = [make({"additionalProperties": {"type": "integer"}}, digest) for digest in DIGESTS[:3]]
    assert drawn == [{"gentle": 15}, {"request": 36, "city": 9}, {"steady": 20}]


def test_a_minimum_alone_makes_a_number_above_it() -> None:
    drawn = [make({"minimum": 5}, digest) for digest in DIGESTS[:3]]
    assert drawn == [37.03, 49.14, 13.2]


def test_a_tighter_exclusive_maximum_wins_over_the_maximum_of_an_integer() -> None:
    schema = {"type": "integer", "minimum": 0, "maximum": 10, "exclusiveMaximum": 1}
    assert [make(schema, digest) for digest in DIGESTS] == [0] * len(DIGESTS)


def test_an_exclusive_maximum_of_an_integer_lets_the_integer_just_below_it_be_drawn() -> None:
    schema = {"type": "integer", "minimum": 3, "exclusiveMaximum": 5}
    assert [make(schema, digest) for digest in DIGESTS] == [3, 4, 3, 4, 4, 3, 4, 4]


def test_a_string_without_max_length_is_cut_to_the_character_limit() -> None:
    drawn = [make({"type": "string", "minLength": 5000}, digest) for digest in DIGESTS]
    assert [len(text) for text in drawn] == [4096] * len(DIGESTS)


def test_past_the_deep_limit_an_object_without_properties_is_empty() -> None:
    schema = behind_refs(DEEP + 1, {"type": "object"})
    assert [make(schema, digest) for digest in DIGESTS] == [{}] * len(DIGESTS)


def test_an_object_with_properties_gets_no_other_names() -> None:
    schema = {"type": "object", "properties": {"a": {"const": 1}}}
    assert [make(schema, digest) for digest in DIGESTS] == [{"a": 1}] * len(DIGESTS)


def test_draws_use_every_four_bytes_of_a_block_before_the_next_block() -> None:
    digest = DIGESTS[1]
    first = hashlib.blake2b(digest + (0).to_bytes(8, "big")).digest()
    second = hashlib.blake2b(digest + (1).to_bytes(8, "big")).digest()
    stream = first + second
    expected = [int.from_bytes(stream[at : at + 4], "big") for at in range(0, 128, 4)]
    draw = _Instance({}, digest, _WORDS)
    assert [draw.below(1 << 32) for _ in range(32)] == expected


def test_twenty_thousand_values_are_made_before_the_rest_are_null() -> None:
    level = {"type": "array", "minItems": 64, "maxItems": 64}
    schema = {**level, "items": {**level, "items": {**level, "items": {"type": "integer"}}}}
    assert made(make(schema)) == 20_000
