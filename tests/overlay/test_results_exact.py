"""Result lines and their pairing with inputs, to the letter: each field read, each refusal's
message and field."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest

from mistral_batch.errors import InputError
from mistral_batch.results import BatchResult, pair_results


def test_every_field_of_a_result_line_is_read() -> None:
    line = {
        "id": "batch-7",
        "custom_id": "c-7",
        "response": {"status_code": 201, "body": {"x": 1}},
        "error": {"message": "m"},
        "other": True,
    }
    result = BatchResult.from_json(line, 4)
    assert tuple(result) == ("batch-7", "c-7", 201, {"x": 1}, {"message": "m"}, 4, line, None, None)
    assert repr(result) == "BatchResult(id='batch-7', custom_id='c-7', status_code=201, line=4)"


def test_a_status_of_an_int_type_of_its_own_is_kept() -> None:
    # A line decoded by a caller's own loader may hold int subclasses; bool is no status.
    line = {"custom_id": "a", "response": {"status_code": HTTPStatus.OK, "body": "b"}}
    result = BatchResult.from_json(line, 1)
    assert result.status_code == 200 and result.ok
    assert BatchResult.from_json({"response": {"status_code": False}}, 1).status_code is None


def test_ids_that_are_numbers_become_strings_and_others_none() -> None:
    result = BatchResult.from_json({"id": 12, "custom_id": 3}, 1)
    assert (result.id, result.custom_id) == ("12", "3")
    odd = BatchResult.from_json({"id": True, "custom_id": [1]}, 1)
    assert (odd.id, odd.custom_id) == (None, None)


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (
            [("a", {}), "b"],
            "input 1 must be a mapping with custom_id and body or a (custom_id, body) pair,"
            " got string",
        ),
        (
            [("a", {}), ("b", {}, "c")],
            "input 1 must be a mapping with custom_id and body or a (custom_id, body) pair,"
            " got array",
        ),
        ([{"custom_id": "", "body": {}}], "input 0: custom_id must be a non-empty string, got ''"),
        ([(7, {})], "input 0: custom_id must be a non-empty string, got 7"),
        ([{"body": {}}], "input 0: custom_id must be a non-empty string, got None"),
        ([("a", {}), ("b", {}), ("a", {})], "input 2: duplicate custom_id 'a'"),
    ],
)
def test_bad_inputs_are_refused_naming_the_custom_id(inputs: list[Any], message: str) -> None:
    with pytest.raises(InputError) as caught:
        pair_results(inputs, [])
    assert caught.value.reason == message and str(caught.value) == message
    assert caught.value.field == "custom_id"
    assert caught.value.row is None


def test_results_given_as_decoded_lines_are_numbered_from_one() -> None:
    paired = pair_results(
        [("a", 1), ("b", 2)],
        [{"custom_id": "x"}, {"custom_id": "b", "response": {"status_code": 200}}],
    )
    assert [r.line for r in paired.unexpected] == [1]
    ((_, _, first), (_, _, second)) = paired.pairs
    assert first is None
    assert second is not None and (second.line, second.status_code) == (2, 200)
