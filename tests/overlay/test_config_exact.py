"""Client configuration to the letter: what each argument and variable becomes, the
defaults, the exact refusals, and the timeouts of the connection pool a client makes."""

from __future__ import annotations

import asyncio
import logging

import attrs
import httpx
import pytest

from mistral_batch import APITimeoutError, AsyncMistral, InputError, Mistral, RetryPolicy
from mistral_batch._config import (
    DEFAULT_SERVER_URL,
    DEFAULT_TIMEOUT,
    ClientConfig,
    own_pool,
    parse_server_url,
    shown_url,
)
from mistral_batch.emulator import Emulator
from mistral_batch.errors import InsecureTransportError

KEY = "sk-config-0123456789"


def resolve(**options: object) -> ClientConfig:
    """A configuration from these arguments and an empty environment."""
    arguments: dict[str, object] = {
        "api_key": KEY,
        "server_url": None,
        "timeout": None,
        "max_retries": None,
        "retry": None,
        "allow_insecure_http": False,
        "environ": {},
    }
    arguments.update(options)
    return ClientConfig.resolve(**arguments)  # type: ignore[arg-type]


def test_the_defaults() -> None:
    config = resolve()
    assert config == ClientConfig(
        api_key=KEY,
        server_url=httpx.URL("https://api.mistral.ai"),
        timeout=httpx.Timeout(connect=10.0, read=120.0, write=120.0, pool=30.0),
        retry=RetryPolicy(),
        allow_insecure_http=False,
        attempt_timeout=120.0,
        deadline=None,
        max_concurrency=64,
    )
    assert DEFAULT_SERVER_URL == "https://api.mistral.ai"
    assert config.timeout is DEFAULT_TIMEOUT


def test_every_argument_is_kept() -> None:
    policy = RetryPolicy(max_attempts=2, initial_delay=0.1)
    config = resolve(
        server_url="http://127.0.0.1:9/base",
        timeout=7,
        max_retries=3,
        retry=policy,
        allow_insecure_http=True,
        deadline=30,
        max_concurrency=5,
    )
    assert config == ClientConfig(
        api_key=KEY,
        server_url=httpx.URL("http://127.0.0.1:9/base"),
        timeout=httpx.Timeout(7.0),
        retry=RetryPolicy(max_attempts=4, initial_delay=0.1),
        allow_insecure_http=True,
        attempt_timeout=7.0,
        deadline=30.0,
        max_concurrency=5,
    )
    assert type(config.attempt_timeout) is float and type(config.deadline) is float


def test_a_timeout_object_is_kept_and_its_read_bounds_an_attempt() -> None:
    timeout = httpx.Timeout(connect=1.0, read=2.5, write=3.0, pool=4.0)
    config = resolve(timeout=timeout)
    assert config.timeout is timeout
    assert config.attempt_timeout == 2.5
    unbounded = resolve(timeout=httpx.Timeout(5.0, read=None))
    assert unbounded.attempt_timeout is None


def test_max_retries_without_a_policy_changes_only_the_attempts() -> None:
    assert resolve(max_retries=0).retry == RetryPolicy(max_attempts=1)
    assert resolve(retry=RetryPolicy(max_delay=1.0)).retry == RetryPolicy(max_delay=1.0)


def test_the_environment_gives_the_key_and_the_server() -> None:
    env = {"MISTRAL_API_KEY": f"  {KEY}\n", "MISTRAL_SERVER_URL": "https://eu.example.test/v1/"}
    config = resolve(api_key=None, environ=env)
    assert config.api_key == KEY
    assert config.server_url == httpx.URL("https://eu.example.test")
    # Arguments win over the environment.
    config = resolve(api_key="sk-other", server_url="https://a.example.test", environ=env)
    assert (config.api_key, str(config.server_url)) == ("sk-other", "https://a.example.test")


def test_the_process_environment_is_read_when_none_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MISTRAL_API_KEY", KEY)
    monkeypatch.setenv("MISTRAL_SERVER_URL", "https://env.example.test")
    config = resolve(api_key=None, environ=None)
    assert (config.api_key, str(config.server_url)) == (KEY, "https://env.example.test")


