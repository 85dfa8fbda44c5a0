"""The retry policy's defaults, refusals and edges, pinned: what a caller gets unasked."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from mistral_batch._retry import (
    DEFAULT_RETRY_STATUSES,
    NON_IDEMPOTENT_RETRY_STATUSES,
    RetryPolicy,
    parse_retry_after,
)
from mistral_batch.errors import APIConnectionError


def test_the_defaults() -> None:
    policy = RetryPolicy()
    assert (policy.max_attempts, policy.initial_delay, policy.max_delay) == (5, 0.5, 30.0)
    assert (policy.max_retry_after, policy.listing_lag) == (60.0, 10.0)
    assert policy.retry_statuses == DEFAULT_RETRY_STATUSES == {408, 429, 500, 502, 503, 504}
    assert {408, 429} == NON_IDEMPOTENT_RETRY_STATUSES


@pytest.mark.parametrize("bad", [0, -1, True, 2.0, "3"])
def test_max_attempts_must_be_an_int_of_at_least_one(bad: object) -> None:
    with pytest.raises(ValueError, match=rf"^max_attempts must be an int >= 1, got {bad!r}$"):
        RetryPolicy(max_attempts=bad)  # type: ignore[arg-type]


def test_zero_waits_are_allowed_and_negative_ones_refused() -> None:
    policy = RetryPolicy(initial_delay=0, max_delay=0, max_retry_after=0, listing_lag=0)
    assert policy.delay(3) == 0.0
    for field in ("initial_delay", "max_delay", "max_retry_after", "listing_lag"):
        with pytest.raises(ValueError, match=field):
            RetryPolicy(**{field: -0.1})  # type: ignore[arg-type]


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError, match=r"^attempt must be >= 1, got 0$"):
        RetryPolicy().delay(0)
    assert RetryPolicy(initial_delay=0).delay(1) == 0.0


def test_retry_after_is_taken_exactly_within_the_cap() -> None:
    policy = RetryPolicy(max_retry_after=5.0)
    assert policy.delay(1, retry_after=5.0) == 5.0
    assert policy.delay(1, retry_after=5.01) is None
    assert policy.delay(1, retry_after=math.nan) is None
    assert policy.delay(1, retry_after=-2.0) == 0.0


def test_a_request_that_may_have_been_acted_on_is_not_sent_again_unless_idempotent() -> None:
    policy = RetryPolicy()
    sent = APIConnectionError("reset")
    assert policy.should_retry(1, error=sent)
    assert not policy.should_retry(1, error=sent, idempotent=False)
    assert policy.should_retry(1, error=sent, idempotent=False, sent=False)
    unsent = APIConnectionError("refused")
    unsent.request_sent = False
    assert policy.should_retry(1, error=unsent, idempotent=False, sent=True)
    assert policy.should_retry(1, status=408, idempotent=False)
    assert not policy.should_retry(1, status=500, idempotent=False)
    assert not policy.should_retry(5, error=unsent)  # the last attempt allowed


def test_only_the_statuses_asked_for_are_retried() -> None:
    policy = RetryPolicy(retry_statuses=frozenset({418}))
    assert policy.should_retry(1, status=418)
    assert not policy.should_retry(1, status=503)


@pytest.mark.parametrize("value", ["1e999", "-inf", "  ", "Fri, 02 Jan 2026"])
def test_a_retry_after_nobody_meant_is_none(value: str) -> None:
    assert parse_retry_after(value, 0.0) is None


def test_a_builtin_connection_error_may_have_been_acted_on() -> None:
    # It carries no request_sent: taken as sent, so a create is not sent again.
    policy = RetryPolicy()
    assert not policy.should_retry(1, error=ConnectionResetError(), idempotent=False)
    assert not policy.should_retry(1, error=TimeoutError(), idempotent=False)
    assert policy.should_retry(1, error=ConnectionResetError(), idempotent=False, sent=False)


def test_a_date_without_a_zone_is_read_as_utc() -> None:
    # RFC 2822's "-0000" says the zone is unknown: Python reads it as a naive datetime.
    now = datetime(2015, 10, 21, 7, 27, 30, tzinfo=UTC)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 -0000", now) == 30.0


def test_an_error_that_does_not_say_whether_it_was_sent_is_taken_as_sent() -> None:
    policy = RetryPolicy(max_attempts=3)
    # A built-in ConnectionError carries no request_sent: a create may have been acted on.
    assert policy.should_retry(0, error=ConnectionError("reset"), idempotent=False) is False
    assert policy.should_retry(0, error=ConnectionError("reset"), idempotent=True) is True
