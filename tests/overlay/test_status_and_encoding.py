"""Two small pure parts, exactly: what a job's status decides about its result files, and
how an answer's body is inflated within its bound."""

from __future__ import annotations

import logging
import zlib

import pytest

from mistral_batch import _status
from mistral_batch._encoding import ACCEPT_ENCODING, BoundedDecoder, codings
from mistral_batch._status import (
    ACTIVE_STATUSES,
    TERMINAL_STATUSES,
    is_known,
    result_file,
    warn_unknown_status,
)
from mistral_batch.errors import MistralBatchError, UnsafeResponseError

# --- Statuses ---------------------------------------------------------------------------


def test_the_statuses_known_final_and_active() -> None:
    assert {"SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED"} == TERMINAL_STATUSES
    assert {"QUEUED", "RUNNING", "CANCELLATION_REQUESTED"} == ACTIVE_STATUSES
    assert all(is_known(s) for s in TERMINAL_STATUSES | ACTIVE_STATUSES)
    assert not is_known("VALIDATING") and not is_known("success")


@pytest.fixture
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    warned: set[str] = set()
    monkeypatch.setattr(_status, "_WARNED", warned)
    return warned


def test_an_unknown_status_is_reported_once_per_process(
    caplog: pytest.LogCaptureFixture, fresh_warnings: set[str]
) -> None:
    caplog.set_level(logging.WARNING, logger="mistral_batch")
    warn_unknown_status("VALIDATING", "job-1")
    warn_unknown_status("VALIDATING", "job-2")
    warn_unknown_status("RUNNING", "job-3")
    assert caplog.messages == [
        "job job-1 has status 'VALIDATING', which this version of mistral-batch does not "
        "know; deciding by the result files the job names"
    ]
    assert fresh_warnings == {"VALIDATING"}


def test_the_statuses_remembered_are_bounded(
    caplog: pytest.LogCaptureFixture, fresh_warnings: set[str]
) -> None:
    caplog.set_level(logging.WARNING, logger="mistral_batch")
    for i in range(70):
        warn_unknown_status(f"NEW_{i}", "job")
    assert len(fresh_warnings) == 64
    warn_unknown_status("NEW_69", "job")  # past the bound: warned about enough already
    assert len(caplog.messages) == 64


def test_a_job_naming_a_result_file_has_one_whatever_its_status(fresh_warnings: set[str]) -> None:
    for status in ("RUNNING", "SUCCESS", "SOMETHING_NEW"):
        files = {"job_id": "j", "status": status, "output_file": "out", "error_file": None}
        assert result_file(**files, which="output_file") == "out"
        assert result_file(**files, which="error_file") is None
        files = {"job_id": "j", "status": status, "output_file": None, "error_file": "err"}
        assert result_file(**files, which="error_file") == "err"
        assert result_file(**files, which="output_file") is None


def test_a_job_naming_no_file_has_none_once_final_and_none_yet_before() -> None:
    none = {"job_id": "j", "output_file": None, "error_file": None, "which": "output_file"}
    assert result_file(status="CANCELLED", **none) is None  # type: ignore[arg-type]
    with pytest.raises(MistralBatchError) as caught:
        result_file(status="RUNNING", **none)  # type: ignore[arg-type]
    assert str(caught.value) == (
        "job j is RUNNING and names no result file yet; results exist once it has finished"
    )
    with pytest.raises(ValueError, match=r"^which must be 'output_file' or 'error_file', got 'x'$"):
        result_file(job_id="j", status="SUCCESS", output_file=None, error_file=None, which="x")


# --- Encodings --------------------------------------------------------------------------

TEXT = b'{"data": [' + b'{"id": "job"}, ' * 2000 + b"{}]}"


