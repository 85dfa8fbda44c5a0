"""A run's parts read from the input where they stand, and result lines read back by place."""

from __future__ import annotations

import json
from pathlib import Path

from mistral_batch._ledger import Answer, Placed
from mistral_batch._parts_io import answers_in, part_source, placed_lines


def read_all(path: Path, ranges: list[tuple[int, int]]) -> tuple[int | None, bytes]:
    source = part_source(path, lambda: iter(ranges), "part.jsonl")
    with source.opener() as stream:
        return source.size, stream.read()


def test_a_part_is_its_ranges_of_the_input_in_order(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"aa\nbbb\ncccc\nd\n")
    assert read_all(path, [(0, 3), (7, 5)]) == (8, b"aa\ncccc\n")
    assert read_all(path, [(7, 5), (0, 3)]) == (8, b"cccc\naa\n")
    assert read_all(path, [(3, 11)]) == (11, b"bbb\ncccc\nd\n")


def test_a_line_without_its_newline_gets_one_unless_it_ends_the_part(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"aa\nbbb\nlast")
    assert read_all(path, [(7, 4), (0, 3)]) == (8, b"last\naa\n")
    assert read_all(path, [(0, 3), (7, 4)]) == (7, b"aa\nlast")


def test_a_part_can_be_read_again_for_a_retry_in_small_reads(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"0123456789\nabc")
    source = part_source(path, lambda: iter([(11, 3), (0, 11)]), "p")
    for _ in range(2):
        with source.opener() as stream:
            chunks = list(iter(lambda: stream.read(4), b""))
        assert b"".join(chunks) == b"abc\n0123456789\n"
        assert len(b"".join(chunks)) == source.size


def result(custom_id: str, status: int) -> bytes:
    line = {"id": "x", "custom_id": custom_id, "response": {"status_code": status, "body": {}}}
    return json.dumps({**line, "error": None}).encode() + b"\n"


def test_answers_are_read_with_their_places(tmp_path: Path) -> None:
    lines = [result("a", 200), b"\n", result("b", 503), b"{broken\n", b"[1]\n", result("c", 400)]
    path = tmp_path / "errors.jsonl"
    path.write_bytes(b"".join(lines))
    offsets = [sum(len(x) for x in lines[:i]) for i in range(len(lines))]
    assert list(answers_in(path, "errors")) == [
        Answer("a", True, False, "errors", offsets[0], len(lines[0])),
        Answer("b", False, True, "errors", offsets[2], len(lines[2])),
        Answer(None, False, False, "errors", offsets[3], len(lines[3])),
        Answer(None, False, False, "errors", offsets[4], len(lines[4])),
        Answer("c", False, False, "errors", offsets[5], len(lines[5])),
    ]


def test_a_line_past_the_limit_answers_nothing(tmp_path: Path) -> None:
    path = tmp_path / "output.jsonl"
    long = result("a" * 100, 200)
    path.write_bytes(long + result("b", 200))
    found = list(answers_in(path, "output", max_line_bytes=120))
    assert [a.custom_id for a in found] == [None, "b"]
    assert found[1].offset == len(long)


def test_standing_answers_are_copied_from_their_files(tmp_path: Path) -> None:
    (tmp_path / "0-output").write_bytes(b"one\ntwo")
    (tmp_path / "1-errors").write_bytes(b"three\n")
    placed = [
        Placed(0, "a", 0, "output", 4, 3),
        Placed(1, "b", None, None, 0, 0),
        Placed(2, "c", 1, "errors", 0, 6),
        Placed(3, "d", 0, "output", 0, 4),
    ]
    lines = placed_lines(
        placed, lambda part, kind: tmp_path / f"{part}-{kind}", lambda cid: f"none {cid}\n".encode()
    )
    assert [line for _, line in lines] == [b"two\n", b"none b\n", b"three\n", b"one\n"]
