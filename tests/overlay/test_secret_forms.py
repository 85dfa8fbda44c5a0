"""Redaction, exactly: every form a key can be printed in, the key's own check, the parts of
a signed URL taken as secrets, and what the log filter leaves of a line."""

from __future__ import annotations

import logging

import httpx
import pytest

from mistral_batch import InputError
from mistral_batch._secrets import (
    LOG_SECRETS,
    MIN_KEY_LENGTH,
    REDACTED,
    clean_api_key,
    redact,
    secret_forms,
    url_secrets,
)

KEY = "sk-abc/def+ghi=é\\"


def test_every_form_a_secret_can_be_printed_in() -> None:
    forms = secret_forms(KEY)
    assert forms == {
        KEY,
        "sk-abc/def+ghi=é\\\\",  # repr keeps é and doubles the backslash
        "sk-abc/def+ghi=\\u00e9\\\\",  # JSON
        "sk-abc/def+ghi=\\xc3\\xa9\\\\",  # repr of the UTF-8 bytes
        "sk-abc/def+ghi=\\xe9\\\\",  # repr of the Latin-1 bytes, and unicode_escape
        "sk-abc%2Fdef%2Bghi%3D%C3%A9%5C",  # quote(safe="") and quote_plus
        "sk-abc/def%2Bghi%3D%C3%A9%5C",  # quote, which keeps "/"
    }
    assert secret_forms("") == set()


def test_redact_replaces_every_form_and_the_longest_first() -> None:
    text = f"a {KEY} b %22sk-abc%2Fdef%2Bghi%3D%C3%A9%5C%22 c"
    assert redact(text, [KEY]) == f"a {REDACTED} b %22{REDACTED}%22 c"
    assert redact("key-long and key", ["key", "key-long"]) == f"{REDACTED} and {REDACTED}"
    assert redact("nothing to hide", ["", "absent"]) == "nothing to hide"


def test_a_key_is_printable_ascii_without_spaces() -> None:
    assert clean_api_key("  sk-key\n") == "sk-key"
    assert clean_api_key("!~") == "!~"
    for raw, message in [
        ("sk key", "the API key holds U+0020 (SPACE) at character 3; "),
        ("sk\x7fkey", "the API key holds U+007F (a control character) at character 3; "),
        ("ské", "the API key holds U+00E9 (LATIN SMALL LETTER E WITH ACUTE) at character 3; "),
    ]:
        with pytest.raises(InputError) as caught:
            clean_api_key(raw)
        assert str(caught.value) == message + "a key is printable ASCII without spaces"
        assert caught.value.field == "api_key"
    with pytest.raises(InputError) as empty:
        clean_api_key(" \n")
    assert (str(empty.value), empty.value.field) == ("the API key is empty", "api_key")


def test_the_parts_of_a_signed_url_taken_as_secrets() -> None:
    url = httpx.URL("https://cdn.example/v1/files/0123456789abcdef/content?sig=s3cr3t-sig&exp=9")
    # Query values shorter than a key ("9", "host") are words, not taken on their own.
    assert url_secrets(url) == [
        str(url),
        "sig=s3cr3t-sig&exp=9",
        "/v1/files/0123456789abcdef/content",
        "s3cr3t-sig",
        "0123456789abcdef",
    ]
    assert url_secrets(httpx.URL("https://cdn.example/")) == ["https://cdn.example/"]


def test_the_log_filter_redacts_keys_long_enough_and_the_urls_being_fetched(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert MIN_KEY_LENGTH == 8
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("mistral_batch")
    LOG_SECRETS.add_key("short")  # too short to be a key: never redacted
    LOG_SECRETS.add_key("sk-logged-0123456789")
    log.warning("sent %s with %s", "sk-logged-0123456789", "short")
    url = httpx.URL("https://cdn.example/blob?sig=0123456789abcdef0123")
    with LOG_SECRETS.hiding(url):
        log.warning("fetching %s", str(url))
        logging.getLogger("httpcore.http11").debug(
            "receive_response_headers.complete return_value=(b'HTTP/1.1', 302, b'Found', "
            "[(b'Location', b'https://elsewhere.example/x?sig=other')])"
        )
    log.warning("after: %s", "sig=0123456789abcdef0123")
    assert [r.getMessage() for r in caplog.records] == [
        f"sent {REDACTED} with short",
        f"fetching {REDACTED}",
        "receive_response_headers.complete return_value=(b'HTTP/1.1', 302, b'Found', "
        f"[(b'Location', b'{REDACTED}')])",
        "after: sig=0123456789abcdef0123",
    ]