def gzip(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def test_what_we_ask_for_and_what_a_header_lists() -> None:
    assert ACCEPT_ENCODING == "gzip, deflate"
    assert codings(" GZIP , identity,,deflate ") == ["gzip", "deflate"]
    assert codings("") == [] and codings("identity") == []


@pytest.mark.parametrize("coding", ["gzip", "x-gzip", "deflate", "raw-deflate", ""])
def test_each_coding_accepted_inflates_fed_in_small_pieces(coding: str) -> None:
    if coding in ("gzip", "x-gzip"):
        packed = gzip(TEXT)
    elif coding == "deflate":
        packed = zlib.compress(TEXT)
    elif coding == "raw-deflate":  # deflate without its zlib header, as some servers send
        packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        packed, coding = packer.compress(TEXT) + packer.flush(), "deflate"
    else:
        packed = TEXT
    decoder = BoundedDecoder(coding, limit=len(TEXT))
    out = b"".join(decoder.feed(packed[i : i + 7]) for i in range(0, len(packed), 7))
    assert out == TEXT and decoder.produced == len(TEXT)
    assert decoder.coding == (coding or None)


@pytest.mark.parametrize("coding", ["gzip", ""])
def test_one_byte_past_the_bound_is_refused(coding: str) -> None:
    packed = gzip(TEXT) if coding else TEXT
    with pytest.raises(UnsafeResponseError) as caught:
        BoundedDecoder(coding, limit=len(TEXT) - 1).feed(packed)
    suffix = " once inflated from gzip" if coding else ""
    assert str(caught.value) == f"refused an answer larger than {len(TEXT) - 1} bytes{suffix}"


def test_answers_encoded_twice_or_in_a_coding_not_asked_for_are_refused() -> None:
    with pytest.raises(UnsafeResponseError, match=r"^refused an answer encoded 2 times over$"):
        BoundedDecoder("gzip, gzip")
    with pytest.raises(
        UnsafeResponseError, match=r"^refused an answer in an encoding not asked for: br$"
    ):
        BoundedDecoder("br")


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_a_corrupt_stream_is_a_malformed_answer(coding: str) -> None:
    with pytest.raises(ValueError, match=f"^the answer's {coding} stream is corrupt: "):
        BoundedDecoder(coding).feed(b"this is not compressed at all")


def test_a_result_file_asked_of_a_job_in_an_unknown_status_warns_naming_both(
    caplog: pytest.LogCaptureFixture, fresh_warnings: set[str]
) -> None:
    caplog.set_level(logging.WARNING, logger="mistral_batch")
    result_file(
        job_id="j-7", status="PAUSED", output_file="o", error_file=None, which="output_file"
    )
    assert caplog.messages == [
        "job j-7 has status 'PAUSED', which this version of mistral-batch does not know; "
        "deciding by the result files the job names"
    ]


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_a_whole_body_of_exactly_the_bound_is_inflated_whole(coding: str) -> None:
    packed = gzip(TEXT) if coding == "gzip" else zlib.compress(TEXT)
    assert BoundedDecoder(coding, limit=len(TEXT)).feed(packed) == TEXT


def test_the_statuses_are_mistrals_seven_each_active_or_final() -> None:
    from mistral_batch import JOB_STATUSES
    from mistral_batch._status import ACTIVE_STATUSES, TERMINAL_STATUSES

    assert len(JOB_STATUSES) == len(set(JOB_STATUSES)) == 7
    assert set(JOB_STATUSES) == ACTIVE_STATUSES | TERMINAL_STATUSES
    assert not ACTIVE_STATUSES & TERMINAL_STATUSES
    assert {"SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED"} == TERMINAL_STATUSES


def test_the_start_of_a_body_is_cut_at_the_limit_never_refused() -> None:
    plain = BoundedDecoder("", 10)
    assert plain.feed_start(b"0123456") == b"0123456"
    assert plain.feed_start(b"789abc") == b"789"
    assert plain.feed_start(b"def") == b""
    assert plain.produced == 10
    packed = BoundedDecoder("gzip", 5)
    assert packed.feed_start(gzip(b"x" * 100_000)) == b"xxxxx"
    assert packed.produced == 5
