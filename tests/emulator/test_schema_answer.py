"""The fake model's structured outputs: answers that follow a body's ``response_format``."""

from __future__ import annotations

import datetime
import enum
import re
import uuid
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator, Draft202012Validator
from pydantic import AnyUrl, BaseModel, Field

from mistral_batch_emulator._endpoints import body_problem
from mistral_batch_emulator._fake_model import _WORDS, respond
from mistral_batch_emulator._schema_answer import DEEP

CHAT = "/v1/chat/completions"
WORDS = {word.lower() for word in _WORDS}


def schema_body(schema: Any, question: str = "tell me", **body: Any) -> dict[str, Any]:
    form = {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
    form["json_schema"]["strict"] = True
    return {
        "messages": [{"role": "user", "content": question}],
        "response_format": form,
        **body,
    }


def answer_to(body: dict[str, Any], endpoint: str = CHAT) -> dict[str, Any]:
    return respond(endpoint, body, "mistral-small-latest", 1_700_000_000)


def content_of(answer: dict[str, Any]) -> str:
    content: str = answer["choices"][0]["message"]["content"]
    return content


def assert_valid(schema: dict[str, Any], text: str) -> Any:
    """The answer's value, once it is known to validate against ``schema``, formats too."""
    value = orjson.loads(text)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [error.message for error in validator.iter_errors(value)]
    assert errors == [], text
    return value


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Address(BaseModel):
    street: str
    city: str = "Paris"
    postcode: Annotated[str, Field(min_length=5, max_length=5)]


class Node(BaseModel):
    name: str
    children: list[Node]
    parent: Node | None = None


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: Annotated[int, Field(ge=1, le=9)]


class Dog(BaseModel):
    kind: Literal["dog"]
    weight: Annotated[float, Field(gt=0, lt=80)]


class Person(BaseModel):
    name: Annotated[str, Field(min_length=3, max_length=12)]
    age: int | None = None
    color: Color
    mood: Literal["calm", "busy"]
    tags: set[str]
    pair: tuple[int, str]
    scores: dict[str, float]
    address: Address
    home: Address | None = None
    pet: Cat | Dog = Field(discriminator="kind")
    friends: list[str] = []
    ratio: Annotated[float, Field(ge=0, le=1)]


class Event(BaseModel):
    day: datetime.date
    at: datetime.datetime
    id: uuid.UUID
    site: AnyUrl


@pytest.mark.parametrize("model", [Person, Node, Event, Address])
def test_answers_to_pydantic_schemas_validate_and_parse(model: type[BaseModel]) -> None:
    schema = model.model_json_schema()
    for index in range(40):
        text = content_of(answer_to(schema_body(schema, f"question {index}")))
        assert_valid(schema, text)
        model.model_validate_json(text)


def test_every_property_is_given_required_or_not() -> None:
    schema = Person.model_json_schema()
    assert "age" not in schema["required"] and "home" not in schema["required"]
    for index in range(10):
        value = orjson.loads(content_of(answer_to(schema_body(schema, f"q{index}"))))
        assert set(value) == set(schema["properties"])
        assert set(value["address"]) == {"street", "city", "postcode"}
        assert value["age"] is not None and value["home"] is not None, "not deep: no nulls"


def test_formats_are_real_values() -> None:
    schema = Event.model_json_schema()
    value = orjson.loads(content_of(answer_to(schema_body(schema))))
    datetime.date.fromisoformat(value["day"])
    assert datetime.datetime.fromisoformat(value["at"]).tzinfo is not None
    assert uuid.UUID(value["id"]).version == 4
    parts = urlsplit(value["site"])
    assert parts.scheme == "https" and parts.netloc
    email = {"type": "string", "format": "email"}
    address = orjson.loads(content_of(answer_to(schema_body(email))))
    assert re.fullmatch(r"[a-z]+\.[a-z]+@[a-z]+\.[a-z]+", address), address


def test_strings_are_words_of_the_fake_model() -> None:
    schema = {"type": "array", "items": {"type": "string"}, "minItems": 5, "maxItems": 5}
    value = orjson.loads(content_of(answer_to(schema_body(schema))))
    words = [word for text in value for word in text.split()]
    assert len(value) == 5 and words and {word.lower() for word in words} <= WORDS


def tree_height(node: dict[str, Any] | None) -> int:
    if node is None:
        return 0
    below = [tree_height(child) for child in node["children"]] + [tree_height(node["parent"])]
    return 1 + max(below)


def leaves(node: dict[str, Any]) -> list[dict[str, Any]]:
    nested = [*node["children"], *([node["parent"]] if node["parent"] else [])]
    if not nested:
        return [node]
    return [leaf for child in nested for leaf in leaves(child)]


def test_a_recursive_model_ends_once_deep() -> None:
    schema = Node.model_json_schema()
    heights = set()
    for index in range(20):
        value = orjson.loads(content_of(answer_to(schema_body(schema, f"tree {index}"))))
        heights.add(tree_height(value))
        assert all(leaf["children"] == [] and leaf["parent"] is None for leaf in leaves(value))
    assert max(heights) > 2, "the answer recurses"
    assert max(heights) <= DEEP + 1


HAND_WRITTEN: dict[str, Any] = {
    "definitions": {
        "Item": {
            "type": "object",
            "properties": {
                "label": {"type": ["string", "null"], "maxLength": 8},
                "count": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 3},
                "weight": {"type": "number", "exclusiveMinimum": 0.1, "maximum": 0.2},
                "kind": {"const": "item"},
                "next": {"anyOf": [{"$ref": "#"}, {"type": "null"}]},
            },
            "required": ["label", "count"],
            "additionalProperties": False,
        }
    },
    "type": "object",
    "properties": {
        "first": {"allOf": [{"$ref": "#/definitions/Item"}], "description": "the first"},
        "point": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "boolean"}]},
        "choice": {"oneOf": [{"type": "string"}, {"type": "boolean"}, {"type": "null"}]},
        "letters": {"type": "array", "items": {"enum": ["a", "b", "c"]}, "uniqueItems": True},
        "mapping": {"type": "object", "additionalProperties": {"type": "integer"}},
        "shape": {"type": "object", "minProperties": 2},
        "both": {
            "allOf": [
                {
                    "type": "object",
                    "properties": {"x": {"type": "integer"}},
                    "required": ["x", "z"],
                },
                {"properties": {"y": {"type": "boolean"}}, "required": ["y"]},
            ]
        },
        "long_text": {"type": "string", "minLength": 30, "default": "x"},
    },
    "required": ["first", "point"],
    "additionalProperties": False,
}


