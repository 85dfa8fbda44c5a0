"""Tables in and out (case 10): a run from a Parquet file of N rows to a Parquet file of
its answers beside the input's columns, and the same N requests from a JSONL file to a
JSONL file, for the time of the table's path beside the plain one's."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from benchmarks._work import ENDPOINT, MODEL, Params, Work, left_nothing, ours, unlink

#: Rows converted and written at a time when making the fixtures.
_CHUNK = 50_000


def _prompt(i: int) -> str:
    return f"Question {i}: what is the best French cheese to serve with a glass of wine?"


def write_table(path: Path, rows: int) -> Path:
    """A Parquet file of `rows` rows: id, prompt, and a category column carried along."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("id", pa.string()), ("prompt", pa.string()), ("category", pa.string())])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, rows, _CHUNK):
            ids = range(start, min(rows, start + _CHUNK))
            writer.write_table(
                pa.table(
                    {
                        "id": [f"row-{i}" for i in ids],
                        "prompt": [_prompt(i) for i in ids],
                        "category": [("cheese", "wine", "bread")[i % 3] for i in ids],
                    },
                    schema=schema,
                )
            )
    return path


def write_jsonl(path: Path, rows: int) -> Path:
    """The same requests as write_table's rows, as a JSONL input file."""
    with path.open("w") as out:
        for i in range(rows):
            body = {"messages": [{"role": "user", "content": _prompt(i)}]}
            out.write(json.dumps({"custom_id": f"row-{i}", "body": body}) + "\n")
    return path


def tables_parquet(p: Params) -> Work:
    client = ours(p)
    target = Path(p["out"])

    def run() -> float:
        with client.batch.run(p["path"], model=MODEL, endpoint=ENDPOINT, id_column="id") as done:
            rows = done.write_parquet(target, join=True)
        left_nothing(done)
        if rows != p["n"]:
            raise RuntimeError(f"{rows:,} rows written of {p['n']:,}")
        return float(rows)

    return Work(run, unlink(target), client=client)


def tables_jsonl(p: Params) -> Work:
    client = ours(p)
    target = Path(p["out"])

    def run() -> float:
        with client.batch.run(p["path"], model=MODEL, endpoint=ENDPOINT) as done:
            lines = done.write_results(target)
        left_nothing(done)
        if lines != p["n"]:
            raise RuntimeError(f"{lines:,} lines written of {p['n']:,}")
        return float(lines)

    return Work(run, unlink(target), client=client)


if __name__ == "__main__":
    # python -m benchmarks.cases_tables parquet|jsonl PATH ROWS: write an input.
    make = {"parquet": write_table, "jsonl": write_jsonl}[sys.argv[1]]
    make(Path(sys.argv[2]), int(sys.argv[3]))
