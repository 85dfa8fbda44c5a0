"""Keeping secrets secret: a key checked before use, and log lines cleaned of keys and URLs.

httpx and httpcore log requests and response headers themselves (INFO and DEBUG); a
server that echoes the key in a header, or a signed URL that redirects, would put a
secret in those lines. The filter here is installed on every logger they use.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

import httpx

from .errors import InputError

__all__ = ["LOG_SECRETS", "REDACTED", "clean_api_key", "redact", "secret_forms", "url_secrets"]

REDACTED = "[REDACTED]"


def secret_forms(secret: str) -> set[str]:
    """The ways `secret` can be printed: as is, escaped as in a str or bytes repr or in
    JSON, and percent-encoded."""
    forms = {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1]}
    forms.add(secret.encode("unicode_escape").decode("ascii"))
    for encoding in ("utf-8", "latin-1"):
        with contextlib.suppress(UnicodeEncodeError):
            forms.add(repr(secret.encode(encoding))[2:-1])
    forms.update((quote(secret, safe=""), quote_plus(secret, safe=""), quote(secret)))
    return {form for form in forms if form}


def redact(text: str, secrets: Iterable[str]) -> str:
    """Return text with every non-empty secret, in any of its forms, replaced by [REDACTED]."""
    forms = {form for secret in secrets if secret for form in secret_forms(secret)}
    # Longest first, so that a secret containing another is removed whole.
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, REDACTED)
    return text


#: The loggers that can print a request's URL or a response's headers.
_LOGGERS = (
    "mistral_batch",
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)

#: Shorter "keys" (a test's "k") are not real ones; redacting them would mangle words.
MIN_KEY_LENGTH = 8

#: A Location header as httpcore's DEBUG lines print it: (b'Location', b'...').
_LOCATION = re.compile(r"(\(b'location', b')[^']*('\))", re.IGNORECASE)

#: Path segments at least this long are taken as possible tokens; shorter ones ("v1",
#: "files", "content") are words that redaction would only mangle.
_TOKEN_SEGMENT = 12


def clean_api_key(raw: str) -> str:
    """The key without surrounding whitespace; InputError if it holds anything else unsafe.

    A key read from a file keeps its newline; any character that cannot travel in an
    HTTP header would make httpx raise an error that prints the key.
    """
    key = raw.strip()
    for position, char in enumerate(key, start=1):
        if not "\x21" <= char <= "\x7e":
            name = unicodedata.name(char, "a control character")
            raise InputError(
                f"the API key holds U+{ord(char):04X} ({name}) at character {position}; "
                "a key is printable ASCII without spaces",
                field="api_key",
            )
    if not key:
        raise InputError("the API key is empty", field="api_key")
    return key


def url_secrets(url: httpx.URL) -> list[str]:
    """The parts of a signed URL that can be credentials: itself, its query, its tokens."""
    parts = [str(url), url.query.decode("ascii", "replace"), url.path]
    # Short values ("host", "GET", "3600") are words: redacting them would mangle lines.
    parts += [value for _, value in url.params.multi_items() if len(value) >= MIN_KEY_LENGTH]
    parts += [seg for seg in url.path.split("/") if len(seg) >= _TOKEN_SEGMENT]
    return [part for part in parts if part and part != "/"]


class _LogSecrets(logging.Filter):
    """Redacts known keys and the signed URLs being fetched from log records."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._keys: set[str] = set()
        # Counted, not a set: two overlapping downloads of one URL each hold it.
        self._urls: Counter[str] = Counter()

    def add_key(self, key: str) -> None:
        """Redact `key` from every log line from now on."""
        if len(key) < MIN_KEY_LENGTH:
            return
        with self._lock:
            self._keys.add(key)

    def hiding(self, url: httpx.URL) -> _Hiding:
        """A context in which the parts of `url` are redacted from log lines."""
        return _Hiding(self, url_secrets(url))

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            secrets = [*self._keys, *self._urls]
        core = record.name.startswith("httpcore")
        if secrets or core:
            message = record.getMessage()
            cleaned = redact(message, secrets)
            if core:
                # Where an answer redirects may be a signed URL (the API's downloads may
                # send to storage), and httpcore prints the answer's headers before
                # anyone has seen the target.
                cleaned = _LOCATION.sub(rf"\1{REDACTED}\2", cleaned)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True


class _Hiding:
    def __init__(self, registry: _LogSecrets, parts: list[str]) -> None:
        self._registry = registry
        self._parts = parts

    def __enter__(self) -> None:
        with self._registry._lock:
            self._registry._urls.update(self._parts)

    def __exit__(self, *exc: object) -> None:
        with self._registry._lock:
            self._registry._urls.subtract(self._parts)
            for part in self._parts:
                if self._registry._urls[part] <= 0:
                    del self._registry._urls[part]


#: The process's one registry: every client adds its key when it is made.
LOG_SECRETS = _LogSecrets()
for _name in _LOGGERS:
    logging.getLogger(_name).addFilter(LOG_SECRETS)
