"""Object storage wherever a run reads or writes: s3:// URLs against a real S3 API (moto's
server on loopback, through fsspec and s3fs), read as streams and written all or nothing."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import s3fs

from mistral_batch import Backoff, InputError, Mistral, check_input_file
from mistral_batch._optional import require
from mistral_batch.emulator import Emulator
from mistral_batch.errors import MissingDependencyError
from mistral_batch.storage import atomic_output

from .conftest import FAST_RETRY

MODEL = "mistral-small-latest"
QUICK = Backoff(initial=0.02, factor=1.5, max_delay=0.2)
BUCKET = "runs"  # made by the s3 fixture (tests/conftest.py)


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(api_keys=["key-s"]) as emulator:
        yield emulator


@pytest.fixture
def client(emu: Emulator) -> Iterator[Mistral]:
    with Mistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as c:
        yield c


def chat(i: int) -> dict[str, Any]:
    return {"custom_id": f"r{i}", "body": {"messages": [{"role": "user", "content": f"q {i}"}]}}


def put(fs: s3fs.S3FileSystem, key: str, data: bytes) -> str:
    fs.pipe(f"{BUCKET}/{key}", data)
    return f"s3://{BUCKET}/{key}"


def keys(fs: s3fs.S3FileSystem) -> set[str]:
    fs.invalidate_cache()
    return {path.split("/", 1)[1] for path in fs.find(BUCKET)}


def test_jsonl_from_s3_to_s3(s3: s3fs.S3FileSystem, client: Mistral) -> None:
    source = put(
        s3, "in/requests.jsonl", b"".join(json.dumps(chat(i)).encode() + b"\n" for i in range(5))
    )
    assert check_input_file(source).count == 5
    with client.batch.run(source, model=MODEL, poll=QUICK) as run:
        written = run.write_results(f"s3://{BUCKET}/out/results.jsonl", ordered=True)
        local = [r.custom_id for r in run.results()]
    lines = s3.cat(f"{BUCKET}/out/results.jsonl").splitlines()
    assert written == 5 == len(lines)
    assert [json.loads(line)["custom_id"] for line in lines] == [f"r{i}" for i in range(5)]
    assert sorted(local) == sorted(f"r{i}" for i in range(5))
    # Nothing but the inputs and the outputs: no temporary object left behind.
    assert keys(s3) >= {"in/requests.jsonl", "out/results.jsonl"}
    assert not [key for key in keys(s3) if key.endswith(".part")]


def test_parquet_from_s3_to_parquet_on_s3(s3: s3fs.S3FileSystem, client: Mistral) -> None:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"id": ["a", "b"], "prompt": ["hello", "world"]}), buffer)
    source = put(s3, "in/table.parquet", buffer.getvalue())
    with client.batch.run(source, model=MODEL, id_column="id", poll=QUICK) as run:
        rows = run.write_parquet(f"s3://{BUCKET}/out/table.parquet", join=True)
        expected = run.to_arrow(join=True)
    with s3.open(f"{BUCKET}/out/table.parquet", "rb") as stream:
        table = pq.read_table(stream)
    assert rows == 2
    assert table.equals(expected)
    assert table.column("id").to_pylist() == ["a", "b"]


def test_a_download_is_written_to_s3(s3: s3fs.S3FileSystem, client: Mistral) -> None:
    data = b"".join(json.dumps(chat(i)).encode() + b"\n" for i in range(3))
    uploaded = client.files.upload(file={"file_name": "three.jsonl", "content": data})
    size = client.files.download(uploaded.id).write_to(f"s3://{BUCKET}/copies/three.jsonl")
    assert size == len(data)
    assert s3.cat(f"{BUCKET}/copies/three.jsonl") == data


def test_an_output_that_fails_leaves_no_object(s3: s3fs.S3FileSystem) -> None:
    target = f"s3://{BUCKET}/out/never.jsonl"
    with pytest.raises(RuntimeError, match="midway"), atomic_output(target, 0o600) as out:
        out.write(b"half of it\n")
        raise RuntimeError("midway")
    assert not [key for key in keys(s3) if "never" in key]


def test_a_missing_object_is_named(s3: s3fs.S3FileSystem, client: Mistral) -> None:
    missing = f"s3://{BUCKET}/in/nothing.jsonl"
    with pytest.raises(InputError, match="no such object") as caught:
        client.batch.run(missing, model=MODEL)
    assert caught.value.path == missing
    with pytest.raises(InputError, match="no such object"):
        check_input_file(missing)


def test_a_url_whose_backend_is_missing_says_what_to_install(tmp_path: Any) -> None:
    with pytest.raises(MissingDependencyError, match="gs:// URL needs its fsspec backend"):
        check_input_file("gs://bucket/requests.jsonl")
    with pytest.raises(InputError, match="cannot open") as caught:
        check_input_file("nosuchscheme://bucket/requests.jsonl")
    assert caught.value.path == "nosuchscheme://bucket/requests.jsonl"


def test_an_optional_dependency_that_is_missing_is_named_with_its_extra() -> None:
    with pytest.raises(MissingDependencyError) as caught:
        require("no_such_module.inner", "reading the moon", "mistral-batch[moon]")
    assert str(caught.value) == (
        "reading the moon needs no_such_module: pip install 'mistral-batch[moon]'"
    )
    assert isinstance(caught.value, ImportError)


@pytest.mark.parametrize("name", ["state", "cache"])
def test_a_state_or_cache_at_a_url_is_refused_before_anything(client: Mistral, name: str) -> None:
    url = f"s3://{BUCKET}/run.{name}"
    with pytest.raises(InputError, match=f"{name} must be a local path") as caught:
        client.batch.run([chat(0)], model=MODEL, **{name: url})
    assert caught.value.field == name
