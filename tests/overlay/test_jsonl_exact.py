"""The JSONL decoder's exact words and exact bounds: the message, line and excerpt of a
bad line and of an over-long one, the byte limit at and one past it however the line is
cut, a BOM only at the very start, CRLF endings, what iter_jsonl and aiter_jsonl pass to
the decoder, and how they close their source."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from mistral_batch import _jsonl
from mistral_batch._jsonl import BOM, JsonlDecoder, aiter_jsonl, iter_jsonl, pure_loads
from mistral_batch.errors import ResultDecodeError

PARSERS = pytest.mark.parametrize("loads", [None, pure_loads], ids=["default", "pure"])

TOO_LONG = (
    "line {n} is longer than {limit:,} bytes, the limit (max_line_bytes); the file is "
    "broken, or holds answers larger than expected"
)


def parser_says(loads: Any, raw: bytes) -> str:
    """The message of the error the parser itself raises on `raw` (one line, for these)."""
    with pytest.raises(ValueError) as caught:
        (loads or _jsonl.loads)(raw)
    message = str(caught.value)
    assert message and "\n" not in message
    return message


def run(chunks: list[bytes], loads: Any = None, **options: Any) -> list[tuple[int, Any]]:
    """Decode by hand, feeding each chunk, and check iter_jsonl and aiter_jsonl agree."""
    decoder = JsonlDecoder(loads=loads, **options)
    by_hand: list[tuple[int, Any]] = []
    for chunk in chunks:
        by_hand += decoder.feed(chunk)
    by_hand += decoder.close()
    assert list(iter_jsonl(list(chunks), loads=loads, **options)) == by_hand
    assert asyncio.run(acollect(chunks, loads=loads, **options)) == by_hand
    return by_hand


async def agen(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def acollect(chunks: list[bytes], **options: Any) -> list[tuple[int, Any]]:
    return [item async for item in aiter_jsonl(agen(chunks), **options)]


def refusal(chunks: list[bytes], loads: Any = None, **options: Any) -> ResultDecodeError:
    """The error each of the three ways in raises, checked to be the same; both iterators
    yield the same values before it, all of lines before the one refused."""
    errors: list[ResultDecodeError] = []
    seen: list[tuple[int, Any]] = []
    with pytest.raises(ResultDecodeError) as caught:
        for item in iter_jsonl(list(chunks), loads=loads, **options):
            seen.append(item)
    errors.append(caught.value)

    async def walk(out: list[tuple[int, Any]]) -> None:
        async for item in aiter_jsonl(agen(chunks), loads=loads, **options):
            out.append(item)

    aseen: list[tuple[int, Any]] = []
    with pytest.raises(ResultDecodeError) as caught:
        asyncio.run(walk(aseen))
    errors.append(caught.value)
    decoder = JsonlDecoder(loads=loads, **options)
    with pytest.raises(ResultDecodeError) as caught:
        for chunk in chunks:
            decoder.feed(chunk)
        decoder.close()
    errors.append(caught.value)
    assert aseen == seen
    assert all(n < errors[0].line for n, _ in seen)
    assert len({(str(e), e.line, e.excerpt) for e in errors}) == 1
    return errors[0]


# A bad line: its number, the parser's first line of message, an excerpt.


@PARSERS
def test_a_bad_line_is_named_with_the_parsers_message_and_quoted(loads: Any) -> None:
    error = refusal([b'{"a": 1}\n\nnope\n[4]\n'], loads)
    reason = parser_says(loads, b"nope")
    assert str(error) == f"line 3: invalid JSON ({reason}): 'nope'"
    assert (error.line, error.excerpt) == (3, "nope")


def test_the_pure_parsers_message_is_given_whole() -> None:
    error = refusal([b"1\nnope\n"], pure_loads)
    assert str(error) == "line 2: invalid JSON (Expecting value: line 1 column 1 (char 0)): 'nope'"


@PARSERS
def test_a_bad_line_split_over_chunks_is_named_the_same(loads: Any) -> None:
    data = b'{"a": 1}\n{"b": 2, nope}\n'
    whole = refusal([data], loads)
    for size in (1, 3, 10):
        pieces = [data[i : i + size] for i in range(0, len(data), size)]
        error = refusal(pieces, loads)
        assert (str(error), error.line, error.excerpt) == (str(whole), 2, '{"b": 2, nope}')


def test_only_the_first_line_of_a_parsers_message_is_the_reason() -> None:
    def strict(raw: Any) -> Any:
        raise ValueError("bad token here\nat offset 3\nsee the manual")

    error = refusal([b"1\n"], strict)
    assert str(error) == "line 1: invalid JSON (bad token here): '1'"
    assert (error.line, error.excerpt) == (1, "1")


def test_a_parser_error_without_a_message_is_named_by_its_type() -> None:
    def mute(raw: Any) -> Any:
        raise TypeError()

    error = refusal([b"[1]\n"], mute)
    assert str(error) == "line 1: invalid JSON (TypeError): '[1]'"


@PARSERS
def test_an_excerpt_of_exactly_80_characters_is_whole(loads: Any) -> None:
    line = "{" + "é" * 79  # 80 characters, 159 bytes
    error = refusal([b"1\n" + line.encode() + b"\n"], loads)
    assert error.excerpt == line
    assert str(error).endswith(f"): {line!r}")


@PARSERS
def test_an_excerpt_past_80_characters_is_cut_and_marked(loads: Any) -> None:
    line = "{" + "é" * 80  # 81 characters
    error = refusal([line.encode() + b"\r\n"], loads)
    assert error.excerpt == line[:80] + "..."
    assert str(error).endswith(f"): {line[:80] + '...'!r}")


@PARSERS
def test_an_excerpt_keeps_trailing_blanks_and_letters_but_not_the_cr(loads: Any) -> None:
    assert refusal([b"nope \t\r\n"], loads).excerpt == "nope \t"
    assert refusal([b"nopeX\r\n"], loads).excerpt == "nopeX"
    assert refusal([b"1\nnopeX"], loads).excerpt == "nopeX"


@PARSERS
def test_invalid_utf8_is_replaced_in_the_excerpt_and_the_line_is_counted(loads: Any) -> None:
    data = b'{"a": 1}\n\n"\xff"\n[4]\n'
    error = refusal([data], loads)
    reason = parser_says(loads, b'"\xff"')
    assert str(error) == f"line 3: invalid JSON ({reason}): '\"\ufffd\"'"
    assert (error.line, error.excerpt) == (3, '"\ufffd"')
    assert refusal([data[:12], data[12:]], loads).line == 3


def test_the_pure_parser_names_invalid_utf8_as_a_decode_error() -> None:
    error = refusal([b'{"a": 1}\n"\xff"\n'], pure_loads)
    assert str(error) == (
        "line 2: invalid JSON ('utf-8' codec can't decode byte 0xff in position 1: "
        "invalid start byte): '\"\ufffd\"'"
    )


# CRLF and lone CRs.


def test_a_crlf_bad_line_reads_as_its_lf_twin_with_the_pure_parser() -> None:
    expected = (
        "line 2: invalid JSON (Expecting ',' delimiter: line 1 column 8 (char 7)): '{\"a\": 1'"
    )
    for data in (b'[1]\r\n{"a": 1\r\n[3]\r\n', b'[1]\n{"a": 1\n[3]\n'):
        error = refusal([data], pure_loads)
        assert str(error) == expected
        assert (error.line, error.excerpt) == (2, '{"a": 1')


@PARSERS
def test_crlf_lines_decode_whole(loads: Any) -> None:
    data = b'{"a": [1, 2]}\r\n\r\n"x"\r\n3\r\n'
    assert run([data], loads) == [(1, {"a": [1, 2]}), (3, "x"), (4, 3)]
    assert run([data[:14], data[14:17], data[17:]], loads) == [(1, {"a": [1, 2]}), (3, "x"), (4, 3)]


@PARSERS
def test_a_lone_cr_is_data_not_a_line_end(loads: Any) -> None:
    assert run([b'[1,\r2]\r\n{"a":\r"b"}\n'], loads) == [(1, [1, 2]), (2, {"a": "b"})]
    error = refusal([b"1\r2\n"], loads)
    assert (error.line, error.excerpt) == (1, "1\r2")


# The byte order mark.


@PARSERS
def test_a_bom_past_the_start_is_data_and_so_a_bad_line(loads: Any) -> None:
    error = refusal([b"1\n" + BOM + b"2\n"], loads)
    assert (error.line, error.excerpt) == (2, "\ufeff2")
    if loads is None:
        reason = parser_says(loads, BOM + b"2")
    else:  # json.loads takes a str line: the BOM is a character it refuses
        reason = "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)"
    assert str(error) == f"line 2: invalid JSON ({reason}): {chr(0xFEFF) + '2'!r}"


@PARSERS
def test_a_bom_at_the_start_is_dropped_however_it_is_cut(loads: Any) -> None:
    for chunks in (
        [b"\xef", b"\xbb", b"\xbf1\n2"],
        [b"\xef\xbb", b"\xbf", b"1\n2"],
        [b"\xef", b"\xbb\xbf1", b"\n2"],
        [b"", b"\xef\xbb", b"", b"\xbf1\n", b"2"],
    ):
        assert run(chunks, loads) == [(1, 1), (2, 2)]


@PARSERS
def test_a_short_stream_that_starts_like_a_bom_is_data(loads: Any) -> None:
    for chunks in ([b"\xef\xbb"], [b"\xef", b"\xbb"], [b"\xef"]):
        error = refusal(chunks, loads)
        assert (error.line, error.excerpt) == (1, "\ufffd")
    assert refusal([b"\xef\xbb", b"1\n"], loads).line == 1


@PARSERS
def test_nothing_or_a_bom_alone_gives_nothing(loads: Any) -> None:
    for chunks in ([], [b""], [b"", b""], [BOM], [b"\xef", b"\xbb\xbf"], [BOM, b"\n\n"]):
        assert run(chunks, loads) == []


# The line limit, counted in bytes.


@PARSERS
def test_lines_of_exactly_the_limit_in_one_chunk_pass(loads: Any) -> None:
    line = b'"' + b"x" * 18 + b'"'  # 20 bytes
    data = line + b"\n" + line + b"\n" + line
    assert run([data], loads, max_line_bytes=20) == [(n, "x" * 18) for n in (1, 2, 3)]
    assert run([data + b"\n"], loads, max_line_bytes=20) == [(n, "x" * 18) for n in (1, 2, 3)]


@PARSERS
def test_a_line_one_byte_past_the_limit_in_one_chunk_is_refused(loads: Any) -> None:
    line = b'"' + b"x" * 18 + b'"'
    for data, number in ((line + b"\n" + line + b"x\n1\n", 2), (line + b"x", 1)):
        error = refusal([data], loads, max_line_bytes=20)
        assert str(error) == TOO_LONG.format(n=number, limit=20)
        assert (error.line, error.excerpt) == (number, "")


def test_the_limit_is_written_with_thousands_separators() -> None:
    error = refusal([b"1\n" + b" " * 1235 + b"2\n"], max_line_bytes=1234)
    assert str(error) == TOO_LONG.format(n=2, limit=1234)
    assert "1,234 bytes" in str(error)
    assert error.excerpt == ""


@PARSERS
def test_a_line_of_exactly_the_limit_across_chunks_passes(loads: Any) -> None:
    line = '"éééé"'.encode()  # 10 bytes, 6 characters
    ones = [(n, n - 1) for n in range(2, 8)]
    cases: list[tuple[list[bytes], list[tuple[int, Any]]]] = [
        ([b"0\n" + line[:5], line[5:] + b"\n2\n"], [(1, 0), (2, "éééé"), (3, 2)]),
        ([line[:3], line[3:7], line[7:] + b"\n"], [(1, "éééé")]),
        ([line[:5], line[5:] + b"\n1\n2\n3\n4\n5\n6\n"], [(1, "éééé"), *ones]),
        ([b'"ab', b'cdefgh"\n1\n2\n3\n4\n5\n6\n'], [(1, "abcdefgh"), *ones]),
    ]
    for chunks, expected in cases:
        assert run(chunks, loads, max_line_bytes=10) == expected


@PARSERS
def test_a_line_one_byte_past_the_limit_across_chunks_is_refused_by_bytes(loads: Any) -> None:
    line = '"ééééx"'.encode()  # 11 bytes, but 7 characters
    for chunks, number in (
        ([line[:5], line[5:] + b"\n1\n"], 1),
        ([b"1\n" + line[:5], line[5:] + b"\n"], 2),
        ([b"1\n", line[:3], line[3:9], line[9:] + b"\n2\n"], 2),
        ([line[:5], line[5:]], 1),
    ):
        error = refusal(chunks, loads, max_line_bytes=10)
        assert str(error) == TOO_LONG.format(n=number, limit=10)
        assert (error.line, error.excerpt) == (number, "")


@PARSERS
def test_a_line_past_the_limit_in_bytes_but_not_in_characters_is_refused(loads: Any) -> None:
    # Whole in one chunk, the pure parser's line is text: still counted in bytes.
    line = '"ééééx"'.encode()  # 11 bytes, 7 characters
    error = refusal([b"1\n" + line + b"\n2\n"], loads, max_line_bytes=10)
    assert str(error) == TOO_LONG.format(n=2, limit=10)
    assert run([b"1\n" + '"éééé"'.encode() + b"\n"], loads, max_line_bytes=10) == [
        (1, 1),
        (2, "éééé"),
    ]


@PARSERS
def test_an_unended_line_past_the_limit_comes_after_the_lines_before_it(loads: Any) -> None:
    # The lines its chunk completes are given first, and it is named by its own number.
    chunks = [b"1\n2\n3\n" + b"7" * 21]
    decoder = JsonlDecoder(loads=loads, max_line_bytes=20)
    assert decoder.feed(chunks[0]) == [(1, 1), (2, 2), (3, 3)]
    with pytest.raises(ResultDecodeError) as caught:
        decoder.close()
    assert caught.value.line == 4
    error = refusal(chunks, loads, max_line_bytes=20)
    assert str(error) == TOO_LONG.format(n=4, limit=20)
    got: list[tuple[int, Any]] = []
    with pytest.raises(ResultDecodeError):
        for item in iter_jsonl(chunks, loads=loads, max_line_bytes=20):
            got.append(item)
    assert got == [(1, 1), (2, 2), (3, 3)]
    for more in ([b"1\n2\n3\n" + b"7" * 10, b"7" * 11], [b"1\n2\n3\n" + b"7" * 21, b"\n"]):
        assert str(refusal(more, loads, max_line_bytes=20)) == TOO_LONG.format(n=4, limit=20)


def test_a_line_without_end_is_refused_as_soon_as_it_passes_the_limit() -> None:
    decoder = JsonlDecoder(max_line_bytes=10)
    assert decoder.feed(b"[1]\n[2") == [(1, [1])]
    assert decoder.feed(b",3,4") == []
    assert decoder.feed(b",5,") == []  # 9 bytes held
    with pytest.raises(ResultDecodeError) as caught:
        decoder.feed(b"67")
    assert str(caught.value) == TOO_LONG.format(n=2, limit=10)
    assert (caught.value.line, caught.value.excerpt) == (2, "")


def test_iter_jsonl_stops_reading_a_line_once_it_passes_the_limit() -> None:
    taken: list[bytes] = []

    def long_line() -> Iterator[bytes]:
        for _ in range(1000):  # 4,000 bytes without a newline
            taken.append(b"xxxx")
            yield b"xxxx"

    with pytest.raises(ResultDecodeError) as caught:
        list(iter_jsonl(long_line(), max_line_bytes=10))
    assert len(taken) == 3
    assert (caught.value.line, caught.value.excerpt) == (1, "")


@PARSERS
def test_a_line_just_under_the_limit_after_a_bom_or_a_line_passes(loads: Any) -> None:
    line = b'"' + b"y" * 9 + b'"'  # 11 bytes
    cuts = [line[:2], line[2:6], line[6:10], line[10:] + b"\n"]
    assert run([b"\xef", b"\xbb", b"\xbf", *cuts], loads, max_line_bytes=11) == [(1, "y" * 9)]
    assert run([b"\xef\xbb", b"\xbf" + cuts[0], *cuts[1:]], loads, max_line_bytes=11) == [
        (1, "y" * 9)
    ]
    assert run([b"[0]\n", *cuts, b"[2]\n"], loads, max_line_bytes=11) == [
        (1, [0]),
        (2, "y" * 9),
        (3, [2]),
    ]
    assert run([b"[0]\n" + cuts[0], *cuts[1:]], loads, max_line_bytes=11) == [
        (1, [0]),
        (2, "y" * 9),
    ]
    over = [b"\xef", b"\xbb", b"\xbf", b'"', *cuts]
    assert refusal(over, loads, max_line_bytes=11).line == 1
    assert refusal([b"[0]\n", b'"', *cuts], loads, max_line_bytes=11).line == 2


@PARSERS
def test_close_leaves_the_decoder_empty_for_more_lines(loads: Any) -> None:
    decoder = JsonlDecoder(loads=loads, max_line_bytes=10)
    assert decoder.feed(b"1\n22") == [(1, 1)]
    assert decoder.close() == [(2, 22)]
    assert decoder.close() == []
    assert decoder.feed(b'"abcd') == []
    assert decoder.feed(b'efgh"\n') == [(3, "abcdefgh")]


# The C scanner behind the pure parser's fast path.


def test_scan_whole_reads_a_whole_line() -> None:
    assert JsonlDecoder._scan_whole('{"a": [1, 2.5, null]}') == {"a": [1, 2.5, None]}
    assert JsonlDecoder._scan_whole('"x"') == "x"


def test_scan_whole_refuses_trailing_characters() -> None:
    for line in ("1 ", '{"a": 1}\r', "[1] [2]"):
        with pytest.raises(ValueError) as caught:
            JsonlDecoder._scan_whole(line)
        assert str(caught.value) == "trailing characters"
        assert type(caught.value) is ValueError


# What iter_jsonl and aiter_jsonl pass to the decoder.


def tagging_loads(raw: Any) -> Any:
    """A parser that accepts anything and says what it was given."""
    return ["seen", raw]


def test_a_custom_parser_is_given_each_line() -> None:
    chunks = [b'1\n{"a', b'"\nnot json\r\n[2]']
    expected = [(1, ["seen", b"1"]), (2, ["seen", b'{"a"']), (3, ["seen", b"not json\r"])]
    expected.append((4, ["seen", b"[2]"]))
    assert run(chunks, tagging_loads) == expected


def test_blank_lines_are_skipped_whatever_the_parser_makes_of_them() -> None:
    chunks = [b"1\n\n  \r\n\t\n2\n3"]
    expected = [(1, ["seen", b"1"]), (5, ["seen", b"2"]), (6, ["seen", b"3"])]
    assert run(chunks, tagging_loads) == expected


def test_max_line_bytes_is_enforced_by_both_iterators() -> None:
    chunks = [b"[1]\n", b'"abcdefghi"\n']  # line 2: 11 bytes
    error = refusal(chunks, max_line_bytes=10)
    assert (error.line, error.excerpt) == (2, "")
    assert run(chunks, max_line_bytes=11) == [(1, [1]), (2, "abcdefghi")]


# Closing the source.


class Chunks:
    """A synchronous source of chunks, as a response stream: it has a close()."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)
        self.closed = 0

    def __iter__(self) -> Chunks:
        return self

    def __next__(self) -> bytes:
        if not self.chunks:
            raise StopIteration
        return self.chunks.pop(0)

    def close(self) -> None:
        self.closed += 1


