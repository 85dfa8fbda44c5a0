import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest

from mistral_batch.errors import InputError, ResultDecodeError
from mistral_batch.results import (
    TRANSIENT_STATUSES,
    BatchResult,
    aiter_results,
    iter_results,
    pair_results,
)

OK_LINE = {
    "id": "batch-1",
    "custom_id": "0",
    "response": {"status_code": 200, "body": {"choices": []}},
    "error": None,
}


def test_from_json_reads_a_result_line() -> None:
    result = BatchResult.from_json(OK_LINE, 1)
    assert (result.id, result.custom_id, result.status_code) == ("batch-1", "0", 200)
    assert result.body == {"choices": []}
    assert result.ok and result.line == 1 and result.raw is OK_LINE


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"custom_id": None, "response": None, "error": None},
        {"custom_id": "a", "response": {"status_code": "200"}, "extra": [1]},
        {"response": {"status_code": True, "body": None}},
        {"response": []},
    ],
    ids=["empty", "nulls", "string-status", "bool-status", "response-list"],
)
def test_from_json_tolerates_odd_fields(value: dict[str, object]) -> None:
    result = BatchResult.from_json(value, 5)
    assert result.status_code is None
    assert not result.ok


def test_error_results_are_not_ok() -> None:
    failed = {**OK_LINE, "response": {"status_code": 400, "body": {"message": "bad"}}}
    assert not BatchResult.from_json(failed, 1).ok
    errored = {**OK_LINE, "error": {"message": "timeout"}}
    assert not BatchResult.from_json(errored, 1).ok


def test_numeric_custom_id_becomes_a_string() -> None:
    assert BatchResult.from_json({"custom_id": 7}, 1).custom_id == "7"


def test_from_json_rejects_a_non_object() -> None:
    with pytest.raises(ResultDecodeError) as info:
        BatchResult.from_json([1, 2], 9)
    assert info.value.line == 9
    assert "line 9" in str(info.value) and "array" in str(info.value)


def test_iter_results_reads_chunks() -> None:
    data = b'{"custom_id":"a","response":{"status_code":200,"body":1}}\n\n{"custom_id":"b"}\n'
    results = list(iter_results([data[:10], data[10:]]))
    assert [(r.custom_id, r.line) for r in results] == [("a", 1), ("b", 3)]


def test_aiter_results() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"custom_id":"a"}\n'

    async def collect() -> list[BatchResult]:
        return [r async for r in aiter_results(chunks())]

    assert [r.custom_id for r in asyncio.run(collect())] == ["a"]


def result(custom_id: str | None, status: int = 200, line: int = 1) -> BatchResult:
    value = {"custom_id": custom_id, "response": {"status_code": status, "body": custom_id}}
    return BatchResult.from_json(value, line)


def test_pair_results_in_input_order_with_missing_and_unexpected() -> None:
    inputs: list[Mapping[str, Any] | tuple[str, Any]] = [
        {"custom_id": "a", "body": {"n": 1}},
        ("b", {"n": 2}),
        ("c", {"n": 3}),
    ]
    results: list[BatchResult | Mapping[str, Any]] = [
        result("c"),
        result("zzz"),
        {"custom_id": "a", "error": "x"},
        result(None),
    ]
    paired = pair_results(inputs, results)
    triples = [(cid, body, r.custom_id if r else None) for cid, body, r in paired]
    assert triples == [("a", {"n": 1}, "a"), ("b", {"n": 2}, None), ("c", {"n": 3}, "c")]
    assert paired.missing == ("b",)
    assert paired.unexpected_ids == ("zzz", None)
    assert len(paired) == 3


def test_first_result_wins_and_repeats_are_unexpected() -> None:
    paired = pair_results([("a", {})], [result("a", 500, 1), result("a", 200, 2)])
    ((_, _, first),) = paired
    assert first is not None and first.status_code == 500
    assert [r.line for r in paired.unexpected] == [2]


def test_pair_results_rejects_bad_inputs() -> None:
    with pytest.raises(InputError, match="duplicate custom_id 'a'"):
        pair_results([("a", {}), ("a", {})], [])
    with pytest.raises(InputError, match="custom_id must be a non-empty string"):
        pair_results([{"body": {}}], [])
    with pytest.raises(InputError, match="input 0 must be"):
        pair_results(["a"], [])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("line", "transient"),
    [
        ({"response": {"status_code": 200, "body": {}}, "error": None}, False),
        ({"response": {"status_code": 400, "body": {}}, "error": None}, False),
        ({"response": {"status_code": 404, "body": {}}, "error": None}, False),
        ({"response": {"status_code": 422, "body": {}}, "error": None}, False),
        ({"response": {"status_code": 407, "body": {}}, "error": None}, False),
        ({"response": {"status_code": 408, "body": {}}, "error": None}, True),
        ({"response": {"status_code": 429, "body": {}}, "error": None}, True),
        ({"response": {"status_code": 499, "body": {}}, "error": None}, False),
        ({"response": {"status_code": 500, "body": {}}, "error": None}, True),
        ({"response": {"status_code": 503, "body": {}}, "error": None}, True),
        ({"response": {"status_code": 599, "body": {}}, "error": None}, True),
        ({"response": {"status_code": 600, "body": {}}, "error": None}, False),
        # A 200 with an error field failed for a reason of its own: not a transient one.
        ({"response": {"status_code": 200, "body": {}}, "error": "bad"}, False),
        ({"response": None, "error": {"message": "Request timed out"}}, True),
        ({"response": None, "error": {"message": "TIMEOUT after 600 s"}}, True),
        ({"response": None, "error": {"code": "deadline_exceeded"}}, True),
        ({"response": None, "error": {"message": "context length exceeded"}}, False),
        ({"response": None, "error": None}, False),
    ],
)
def test_transient_failures_are_told_from_permanent_ones(
    line: dict[str, object], transient: bool
) -> None:
    assert BatchResult.from_json({"custom_id": "a", **line}, 1).transient is transient


def test_the_transient_statuses_are_the_documented_ones() -> None:
    assert sorted(s for s in TRANSIENT_STATUSES if s < 500) == [408, 429]
    assert min(s for s in TRANSIENT_STATUSES if s >= 500) == 500
    assert max(TRANSIENT_STATUSES) == 599
