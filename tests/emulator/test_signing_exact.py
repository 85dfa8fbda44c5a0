"""Signed download tokens, exactly: their padding-free encoding and what a token carries."""

from __future__ import annotations

import re

import orjson
import pytest

from mistral_batch_emulator._signing import Signer, _b64, _unb64


@pytest.mark.parametrize("size", range(13))
def test_unpadded_base64_of_any_length_decodes_back(size: int) -> None:
    """Every length of data survives the trip through base64 with its padding stripped."""
    data = bytes(range(65, 65 + size))
    assert _unb64(_b64(data)) == data


@pytest.mark.parametrize("file_id", ["f", "fi", "fil", "file", "file-", "file-i", "file-id"])
def test_a_token_gives_back_its_file_id_and_expiry(file_id: str) -> None:
    """Whatever the length of its payload, a genuine token verifies to what was signed."""
    signer = Signer(b"s" * 32)
    token = signer.sign(file_id, 1_700_000_000.5)
    assert signer.verify(token) == (file_id, 1_700_000_000.5)


def test_a_token_carries_the_file_id_the_expiry_and_a_16_hex_digit_nonce() -> None:
    """The payload holds f, e and n, the last one random, so two tokens never match."""
    signer = Signer(b"s" * 32)
    first = signer.sign("file-1", 1_700_000_000.0)
    second = signer.sign("file-1", 1_700_000_000.0)
    assert first != second
    payload = orjson.loads(_unb64(first.partition(".")[0]))
    assert list(payload) == ["f", "e", "n"]
    assert (payload["f"], payload["e"]) == ("file-1", 1_700_000_000.0)
    assert re.fullmatch(r"[0-9a-f]{16}", payload["n"])
