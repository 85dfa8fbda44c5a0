"""Structured outputs: a schema from a pydantic model or a dict, sent as a strict
response_format, and the answers read back as instances, values or the reason they fail."""

from __future__ import annotations

import copy
import enum
import json
import subprocess
import sys
from typing import Any

import pytest
from pydantic import BaseModel

from mistral_batch._structured import (
    ParseError,
    ResponseSchema,
    message_content,
    with_response_format,
)
from mistral_batch.errors import InputError, MissingDependencyError


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


class Address(BaseModel):
    street: str
    city: str


class Person(BaseModel):
    name: str
    age: int
    nickname: str | None
    favourite: Colour
    homes: list[Address]


PERSON = {
    "name": "Ada",
    "age": 36,
    "nickname": None,
    "favourite": "green",
    "homes": [{"street": "1 Main St", "city": "London"}],
}

POINT = {
    "title": "Point",
    "type": "object",
    "properties": {
        "x": {"type": "number"},
        "y": {"type": "number"},
        "tags": {"type": "array", "items": {"type": "object", "properties": {"k": {}}}},
        "meta": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["x", "y"],
}


def objects(schema: Any) -> list[dict[str, Any]]:
    """Every object schema inside a schema, wherever it sits."""
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            found.append(schema)
        for value in schema.values():
            found += objects(value)
    elif isinstance(schema, list):
        for value in schema:
            found += objects(value)
    return found


# --- A pydantic model ---------------------------------------------------------------------


def test_a_model_is_sent_as_a_strict_response_format_named_for_its_class() -> None:
    schema = ResponseSchema.of(Person)

    assert schema.name == "Person"
    assert schema.model is Person
    assert schema.response_format() == {
        "type": "json_schema",
        "json_schema": {"name": "Person", "schema": schema.schema, "strict": True},
    }
    assert set(schema.schema["$defs"]) == {"Address", "Colour"}
    assert schema.schema["properties"]["homes"]["items"] == {"$ref": "#/$defs/Address"}


def test_every_object_of_a_model_schema_forbids_other_properties() -> None:
    schema = ResponseSchema.of(Person).schema

    closed = objects(schema)
    assert schema in closed
    assert schema["$defs"]["Address"] in closed
    assert all(node["additionalProperties"] is False for node in closed)
    assert "additionalProperties" not in Person.model_json_schema()


def test_a_valid_answer_becomes_an_instance_of_the_model() -> None:
    parsed, error = ResponseSchema.of(Person).parse(json.dumps(PERSON))

    assert error is None
    assert parsed == Person(
        name="Ada",
        age=36,
        nickname=None,
        favourite=Colour.GREEN,
        homes=[Address(street="1 Main St", city="London")],
    )


def test_an_answer_that_is_not_json_is_refused_with_its_text() -> None:
    text = '{"name": "Ada", '

    parsed, error = ResponseSchema.of(Person).parse(text)

    assert parsed is None
    assert error is not None
    assert error.text == text
    assert error.reason.startswith("not valid JSON")


def test_an_answer_off_the_model_names_the_field_at_fault() -> None:
    answer = {**PERSON, "homes": [{"street": "1 Main St"}]}

    parsed, error = ResponseSchema.of(Person).parse(json.dumps(answer))

    assert parsed is None
    assert error is not None
    assert error.text == json.dumps(answer)
    assert error.reason.startswith("$.homes[0].city: ")
    assert "required" in error.reason.lower()


def test_an_answer_with_a_colour_out_of_the_enum_is_refused() -> None:
    _, error = ResponseSchema.of(Person).parse(json.dumps({**PERSON, "favourite": "blue"}))

    assert error is not None
    assert error.reason.startswith("$.favourite: ")


@pytest.mark.parametrize("text", [None, 42, ["{}"]])
def test_an_answer_without_text_is_refused(text: Any) -> None:
    for schema in (ResponseSchema.of(Person), ResponseSchema.of(POINT)):
        assert schema.parse(text) == (
            None,
            ParseError(None if text is None else str(text), "the answer has no text"),
        )


# --- A JSON schema dict -------------------------------------------------------------------


def test_a_dict_schema_is_closed_on_a_copy_and_named_for_its_title() -> None:
    given = copy.deepcopy(POINT)

    schema = ResponseSchema.of(given)

    assert given == POINT
    assert schema.name == "Point"
    assert schema.model is None
    assert schema.schema["additionalProperties"] is False
    assert schema.schema["properties"]["tags"]["items"]["additionalProperties"] is False
    assert schema.schema["properties"]["meta"]["additionalProperties"] == {"type": "string"}
    assert schema.response_format() == {
        "type": "json_schema",
        "json_schema": {"name": "Point", "schema": schema.schema, "strict": True},
    }


def test_a_dict_schema_closes_objects_in_defs_unions_and_tuples() -> None:
    def obj() -> dict[str, Any]:
        return {"type": "object", "properties": {"a": {"type": "string"}}}

    given = {
        "$defs": {"Thing": obj()},
        "type": "object",
        "properties": {
            "either": {"anyOf": [obj(), {"type": "null"}]},
            "pair": {"type": "array", "prefixItems": [obj(), obj()]},
            "both": {"allOf": [obj()]},
            "one": {"oneOf": [obj()]},
        },
    }

    schema = ResponseSchema.of(given).schema

    assert schema["$defs"]["Thing"]["additionalProperties"] is False
    assert len(objects(schema)) == 7
    assert all(node["additionalProperties"] is False for node in objects(schema))
    assert objects(given) and all("additionalProperties" not in n for n in objects(given))


def test_a_dict_schema_without_a_title_is_named_response() -> None:
    assert ResponseSchema.of({"type": "object", "properties": {}}).name == "response"


def test_a_valid_answer_to_a_dict_schema_is_the_json_value() -> None:
    answer = {"x": 1.5, "y": -2, "tags": [{"k": 1}], "meta": {"a": "b"}}

    assert ResponseSchema.of(POINT).parse(json.dumps(answer)) == (answer, None)


def test_an_answer_off_a_dict_schema_names_the_path_at_fault() -> None:
    schema = ResponseSchema.of(POINT)

    _, wrong_type = schema.parse('{"x": 1, "y": "two"}')
    _, extra = schema.parse('{"x": 1, "y": 2, "tags": [{"k": 1, "z": 0}]}')
    _, not_json = schema.parse("{'x': 1}")

    assert wrong_type is not None
    assert wrong_type.reason == "$.y: 'two' is not of type 'number'"
    assert extra is not None
    assert extra.reason.startswith("$.tags[0]: ")
    assert "'z'" in extra.reason
    assert not_json is not None
    assert not_json.text == "{'x': 1}"
    assert not_json.reason.startswith("not valid JSON: ")


def test_the_validator_follows_the_schemas_own_draft() -> None:
    # Draft 4 reads exclusiveMaximum as a flag; Draft 2020-12 would refuse the schema.
    old = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "number",
        "maximum": 10,
        "exclusiveMaximum": True,
    }
    schema = ResponseSchema.of(old)

    assert schema.parse("9") == (9, None)
    _, error = schema.parse("10")
    assert error is not None
    assert "10" in error.reason


