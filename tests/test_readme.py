"""The README's Python examples run as written, against the emulator."""

import io
import json
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mistral_batch.emulator import Emulator

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    lines = [
        {"custom_id": str(i), "body": {"messages": [{"role": "user", "content": f"q{i}"}]}}
        for i in range(3)
    ]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return tmp_path


def test_the_readme_has_examples() -> None:
    assert len(python_blocks()) >= 4


def test_the_examples_run_in_order(workdir: Path, monkeypatch: pytest.MonkeyPatch, s3: Any) -> None:
    # The object storage example reads a table from a bucket of the S3 on loopback.
    table = io.BytesIO()
    pq.write_table(pa.table({"text": ["Great cheese."], "stars": [5]}), table)
    if not s3.exists("my-bucket"):
        s3.mkdir("my-bucket")
    s3.pipe("my-bucket/reviews.parquet", table.getvalue())
    # In one scope, as a reader would paste them: the second example uses the first's client.
    with Emulator() as emu:
        monkeypatch.setenv("MISTRAL_API_KEY", emu.api_key)
        monkeypatch.setenv("MISTRAL_SERVER_URL", emu.url)
        scope: dict[str, object] = {}
        for index, block in enumerate(python_blocks()):
            exec(compile(block, f"README block {index}", "exec"), scope)
        scope["test_my_pipeline"](emu)  # type: ignore[operator]
    assert (workdir / "results.jsonl").read_text().count("\n") == 3
    s3.invalidate_cache()
    assert s3.exists("my-bucket/answers.parquet")
