from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mistral_batch._retry import RetryPolicy, parse_retry_after
from mistral_batch.errors import APIConnectionError, APITimeoutError, BadRequestError

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class Top:
    def uniform(self, a: float, b: float) -> float:
        return b


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("120", 120.0),
        (" 1.5 ", 1.5),
        ("-3", 0.0),
        ("soon", None),
        ("nan", None),
        ("inf", None),
        ("Fri, 02 Jan 2026 03:04:35 GMT", 30.0),
        ("Friday, 02-Jan-26 03:04:15 GMT", 10.0),
        ("Fri, 02 Jan 2026 03:00:00 GMT", 0.0),
        ("Fri, 99 Jan 2026 03:00:00 GMT", None),
    ],
    ids=[
        "none",
        "empty",
        "seconds",
        "fraction",
        "negative",
        "garbage",
        "nan",
        "inf",
        "http-date",
        "rfc850",
        "past",
        "bad-date",
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_parse_retry_after_with_unix_now_and_naive_datetime() -> None:
    assert parse_retry_after("Thu, 01 Jan 1970 00:00:10 GMT", 4.0) == 6.0
    assert parse_retry_after("Fri, 02 Jan 2026 03:04:35 GMT", NOW.replace(tzinfo=None)) == 30.0


@given(st.integers(min_value=0, max_value=10**9))
def test_seconds_round_trip(seconds: int) -> None:
    assert parse_retry_after(str(seconds), NOW) == seconds


@given(st.integers(min_value=-(10**6), max_value=10**8))
def test_http_date_round_trip(offset: int) -> None:
    when = NOW + timedelta(seconds=offset)
    assert parse_retry_after(format_datetime(when, usegmt=True), NOW) == max(0, offset)


def test_retry_statuses_and_attempt_limit() -> None:
    policy = RetryPolicy()
    for status in (408, 429, 500, 502, 503, 504):
        assert policy.should_retry(1, status=status)
    for status in (400, 401, 404, 409, 422, 501):
        assert not policy.should_retry(1, status=status)
    assert policy.should_retry(4, status=503)
    assert not policy.should_retry(5, status=503)
    assert not RetryPolicy(max_attempts=1).should_retry(1, status=503)
    assert not policy.should_retry(1)


def test_retry_errors() -> None:
    policy = RetryPolicy()
    assert policy.should_retry(1, error=APIConnectionError("reset"))
    assert policy.should_retry(1, error=APITimeoutError("slow"))
    assert policy.should_retry(1, error=ConnectionResetError())
    assert policy.should_retry(1, error=TimeoutError())
    assert not policy.should_retry(1, error=ValueError("bug"))
    assert not policy.should_retry(1, error=BadRequestError("no", status_code=400))


def test_non_idempotent_requests_retry_only_when_not_acted_on() -> None:
    policy = RetryPolicy()
    assert not policy.should_retry(1, error=APITimeoutError("read"), idempotent=False)
    assert policy.should_retry(1, error=APIConnectionError("refused"), idempotent=False, sent=False)
    refused = APIConnectionError("refused")
    refused.request_sent = False
    assert policy.should_retry(1, error=refused, idempotent=False)
    assert policy.should_retry(1, status=429, idempotent=False)
    assert not policy.should_retry(1, status=502, idempotent=False)


def test_delay_is_capped_full_jitter() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=30.0)
    assert [policy.delay(n, rng=Top()) for n in (1, 2, 3, 10)] == [0.5, 1.0, 2.0, 30.0]
    assert 0.0 <= policy.delay(3) <= 2.0  # type: ignore[operator]


def test_delay_honours_retry_after_up_to_the_cap() -> None:
    policy = RetryPolicy(max_retry_after=60.0)
    assert policy.delay(1, retry_after=12.0) == 12.0
    assert policy.delay(1, retry_after=0.0) == 0.0
    assert policy.delay(1, retry_after=60.0) == 60.0
    assert policy.delay(1, retry_after=61.0) is None


def test_policy_validation() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy().delay(0)
    assert RetryPolicy(retry_statuses={503}).retry_statuses == frozenset({503})  # type: ignore[arg-type]