def test_a_schema_checks_with_one_validator_and_stays_equal_to_a_fresh_one() -> None:
    used, fresh = ResponseSchema.of(POINT), ResponseSchema.of(POINT)

    assert used.parse('{"x": 1, "y": 2}') == ({"x": 1, "y": 2}, None)

    assert used._checker() is used._checker()
    assert used == fresh


def test_a_schema_that_is_not_one_is_an_input_error() -> None:
    schema = ResponseSchema.of({"type": "no-such-type"})

    with pytest.raises(InputError) as caught:
        schema.parse("{}")

    assert caught.value.field == "response_format"


def test_a_missing_dependency_error_is_also_an_import_error() -> None:
    error = MissingDependencyError("needs jsonschema: pip install 'mistral-batch[structured]'")

    assert isinstance(error, ImportError)
    assert "mistral-batch[structured]" in str(error)


# --- A whole response_format --------------------------------------------------------------


def test_a_whole_response_format_is_sent_as_given() -> None:
    inner = {"type": "object", "properties": {"a": {"type": "string"}}}
    given = {
        "type": "json_schema",
        "json_schema": {"name": "loose", "schema": inner, "strict": False, "description": "d"},
    }

    schema = ResponseSchema.of(given)

    assert schema.name == "loose"
    assert schema.schema == inner
    assert "additionalProperties" not in schema.schema
    assert schema.response_format() == {
        "type": "json_schema",
        "json_schema": {"name": "loose", "schema": inner, "strict": False, "description": "d"},
    }
    assert schema.parse('{"a": "x", "b": 1}') == ({"a": "x", "b": 1}, None)


