"""What a download decides when its body is cut, exactly and without a server: the Range
it asks for, the bytes it keeps or skips, and when it stops trusting the server."""

from __future__ import annotations

import httpx
import pytest

from mistral_batch._download import ACCEPT_BYTES, Resume, announced_length, request_headers
from mistral_batch.errors import IncompleteDownloadError


def answer(status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers)


def test_the_request_asks_for_identity_and_a_range_past_what_arrived() -> None:
    assert ACCEPT_BYTES == {
        "Accept": "application/octet-stream, application/json",
        "Accept-Encoding": "identity",
    }
    assert request_headers(0) == ACCEPT_BYTES
    assert request_headers(1) == {**ACCEPT_BYTES, "Range": "bytes=1-"}
    assert request_headers(0) is not ACCEPT_BYTES  # a copy: the caller may add to it


def test_the_announced_length_is_read_only_when_it_is_a_number() -> None:
    assert announced_length(answer(**{"content-length": "12"})) == 12
    assert announced_length(answer(**{"content-length": "-1"})) is None
    assert announced_length(answer()) is None


def test_chunks_are_counted_up_to_the_files_size_and_not_one_byte_past() -> None:
    state = Resume(total=6)
    assert state.take(b"abc") == b"abc" and state.take(b"def") == b"def"
    assert state.received == 6
    state.check_complete()
    with pytest.raises(IncompleteDownloadError) as caught:
        state.take(b"g")
    error = caught.value
    assert str(error) == "the server sent more than the file's 6 bytes"
    assert (error.expected, error.received) == (6, 7)


def test_a_short_download_says_how_short() -> None:
    state = Resume(total=6)
    state.take(b"abcd")
    with pytest.raises(IncompleteDownloadError) as caught:
        state.check_complete()
    assert str(caught.value) == "download ended after 4 of 6 bytes"
    assert (caught.value.expected, caught.value.received) == (6, 4)
    Resume(total=None, received=3).check_complete()  # no size known: nothing to check


def test_a_partial_answer_continues_only_from_the_byte_asked_for() -> None:
    state = Resume(total=10, received=4)
    assert state.continues(answer(206, **{"content-range": "bytes 4-9/10"}))
    assert not state.continues(answer(206, **{"content-range": "bytes 3-9/10"}))
    assert not state.continues(answer(206, **{"content-range": "bytes 40-49/50"}))
    assert not state.continues(answer(200, **{"content-range": "bytes 4-9/10"}))
    assert not Resume(total=10).continues(answer(206, **{"content-range": "bytes 0-9/10"}))
    assert state.restart_skip(answer(206, **{"content-range": "bytes 4-9/10"})) == 0


def test_a_server_that_ignored_the_range_has_what_arrived_skipped() -> None:
    state = Resume(total=10, received=4)
    state.skip = state.restart_skip(answer(200, **{"content-length": "10"}))
    assert state.skip == 4
    assert state.take(b"ab") == b"" and state.skip == 2
    assert state.take(b"cdefgh") == b"efgh" and state.skip == 0
    assert state.received == 8


def test_a_file_that_changed_size_meanwhile_is_not_pieced_together() -> None:
    state = Resume(total=10, received=4)
    with pytest.raises(IncompleteDownloadError) as caught:
        state.restart_skip(answer(200, **{"content-length": "12"}))
    assert str(caught.value) == "the file changed size during the download (10 -> 12)"
    assert (caught.value.expected, caught.value.received) == (10, 4)
    assert Resume(total=None, received=4).restart_skip(answer(200, **{"content-length": "12"})) == 4