@pytest.mark.parametrize("key", [None, "", "   "])
def test_no_key_is_refused(key: str | None) -> None:
    with pytest.raises(InputError) as caught:
        resolve(api_key=key, environ={"MISTRAL_API_KEY": ""})
    assert str(caught.value) == "no API key: pass api_key= or set MISTRAL_API_KEY"
    assert caught.value.field == "api_key"


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        (
            {"timeout": -1},
            "timeout",
            "timeout must be a positive number of seconds or None, got -1",
        ),
        ({"timeout": 0}, "timeout", "timeout must be a positive number of seconds or None, got 0"),
        (
            {"timeout": httpx.Timeout(5.0, read=0.0)},
            "timeout",
            "timeout must be a positive number of seconds or None, got 0.0",
        ),
        (
            {"deadline": True},
            "deadline",
            "deadline must be a positive number of seconds or None, got True",
        ),
        (
            {"deadline": "9"},
            "deadline",
            "deadline must be a positive number of seconds or None, got '9'",
        ),
        (
            {"max_concurrency": 0},
            "max_concurrency",
            "max_concurrency must be a whole number of at least 1, got 0",
        ),
    ],
)
def test_bad_numbers_are_refused_by_name(
    options: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        resolve(**options)
    assert str(caught.value) == message
    assert caught.value.field == field


def test_plain_http_is_refused_away_from_loopback() -> None:
    with pytest.raises(InsecureTransportError) as caught:
        resolve(server_url="http://api.example.test")
    assert str(caught.value) == (
        "refusing to send the API key over http:// to api.example.test; use https, "
        "or pass allow_insecure_http=True if this network is trusted"
    )
    assert resolve(server_url="http://127.0.0.1:8000").server_url == httpx.URL(
        "http://127.0.0.1:8000"
    )


@pytest.mark.parametrize(
    ("typed", "url"),
    [
        ("https://api.example.test", "https://api.example.test"),
        ("  https://api.example.test/  ", "https://api.example.test"),
        ("https://api.example.test/v1", "https://api.example.test"),
        ("https://api.example.test/v1/", "https://api.example.test"),
        ("https://api.example.test/proxy/v1", "https://api.example.test/proxy"),
        ("https://api.example.test/proxy/v1//", "https://api.example.test/proxy"),
        # Only a last segment "v1" is dropped.
        ("https://api.example.test/v1/X", "https://api.example.test/v1/X"),
        ("https://api.example.test/v1X", "https://api.example.test/v1X"),
        ("https://api.example.test/v10", "https://api.example.test/v10"),
        ("https://api.example.test/v1/jobs", "https://api.example.test/v1/jobs"),
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080"),
    ],
)
def test_the_server_url_as_typed_and_as_used(typed: str, url: str) -> None:
    parsed = parse_server_url(typed)
    assert str(parsed) == url
    assert parsed == httpx.URL(url)


def test_dropping_v1_is_logged_without_the_password(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="mistral_batch"):
        parse_server_url("https://user:hunter2@api.example.test/v1")
        parse_server_url("https://api.example.test/other")
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        (
            "mistral_batch",
            logging.INFO,
            "server_url ends in /v1, which every path adds: using https://api.example.test",
        )
    ]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "api.example.test",
            "server_url must be an http(s) URL such as https://api.mistral.ai;"
            " did you mean https://api.example.test?",
        ),
        (
            "ftp://api.example.test",
            "server_url must be an http(s) URL such as https://api.mistral.ai",
        ),
        ("user:pw@host", "server_url must be an http(s) URL such as https://api.mistral.ai"),
        ("", "server_url must be an http(s) URL such as https://api.mistral.ai"),
    ],
)
def test_a_server_url_that_is_no_url_is_refused(typed: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_server_url(typed)
    assert str(caught.value) == message
    assert caught.value.field == "server_url"


def test_a_url_is_shown_without_its_user_and_password() -> None:
    assert shown_url(httpx.URL("https://u:p@h.example.test/a/")) == "https://h.example.test/a"
    assert shown_url(httpx.URL("https://h.example.test/")) == "https://h.example.test"


def test_the_pool_a_client_makes_has_no_pool_timeout_and_a_connection_per_slot() -> None:
    config = resolve(timeout=httpx.Timeout(connect=1.0, read=2.0, write=3.0, pool=4.0))
    timeout, limits = own_pool(attrs.evolve(config, max_concurrency=7))
    assert timeout == httpx.Timeout(connect=1.0, read=2.0, write=3.0, pool=None)
    assert limits == httpx.Limits(max_connections=7, max_keepalive_connections=7)
    timeout, limits = own_pool(resolve())
    assert timeout == httpx.Timeout(connect=10.0, read=120.0, write=120.0, pool=None)
    assert limits == httpx.Limits(max_connections=64, max_keepalive_connections=64)


def test_the_read_timeout_bounds_a_slow_answer_to_an_upload(emu: Emulator) -> None:
    """An upload's attempt is not bounded as a whole: only the read timeout of the
    client's own connection pool ends a wait for an answer that does not come."""
    emu.inject("upload_file", delay=5.0, count=None)
    options = {"api_key": emu.api_key, "server_url": emu.url, "timeout": 0.3, "max_retries": 0}
    with Mistral(**options) as client, pytest.raises(APITimeoutError):  # type: ignore[arg-type]
        client.files.upload(b'{"custom_id": "a", "body": {}}\n')

    async def scenario() -> None:
        async with AsyncMistral(**options) as client:  # type: ignore[arg-type]
            await client.files.upload(b'{"custom_id": "a", "body": {}}\n')

    with pytest.raises(APITimeoutError):
        asyncio.run(scenario())
