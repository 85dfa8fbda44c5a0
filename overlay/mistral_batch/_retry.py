"""Retry decisions for HTTP requests: whether to try again, and after how long.

The I/O layer owns the loop; it asks ``should_retry`` after each failure and sleeps
``delay``. Attempts are counted from 1, the first request included.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import attrs

from mistral_batch._backoff import Jitter, RandomLike, backoff_delay
from mistral_batch.errors import APIConnectionError

__all__ = ["DEFAULT_RETRY_STATUSES", "NON_IDEMPOTENT_RETRY_STATUSES", "RetryPolicy"]

DEFAULT_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: Statuses that prove the server did not act on the request, so even a POST that creates
#: something may be sent again: it was rejected before being handled.
NON_IDEMPOTENT_RETRY_STATUSES = frozenset({408, 429})


def parse_retry_after(value: str | None, now: datetime | float) -> float | None:
    """Return the seconds a Retry-After header asks to wait, or None if absent or unreadable.

    Accepts delay-seconds (fractions tolerated) and HTTP dates; a negative delay or a past
    date gives 0. `now` is an aware datetime (naive is taken as UTC) or a Unix time.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        # float() also reads "nan", "inf" and "1e999": not a delay anyone meant.
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if isinstance(now, datetime):
        now_ts = (now if now.tzinfo else now.replace(tzinfo=UTC)).timestamp()
    else:
        now_ts = float(now)
    return max(0.0, when.timestamp() - now_ts)


def _positive_int(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{attribute.name} must be an int >= 1, got {value!r}")


@attrs.frozen
class RetryPolicy:
    """When and how long to wait before sending a failed request again."""

    max_attempts: int = attrs.field(default=5, validator=_positive_int)
    """Attempts in all, the first included; 1 disables retries."""
    initial_delay: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    max_delay: float = attrs.field(default=30.0, validator=attrs.validators.ge(0))
    max_retry_after: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))
    """The longest Retry-After honoured; a server asking for more makes the call fail now."""
    retry_statuses: frozenset[int] = attrs.field(
        default=DEFAULT_RETRY_STATUSES, converter=frozenset
    )
    listing_lag: float = attrs.field(default=10.0, validator=attrs.validators.ge(0))
    """How long a new job may take to show in the job listing: a create whose answer was
    lost is looked for by its token over this many seconds before anything is sent again."""

    def should_retry(
        self,
        attempt: int,
        *,
        status: int | None = None,
        error: BaseException | None = None,
        idempotent: bool = True,
        sent: bool = True,
    ) -> bool:
        """Return True if the request that just failed on attempt `attempt` may be sent again.

        Give either the response `status` or the `error` raised without a response.
        Connection errors and timeouts (APIConnectionError, or the built-in
        ConnectionError/TimeoutError) are retryable. A non-idempotent request (creating
        a job) is retried only if it provably was not acted on: `sent=False`, or an error
        whose ``request_sent`` is False (connect refused, DNS), or a status in
        NON_IDEMPOTENT_RETRY_STATUSES.
        """
        if attempt >= self.max_attempts:
            return False
        if error is not None:
            if not isinstance(error, (APIConnectionError, ConnectionError, TimeoutError)):
                return False
            sent = sent and getattr(error, "request_sent", True)
            return idempotent or not sent
        if status is None or status not in self.retry_statuses:
            return False
        return idempotent or status in NON_IDEMPOTENT_RETRY_STATUSES

    def delay(
        self, attempt: int, retry_after: float | None = None, rng: RandomLike | None = None
    ) -> float | None:
        """Return the seconds to sleep after failed attempt `attempt`, or None to give up now.

        Without `retry_after`: uniform between 0 and initial_delay x 2^(attempt-1), capped
        at max_delay. With it: exactly `retry_after`, unless that exceeds max_retry_after,
        in which case None tells the caller to raise at once instead of hanging.
        """
        if attempt < 1:
            raise ValueError(f"attempt must be >= 1, got {attempt}")
        if retry_after is not None:
            if math.isnan(retry_after) or retry_after > self.max_retry_after:
                return None
            return max(0.0, retry_after)
        return backoff_delay(
            attempt - 1,
            initial=self.initial_delay,
            factor=2.0,
            max_delay=self.max_delay,
            jitter=Jitter.FULL,
            rng=rng,
        )