def test_a_hand_written_schema_with_definitions_and_old_forms() -> None:
    answers = set()
    for index in range(40):
        text = content_of(answer_to(schema_body(HAND_WRITTEN, f"q{index}")))
        value = assert_valid(HAND_WRITTEN, text)
        assert value["first"]["kind"] == "item" and value["first"]["count"] in (1, 2)
        assert 0.1 < value["first"]["weight"] <= 0.2
        assert len(value["long_text"]) >= 30 and len(value["shape"]) >= 2
        assert set(value["both"]) == {"x", "y", "z"}
        answers.add(text)
    assert len(answers) == 40


DRAFT_4: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "definitions": {
        "Count": {
            "type": "integer",
            "minimum": 5,
            "exclusiveMinimum": True,
            "maximum": 7,
            "exclusiveMaximum": True,
        }
    },
    "type": "object",
    "properties": {
        "count": {"$ref": "#/definitions/Count"},
        "pair": {"type": "array", "items": [{"type": "integer"}, {"type": "null"}]},
        "closed": {"type": "array", "items": [{"type": "boolean"}], "additionalItems": False},
        "rate": {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 0.01},
    },
}


def test_a_draft_4_schema_with_boolean_exclusive_bounds_and_tuple_items() -> None:
    validator = Draft4Validator(DRAFT_4)
    for index in range(20):
        value = orjson.loads(content_of(answer_to(schema_body(DRAFT_4, f"q{index}"))))
        assert [error.message for error in validator.iter_errors(value)] == []
        assert value["count"] == 6 and 0 < value["rate"] <= 0.01
        assert isinstance(value["pair"][0], int) and value["pair"][1] is None
        assert len(value["closed"]) == 1


def test_the_same_body_gets_the_same_answer_and_another_body_another() -> None:
    schema = Person.model_json_schema()
    body = schema_body(schema, "same question")
    again = dict(reversed(list(schema_body(schema, "same question").items())))
    assert answer_to(body) == answer_to(again)
    texts = {content_of(answer_to(schema_body(schema, f"question {i}"))) for i in range(20)}
    assert len(texts) == 20


def test_json_object_answers_are_small_objects() -> None:
    body = {
        "messages": [{"role": "user", "content": "hi"}],
        "response_format": {"type": "json_object"},
    }
    answer = answer_to(body)
    text = content_of(answer)
    value = orjson.loads(text)
    assert list(value) == ["answer"] and value["answer"].endswith(".")
    assert {word.lower() for word in value["answer"][:-1].split()} <= WORDS
    assert text == orjson.dumps(value).decode(), "compact"
    assert answer["choices"][0]["finish_reason"] == "stop"
    assert answer["usage"]["completion_tokens"] == len(text) // 4 + 1


