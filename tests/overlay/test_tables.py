"""Tables in and out of a run: DataFrames (pandas, polars), Arrow tables, Parquet and CSV
files as requests, and the answers back as tables, through the emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import BaseModel

from mistral_batch import Backoff, InputError, Mistral
from mistral_batch.emulator import Emulator

from .conftest import FAST_RETRY

MODEL = "mistral-small-latest"
QUICK = Backoff(initial=0.02, factor=1.5, max_delay=0.2)
ANSWER_COLUMNS = [
    "custom_id",
    "model",
    "content",
    "finish_reason",
    "prompt_tokens",
    "completion_tokens",
    "status_code",
    "error",
]


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(api_keys=["key-t"]) as emulator:
        yield emulator


@pytest.fixture
def client(emu: Emulator) -> Iterator[Mistral]:
    with Mistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
        yield c


def sent(emu: Emulator, client: Mistral, job_id: str) -> list[dict[str, Any]]:
    """The request lines the job's input file holds, as the server got them."""
    job = client.batch.jobs.get(job_id)
    raw = b"".join(client.files.download(job.input_files[0]).iter_bytes())
    return [json.loads(line) for line in raw.splitlines()]


PRODUCTS = {
    "sku": ["a1", "b2", "c3"],
    "text": ["red shoes", "blue hat", "green scarf"],
    "price": [10.5, 20.0, 7.25],
}


def test_a_pandas_frame_goes_in_row_by_row_and_comes_back_in_input_order(
    emu: Emulator, client: Mistral
) -> None:
    frame = pd.DataFrame({**PRODUCTS, "temperature": [0.1, None, 0.3]})
    with client.batch.run(
        frame,
        model=MODEL,
        prompt_column="text",
        id_column="sku",
        body_columns=["temperature"],
        system="Describe the product.",
        poll=QUICK,
    ) as run:
        lines = sent(emu, client, run.jobs[0].id)
        out = run.to_pandas()
        joined = run.to_pandas(join=True)
    assert [line["custom_id"] for line in lines] == ["a1", "b2", "c3"]
    assert lines[0]["body"] == {
        "messages": [
            {"role": "system", "content": "Describe the product."},
            {"role": "user", "content": "red shoes"},
        ],
        "temperature": 0.1,
    }
    # A null is left out of the body, not sent as null.
    assert "temperature" not in lines[1]["body"]
    assert list(out.columns) == ANSWER_COLUMNS
    assert list(out["custom_id"]) == ["a1", "b2", "c3"]
    assert set(out["model"]) == {MODEL}
    assert out["content"].str.endswith(".").all()
    assert (out["status_code"] == 200).all() and out["error"].isna().all()
    assert (out["prompt_tokens"] > 0).all() and (out["completion_tokens"] > 0).all()
    assert list(joined.columns) == [*PRODUCTS, "temperature", *ANSWER_COLUMNS]
    assert list(joined["sku"]) == list(joined["custom_id"]) == ["a1", "b2", "c3"]
    assert list(joined["price"]) == PRODUCTS["price"]


def test_a_polars_frame_of_messages_with_its_own_ids(client: Mistral) -> None:
    frame = pl.DataFrame(
        {
            "custom_id": ["x", "y"],
            "messages": [
                [{"role": "user", "content": "one"}],
                [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "two"}],
            ],
        }
    )
    with client.batch.run(frame, model=MODEL, poll=QUICK) as run:
        table = run.to_polars()
        results = {r.custom_id: r for r in run.results()}
    assert table["custom_id"].to_list() == ["x", "y"]
    assert table["content"].to_list() == [results["x"].content, results["y"].content]


def test_an_arrow_table_without_ids_numbers_its_rows(client: Mistral) -> None:
    table = pa.table({"prompt": ["first", "second", "third"]})
    with client.batch.run(table, model=MODEL, poll=QUICK) as run:
        out = run.to_arrow()
    assert out.column("custom_id").to_pylist() == ["0", "1", "2"]
    assert out.schema.field("prompt_tokens").type == pa.int64()


def test_parquet_in_parquet_out_on_two_models_long_and_wide(
    client: Mistral, tmp_path: Path
) -> None:
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table(PRODUCTS), source)
    models = ["model-a", "model-b"]
    with client.batch.run(
        source, models=models, prompt_column="text", id_column="sku", poll=QUICK
    ) as run:
        rows = run.write_parquet(tmp_path / "long.parquet", join=True)
        run.write_parquet(tmp_path / "wide.parquet", wide=True)
        one = run.to_arrow("model-b")
    long = pq.read_table(tmp_path / "long.parquet")
    wide = pq.read_table(tmp_path / "wide.parquet")
    assert rows == long.num_rows == 6
    # One row per request and model, the input's columns repeated beside each.
    assert long.column("sku").to_pylist() == ["a1", "a1", "b2", "b2", "c3", "c3"]
    assert long.column("model").to_pylist() == models * 3
    assert wide.num_rows == 3
    assert wide.schema.names[:3] == ["custom_id", "model-a.content", "model-a.finish_reason"]
    assert "model-b.content" in wide.schema.names
    assert one.column("model").to_pylist() == ["model-b"] * 3
    assert one.column("content").to_pylist() == wide.column("model-b.content").to_pylist()


