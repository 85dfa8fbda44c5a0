"""Capped exponential backoff with jitter: the schedule both retries and polls follow.

Pure: it takes attempt numbers and returns delays; the callers sleep.
"""

from __future__ import annotations

import enum
import random
from typing import Protocol

import attrs

__all__ = ["Backoff", "Jitter", "RandomLike", "backoff_delay"]


class RandomLike(Protocol):
    """Anything with ``uniform(a, b)``, such as ``random.Random``; injectable for tests."""

    def uniform(self, a: float, b: float) -> float:
        """Return a float between a and b."""
        ...


class Jitter(enum.Enum):
    """How a backoff delay is randomized."""

    NONE = "none"
    """The exponential delay itself: predictable, but clients poll in lockstep."""
    FULL = "full"
    """Uniform between 0 and the exponential delay."""
    DECORRELATED = "decorrelated"
    """Uniform between the initial delay and 2 x factor x the previous delay (x3 at 1.5)."""


def backoff_delay(
    attempt: int,
    *,
    initial: float,
    factor: float,
    max_delay: float,
    jitter: Jitter = Jitter.FULL,
    previous: float | None = None,
    rng: RandomLike | None = None,
) -> float:
    """Return the delay in seconds before retry or poll number `attempt` (0-based).

    Never negative and never above `max_delay`. `previous` is the last delay returned,
    used by decorrelated jitter only.
    """
    if attempt < 0:
        raise ValueError(f"attempt must be >= 0, got {attempt}")
    rng = rng or random
    if jitter is Jitter.DECORRELATED:
        low = min(initial, max_delay)
        high = min(max_delay, max(previous or initial, initial) * 2 * factor)
        return _clamp(rng.uniform(low, max(low, high)), 0.0, max_delay)
    # Capping the exponent avoids OverflowError for long waits: the cap is reached long before.
    exponent = min(attempt, 1024)
    try:
        ceiling = min(max_delay, initial * factor**exponent)
    except OverflowError:
        ceiling = max_delay
    if jitter is Jitter.NONE:
        return _clamp(ceiling, 0.0, max_delay)
    return _clamp(rng.uniform(0.0, ceiling), 0.0, max_delay)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


@attrs.frozen
class Backoff:
    """Settings of a capped exponential backoff; the defaults suit polling a batch job."""

    initial: float = attrs.field(default=1.0, validator=attrs.validators.ge(0))
    factor: float = attrs.field(default=1.5, validator=attrs.validators.ge(1))
    max_delay: float = attrs.field(default=30.0, validator=attrs.validators.ge(0))
    jitter: Jitter = Jitter.FULL

    def delay(
        self, attempt: int, *, previous: float | None = None, rng: RandomLike | None = None
    ) -> float:
        """Return the delay before attempt number `attempt` (0-based)."""
        return backoff_delay(
            attempt,
            initial=self.initial,
            factor=self.factor,
            max_delay=self.max_delay,
            jitter=self.jitter,
            previous=previous,
            rng=rng,
        )
