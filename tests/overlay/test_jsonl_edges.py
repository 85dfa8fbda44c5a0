"""The JSONL decoder at its edges, under every way of cutting the bytes into chunks, with
both parsers and both iterators: what it yields, where it stops, and what it says."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from mistral_batch._jsonl import BOM, JsonlDecoder, aiter_jsonl, iter_jsonl, pure_loads
from mistral_batch.errors import ResultDecodeError

PARSERS = {"default": None, "pure": pure_loads}
SIZES = [1, 2, 3, 5, 7, 64, 10_000]

DOCUMENTS: dict[str, tuple[bytes, list[tuple[int, Any]]]] = {
    "plain": (b'{"a": 1}\n{"b": 2}\n', [(1, {"a": 1}), (2, {"b": 2})]),
    "no final newline": (b'{"a": 1}\n[2]', [(1, {"a": 1}), (2, [2])]),
    "blank lines counted": (b'\n{"a": 1}\n\n  \n3\n', [(2, {"a": 1}), (5, 3)]),
    "crlf": (b'{"a": 1}\r\n{"b": "x"}\r\n', [(1, {"a": 1}), (2, {"b": "x"})]),
    "bom": (BOM + b'{"a": 1}\n', [(1, {"a": 1})]),
    "bom only": (BOM, []),
    "separators are data": (
        '{"s": "a\u2028b\u2029c\\r"}\n'.encode(),
        [(1, {"s": "a\u2028b\u2029c\r"})],
    ),
    "short start like a bom": (b"\xef", "error"),  # type: ignore[dict-item]
    "two values": (b"1\n2", [(1, 1), (2, 2)]),
    "empty": (b"", []),
}


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


def decode_all(data: bytes, size: int, loads: Any, **options: Any) -> list[list[Any]]:
    """The values by the three ways in: the decoder fed by hand, iter_jsonl, aiter_jsonl."""
    decoder = JsonlDecoder(loads=loads, **options)
    by_hand: list[Any] = []
    for chunk in chunked(data, size):
        by_hand += decoder.feed(chunk)
    by_hand += decoder.close()
    synced = list(iter_jsonl(chunked(data, size), loads=loads, **options))

    async def agen() -> AsyncIterator[bytes]:
        for chunk in chunked(data, size):
            yield chunk

    async def collect() -> list[Any]:
        return [item async for item in aiter_jsonl(agen(), loads=loads, **options)]

    return [by_hand, synced, asyncio.run(collect())]


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", [n for n, (_, v) in DOCUMENTS.items() if v != "error"])
def test_every_chunking_gives_the_same_values(name: str, size: int, parser: str) -> None:
    data, expected = DOCUMENTS[name]
    for got in decode_all(data, size, PARSERS[parser]):
        assert got == expected


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("size", SIZES)
def test_a_bad_line_is_named_with_an_excerpt_after_the_good_ones(size: int, parser: str) -> None:
    bad = b"{" + b"x" * 100
    data = b'{"a": 1}\n\n' + bad + b"\n[3]\n"
    seen: list[Any] = []
    with pytest.raises(ResultDecodeError) as caught:
        for item in iter_jsonl(chunked(data, size), loads=PARSERS[parser]):
            seen.append(item)
    assert seen == [(1, {"a": 1})]
    error = caught.value
    assert error.line == 3
    assert error.excerpt == bad.decode()[:80] + "..."
    assert str(error).startswith("line 3: invalid JSON (")
    assert str(error).endswith(f"): {error.excerpt!r}")


def test_a_short_bad_line_is_quoted_whole_without_its_cr() -> None:
    with pytest.raises(ResultDecodeError) as caught:
        list(iter_jsonl([b"nope\r\n"], loads=pure_loads))
    assert (caught.value.line, caught.value.excerpt) == (1, "nope")
    assert str(caught.value).endswith("): 'nope'")


def test_a_lone_start_of_a_bom_is_data_and_so_a_bad_line() -> None:
    with pytest.raises(ResultDecodeError) as caught:
        list(iter_jsonl([b"\xef"]))
    assert caught.value.line == 1


@pytest.mark.parametrize("size", SIZES)
def test_a_line_of_exactly_the_limit_passes_and_one_byte_more_is_refused(size: int) -> None:
    line = b'"' + b"x" * 18 + b'"'  # 20 bytes
    ok = decode_all(line + b"\n" + line, size, None, max_line_bytes=20)
    assert ok == [[(1, "x" * 18), (2, "x" * 18)]] * 3
    long = b'"' + b"x" * 19 + b'"'  # 21 bytes, on line 2
    with pytest.raises(ResultDecodeError) as caught:
        list(iter_jsonl(chunked(line + b"\n" + long + b"\n", size), max_line_bytes=20))
    assert caught.value.line == 2
    assert str(caught.value) == (
        "line 2 is longer than 20 bytes, the limit (max_line_bytes); the file is broken, "
        "or holds answers larger than expected"
    )


def test_the_chunks_are_closed_however_the_walk_ends() -> None:
    closed: list[str] = []

    def source(data: bytes) -> Iterator[bytes]:
        try:
            yield data
        finally:
            closed.append("sync")

    async def asource(data: bytes) -> AsyncIterator[bytes]:
        try:
            yield data
        finally:
            closed.append("async")

    walk = iter_jsonl(source(b"1\n2\n"))
    assert next(walk) == (1, 1)
    walk.close()
    with pytest.raises(ResultDecodeError):
        list(iter_jsonl(source(b"oops\n")))

    async def scenario() -> None:
        async for _ in aiter_jsonl(asource(b"1\n")):
            pass
        with pytest.raises(ResultDecodeError):
            async for _ in aiter_jsonl(asource(b"oops\n")):
                pass

    asyncio.run(scenario())
    assert closed == ["sync", "sync", "async", "async"]


def test_a_patched_module_parser_is_used_by_a_new_decoder(monkeypatch: pytest.MonkeyPatch) -> None:
    from mistral_batch import _jsonl

    monkeypatch.setattr(_jsonl, "loads", lambda raw: ("parsed", bytes(raw)))
    assert JsonlDecoder().feed(b"anything\n") == [(1, ("parsed", b"anything"))]
    assert json.loads("1") == 1  # the standard library is left alone
