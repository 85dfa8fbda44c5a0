"""Redaction at its edges: the forms of a secret that only some characters bring out (one
Latin-1 cannot encode, a space beside a '/'), the URL parts and keys exactly as long as
the thresholds, and a query that held non-ASCII characters.

The log filter's tests use a registry of their own on a logger of their own, so that the
short keys they register never reach other tests' lines, and no key registered before
(by another test) can do their work for them."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from mistral_batch._secrets import (
    MIN_KEY_LENGTH,
    REDACTED,
    _LogSecrets,
    redact,
    secret_forms,
    url_secrets,
)

#: A secret holding a character outside Latin-1 and outside the BMP (U+1F511, a key).
NON_LATIN = "sk-key-\U0001f511"

#: A secret holding a space, a '/', a '+' and a non-ASCII character: each percent-encoding
#: of it is different.
SPACED = "tok en/a+b=\u00e9"

LOGGER = "tests.secret_forms_exact"


@pytest.fixture
def filtered() -> Iterator[tuple[logging.Logger, _LogSecrets]]:
    """A logger with a fresh log filter on it, removed after the test."""
    registry = _LogSecrets()
    log = logging.getLogger(LOGGER)
    log.addFilter(registry)
    try:
        yield log, registry
    finally:
        log.removeFilter(registry)


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == LOGGER]


def test_the_forms_of_a_secret_latin1_cannot_encode() -> None:
    assert secret_forms(NON_LATIN) == {
        NON_LATIN,  # as is, and its str repr, which keeps a printable character
        "sk-key-\\ud83d\\udd11",  # JSON: a surrogate pair
        "sk-key-\\U0001f511",  # unicode_escape, as ascii() and %a print it
        "sk-key-\\xf0\\x9f\\x94\\x91",  # repr of the UTF-8 bytes; there are no Latin-1 ones
        "sk-key-%F0%9F%94%91",  # every percent-encoding
    }


def test_a_secret_printed_with_ascii_is_redacted() -> None:
    assert ascii(NON_LATIN) == "'sk-key-\\U0001f511'"
    assert redact(f"sent {NON_LATIN!a}", [NON_LATIN]) == f"sent '{REDACTED}'"
    assert redact(f"sent {NON_LATIN.encode()!r}", [NON_LATIN]) == f"sent b'{REDACTED}'"


def test_the_forms_of_a_secret_with_a_space_a_slash_and_a_plus() -> None:
    assert secret_forms(SPACED) == {
        SPACED,  # as is, and its str repr
        "tok en/a+b=\\u00e9",  # JSON
        "tok en/a+b=\\xe9",  # unicode_escape, and repr of the Latin-1 bytes
        "tok en/a+b=\\xc3\\xa9",  # repr of the UTF-8 bytes
        "tok%20en%2Fa%2Bb%3D%C3%A9",  # quote with nothing safe
        "tok+en%2Fa%2Bb%3D%C3%A9",  # quote_plus: the space as '+'
        "tok%20en/a%2Bb%3D%C3%A9",  # quote, which keeps '/'
    }


@pytest.mark.parametrize(
    "printed",
    ["tok%20en%2Fa%2Bb%3D%C3%A9", "tok+en%2Fa%2Bb%3D%C3%A9", "tok%20en/a%2Bb%3D%C3%A9"],
)
def test_each_percent_encoding_of_a_secret_is_redacted(printed: str) -> None:
    assert redact(f"GET /x?t={printed}&n=1", [SPACED]) == f"GET /x?t={REDACTED}&n=1"


def test_url_parts_exactly_as_long_as_the_thresholds_are_secrets() -> None:
    assert (len("exactly8"), len("seven77")) == (MIN_KEY_LENGTH, MIN_KEY_LENGTH - 1)
    # Path segments of 12 characters or more are taken as tokens.
    assert (len("twelve-chars"), len("eleven-char")) == (12, 11)
    url = httpx.URL("https://cdn.example/twelve-chars/eleven-char?sig=exactly8&ttl=seven77")
    assert url_secrets(url) == [
        str(url),
        "sig=exactly8&ttl=seven77",
        "/twelve-chars/eleven-char",
        "exactly8",
        "twelve-chars",
    ]


def test_the_log_filter_hides_url_parts_exactly_as_long_as_the_thresholds(
    filtered: tuple[logging.Logger, _LogSecrets], caplog: pytest.LogCaptureFixture
) -> None:
    log, registry = filtered
    url = httpx.URL("https://cdn.example/twelve-chars/eleven-char?sig=exactly8&ttl=seven77")
    with registry.hiding(url):
        log.warning("sig %s, token %s", "exactly8", "twelve-chars")
        log.warning("ttl %s, folder %s", "seven77", "eleven-char")
    log.warning("after: sig %s, token %s", "exactly8", "twelve-chars")
    assert messages(caplog) == [
        f"sig {REDACTED}, token {REDACTED}",
        "ttl seven77, folder eleven-char",
        "after: sig exactly8, token twelve-chars",
    ]


def test_a_query_given_non_ascii_characters_is_taken_percent_encoded_and_decoded() -> None:
    url = httpx.URL("https://cdn.example/blob?sig=\u00e9-signature")
    assert url.query == b"sig=%C3%A9-signature"
    assert url_secrets(url) == [
        "https://cdn.example/blob?sig=%C3%A9-signature",
        "sig=%C3%A9-signature",
        "/blob",
        "\u00e9-signature",
    ]
    text = f"fetched {url} with sig \u00e9-signature"
    assert redact(text, url_secrets(url)) == f"fetched {REDACTED} with sig {REDACTED}"


def test_a_key_exactly_the_minimum_length_is_redacted_and_a_shorter_one_is_not(
    filtered: tuple[logging.Logger, _LogSecrets], caplog: pytest.LogCaptureFixture
) -> None:
    log, registry = filtered
    assert (len("key-8chr"), len("key-7ch")) == (MIN_KEY_LENGTH, MIN_KEY_LENGTH - 1)
    registry.add_key("key-8chr")
    registry.add_key("key-7ch")
    log.warning("eight: %s", "key-8chr")
    log.warning("seven: %s", "key-7ch")
    assert messages(caplog) == [f"eight: {REDACTED}", "seven: key-7ch"]


def test_the_log_filter_redacts_a_key_in_every_form_it_is_printed_in(
    filtered: tuple[logging.Logger, _LogSecrets], caplog: pytest.LogCaptureFixture
) -> None:
    log, registry = filtered
    registry.add_key(NON_LATIN)
    registry.add_key(SPACED)
    log.warning("as %a and %r", NON_LATIN, NON_LATIN.encode())
    log.warning("in %s", "https://cdn.example/x?a=tok+en%2Fa%2Bb%3D%C3%A9&b=tok%20en%2Fa")
    assert messages(caplog) == [
        f"as '{REDACTED}' and b'{REDACTED}'",
        f"in https://cdn.example/x?a={REDACTED}&b=tok%20en%2Fa",
    ]