def test_a_csv_of_messages_as_json_text(client: Mistral, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    conversation = json.dumps([{"role": "user", "content": "hi, there"}])
    pd.DataFrame({"id": [7, 8], "messages": [conversation, conversation]}).to_csv(
        source, index=False
    )
    with client.batch.run(source, model=MODEL, id_column="id", poll=QUICK) as run:
        assert run.to_pandas()["custom_id"].tolist() == ["7", "8"]


@pytest.mark.parametrize(
    ("frame", "options", "row", "words"),
    [
        (pd.DataFrame({"prompt": ["a", None, "c"]}), {}, 1, "prompt is null"),
        (pd.DataFrame({"prompt": ["a", "b", "  "]}), {}, 2, "prompt is empty"),
        (
            pd.DataFrame({"custom_id": ["p", "q", "p"], "prompt": ["a", "b", "c"]}),
            {},
            2,
            "duplicate custom_id 'p' (first on row 0)",
        ),
        (
            pd.DataFrame({"k": ["p", None], "prompt": ["a", "b"]}),
            {"id_column": "k"},
            1,
            "k is null",
        ),
        (pd.DataFrame({"messages": ["not json"]}), {}, 0, "messages is not valid JSON"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_sent(
    emu: Emulator, client: Mistral, frame: Any, options: dict[str, Any], row: int, words: str
) -> None:
    before = len(list(client.files.list()))
    with pytest.raises(InputError) as caught:
        client.batch.run(frame, model=MODEL, poll=QUICK, **options)
    assert caught.value.row == row
    assert words in str(caught.value)
    assert f"row {row}" in str(caught.value)
    assert len(list(client.files.list())) == before


def test_a_missing_column_is_named_with_the_columns_there_are(client: Mistral) -> None:
    frame = pd.DataFrame({"question": ["a"]})
    with pytest.raises(InputError, match=r"no prompt or messages column.*'question'"):
        client.batch.run(frame, model=MODEL)
    with pytest.raises(InputError, match="no prompt column 'text'"):
        client.batch.run(frame, model=MODEL, prompt_column="text")


def test_table_options_need_a_table(client: Mistral) -> None:
    requests = [{"custom_id": "a", "body": {"messages": [{"role": "user", "content": "x"}]}}]
    with pytest.raises(InputError, match="prompt_column is for a table input") as caught:
        client.batch.run(requests, model=MODEL, prompt_column="text")
    assert caught.value.field == "prompt_column"


def test_join_needs_a_table_input(client: Mistral) -> None:
    requests = [{"custom_id": "a", "body": {"messages": [{"role": "user", "content": "x"}]}}]
    with client.batch.run(requests, model=MODEL, poll=QUICK) as run:
        assert run.to_arrow().num_rows == 1
        with pytest.raises(InputError, match="join=True needs a run whose input was a table"):
            run.to_arrow(join=True)


def test_embeddings_come_back_as_a_vector_column(client: Mistral) -> None:
    frame = pd.DataFrame({"prompt": ["cheese", "wine"]})
    embed = {"model": "mistral-embed", "endpoint": "/v1/embeddings"}
    with client.batch.run(frame, poll=QUICK, **embed) as run:
        lines = [r.body for r in run.results()]
        table = run.to_arrow()
    assert table.schema.names == [
        "custom_id",
        "model",
        "embedding",
        "prompt_tokens",
        "status_code",
        "error",
    ]
    assert table.schema.field("embedding").type == pa.list_(pa.float64())
    assert table.column("embedding").to_pylist() == [b["data"][0]["embedding"] for b in lines]


def test_moderations_come_back_as_flags_and_scores(client: Mistral) -> None:
    frame = pd.DataFrame({"prompt": ["hello"]})
    with client.batch.run(
        frame, model="mistral-moderation-latest", endpoint="/v1/moderations", poll=QUICK
    ) as run:
        body = next(iter(run.results())).body
        row = run.to_arrow().to_pylist()[0]
    scores = body["results"][0]["category_scores"]
    assert dict(row["category_scores"]) == scores
    flagged = sorted(k for k, v in body["results"][0]["categories"].items() if v)
    assert row["categories"] == flagged and row["flagged"] is bool(flagged)


def test_usage_totals_the_tokens_and_prices_them(client: Mistral) -> None:
    frame = pd.DataFrame({"prompt": ["one two three", "four"]})
    with client.batch.run(frame, model=MODEL, poll=QUICK) as run:
        table = run.to_arrow()
        usage = run.usage(prices={MODEL: (2.0, 6.0)})[MODEL]
        unpriced = run.usage()[MODEL]
    prompt = sum(table.column("prompt_tokens").to_pylist())
    completion = sum(table.column("completion_tokens").to_pylist())
    assert (usage.requests, usage.prompt_tokens, usage.completion_tokens) == (
        2,
        prompt,
        completion,
    )
    assert usage.total_tokens == prompt + completion
    assert usage.cost == pytest.approx((prompt * 2.0 + completion * 6.0) / 1_000_000)
    assert unpriced.cost is None


def test_a_bad_price_is_refused(client: Mistral) -> None:
    requests = [{"custom_id": "a", "body": {"messages": [{"role": "user", "content": "x"}]}}]
    with client.batch.run(requests, model=MODEL, poll=QUICK) as run:
        with pytest.raises(InputError, match="two numbers at least 0"):
            run.usage(prices={MODEL: (1.0,)})  # type: ignore[dict-item]
        with pytest.raises(InputError, match="two numbers at least 0"):
            run.usage(prices={MODEL: (1.0, -2.0)})


class Review(BaseModel):
    sentiment: Literal["positive", "negative", "mixed"]
    score: int
    topics: list[str]
    note: str | None = None


def test_structured_answers_parse_and_become_columns(emu: Emulator, client: Mistral) -> None:
    frame = pd.DataFrame(
        {
            "prompt": ["Great cheese.", "Flat wine.", "Fine bread."],
            # A real model cut short by max_tokens leaves JSON unfinished: so does the
            # emulator's, and the answer lands in parse_error, not in an exception.
            "max_tokens": [None, 2, None],
        }
    )
    with client.batch.run(
        frame, model=MODEL, response_format=Review, body_columns=["max_tokens"], poll=QUICK
    ) as run:
        body = sent(emu, client, run.jobs[0].id)[0]["body"]
        results = {r.custom_id: r for r in run.results()}
        table = run.to_pandas()
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "Review"
    assert body["response_format"]["json_schema"]["strict"] is True
    good = results["0"]
    assert isinstance(good.parsed, Review) and good.parse_error is None
    assert good.parsed == Review.model_validate_json(good.content)
    cut = results["1"]
    assert cut.parsed is None and cut.parse_error is not None
    assert cut.parse_error.text == cut.content
    assert "not valid JSON" in cut.parse_error.reason
    assert list(table.columns)[-5:] == ["sentiment", "score", "topics", "note", "parse_error"]
    assert table.loc[0, "sentiment"] == good.parsed.sentiment
    assert table.loc[0, "score"] == good.parsed.score
    assert list(table.loc[0, "topics"]) == good.parsed.topics
    assert pd.isna(table.loc[1, "sentiment"]) and "not valid JSON" in table.loc[1, "parse_error"]


def test_a_json_schema_dict_parses_to_dicts(client: Mistral) -> None:
    schema = {
        "title": "City facts",
        "type": "object",
        "properties": {"name": {"type": "string"}, "people": {"type": "integer", "minimum": 0}},
        "required": ["name", "people"],
    }
    requests = [{"custom_id": "p", "body": {"messages": [{"role": "user", "content": "Paris?"}]}}]
    with client.batch.run(requests, model=MODEL, response_format=schema, poll=QUICK) as run:
        result = next(iter(run.results()))
        row = run.to_arrow().to_pylist()[0]
    assert set(result.parsed) == {"name", "people"} and result.parse_error is None
    assert (row["name"], row["people"]) == (result.parsed["name"], result.parsed["people"])
    assert row["parse_error"] is None


def test_a_request_with_its_own_response_format_is_refused(client: Mistral) -> None:
    own = {"type": "json_object"}
    requests = [{"custom_id": "a", "body": {"messages": [], "response_format": own}}]
    with pytest.raises(InputError, match="its own response_format"):
        client.batch.run(requests, model=MODEL, response_format=Review)


def test_a_duplicate_in_a_file_given_a_response_format_is_named_in_that_file(
    client: Mistral, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    line = {"custom_id": "a", "body": {"messages": [{"role": "user", "content": "x"}]}}
    source.write_text(json.dumps(line) + "\n" + json.dumps(line) + "\n")
    with pytest.raises(InputError) as caught:
        client.batch.run(source, model=MODEL, response_format=Review)
    assert str(caught.value) == f"{source} line 2: duplicate custom_id 'a' (first on line 1)"
