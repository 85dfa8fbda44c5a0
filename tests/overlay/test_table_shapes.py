"""The pure parts of tables in and out: a row's request for each endpoint, a result's
columns for each kind of answer, errors in words, and the tokens tallied."""

from __future__ import annotations

import sys
from typing import Any

import pyarrow as pa
import pytest

from mistral_batch._answer_columns import Columns, error_text
from mistral_batch._structured import ParseError, ResponseSchema
from mistral_batch._tables_in import TableShape, is_table, naming_rows, table_requests
from mistral_batch._usage import Usage, check_prices, tally
from mistral_batch.errors import InputError, MissingDependencyError
from mistral_batch.results import BatchResult


def requests(table: Any, **shape: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in table_requests(table, TableShape(**shape))]


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}]}),
        ("/v1/chat/moderations", {"input": [{"role": "user", "content": "hi"}]}),
        ("/v1/chat/classifications", {"input": [{"role": "user", "content": "hi"}]}),
        ("/v1/conversations", {"inputs": [{"role": "user", "content": "hi"}]}),
        ("/v1/embeddings", {"input": "hi"}),
        ("/v1/moderations", {"input": "hi"}),
        ("/v1/classifications", {"input": "hi"}),
        ("/v1/fim/completions", {"prompt": "hi"}),
    ],
)
def test_a_prompt_goes_where_each_endpoint_takes_its_text(
    endpoint: str, body: dict[str, Any]
) -> None:
    assert requests(pa.table({"prompt": ["hi"]}), endpoint=endpoint) == [
        {"custom_id": "0", "body": body}
    ]


def test_a_system_message_goes_first_in_chats_only() -> None:
    table = pa.table({"prompt": ["hi"]})
    chat = requests(table, system="Be brief.")[0]["body"]["messages"]
    assert chat == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]
    assert requests(table, system="Be brief.", endpoint="/v1/embeddings")[0]["body"] == {
        "input": "hi"
    }


def test_an_endpoint_without_text_takes_its_body_from_its_columns() -> None:
    document = {"type": "document_url", "document_url": "https://example.com/a.pdf"}
    table = pa.table({"doc": [document], "pages": [[0, 1]]})
    got = requests(table, endpoint="/v1/ocr", body_columns=("doc", "pages"))
    assert got == [{"custom_id": "0", "body": {"doc": document, "pages": [0, 1]}}]


def test_a_table_of_custom_ids_and_bodies_is_taken_as_it_is() -> None:
    table = pa.table({"custom_id": ["a", "b"], "body": ['{"x": 1}', '{"y": [2]}']})
    assert requests(table) == [
        {"custom_id": "a", "body": {"x": 1}},
        {"custom_id": "b", "body": {"y": [2]}},
    ]


def test_messages_lose_their_null_keys_and_win_over_a_prompt_unless_told() -> None:
    messages = [[{"role": "user", "content": "m", "name": None}]]
    table = pa.table({"messages": messages, "prompt": ["p"]})
    assert requests(table)[0]["body"] == {"messages": [{"role": "user", "content": "m"}]}
    told = requests(table, prompt_column="prompt")[0]["body"]
    assert told == {"messages": [{"role": "user", "content": "p"}]}
    with pytest.raises(InputError, match="not both"):
        requests(table, prompt_column="prompt", messages_column="messages")


def test_body_fields_skip_nulls_and_send_whole_floats_as_integers() -> None:
    table = pa.table({"prompt": ["a", "b"], "max_tokens": [5.0, None], "temperature": [0.5, 1.0]})
    bodies = [r["body"] for r in requests(table, body_columns=("max_tokens", "temperature"))]
    assert bodies[0]["max_tokens"] == 5 and type(bodies[0]["max_tokens"]) is int
    assert bodies[0]["temperature"] == 0.5
    assert "max_tokens" not in bodies[1] and bodies[1]["temperature"] == 1


@pytest.mark.parametrize(
    ("ids", "words"),
    [([True], "id is a bool"), ([""], "id is empty"), ([1.5], "id is a float")],
)
def test_a_custom_id_must_be_a_string_or_an_integer(ids: list[Any], words: str) -> None:
    with pytest.raises(InputError, match=words) as caught:
        requests(pa.table({"id": ids, "prompt": ["a"]}), id_column="id")
    assert caught.value.row == 0 and caught.value.field == "id"


def test_integer_ids_become_strings() -> None:
    assert [
        r["custom_id"] for r in requests(pa.table({"custom_id": [3, 1], "prompt": ["a", "b"]}))
    ] == [
        "3",
        "1",
    ]


def test_a_table_with_no_rows_is_refused() -> None:
    empty = pa.table({"prompt": pa.array([], type=pa.string())})
    with pytest.raises(InputError, match="no rows"):
        requests(empty)