def test_token_counts_of_a_structured_answer() -> None:
    answer = answer_to(schema_body(Person.model_json_schema(), max_tokens=100_000))
    text, usage = content_of(answer), answer["usage"]
    assert answer["choices"][0]["finish_reason"] == "stop"
    assert usage["completion_tokens"] == len(text) // 4 + 1
    assert usage["prompt_tokens"] == 1 + len("tell me") // 4
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


@pytest.mark.parametrize(
    ("max_tokens", "content", "finish"),
    [
        (1, '"abc', "length"),
        (2, '"abcdef', "length"),  # 8 characters is the whole text: cut to 7 all the same
        (3, '"abcdef"', "stop"),
        (0, '"abcdef"', "stop"),
        (None, '"abcdef"', "stop"),
    ],
)
def test_max_tokens_cuts_a_structured_answer(
    max_tokens: int | None, content: str, finish: str
) -> None:
    answer = answer_to(schema_body({"const": "abcdef"}, max_tokens=max_tokens))
    assert content_of(answer) == content
    assert answer["choices"][0]["finish_reason"] == finish
    expected = max_tokens if finish == "length" else len('"abcdef"') // 4 + 1
    assert answer["usage"]["completion_tokens"] == expected


def test_a_cut_answer_to_a_model_is_invalid_json() -> None:
    schema = Person.model_json_schema()
    for index in range(10):
        answer = answer_to(schema_body(schema, f"q{index}", max_tokens=10 + index))
        text = content_of(answer)
        assert answer["choices"][0]["finish_reason"] == "length"
        assert len(text) == 4 * (10 + index) and text.startswith('{"name":"')
        assert answer["usage"]["completion_tokens"] == 10 + index
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(text)


def test_plain_answers_are_unchanged() -> None:
    question = [{"role": "user", "content": "What is the capital of France?"}]
    body = {"model": "mistral-small-latest", "messages": question}
    plain = answer_to({**body, "max_tokens": 50})
    assert plain == {
        "id": "937bc15bd13bb251057e66710b84a154",
        "object": "chat.completion",
        "model": "mistral-small-latest",
        "created": 1_700_000_000,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Steady a token green steady stone green.",
                    "tool_calls": None,
                },
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 8, "completion_tokens": 7, "total_tokens": 15},
    }
    text = answer_to({**body, "response_format": {"type": "text"}})
    expected = "Light late garden red warm bright calm wine careful data bread open."
    assert content_of(text) == expected
    assert text["usage"]["completion_tokens"] == len(expected.split())


def test_fim_completions_ignore_the_response_format() -> None:
    body = {"prompt": "def f():", "suffix": "return x", **schema_body({"type": "object"})}
    text = content_of(answer_to(body, "/v1/fim/completions"))
    assert text.endswith(".") and {word.lower() for word in text[:-1].split()} <= WORDS


def test_a_schema_that_no_finite_value_satisfies_still_gets_an_answer() -> None:
    endless = {"type": "object", "properties": {"a": {"$ref": "#"}, "b": {"$ref": "#"}}}
    endless["required"] = ["a", "b"]
    for schema in (endless, {"$ref": "#"}, {"allOf": [{"$ref": "#"}]}):
        orjson.loads(content_of(answer_to(schema_body(schema))))


NOT_AN_OBJECT = "'response_format' must be an object"
BAD_TYPE = "'response_format.type' must be one of 'text', 'json_object' or 'json_schema'"
NO_SCHEMA = "'response_format.json_schema' must be an object with an object 'schema'"


@pytest.mark.parametrize(
    ("response_format", "problem"),
    [
        (None, None),
        ({"type": "text"}, None),
        ({"type": "json_object"}, None),
        ({}, None),
        ({"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}, None),
        ("json_object", NOT_AN_OBJECT),
        ([{"type": "text"}], NOT_AN_OBJECT),
        ({"type": "json"}, BAD_TYPE),
        ({"type": None}, BAD_TYPE),
        ({"type": "json_schema"}, NO_SCHEMA),
        ({"type": "json_schema", "json_schema": "x"}, NO_SCHEMA),
        ({"type": "json_schema", "json_schema": {"name": "x"}}, NO_SCHEMA),
        ({"type": "json_schema", "json_schema": {"schema": True}}, NO_SCHEMA),
    ],
)
def test_a_malformed_response_format_is_an_invalid_body(
    response_format: Any, problem: str | None
) -> None:
    body = {"messages": [{"role": "user", "content": "hi"}], "response_format": response_format}
    assert body_problem(CHAT, body) == problem


# Simple schemas, each satisfiable: the generator must answer every one with a valid value.
SCALARS = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8)
SCALARS |= st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def numbers(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["integer", "number"]))
    low = draw(st.none() | st.integers(-1000, 1000))
    high = draw(st.none() | st.integers(-1000, 1000))
    if low is not None and high is not None:
        low, high = min(low, high), max(low, high) + 2
    schema: dict[str, Any] = {"type": kind}
    if low is not None:
        schema[draw(st.sampled_from(["minimum", "exclusiveMinimum"]))] = low
    if high is not None:
        schema[draw(st.sampled_from(["maximum", "exclusiveMaximum"]))] = high
    return schema