@pytest.mark.parametrize(
    "given",
    [
        {"type": "json_schema"},
        {"type": "json_schema", "json_schema": {"name": "n"}},
        {"type": "json_schema", "json_schema": {"schema": {}}},
        {"json_schema": {"name": "n", "schema": {}}},
    ],
)
def test_a_broken_response_format_is_an_input_error(given: dict[str, Any]) -> None:
    with pytest.raises(InputError) as caught:
        ResponseSchema.of(given)

    assert caught.value.field == "response_format"


@pytest.mark.parametrize(
    ("value", "named"), [(42, "int 42"), (str, "the class str"), (Person(**PERSON), "Person")]
)
def test_anything_else_is_an_input_error_naming_it(value: Any, named: str) -> None:
    with pytest.raises(InputError) as caught:
        ResponseSchema.of(value)

    assert caught.value.field == "response_format"
    assert named in str(caught.value)


# --- Request bodies and answers -----------------------------------------------------------


def test_with_response_format_sets_it_on_a_copy() -> None:
    body = {"messages": [{"role": "user", "content": "hi"}]}
    fmt = ResponseSchema.of(Person).response_format()

    sent = with_response_format(body, fmt)

    assert sent == {**body, "response_format": fmt}
    assert body == {"messages": [{"role": "user", "content": "hi"}]}


def test_with_response_format_accepts_an_equal_one_and_refuses_another() -> None:
    fmt = ResponseSchema.of(POINT).response_format()
    body = {"messages": [], "response_format": copy.deepcopy(fmt)}

    assert with_response_format(body, fmt)["response_format"] == fmt
    with pytest.raises(InputError) as caught:
        with_response_format({"response_format": {"type": "json_object"}}, fmt)
    assert caught.value.field == "response_format"
    assert "own response_format" in caught.value.reason


def test_message_content_is_the_first_choices_text() -> None:
    body = {"choices": [{"message": {"content": "{}"}}, {"message": {"content": "no"}}]}

    assert message_content(body) == "{}"


@pytest.mark.parametrize(
    "body",
    [
        None,
        "text",
        [],
        {},
        {"choices": None},
        {"choices": []},
        {"choices": "abc"},
        {"choices": [None]},
        {"choices": [{}]},
        {"choices": [{"message": None}]},
        {"choices": [{"message": "hi"}]},
        {"choices": [{"message": {}}]},
    ],
)
def test_message_content_of_an_odd_body_is_none(body: Any) -> None:
    assert message_content(body) is None


# --- Imports ------------------------------------------------------------------------------


def test_importing_the_module_loads_neither_pydantic_nor_jsonschema() -> None:
    code = (
        "import sys, mistral_batch._structured as s\n"
        "s.ResponseSchema.of({'type': 'object'}).response_format()\n"
        "print(sorted(m for m in ('pydantic', 'jsonschema') if m in sys.modules))\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert done.stdout.strip() == "[]"


def test_a_dict_schema_works_without_pydantic_and_asks_for_jsonschema_to_check() -> None:
    code = (
        "import sys\n"
        "sys.modules['pydantic'] = sys.modules['jsonschema'] = None\n"
        "from mistral_batch._structured import ResponseSchema\n"
        "from mistral_batch.errors import MissingDependencyError\n"
        "schema = ResponseSchema.of({'type': 'object', 'properties': {}})\n"
        "print(schema.response_format()['json_schema']['name'])\n"
        "try:\n"
        "    schema.parse('{}')\n"
        "except MissingDependencyError as exc:\n"
        "    print(exc)\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert done.stdout.splitlines() == [
        "response",
        "checking answers against a JSON schema needs jsonschema: "
        "pip install 'mistral-batch[structured]'",
    ]


# --- Exact words and edges ---------------------------------------------------------------


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object"},
        {"type": ["object", "null"]},
        {"properties": {"a": {"type": "string"}}},
    ],
)
def test_an_object_schema_is_closed_by_its_type_or_by_its_properties(
    schema: dict[str, Any],
) -> None:
    assert ResponseSchema.of(schema).schema["additionalProperties"] is False


