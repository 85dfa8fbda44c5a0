"""Each local check's error, word for word: what a caller reads, and the field it names.

A message is the whole of what a user gets when nothing was sent, so each one is pinned
here exactly, with the `field` a program can branch on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from mistral_batch import InputError
from mistral_batch import _validation as v

ENDPOINTS = ", ".join(v.ENDPOINTS)
CHAT = "/v1/chat/completions"
GOOD = {"custom_id": "a", "body": {}}

CASES: list[tuple[str, Callable[[], Any], str, str]] = [
    ("id not a string", lambda: v.validate_id(3), "id must be a string, got number", "id"),
    ("id empty", lambda: v.validate_id(""), "id is empty", "id"),
    ("id a segment", lambda: v.validate_id(".."), "id '..' is a path segment, not an id", "id"),
    (
        "id with a slash",
        lambda: v.validate_id("a/b", "job_id"),
        "job_id 'a/b' contains '/'",
        "job_id",
    ),
    (
        "id with a format character",
        lambda: v.validate_id("a\u200bb"),
        "id 'a\\u200bb' contains whitespace or a control character",
        "id",
    ),
    (
        "id with a line separator",
        lambda: v.validate_id("a\u2028b"),
        "id 'a\\u2028b' contains whitespace or a control character",
        "id",
    ),
    (
        "id with a paragraph separator",
        lambda: v.validate_id("a\u2029b"),
        "id 'a\\u2029b' contains whitespace or a control character",
        "id",
    ),
    ("page not an int", lambda: v.validate_page(True), "page must be an int, got boolean", "page"),
    ("page negative", lambda: v.validate_page(-1), "page must be >= 0, got -1", "page"),
    (
        "page size zero",
        lambda: v.validate_page_size(0),
        "page_size must be >= 1, got 0",
        "page_size",
    ),
    (
        "expiry too long",
        lambda: v.validate_signed_url_expiry(169),
        "expiry must be between 1 and 168 hours, got 169",
        "expiry",
    ),
    (
        "page size not an int",
        lambda: v.validate_page_size("10"),
        "page_size must be an int, got string",
        "page_size",
    ),
    (
        "expiry not an int",
        lambda: v.validate_signed_url_expiry(1.5),
        "expiry must be an int, got number",
        "expiry",
    ),
    (
        "signed URL not a string",
        lambda: v.validate_signed_url(3),
        "a signed URL must be a string, got number",
        "url",
    ),
    (
        "signed URL without a host",
        lambda: v.validate_signed_url("https:///files/x"),
        "a signed URL must name a host",
        "url",
    ),
    (
        "signed URL with a user but no host",
        lambda: v.validate_signed_url("https://user@/files/x"),
        "a signed URL must name a host",
        "url",
    ),
    (
        "signed URL with a port but no host",
        lambda: v.validate_signed_url("https://:443/a?sig=x"),
        "a signed URL must name a host",
        "url",
    ),
    (
        "signed URL that is not well formed",
        lambda: v.validate_signed_url("https://[::1/a"),
        "a signed URL must be a well-formed URL",
        "url",
    ),
    (
        "signed URL whose last @ leaves no host",
        lambda: v.validate_signed_url("https://a@@/files/x"),
        "a signed URL must name a host",
        "url",
    ),
    (
        "signed URL with a 16-letter scheme",
        lambda: v.validate_signed_url("abcdefghijklmnop://host/x"),
        "a signed URL must be an absolute http(s) URL; this one has abcdefghijklmnop scheme",
        "url",
    ),
    (
        "signed URL with a longer scheme, not repeated",
        lambda: v.validate_signed_url("abcdefghijklmnopq://host/x"),
        "a signed URL must be an absolute http(s) URL; this one has no scheme",
        "url",
    ),
    (
        "signed URL with a control character",
        lambda: v.validate_signed_url("https://host/a\x01b"),
        "a signed URL must not hold whitespace or control characters",
        "url",
    ),
    (
        "signed URL of another scheme",
        lambda: v.validate_signed_url("ftp://host/x"),
        "a signed URL must be an absolute http(s) URL; this one has ftp scheme",
        "url",
    ),
    (
        "signed URL without a scheme",
        lambda: v.validate_signed_url("host/x"),
        "a signed URL must be an absolute http(s) URL; this one has no scheme",
        "url",
    ),
    (
        "signed URL with a space",
        lambda: v.validate_signed_url("https://host/a b"),
        "a signed URL must not hold whitespace or control characters",
        "url",
    ),
    (
        "endpoint unknown and malformed",
        lambda: v.validate_endpoint("chat"),
        f"endpoint must be one of {ENDPOINTS}; got 'chat'",
        "endpoint",
    ),
    (
        "timeout too long",
        lambda: v.validate_timeout_hours(169),
        "timeout_hours must be between 1 and 168 hours, got 169",
        "timeout_hours",
    ),
    (
        "completion window unreadable",
        lambda: v.parse_completion_window("a day"),
        "completion_window must look like '24h' or '2d', got 'a day'",
        "completion_window",
    ),
    (
        "completion window too long",
        lambda: v.parse_completion_window("8d"),
        "completion_window must be between 1 and 168 hours, got 192",
        "completion_window",
    ),
    (
        "metadata not a mapping",
        lambda: v.validate_metadata(["a"]),
        "metadata must be a mapping, got array",
        "metadata",
    ),
    (
        "metadata key too long",
        lambda: v.validate_metadata({"k" * 33: "v"}),
        f"metadata key {'k' * 33!r} must be 1 to 32 characters, got 33",
        "metadata",
    ),
    (
        "metadata value not a string",
        lambda: v.validate_metadata({"k": 3}),
        "metadata['k'] must be a string, got number",
        "metadata",
    ),
    (
        "metadata filter value empty",
        lambda: v.validate_metadata_filter({"k": ""}),
        "metadata filter['k'] must be 1 to 512 characters, got 0",
        "metadata filter",
    ),
    (
        "model blank",
        lambda: v.validate_job_create(CHAT, model=" ", input_files=["f"]),
        "model must be a non-empty string, got ' '",
        "model",
    ),
    (
        "agent_id not a string",
        lambda: v.validate_job_create(CHAT, agent_id=3, input_files=["f"]),
        "agent_id must be a non-empty string, got 3",
        "agent_id",
    ),
    (
        "neither input_files nor requests",
        lambda: v.validate_job_create(CHAT),
        "give exactly one of input_files or requests",
        "input_files",
    ),
    (
        "both input_files and requests",
        lambda: v.validate_job_create(CHAT, input_files=["f"], requests=[GOOD]),
        "give exactly one of input_files or requests",
        "input_files",
    ),
    (
        "input_files a string",
        lambda: v.validate_job_create(CHAT, input_files="f"),
        "input_files must be a list of file ids, got string",
        "input_files",
    ),
    (
        "input_files empty",
        lambda: v.validate_job_create(CHAT, input_files=[]),
        "input_files is empty",
        "input_files",
    ),
    (
        "input_files with a bad id",
        lambda: v.validate_job_create(CHAT, input_files=["f", "a b"]),
        "input_files[1] 'a b' contains whitespace or a control character",
        "input_files[1]",
    ),
    (
        "requests a string",
        lambda: v.validate_job_create(CHAT, requests="r"),
        "requests must be a list, got string",
        "requests",
    ),
    (
        "requests a mapping",
        lambda: v.validate_job_create(CHAT, requests={"custom_id": "a"}),
        "requests must be a list, got object",
        "requests",
    ),
    (
        "requests empty",
        lambda: v.validate_job_create(CHAT, requests=[]),
        "requests must hold 1 to 10,000 items, got 0 (use an input file for more)",
        "requests",
    ),
    (
        "requests too many",
        lambda: v.validate_job_create(CHAT, requests=[GOOD] * 10_001),
        "requests must hold 1 to 10,000 items, got 10,001 (use an input file for more)",
        "requests",
    ),
    (
        "a request not an object",
        lambda: v.validate_job_create(CHAT, requests=[GOOD, 3]),
        "requests[1] must be an object, got number",
        "requests",
    ),
    (
        "a request without a body",
        lambda: v.validate_job_create(CHAT, requests=[{"custom_id": "a"}]),
        "requests[0].body must be an object, got null",
        "requests",
    ),
    (
        "a request whose body is a list",
        lambda: v.validate_job_create(CHAT, requests=[{"body": []}]),
        "requests[0].body must be an object, got array",
        "requests",
    ),
    (
        "a custom_id empty",
        lambda: v.validate_job_create(CHAT, requests=[{"custom_id": "", "body": {}}]),
        "requests[0].custom_id must be a non-empty string, got ''",
        "requests",
    ),
    (
        "a custom_id repeated after one without",
        lambda: v.validate_job_create(
            CHAT, requests=[GOOD, {"body": {}}, {"custom_id": "a", "body": {}}]
        ),
        "requests[2].custom_id 'a' repeats requests[0]",
        "requests",
    ),
]


@pytest.mark.parametrize(
    ("call", "message", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_refusal_says_what_and_names_the_field(
    call: Callable[[], Any], message: str, field: str
) -> None:
    with pytest.raises(InputError) as caught:
        call()
    assert (str(caught.value), caught.value.field) == (message, field)


def test_the_largest_inline_job_and_the_edges_of_each_range_are_accepted() -> None:
    v.validate_job_create(CHAT, requests=[{"custom_id": str(i), "body": {}} for i in range(10_000)])
    v.validate_job_create(CHAT, requests=[{"body": {}}, {"body": {}}])  # no custom_ids at all
    assert v.validate_timeout_hours(168) == 168 and v.validate_timeout_hours(1) == 1
    assert v.validate_signed_url_expiry(168) == 168 and v.validate_signed_url_expiry(1) == 1
    assert v.parse_completion_window(" 7D ") == 168
    assert v.validate_metadata({"k" * 32: "v" * 512}) == {"k" * 32: "v" * 512}
    assert v.validate_page(0) == 0 and v.validate_page_size(1) == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://host/files/x?sig=abc",
        "http://127.0.0.1:8000/files/x",
        "HTTPS://host/x",
        "https://user@host/x",
        # Another URL in the query: the scheme is the first one.
        "https://host/x?next=http://elsewhere/y",
    ],
)
def test_a_well_formed_signed_url_is_accepted_as_it_is(url: str) -> None:
    assert v.validate_signed_url(url) == url


def test_ids_refuse_every_separator_of_lines_and_paragraphs() -> None:
    # U+2028 and U+2029 (categories Zl and Zp) are also whitespace to str.isspace().
    for ch in ("\u2028", "\u2029", "\u200b", "\x00", " "):
        with pytest.raises(InputError, match="contains whitespace or a control character"):
            v.validate_id(f"a{ch}b")


def test_json_types_are_named_as_json_names_them() -> None:
    names = [v.json_type(x) for x in (None, True, {}, "s", 1, 1.5, [], ())]
    assert names == ["null", "boolean", "object", "string", "number", "number", "array", "array"]
    assert v.json_type(b"x") == "bytes"


def test_a_newer_endpoint_or_purpose_is_sent_with_a_warning_naming_the_known_ones(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="mistral_batch")
    assert v.validate_endpoint("/v1/newer") == "/v1/newer"
    assert v.validate_purpose("photos") == "photos"
    purposes = ", ".join(v.PURPOSES)
    assert caplog.messages == [
        f"endpoint '/v1/newer' is not one this version knows ({ENDPOINTS}); sending it as it is",
        f"purpose 'photos' is not one this version knows ({purposes}); sending it as it is",
    ]


def test_the_known_lists_come_from_the_spec_and_nothing_else_is_made_up() -> None:
    assert "/v1/chat/completions" in v.ENDPOINTS and "batch" in v.PURPOSES
    with pytest.raises(AttributeError, match="has no attribute 'NOPE'"):
        v.NOPE  # noqa: B018
