"""Small pure decisions to the letter: a block's deadline refused by name, a server URL
cut of its /v1 before a query, an answer inflated to exactly its bound, pairs given a
response format, what a missing fsspec is said to need (and that a local table never
needs it), a model's usage without cached answers, and a number where the contract says
a string; a raw deflate answer read whole at its bound; lines of a request file numbered
from one."""

from __future__ import annotations

import gzip
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from mistral_batch import BatchJob, FileObject, Mistral
from mistral_batch._config import parse_server_url
from mistral_batch._encoding import BoundedDecoder
from mistral_batch._run_input import requests_of
from mistral_batch._storage import url_size
from mistral_batch._tables_in import TableShape, record_batches
from mistral_batch._usage import Usage, tally
from mistral_batch.errors import InputError, MissingDependencyError, UnsafeResponseError
from mistral_batch.models import FieldTypeError
from mistral_batch_api import models as gen

from .samples import FILE_ANSWER

KEY = "sk-pure-0123456789abcdef"
JOB: dict[str, Any] = {
    "id": "job-1",
    "object": "batch",
    "input_files": ["file-1"],
    "endpoint": "/v1/chat/completions",
    "errors": [],
    "status": "RUNNING",
    "created_at": 100,
    "total_requests": 3,
    "completed_requests": 1,
    "succeeded_requests": 1,
    "failed_requests": 0,
}
FILE: dict[str, Any] = {**FILE_ANSWER, "visibility": "user"}


@pytest.mark.parametrize("seconds", [0, -1.5])
def test_a_block_deadline_that_is_not_positive_is_refused_by_its_name(seconds: float) -> None:
    with (
        Mistral(api_key=KEY, server_url="http://127.0.0.1:9") as client,
        pytest.raises(InputError) as caught,
    ):
        client.deadline(seconds)
    assert caught.value.field == "seconds"
    assert caught.value.reason == (
        f"seconds must be a positive number of seconds or None, got {seconds!r}"
    )


@pytest.mark.parametrize(
    ("typed", "used"),
    [
        ("https://api.example.com/v1/?region=eu", "https://api.example.com/?region=eu"),
        ("https://api.example.com/proxy/v1/#top", "https://api.example.com/proxy#top"),
        ("https://api.example.com/v1", "https://api.example.com"),
    ],
)
def test_a_server_url_ending_in_v1_slash_before_a_query_loses_its_v1(typed: str, used: str) -> None:
    assert str(parse_server_url(typed)) == used


def test_an_answer_inflated_to_exactly_its_bound_is_read_whole() -> None:
    decoder = BoundedDecoder("gzip", 10)
    assert decoder.feed(gzip.compress(b"0123456789")) == b"0123456789"
    assert decoder.produced == 10


def test_an_answer_inflated_past_its_bound_is_refused_not_cut() -> None:
    decoder = BoundedDecoder("gzip", 10)
    with pytest.raises(UnsafeResponseError) as caught:
        decoder.feed(gzip.compress(b"0123456789A"))
    assert str(caught.value) == "refused an answer larger than 10 bytes once inflated from gzip"


def test_the_start_of_a_body_is_cut_at_exactly_its_bound() -> None:
    decoder = BoundedDecoder("deflate", 10)
    assert decoder.feed_start(zlib.compress(b"0123456789ABC")) == b"0123456789"
    assert decoder.feed_start(b"") == b""


def test_a_raw_deflate_answer_inflated_to_exactly_its_bound_is_read_whole() -> None:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)  # deflate without its zlib header
    decoder = BoundedDecoder("deflate", 10)
    assert decoder.feed(packer.compress(b"0123456789") + packer.flush()) == b"0123456789"
    assert decoder.produced == 10


def test_a_request_file_s_lines_are_numbered_from_one(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n")
    with pytest.raises(InputError) as caught:
        list(requests_of(path, TableShape(), None))
    assert str(caught.value) == f"{path} line 1: blank line; every line must hold one request"


def test_a_pair_gets_the_response_format_and_a_longer_tuple_is_left_alone() -> None:
    fmt = {"type": "json_object"}
    given: list[Any] = [
        ("a", {"messages": []}),
        ["b", {"messages": []}],
        ("c", {"messages": []}, "x"),
    ]
    assert list(requests_of(given, TableShape(), fmt)) == [
        ("a", {"messages": [], "response_format": fmt}),
        ("b", {"messages": [], "response_format": fmt}),
        ("c", {"messages": []}, "x"),
    ]


def test_a_url_without_fsspec_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fsspec", None)
    with pytest.raises(MissingDependencyError) as caught:
        url_size("s3://bucket/key")
    assert str(caught.value) == "a s3:// URL needs fsspec: pip install 'mistral-batch[storage]'"


def test_a_local_table_is_read_without_fsspec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"prompt\nfirst\nsecond\n")
    monkeypatch.setitem(sys.modules, "fsspec", None)
    rows = [row for batch in record_batches(path) for row in batch.to_pylist()]
    assert rows == [{"prompt": "first"}, {"prompt": "second"}]


def test_usage_without_cached_answers_counts_none_cached() -> None:
    answers = [(False, {"usage": {"prompt_tokens": 3, "completion_tokens": 4}})]
    assert tally("m", answers, None) == Usage("m", 1, 3, 4, 0, None)
    assert tally("m", [(True, {}), *answers], None) == Usage("m", 1, 3, 4, 1, None)
    assert tally("m", [], None) == Usage("m", 0, 0, 0, 0, None)


def test_each_cached_answer_is_counted() -> None:
    assert tally("m", [(True, {}), (True, {}), (True, {})], None) == Usage("m", 0, 0, 0, 3, None)


@pytest.mark.parametrize("field", ["status", "endpoint"])
def test_a_job_answer_with_a_number_for_a_text_field_is_refused(field: str) -> None:
    with pytest.raises(FieldTypeError) as caught:
        BatchJob.from_generated(gen.BatchJob.from_dict({**JOB, field: 5}))
    assert str(caught.value) == f"field {field!r} is 5, not a string"


@pytest.mark.parametrize("field", ["purpose", "sample_type", "source", "visibility"])
def test_a_file_answer_with_a_number_for_a_text_field_is_refused(field: str) -> None:
    with pytest.raises(FieldTypeError) as caught:
        FileObject.from_generated(gen.FileObject.from_dict({**FILE, field: 5}))
    optional = " or null" if field == "visibility" else ""
    assert str(caught.value) == f"field {field!r} is 5, not a string{optional}"
