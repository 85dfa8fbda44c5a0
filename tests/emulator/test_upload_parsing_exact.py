"""The upload's pure parts, exactly: clean_filename and LineScanner, called directly."""

from __future__ import annotations

import orjson
import pytest

from mistral_batch_emulator._upload import _MAX_CHECKED_LINE, LineScanner, clean_filename


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("requests.jsonl", "requests.jsonl"),
        ("dir/sub/name.txt", "name.txt"),
        ("C:\\Users\\me\\name.txt", "name.txt"),
        ("mixed\\dir/name.txt", "name.txt"),
        ("  padded name.txt  ", "padded name.txt"),
        ("a\x00b\x1fc\x7fd\u200be\ue000f.txt", "abcdef.txt"),
        ("tab\t.txt", "tab.txt"),
        ("\r\n name.txt \x00", "name.txt"),
        ("r\u00e9sum\u00e9 \u2014 final.txt", "r\u00e9sum\u00e9 \u2014 final.txt"),
        ("", "upload"),
        (" ", "upload"),
        ("\x00\x01", "upload"),
        (".", "upload"),
        ("..", "upload"),
        (" . ", "upload"),
        ("\x00..", "upload"),
        ("dir/..", "upload"),
        ("dir\\.", "upload"),
        ("dir/", "upload"),
        ("...", "..."),
        (".hidden", ".hidden"),
        ("x" * 300, "x" * 255),
        ("\u00e9" * 256, "\u00e9" * 255),
        ("y" * 255, "y" * 255),
    ],
)
def test_clean_filename_exact(raw: str, cleaned: str) -> None:
    assert clean_filename(raw) == cleaned


def _scan(*chunks: bytes) -> LineScanner:
    scanner = LineScanner()
    for chunk in chunks:
        scanner.feed(chunk)
    scanner.finish()
    return scanner


def _facts(scanner: LineScanner) -> tuple[int, bool, bool]:
    return scanner.lines, scanner.all_batch_requests, scanner.all_chat_samples


REQUEST = b'{"custom_id": "a", "body": {"messages": []}}'
SAMPLE = b'{"messages": [{"role": "user", "content": "hi"}]}'
BOTH = b'{"custom_id": "b", "body": {}, "messages": []}'


def test_a_fresh_scanner_has_seen_nothing() -> None:
    assert _facts(_scan()) == (0, True, True)
    assert _facts(_scan(b"")) == (0, True, True)


@pytest.mark.parametrize(
    ("content", "facts"),
    [
        (REQUEST + b"\n", (1, True, False)),
        (SAMPLE + b"\n", (1, False, True)),
        (BOTH + b"\n", (1, True, True)),
        (REQUEST + b"\n" + REQUEST, (2, True, False)),
        (b"\n\n  \n" + REQUEST + b"\n\t\n\r\n", (1, True, False)),
        (REQUEST + b"\n" + SAMPLE + b"\n", (2, False, False)),
        (b'{"body": {}}\n', (1, True, False)),
        (b'{"custom_id": null, "body": {}}\n', (1, True, False)),
        (b'{"custom_id": 5, "body": {}}\n', (1, False, False)),
        (b'{"custom_id": 5, "body": {}, "messages": []}\n', (1, False, True)),
        (b'{"custom_id": ["a"], "body": {}}\n', (1, False, False)),
        (b'{"custom_id": "a", "CUSTOM_ID": 5, "body": {}}\n', (1, True, False)),
        (b'{"custom_id": "a", "body": []}\n', (1, False, False)),
        (b'{"custom_id": "a", "body": "text"}\n', (1, False, False)),
        (b'{"messages": {}}\n', (1, False, False)),
        (b'{"messages": "hi"}\n', (1, False, False)),
        (b"not json\n", (1, False, False)),
        (b"not json\n" + BOTH + b"\n", (2, False, False)),
        (BOTH + b"\nnot json\n" + BOTH + b"\n", (3, False, False)),
        (b"[1, 2]\n", (1, False, False)),
        (b'"text"\n', (1, False, False)),
        (b"[]\n" + BOTH + b"\n", (2, False, False)),
        (b"plain text\nmore text", (2, False, False)),
    ],
)
def test_line_scanner_facts(content: bytes, facts: tuple[int, bool, bool]) -> None:
    assert _facts(_scan(content)) == facts
    # The same bytes cut anywhere give the same facts.
    assert _facts(_scan(*(content[i : i + 1] for i in range(len(content))))) == facts
    for cut in range(len(content) + 1):
        assert _facts(_scan(content[:cut], content[cut:])) == facts


def _padded_line(size: int) -> bytes:
    """A line of exactly ``size`` bytes that is both a batch request and a chat sample."""
    head = b'{"custom_id": "a", "body": {}, "messages": [], "pad": "'
    line = head + b"x" * (size - len(head) - 2) + b'"}'
    assert len(line) == size and orjson.loads(line)["custom_id"] == "a"
    return line


def _in_chunks(data: bytes, size: int = 1 << 20) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_a_line_of_exactly_the_checked_length_is_still_checked() -> None:
    line = _padded_line(_MAX_CHECKED_LINE)
    assert _facts(_scan(*_in_chunks(line), b"\n", BOTH + b"\n")) == (2, True, True)


def test_a_longer_line_is_counted_but_not_checked() -> None:
    line = _padded_line(_MAX_CHECKED_LINE + 1)
    scanner = LineScanner()
    for chunk in _in_chunks(line):
        scanner.feed(chunk)
    assert _facts(scanner) == (0, False, False)
    # From here on lines are counted, not checked: the long one as it ends, then each other.
    scanner.feed(b"\n" + BOTH + b"\n" + BOTH)
    assert _facts(scanner) == (2, False, False)
    scanner.feed(b"\n" + BOTH + b"\n")
    scanner.finish()
    assert _facts(scanner) == (4, False, False)


def test_blank_lines_after_a_long_line_are_not_counted() -> None:
    line = _padded_line(_MAX_CHECKED_LINE + 1)
    scanner = _scan(*_in_chunks(line), b"\n\n\n", b"\n")
    assert scanner.lines == 1


def test_a_long_last_line_without_a_newline_is_counted() -> None:
    line = _padded_line(_MAX_CHECKED_LINE + 1)
    assert _scan(*_in_chunks(line)).lines == 1
