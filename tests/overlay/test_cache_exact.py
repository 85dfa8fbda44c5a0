"""The answer cache to the letter: the exact key of a request (kept on disk, so it must not
drift between versions), lookups past one query's worth of keys, and use from a thread
other than the one that opened it."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from mistral_batch._cache import AnswerCache, body_digest, cached_lines, request_key


def test_the_digest_is_that_of_compact_sorted_utf8_json() -> None:
    body = {"z": [1, 2.5, None], "a": {"é": "ü", "b": True}}
    canonical = '{"a":{"b":true,"é":"ü"},"z":[1,2.5,null]}'.encode()
    assert body_digest(body) == hashlib.sha256(canonical).digest()
    assert body_digest({}) == hashlib.sha256(b"{}").digest()


def test_the_key_joins_endpoint_model_and_digest_with_nul_bytes() -> None:
    digest = body_digest({"input": ["x"]})
    key = request_key("/v1/embeddings", "mistral-embed", digest)
    assert key == hashlib.sha256(b"/v1/embeddings\0mistral-embed\0" + digest).digest()
    assert (
        request_key("/v1/embeddings", "", digest)
        == hashlib.sha256(b"/v1/embeddings\0\0" + digest).digest()
    )


class Ledger:
    """The ledger's side that cached_lines reads: (custom_id, body digest) pairs."""

    def __init__(self, pairs: list[tuple[str, bytes]]) -> None:
        self.pairs = pairs

    def digests(self) -> Iterable[tuple[str, bytes]]:
        return iter(self.pairs)


def line_for(n: int) -> bytes:
    answer = {"custom_id": f"old-{n}", "response": {"status_code": 200, "body": {"n": n}}}
    return json.dumps(answer).encode() + b"\n"


def test_cached_lines_of_a_ledger_of_more_than_one_lookup(tmp_path: Path) -> None:
    endpoint, model = "/v1/chat/completions", "m"
    digests = [body_digest({"n": n}) for n in range(1203)]
    kept = [n for n in range(1203) if n % 3 == 0 or n in (499, 500, 999, 1000, 1202)]
    cache = AnswerCache(tmp_path / "cache")
    try:
        cache.keep([(request_key(endpoint, model, digests[n]), line_for(n)) for n in kept])
        ledger = Ledger([(f"new-{n}", digests[n]) for n in range(1203)])
        lines = [json.loads(line) for line in cached_lines(cache, endpoint, model, ledger)]
        on_another_model = list(cached_lines(cache, endpoint, "other", ledger))
    finally:
        cache.close()
    # In the ledger's order, each under the request's own custom_id.
    assert [line["custom_id"] for line in lines] == [f"new-{n}" for n in kept]
    assert [line["response"]["body"]["n"] for line in lines] == kept
    assert on_another_model == []


def test_a_cached_line_is_written_in_utf8_under_the_new_custom_id(tmp_path: Path) -> None:
    digest = body_digest({"q": 1})
    key = request_key("/v1/chat/completions", "m", digest)
    cache = AnswerCache(tmp_path / "cache")
    try:
        cache.keep([(key, '{"custom_id": "x", "body": "é"}\n'.encode())])
        ledger = Ledger([("mine", digest)])
        lines = list(cached_lines(cache, "/v1/chat/completions", "m", ledger))
    finally:
        cache.close()
    assert lines == ['{"custom_id": "mine", "body": "é"}\n'.encode()]


def test_a_cache_opened_in_one_thread_serves_another(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path / "cache")
    outcome: list[object] = []

    def use() -> None:
        try:
            kept = cache.keep([(b"k", b"line\n")], job="job-1")
            outcome.append((kept, cache.find([b"k"]), cache.unkept(["job-1", "job-2"])))
        except Exception as exc:
            outcome.append(exc)

    try:
        worker = threading.Thread(target=use)
        worker.start()
        worker.join()
    finally:
        cache.close()
    assert outcome == [(1, {b"k": b"line\n"}, ["job-2"])]


def test_the_jobs_noted_are_in_the_cache_file(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path / "cache")
    try:
        assert cache.keep([(b"k1", b"one\n")], job="job-1") == 1
        assert cache.keep([(b"k1", b"two\n")], job="job-1") == 0
    finally:
        cache.close()
    db = sqlite3.connect(str(tmp_path / "cache" / "answers.sqlite"))
    try:
        assert db.execute("SELECT id FROM jobs").fetchall() == [("job-1",)]
        assert db.execute("SELECT key, line FROM answers").fetchall() == [(b"k1", b"one\n")]
    finally:
        db.close()