@pytest.mark.parametrize("schema", [{"type": "array"}, {"type": ["string", "null"]}, {}])
def test_a_schema_of_no_object_is_not_closed(schema: dict[str, Any]) -> None:
    assert "additionalProperties" not in ResponseSchema.of(schema).schema


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Café menu-v2_", "Caf__menu-v2"),
        ("_x_", "x"),
        (" x ", "x"),
        ("a" * 70, "a" * 64),
        ("", "response"),
        ("!!!", "response"),
        ("X-ray TEXT", "X-ray_TEXT"),
    ],
)
def test_a_title_becomes_a_name_mistral_takes(title: str, name: str) -> None:
    assert ResponseSchema.of({"title": title, "type": "object"}).name == name


def test_what_is_not_a_schema_is_named_in_sixty_characters_at_most() -> None:
    exactly = "x" * 58  # its repr, quotes included, is 60 characters
    with pytest.raises(InputError) as short:
        ResponseSchema.of(exactly)
    assert str(short.value) == (
        "response_format must be a pydantic model class, a JSON schema dict or a"
        f" response_format dict, got str {exactly!r}"
    )
    longer = "x" * 59
    with pytest.raises(InputError) as cut:
        ResponseSchema.of(longer)
    assert str(cut.value).endswith(f"got str {longer!r}"[:-1] + "...")


def test_a_broken_response_format_says_what_it_must_be() -> None:
    with pytest.raises(InputError) as caught:
        ResponseSchema.of({"type": "json_schema"})
    assert str(caught.value) == (
        'a response_format dict must be {"type": "json_schema", "json_schema": '
        '{"name": ..., "schema": {...}}}'
    )


def test_a_request_with_another_response_format_is_refused_in_words() -> None:
    fmt = ResponseSchema.of(POINT).response_format()
    with pytest.raises(InputError) as caught:
        with_response_format({"response_format": {"type": "json_object"}}, fmt)
    assert caught.value.reason == (
        "the request has its own response_format, different from the one given"
    )


def test_a_schema_that_is_not_one_says_so() -> None:
    with pytest.raises(InputError) as caught:
        ResponseSchema.of({"type": "no-such-type"}).parse("{}")
    assert caught.value.reason.startswith("not a valid JSON schema: ")
    assert "no-such-type" in caught.value.reason


def test_an_answer_off_a_dict_schema_keeps_its_text() -> None:
    text = '{"x": 1, "y": "two"}'
    _, error = ResponseSchema.of(POINT).parse(text)
    assert error == ParseError(text, "$.y: 'two' is not of type 'number'")


def test_an_answer_nested_past_the_checker_keeps_its_text() -> None:
    nested = {"$defs": {"n": {"type": "array", "items": {"$ref": "#/$defs/n"}}}}
    schema = ResponseSchema.of({**nested, "$ref": "#/$defs/n"})
    # Deep enough for the checker's recursion, not for json.loads'.
    text = "[" * 500 + "]" * 500
    assert schema.parse(text) == (
        None,
        ParseError(text, "nested too deeply to check against the schema"),
    )


def test_checking_a_dict_schema_without_jsonschema_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "jsonschema", None)
    with pytest.raises(MissingDependencyError) as caught:
        ResponseSchema.of(POINT).parse("{}")
    assert str(caught.value) == (
        "checking answers against a JSON schema needs jsonschema:"
        " pip install 'mistral-batch[structured]'"
    )
