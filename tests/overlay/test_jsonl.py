import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mistral_batch import _jsonl
from mistral_batch._jsonl import JsonlDecoder, aiter_jsonl, iter_jsonl, pure_loads
from mistral_batch.errors import ResultDecodeError

PARSERS = pytest.mark.parametrize("loads", [_jsonl.loads, pure_loads], ids=["default", "pure"])


def test_default_parser_is_orjson_when_installed() -> None:
    import orjson

    assert _jsonl.loads is orjson.loads


def decode(data: bytes, *, chunk: int = 7, loads: Any = None) -> list[tuple[int, Any]]:
    return list(iter_jsonl((data[i : i + chunk] for i in range(0, len(data), chunk)), loads=loads))


@PARSERS
def test_line_numbers_count_blank_lines(loads: Any) -> None:
    data = b'{"a":1}\n\n   \n[2]\r\n"three"'
    assert decode(data, loads=loads) == [(1, {"a": 1}), (4, [2]), (5, "three")]


@PARSERS
def test_line_separators_inside_strings_are_data(loads: Any) -> None:
    value = {"text": "a\u2028b\u2029c\x85d\x0ce"}
    data = json.dumps(value, ensure_ascii=False).encode() + b"\n"
    assert decode(data, loads=loads) == [(1, value)]


@PARSERS
def test_bom_at_start_is_dropped_even_split_across_chunks(loads: Any) -> None:
    data = b'\xef\xbb\xbf{"a":1}\n{"b":2}\n'
    for size in (1, 2, 3, 64):
        assert decode(data, chunk=size, loads=loads) == [(1, {"a": 1}), (2, {"b": 2})]


@PARSERS
def test_malformed_line_names_line_and_excerpt_after_yielding_earlier_lines(loads: Any) -> None:
    data = b'{"a":1}\n{"b":2}\n{"c": nope}\n{"d":4}\n'
    got: list[tuple[int, Any]] = []
    with pytest.raises(ResultDecodeError) as info:
        for item in iter_jsonl([data], loads=loads):
            got.append(item)
    assert got == [(1, {"a": 1}), (2, {"b": 2})]
    assert info.value.line == 3
    assert "line 3" in str(info.value) and '{"c": nope}' in str(info.value)


@PARSERS
def test_unterminated_last_line_is_decoded_by_close(loads: Any) -> None:
    decoder = JsonlDecoder(loads=loads)
    assert decoder.feed(b'{"a":') == []
    assert decoder.feed(b'1}\n{"b"') == [(1, {"a": 1})]
    assert decoder.feed(b":2}") == []
    assert decoder.close() == [(2, {"b": 2})]


@PARSERS
def test_malformed_unterminated_last_line(loads: Any) -> None:
    with pytest.raises(ResultDecodeError) as info:
        decode(b'{"a":1}\n{"b":', loads=loads)
    assert info.value.line == 2


def test_invalid_utf8_is_a_decode_error() -> None:
    for loads in (_jsonl.loads, pure_loads):
        with pytest.raises(ResultDecodeError):
            decode(b'{"a":1}\n"\xff"\n', loads=loads)


def test_empty_input() -> None:
    assert decode(b"") == []
    assert decode(b"\n\n") == []


def test_source_is_closed_when_iteration_stops_early() -> None:
    closed = []

    def source() -> Iterator[bytes]:
        try:
            yield b"1\n2\n"
            yield b"3\n"
        finally:
            closed.append(True)

    it = iter_jsonl(source())
    assert next(it) == (1, 1)
    it.close()
    assert closed == [True]


def test_async_decoding_and_closing() -> None:
    closed = []

    async def source() -> AsyncIterator[bytes]:
        try:
            for piece in (b'{"a"', b":1}\n", b"\n[2]"):
                yield piece
        finally:
            closed.append(True)

    async def collect() -> list[tuple[int, Any]]:
        return [item async for item in aiter_jsonl(source())]

    assert asyncio.run(collect()) == [(1, {"a": 1}), (3, [2])]
    assert closed == [True]


def test_async_malformed_line_yields_earlier_lines_first() -> None:
    async def source() -> AsyncIterator[bytes]:
        yield b"1\nx\n"

    async def collect(out: list[tuple[int, Any]]) -> None:
        async for item in aiter_jsonl(source()):
            out.append(item)

    got: list[tuple[int, Any]] = []
    with pytest.raises(ResultDecodeError):
        asyncio.run(collect(got))
    assert got == [(1, 1)]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"]), max_size=5), children)
    ),
    max_leaves=8,
)


@given(
    values=st.lists(json_values, max_size=12),
    crlf=st.booleans(),
    final_newline=st.booleans(),
    ascii_only=st.booleans(),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=8),
    pure=st.booleans(),
)
def test_round_trip_any_values_any_chunking(
    values: list[Any],
    crlf: bool,
    final_newline: bool,
    ascii_only: bool,
    cuts: list[int],
    pure: bool,
) -> None:
    ending = b"\r\n" if crlf else b"\n"
    lines = [json.dumps(v, ensure_ascii=ascii_only).encode() for v in values]
    data = ending.join(lines) + (ending if final_newline and lines else b"")
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    chunks = [data[a:b] for a, b in itertools.pairwise(points)]
    got = list(iter_jsonl(chunks, loads=pure_loads if pure else None))
    assert [n for n, _ in got] == list(range(1, len(values) + 1))
    assert [v for _, v in got] == values


@pytest.mark.parametrize("chunk", [1, 7, 64, 10_000])
def test_a_line_of_exactly_the_limit_passes_and_one_byte_more_does_not(chunk: int) -> None:
    value = {"k": "v" * 80}
    line = json.dumps(value).encode()
    limit = len(line)
    body = line + b"\n" + line + b"x\n"
    pieces = [body[i : i + chunk] for i in range(0, len(body), chunk)]
    got = []
    with pytest.raises(ResultDecodeError, match=f"line 2 is longer than {limit} bytes") as info:
        for number, decoded in iter_jsonl(pieces, max_line_bytes=limit):
            got.append((number, decoded))
    assert got == [(1, value)]
    assert info.value.line == 2


def test_an_unterminated_last_line_past_the_limit_is_refused() -> None:
    decoder = JsonlDecoder(max_line_bytes=10)
    assert decoder.feed(b'{"a": 1}\n') == [(1, {"a": 1})]
    decoder.feed(b'{"b": ')
    with pytest.raises(ResultDecodeError, match="line 2"):
        decoder.feed(b'"0123456789"')
