"""`mistral-batch run` from a table to a table: Parquet and CSV in, Parquet out, with the
tokens priced in the summary."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli_helpers import CLI

SMALL, LARGE = "mistral-small-latest", "mistral-large-latest"
REVIEWS = {
    "review_id": ["r1", "r2", "r3"],
    "text": ["Great cheese.", "The wine was flat.", "Bread, fine."],
    "stars": [5, 2, 3],
}


def test_parquet_in_parquet_out_with_the_input_columns_and_a_price(
    cli: CLI, tmp_path: Path
) -> None:
    pq.write_table(pa.table(REVIEWS), tmp_path / "reviews.parquet")
    done = cli(
        "run",
        "reviews.parquet",
        "-m",
        SMALL,
        "--prompt-column",
        "text",
        "--id-column",
        "review_id",
        "--system",
        "Summarise the review.",
        "--output",
        "answers.parquet",
        "--price",
        f"{SMALL}=0.1,0.3",
    )
    assert done.returncode == 0, done.stderr
    table = pq.read_table(tmp_path / "answers.parquet")
    assert table.column("review_id").to_pylist() == ["r1", "r2", "r3"]
    assert table.column("stars").to_pylist() == [5, 2, 3]
    assert table.column("custom_id").to_pylist() == ["r1", "r2", "r3"]
    assert all(table.column("content").to_pylist())
    prompt = sum(table.column("prompt_tokens").to_pylist())
    completion = sum(table.column("completion_tokens").to_pylist())
    cost = (prompt * 0.1 + completion * 0.3) / 1_000_000
    assert (
        f"Tokens on {SMALL}: {prompt:,} prompt, {completion:,} completion over 3 answers,"
        f" cost {cost:,.6f}" in done.stdout
    )
    assert "Output file: answers.parquet (3 rows" in done.stdout
    # The state and the defaults are named from the input without its suffix.
    assert (tmp_path / "answers.parquet.state").exists()


def test_a_csv_on_two_models_writes_a_table_per_model_and_usage_as_json(
    cli: CLI, tmp_path: Path
) -> None:
    (tmp_path / "reviews.csv").write_text("prompt\nhello\nworld\n")
    done = cli("run", "reviews.csv", "-m", SMALL, "-m", LARGE, "-o", "out.parquet", "--json")
    assert done.returncode == 0, done.stderr
    for model in (SMALL, LARGE):
        table = pq.read_table(tmp_path / f"out.{model}.parquet")
        assert table.column("custom_id").to_pylist() == ["0", "1"]
        assert table.column("prompt").to_pylist() == ["hello", "world"]
        assert set(table.column("model").to_pylist()) == {model}
    usage = json.loads(done.stdout)["usage"]
    assert set(usage) == {SMALL, LARGE}
    assert usage[SMALL]["requests"] == 2 and usage[SMALL]["cost"] is None
    assert usage[SMALL]["total_tokens"] == (
        usage[SMALL]["prompt_tokens"] + usage[SMALL]["completion_tokens"]
    )


def test_a_bad_row_is_named_and_nothing_is_written(cli: CLI, tmp_path: Path) -> None:
    pq.write_table(pa.table({"prompt": ["a", None]}), tmp_path / "in.parquet")
    done = cli("run", "in.parquet", "-m", SMALL)
    assert done.returncode != 0
    assert "in.parquet row 1: prompt is null" in done.stderr
    assert not (tmp_path / "in.results.jsonl").exists()


@pytest.mark.parametrize(
    ("price", "words"),
    [("nomodel", "give MODEL=IN,OUT"), (f"{SMALL}=1", "two numbers"), (f"{SMALL}=1,-1", "two")],
)
def test_a_bad_price_is_refused_before_anything_runs(
    cli: CLI, tmp_path: Path, price: str, words: str
) -> None:
    (tmp_path / "in.csv").write_text("prompt\nhello\n")
    done = cli("run", "in.csv", "-m", SMALL, "--price", price)
    assert done.returncode == 2
    assert words in done.stderr
    assert not (tmp_path / "in.results.jsonl.state").exists()


def test_from_s3_to_s3(cli: CLI, s3: Any) -> None:
    buffer = io.BytesIO()
    pq.write_table(pa.table(REVIEWS), buffer)
    s3.pipe("runs/cli/reviews.parquet", buffer.getvalue())
    done = cli(
        "run",
        "s3://runs/cli/reviews.parquet",
        "-m",
        SMALL,
        "-m",
        LARGE,
        "--prompt-column",
        "text",
        "--id-column",
        "review_id",
        "-o",
        "s3://runs/cli/answers.parquet",
    )
    assert done.returncode == 0, done.stderr
    s3.invalidate_cache()
    for model in (SMALL, LARGE):
        with s3.open(f"runs/cli/answers.{model}.parquet", "rb") as stream:
            table = pq.read_table(stream)
        assert table.column("review_id").to_pylist() == ["r1", "r2", "r3"]
        assert set(table.column("model").to_pylist()) == {model}
    assert f"Output file: s3://runs/cli/answers.{SMALL}.parquet (3 rows" in done.stdout
    # The state stays on the local disk, named for the output.
    assert (cli.cwd / "answers.parquet.state").exists()


def test_a_response_format_file_makes_the_schema_fields_columns(cli: CLI, tmp_path: Path) -> None:
    schema = {
        "title": "Verdict",
        "type": "object",
        "properties": {"liked": {"type": "boolean"}, "reason": {"type": "string"}},
        "required": ["liked", "reason"],
    }
    (tmp_path / "verdict.json").write_text(json.dumps(schema))
    pq.write_table(pa.table(REVIEWS), tmp_path / "reviews.parquet")
    done = cli(
        "run",
        "reviews.parquet",
        "-m",
        SMALL,
        "--prompt-column",
        "text",
        "--response-format",
        "verdict.json",
        "-o",
        "verdicts.parquet",
    )
    assert done.returncode == 0, done.stderr
    table = pq.read_table(tmp_path / "verdicts.parquet")
    assert table.schema.names[-3:] == ["liked", "reason", "parse_error"]
    assert table.schema.field("liked").type == pa.bool_()
    assert all(isinstance(v, bool) for v in table.column("liked").to_pylist())
    assert table.column("parse_error").to_pylist() == [None, None, None]


def test_a_response_format_that_is_not_json_is_a_usage_error(cli: CLI, tmp_path: Path) -> None:
    (tmp_path / "schema.json").write_text("{not json")
    (tmp_path / "in.csv").write_text("prompt\nhello\n")
    done = cli("run", "in.csv", "-m", SMALL, "--response-format", "schema.json")
    assert done.returncode == 2
    assert "schema.json: not a JSON file" in done.stderr