@st.composite
def strings(draw: st.DrawFn) -> dict[str, Any]:
    form = draw(st.none() | st.sampled_from(["date", "date-time", "time", "email", "uri", "uuid"]))
    if form is not None:
        return {"type": "string", "format": form}
    schema: dict[str, Any] = {"type": "string"}
    low = draw(st.none() | st.integers(0, 60))
    if low is not None:
        schema["minLength"] = low
    if draw(st.booleans()):
        schema["maxLength"] = (low or 0) + draw(st.integers(0, 20))
    return schema


LEAVES = st.one_of(
    numbers(),
    strings(),
    st.sampled_from([{"type": "boolean"}, {"type": "null"}, {}]),
    st.lists(SCALARS, min_size=1, max_size=4).map(lambda values: {"enum": values}),
    SCALARS.map(lambda value: {"const": value}),
    st.lists(
        st.sampled_from(["string", "integer", "boolean", "null"]), min_size=1, unique=True
    ).map(lambda kinds: {"type": kinds}),
)


def compound(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    names = st.text("abcdefgh", min_size=1, max_size=4)
    properties = st.dictionaries(names, children, max_size=4)
    objects = st.builds(
        lambda props, closed, keep: {
            "type": "object",
            "properties": props,
            "required": [name for name in props if keep],
            **({"additionalProperties": False} if closed else {}),
        },
        properties,
        st.booleans(),
        st.booleans(),
    )
    arrays = st.builds(
        lambda items, low, more: {
            "type": "array",
            "items": items,
            "minItems": low,
            **({} if more is None else {"maxItems": low + more}),
        },
        children,
        st.integers(0, 3),
        st.none() | st.integers(0, 3),
    )
    tuples = st.builds(
        lambda prefix, rest: {"type": "array", "prefixItems": prefix, "items": rest},
        st.lists(children, min_size=1, max_size=3),
        st.just(False) | children,
    )
    unions = st.lists(children, min_size=1, max_size=3).map(lambda options: {"anyOf": options})
    one_of = st.lists(
        st.sampled_from(["string", "boolean", "null", "object"]), min_size=1, unique=True
    ).map(lambda kinds: {"oneOf": [{"type": kind} for kind in kinds]})
    return objects | arrays | tuples | unions | one_of


SIMPLE = st.recursive(LEAVES, compound, max_leaves=12)
# References point from the root, so the definitions they name sit there.
REFERRING = st.builds(
    lambda inner, outer: {
        "$defs": {"Inner": inner},
        "type": "object",
        "properties": {
            "direct": {"$ref": "#/$defs/Inner"},
            "wrapped": {"allOf": [{"$ref": "#/$defs/Inner"}], "description": "pydantic's way"},
            "outer": outer,
        },
    },
    SIMPLE,
    SIMPLE,
)
SCHEMAS = SIMPLE | REFERRING


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=SCHEMAS, question=st.text(max_size=20))
def test_every_simple_schema_gets_a_valid_answer(schema: dict[str, Any], question: str) -> None:
    Draft202012Validator.check_schema(schema)
    answer = answer_to(schema_body(schema, question))
    text = content_of(answer)
    assert_valid(schema, text)
    assert answer["usage"]["completion_tokens"] == len(text) // 4 + 1
    assert answer_to(schema_body(schema, question)) == answer


# fmt: off
KEYWORDS = [
    "type", "properties", "required", "additionalProperties", "items", "prefixItems",
    "minItems", "maxItems", "uniqueItems", "enum", "const", "anyOf", "oneOf", "allOf", "$ref",
    "$defs", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength",
    "maxLength", "format", "minProperties", "maxProperties",
]
# fmt: on
JSON = st.recursive(
    SCALARS | st.sampled_from([*KEYWORDS, "#", "#/$defs/a", "#/properties/0", "string", "null"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from([*KEYWORDS, "a", "0"]), children, max_size=4)
    ),
    max_leaves=16,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=st.dictionaries(st.sampled_from(KEYWORDS), JSON, max_size=5))
def test_any_schema_gets_a_json_answer_without_an_error(schema: dict[str, Any]) -> None:
    answer = answer_to(schema_body(schema))
    orjson.loads(content_of(answer))