def test_what_counts_as_a_table() -> None:
    assert is_table("in.parquet") and is_table("s3://b/in.CSV") and is_table(pa.table({}))
    assert not is_table("in.jsonl") and not is_table([{"custom_id": "a"}])


def test_errors_about_lines_are_said_of_rows() -> None:
    with pytest.raises(InputError) as caught, naming_rows("in.csv"):
        raise InputError("duplicate custom_id 'a' (first on line 2)", line=5, field="custom_id")
    assert str(caught.value) == "in.csv row 4: duplicate custom_id 'a' (first on row 1)"
    assert (caught.value.row, caught.value.line, caught.value.field) == (4, None, "custom_id")
    with pytest.raises(InputError) as kept, naming_rows(None):
        raise InputError("prompt is null", row=3)
    assert str(kept.value) == "row 3: prompt is null"


def result(status: int | None = 200, body: Any = None, error: Any = None) -> BatchResult:
    line = {"custom_id": "c", "response": {"status_code": status, "body": body}, "error": error}
    return BatchResult.from_json(line, 1)


CHAT = {
    "choices": [{"message": {"content": "Hi."}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 2},
}


def test_a_chat_answer_and_a_failure_as_rows() -> None:
    columns = Columns("/v1/chat/completions")
    assert columns.names[2:6] == ("content", "finish_reason", "prompt_tokens", "completion_tokens")
    assert columns.values("m", result(body=CHAT)) == ["c", "m", "Hi.", "stop", 3, 2, 200, None]
    failed = result(429, {"message": "slow down"})
    assert columns.values("m", failed) == ["c", "m", None, None, None, None, 429, "slow down"]


@pytest.mark.parametrize(
    ("endpoint", "body", "values"),
    [
        (
            "/v1/embeddings",
            {"data": [{"embedding": [0.5, 0.25]}], "usage": {"prompt_tokens": 4}},
            [[0.5, 0.25], 4],
        ),
        (
            "/v1/moderations",
            {
                "results": [
                    {"categories": {"pii": True, "law": False}, "category_scores": {"pii": 0.9}}
                ]
            },
            [True, ["pii"], {"pii": 0.9}],
        ),
        (
            "/v1/classifications",
            {"results": [{"tone": {"scores": {"calm": 0.75}}}]},
            [{"tone.calm": 0.75}],
        ),
        (
            "/v1/ocr",
            {"pages": [{"markdown": "# One"}, {"markdown": "two"}]},
            ["# One\n\ntwo", None, None, None],
        ),
        (
            "/v1/conversations",
            {"outputs": [{"content": "first"}, {"content": "last"}], "usage": {}},
            ["last", None, None, None],
        ),
        ("/v1/unknown", {"a": 1}, ['{"a": 1}']),
    ],
)
def test_each_kind_of_answer_has_its_columns(
    endpoint: str, body: dict[str, Any], values: list[Any]
) -> None:
    assert Columns(endpoint).values("m", result(body=body))[2:-2] == values


@pytest.mark.parametrize(
    ("found", "text"),
    [
        (result(500, None, {"message": "boom"}), "boom"),
        (result(400, {"detail": "bad field"}), "bad field"),
        (result(400, {"code": 7}), '{"code": 7}'),
        (result(None, None, "timed out"), "timed out"),
        (result(503, None), "status 503"),
        (result(None, None), "no answer"),
        (result(200, CHAT), None),
    ],
)
def test_an_error_in_words(found: BatchResult, text: str | None) -> None:
    assert error_text(found) == text


def test_a_schema_adds_its_fields_and_parse_error_and_renames_a_clash() -> None:
    schema = ResponseSchema.of(
        {"type": "object", "properties": {"content": {"type": "string"}, "n": {"type": "integer"}}}
    )
    columns = Columns("/v1/chat/completions", schema)
    assert columns.names[-3:] == ("parsed.content", "n", "parse_error")
    parsed = result(body=CHAT)._replace(parsed={"content": "x", "n": 2})
    assert columns.values("m", parsed)[-3:] == ["x", 2, None]
    broken = result(body=CHAT)._replace(parse_error=ParseError("Hi.", "not valid JSON: ..."))
    assert columns.values("m", broken)[-3:] == [None, None, "not valid JSON: ..."]


def test_usage_tallies_paid_answers_and_counts_cached_ones_apart() -> None:
    bodies = [(False, CHAT), (True, CHAT), (False, {"usage": {"prompt_tokens": 1}}), (False, None)]
    usage = tally("m", bodies, {"m": (1.0, 3.0)})
    assert (usage.requests, usage.prompt_tokens, usage.completion_tokens) == (3, 4, 2)
    assert usage.cached == 1 and usage.total_tokens == 6
    assert usage.cost == pytest.approx((4 * 1.0 + 2 * 3.0) / 1_000_000)
    assert tally("other", bodies, {"m": (1.0, 3.0)}).cost is None


@pytest.mark.parametrize("price", [(1.0,), (1.0, -1.0), ("1", 2.0), (True, 1.0), 5])
def test_a_price_is_two_numbers_at_least_zero(price: Any) -> None:
    with pytest.raises(InputError, match="two numbers at least 0") as caught:
        check_prices({"m": price})
    assert caught.value.field == "prices"
    check_prices({"m": (0, 2.5)})
    check_prices(None)


def test_a_file_that_cannot_be_read_as_a_table_is_named(tmp_path: Any) -> None:
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet at all")
    with pytest.raises(InputError, match="cannot read as a table") as caught:
        requests(str(broken))
    assert caught.value.path == str(broken)
    # A value of another type than its column's, past the block its type was read from.
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("prompt,n\n" + f"{'a' * 100},1\n" * 50_000 + "b,oops\n")
    with pytest.raises(InputError, match="cannot read as a table"):
        requests(str(mixed))


def test_a_frame_column_arrow_cannot_hold_is_refused() -> None:
    import pandas as pd

    with pytest.raises(InputError, match="cannot read as a table"):
        requests(pd.DataFrame({"prompt": ["a", 1]}))


def test_a_table_file_that_is_not_there_or_is_a_folder_is_named(tmp_path: Any) -> None:
    missing = tmp_path / "none.parquet"
    with pytest.raises(InputError) as caught:
        requests(str(missing))
    assert (caught.value.reason, caught.value.path) == ("no such file", str(missing))
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(InputError) as refused:
        requests(folder)
    assert (refused.value.reason, refused.value.path) == ("is not a file", str(folder))


@pytest.mark.parametrize(
    ("module", "name", "purpose"),
    [
        ("pyarrow.csv", "in.csv", "reading a CSV input"),
        ("pyarrow.parquet", "in.parquet", "reading a Parquet input"),
    ],
)
def test_reading_a_table_file_without_its_reader_says_what_to_install(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, module: str, name: str, purpose: str
) -> None:
    path = tmp_path / name
    path.write_bytes(b"prompt\nhello\n")
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(MissingDependencyError) as caught:
        requests(str(path))
    assert str(caught.value) == f"{purpose} needs pyarrow: pip install 'mistral-batch[tables]'"


def test_messages_that_are_not_json_are_named_by_column_and_row() -> None:
    with pytest.raises(InputError) as caught:
        requests(pa.table({"messages": ['[{"role": "user", "content": "a"}]', "{oops"]}))
    assert (caught.value.row, caught.value.field) == (1, "messages")
    assert caught.value.reason.startswith("messages is not valid JSON (")


def test_odd_answers_leave_their_columns_empty() -> None:
    conversation = Columns("/v1/conversations")
    assert conversation.values("m", result(body={"outputs": []}))[2] is None
    assert conversation.values("m", result(body={"outputs": ["text"]}))[2] is None
    assert (
        Columns("/v1/ocr").values("m", result(body={"pages": [{"index": 0}, {"markdown": "b"}]}))[2]
        == "\n\nb"
    )
    assert Columns("/v1/ocr").values("m", result(body={"pages": "x"}))[2] == ""
    assert Columns("/v1/ocr").values("m", result(body={"pages": None}))[2] == ""
    assert Columns("/v1/ocr").values("m", result(body={}))[2] == ""
    moderation = Columns("/v1/moderations").values(
        "m", result(body={"results": [{"categories": "x"}]})
    )
    assert moderation[2:5] == [False, [], None]
    scores = {"results": [{"tone": {"scores": {"calm": 0.5}}, "other": 3, "bare": {"x": 1}}]}
    assert Columns("/v1/classifications").values("m", result(body=scores))[2] == {"tone.calm": 0.5}
    assert Columns("/v1/unknown").values("m", result(body={"a": "é"}))[2] == '{"a": "é"}'


def test_a_transcription_as_a_row() -> None:
    body = {"text": "Bonjour.", "usage": {"prompt_tokens": 8, "completion_tokens": 2}}
    assert Columns("/v1/audio/transcriptions").values("m", result(body=body))[2:6] == [
        "Bonjour.",
        None,
        8,
        2,
    ]


def test_parsed_fields_are_given_as_json_values() -> None:
    from datetime import date
    from enum import Enum

    from pydantic import BaseModel

    class Mood(Enum):
        CALM = "calm"

    class Day(BaseModel):
        when: date
        mood: Mood

    columns = Columns("/v1/chat/completions", ResponseSchema.of(Day))
    parsed = result(body=CHAT)._replace(parsed=Day(when=date(2026, 1, 2), mood=Mood.CALM))
    assert columns.values("m", parsed)[-3:] == ["2026-01-02", "calm", None]


def test_usage_with_nothing_cached_counts_none_and_prices_exactly() -> None:
    usage = tally("m", [(False, CHAT)], {"m": (1.5, 2.5)})
    assert usage == Usage("m", 1, 3, 2, 0, (3 * 1.5 + 2 * 2.5) / 1_000_000)