class AsyncChunks:
    """An asynchronous source of chunks with an aclose()."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)
        self.closed = 0

    def __aiter__(self) -> AsyncChunks:
        return self

    async def __anext__(self) -> bytes:
        if not self.chunks:
            raise StopAsyncIteration
        return self.chunks.pop(0)

    async def aclose(self) -> None:
        self.closed += 1


class BareChunks:
    """A synchronous source without close()."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)

    def __iter__(self) -> BareChunks:
        return self

    def __next__(self) -> bytes:
        if not self.chunks:
            raise StopIteration
        return self.chunks.pop(0)


class BareAsyncChunks:
    """An asynchronous source without aclose()."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)

    def __aiter__(self) -> BareAsyncChunks:
        return self

    async def __anext__(self) -> bytes:
        if not self.chunks:
            raise StopAsyncIteration
        return self.chunks.pop(0)


def test_iter_jsonl_closes_its_source_when_it_ends_fails_or_is_closed() -> None:
    done = Chunks(b"1\n", b"2")
    assert list(iter_jsonl(done)) == [(1, 1), (2, 2)]
    assert done.closed == 1

    failed = Chunks(b"1\n", b"nope\n", b"3\n")
    with pytest.raises(ResultDecodeError):
        list(iter_jsonl(failed))
    assert failed.closed == 1

    left = Chunks(b"1\n2\n", b"3\n")
    walk = iter_jsonl(left)
    assert next(walk) == (1, 1)
    assert left.closed == 0
    walk.close()
    assert left.closed == 1
    assert left.chunks == [b"3\n"]


def test_aiter_jsonl_acloses_its_source_when_it_ends_fails_or_is_closed() -> None:
    async def scenario() -> list[int]:
        done = AsyncChunks(b"1\n", b"2")
        assert [item async for item in aiter_jsonl(done)] == [(1, 1), (2, 2)]

        failed = AsyncChunks(b"1\n", b"nope\n", b"3\n")
        with pytest.raises(ResultDecodeError):
            async for _ in aiter_jsonl(failed):
                pass

        left = AsyncChunks(b"1\n2\n", b"3\n")
        walk = aiter_jsonl(left)
        assert await walk.__anext__() == (1, 1)
        assert left.closed == 0
        await walk.aclose()
        assert left.chunks == [b"3\n"]
        return [done.closed, failed.closed, left.closed]

    assert asyncio.run(scenario()) == [1, 1, 1]


def test_sources_without_close_are_read_as_well() -> None:
    assert list(iter_jsonl(BareChunks(b"1\n", b"2"))) == [(1, 1), (2, 2)]
    with pytest.raises(ResultDecodeError) as caught:
        list(iter_jsonl(BareChunks(b"1\n", b"nope\n")))
    assert caught.value.line == 2

    async def scenario() -> list[tuple[int, Any]]:
        with pytest.raises(ResultDecodeError) as caught:
            async for _ in aiter_jsonl(BareAsyncChunks(b"nope\n")):
                pass
        assert caught.value.line == 1
        return [item async for item in aiter_jsonl(BareAsyncChunks(b"1\n", b"2"))]

    assert asyncio.run(scenario()) == [(1, 1), (2, 2)]
