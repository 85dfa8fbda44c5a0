"""Client configuration: where to connect, with which key, and how patiently."""

from __future__ import annotations

import functools
import ipaddress
import logging
import os
import socket
from collections.abc import Mapping

import attrs
import httpx

from ._limiter import DEFAULT_MAX_CONCURRENCY, check_max_concurrency
from ._retry import RetryPolicy
from ._secrets import clean_api_key
from .errors import InputError, InsecureTransportError

DEFAULT_SERVER_URL = "https://api.mistral.ai"

_log = logging.getLogger("mistral_batch")

#: Connect quickly or fail; reads and writes may be slow for big files on slow links.
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=120.0, pool=30.0)


def is_loopback(host: str) -> bool:
    """True for loopback addresses, and for "localhost" where it resolves only to them.

    Plain http cannot be overheard there. Other names ending in ".localhost" do not
    count: many resolvers send them to DNS like any other name.
    """
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost":
        return _localhost_is_loopback()
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@functools.cache
def _localhost_is_loopback() -> bool:
    try:
        found = socket.getaddrinfo("localhost", None, proto=socket.IPPROTO_TCP)
    except OSError:
        return False
    addresses = {info[4][0] for info in found}
    return bool(addresses) and all(
        ipaddress.ip_address(str(a).split("%")[0]).is_loopback for a in addresses
    )


def shown_url(url: httpx.URL) -> str:
    """`url` as it may be printed or written: without a user or password in it."""
    bare = url.copy_with(userinfo=b"") if url.userinfo else url
    return str(bare).rstrip("/")


def parse_server_url(raw_url: str) -> httpx.URL:
    """The API's base URL from what a user typed: http(s), a host, no trailing ``/v1``.

    Raises InputError naming the problem for a URL without a scheme or host.
    """
    text = raw_url.strip()
    url = httpx.URL(text.rstrip("/")) if "://" in text else None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        typed_plain = text and "://" not in text and "@" not in text
        hint = f"; did you mean https://{text}?" if typed_plain else ""
        example = f"such as {DEFAULT_SERVER_URL}"
        # What was typed is not repeated: it may hold a password.
        raise InputError(f"server_url must be an http(s) URL {example}{hint}", field="server_url")
    # Every operation's path already starts with /v1 (as in the official SDK, whose
    # server_url has none), so a base copied from a curl example would double it.
    path = url.path.rstrip("/")
    if path.endswith("/v1"):
        url = url.copy_with(path=path.removesuffix("/v1") or "/")
        _log.info("server_url ends in /v1, which every path adds: using %s", shown_url(url))
    return httpx.URL(str(url).rstrip("/"))


def check_transport(url: httpx.URL, *, allow_insecure_http: bool) -> None:
    """Refuse to send the key in clear text anywhere but loopback, unless allowed."""
    if url.scheme == "https" or allow_insecure_http:
        return
    if url.scheme == "http" and is_loopback(url.host):
        return
    raise InsecureTransportError(
        f"refusing to send the API key over {url.scheme}:// to {url.host}; use https, "
        "or pass allow_insecure_http=True if this network is trusted"
    )


@attrs.frozen
class ClientConfig:
    """Everything a client needs to talk to the API; the key never shows in its repr."""

    api_key: str = attrs.field(repr=False)
    server_url: httpx.URL
    timeout: httpx.Timeout = DEFAULT_TIMEOUT
    retry: RetryPolicy = attrs.field(factory=RetryPolicy)
    allow_insecure_http: bool = False
    #: Seconds one attempt of a call may take in all, however slowly the bytes come.
    attempt_timeout: float | None = DEFAULT_TIMEOUT.read
    #: Seconds one operation may take in all: its attempts, the waits between them, and
    #: for a download the reading of the whole body. None: only the attempts are bounded.
    deadline: float | None = None
    #: Requests one client may have in flight; more wait their turn (see _limiter).
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY

    @classmethod
    def resolve(
        cls,
        api_key: str | None,
        server_url: str | None,
        *,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
        retry: RetryPolicy | None,
        allow_insecure_http: bool,
        deadline: float | None = None,
        max_concurrency: int | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> ClientConfig:
        """Build from arguments, falling back to MISTRAL_API_KEY and MISTRAL_SERVER_URL."""
        env = os.environ if environ is None else environ
        key = api_key if api_key is not None else env.get("MISTRAL_API_KEY", "")
        if not key.strip():
            raise InputError("no API key: pass api_key= or set MISTRAL_API_KEY", field="api_key")
        key = clean_api_key(key)
        url = parse_server_url(server_url or env.get("MISTRAL_SERVER_URL") or DEFAULT_SERVER_URL)
        check_transport(url, allow_insecure_http=allow_insecure_http)
        policy = retry or RetryPolicy()
        if max_retries is not None:
            policy = attrs.evolve(policy, max_attempts=max_retries + 1)
        if timeout is None:
            timeouts = DEFAULT_TIMEOUT
        elif isinstance(timeout, httpx.Timeout):
            timeouts = timeout
        else:
            timeouts = httpx.Timeout(timeout)
        return cls(
            api_key=key,
            server_url=url,
            timeout=timeouts,
            retry=policy,
            allow_insecure_http=allow_insecure_http,
            attempt_timeout=_seconds(
                timeouts.read if isinstance(timeout, httpx.Timeout | None) else timeout, "timeout"
            ),
            deadline=_seconds(deadline, "deadline"),
            max_concurrency=check_max_concurrency(max_concurrency),
        )


def own_pool(config: ClientConfig) -> tuple[httpx.Timeout, httpx.Limits]:
    """The timeouts and limits of an httpx client we make: a connection for every request
    let through the gate, and no pool timeout, since waiting for one is never an error."""
    n = config.max_concurrency
    timeout = httpx.Timeout(
        connect=config.timeout.connect,
        read=config.timeout.read,
        write=config.timeout.write,
        pool=None,
    )
    return timeout, httpx.Limits(max_connections=n, max_keepalive_connections=n)


def _seconds(value: float | None, name: str) -> float | None:
    """A positive number of seconds, or None; InputError otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InputError(
            f"{name} must be a positive number of seconds or None, got {value!r}", field=name
        )
    return float(value)
