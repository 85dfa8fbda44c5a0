"""The wait schedule for batch jobs, shared by the sync and async ``wait``.

Everything here takes and returns plain values (``now`` from a monotonic clock, attempt
numbers, status strings); the callers own the clock, the sleeping and the HTTP calls.
"""

from __future__ import annotations

import enum
import logging
import math

import attrs

from mistral_batch._backoff import Backoff, RandomLike
from mistral_batch._status import ACTIVE_STATUSES, TERMINAL_STATUSES
from mistral_batch.errors import (
    APIConnectionError,
    APIError,
    InputError,
    RateLimitError,
    ServerError,
)

__all__ = [
    "Deadline",
    "StatusAction",
    "UnknownStatusPolicy",
    "WaitPlan",
    "classify_status",
    "is_transient",
    "timeout_message",
    "tolerate_not_found",
]

logger = logging.getLogger("mistral_batch")


#: Seconds after creation during which a 404 on the new job is taken as replication lag.
DEFAULT_NOT_FOUND_GRACE = 10.0


class UnknownStatusPolicy(enum.Enum):
    """What ``wait`` does with a job status this version does not know."""

    WAIT = "wait"
    """Keep polling until the timeout, logging a warning once per status (default)."""
    RETURN = "return"
    """Treat the status as terminal and return the job."""
    RAISE = "raise"
    """Raise UnexpectedStatusError."""


class StatusAction(enum.Enum):
    """What to do after seeing a job status."""

    RETURN = "return"
    POLL = "poll"
    RAISE = "raise"


def classify_status(
    status: str, policy: UnknownStatusPolicy = UnknownStatusPolicy.WAIT
) -> StatusAction:
    """Return what to do after seeing `status`: return the job, poll again, or raise."""
    if status in TERMINAL_STATUSES:
        return StatusAction.RETURN
    if status in ACTIVE_STATUSES or policy is UnknownStatusPolicy.WAIT:
        return StatusAction.POLL
    return StatusAction.RETURN if policy is UnknownStatusPolicy.RETURN else StatusAction.RAISE


@attrs.frozen
class Deadline:
    """A point on the caller's monotonic clock after which waiting stops; None: never."""

    at: float | None

    @classmethod
    def after(cls, timeout: float | None, *, now: float) -> Deadline:
        """Return the deadline `timeout` seconds after `now` (no deadline for None)."""
        if timeout is not None and (math.isnan(timeout) or timeout < 0):
            raise InputError(f"timeout must be >= 0 or None, got {timeout}", field="timeout")
        return cls(None if timeout is None or math.isinf(timeout) else now + timeout)

    def remaining(self, now: float) -> float | None:
        """Return the seconds left (0 once passed), or None without a deadline."""
        return None if self.at is None else max(0.0, self.at - now)

    def expired(self, now: float) -> bool:
        """Return True once `now` is at or past the deadline."""
        return self.at is not None and now >= self.at

    def clamp(self, delay: float, now: float) -> float:
        """Return `delay` shortened so that a sleep of it ends no later than the deadline."""
        left = self.remaining(now)
        return delay if left is None else min(delay, left)


def tolerate_not_found(
    *, created_at: float | None, now: float, grace: float = DEFAULT_NOT_FOUND_GRACE
) -> bool:
    """Return True if a 404 for a job created at `created_at` should be retried, not raised.

    A job can be briefly invisible right after it was created. Both times come from the
    caller's clock; without `created_at` (a job we did not create) a 404 is final.
    """
    return created_at is not None and 0.0 <= now - created_at < grace


def is_transient(error: BaseException) -> bool:
    """True for a failed poll that a long wait should ride out: no answer, 408, 429, 5xx.

    The job runs on the server whatever its API does for a while; only errors that say
    something about the request itself (401, 403, 404, 400...) end a wait.
    """
    if isinstance(error, APIConnectionError | RateLimitError | ServerError):
        return True
    return isinstance(error, APIError) and error.status_code == 408


def timeout_message(
    job_id: str, status: str | None, timeout: float | None, failed: BaseException | None
) -> str:
    """What WaitTimeoutError says: the job's last status, and the error of an outage
    that lasted until the deadline."""
    message = f"job {job_id} still {status or 'unseen'} after {timeout}s"
    return message if failed is None else f"{message}; the last poll failed: {failed}"


@attrs.define
class WaitPlan:
    """The state of one ``wait``: the deadline, the next delay, statuses already warned about.

    A loop using it::

        plan = WaitPlan.start(now=monotonic(), timeout=timeout, created_at=created)
        while True:
            try:
                job = get(job_id)
            except NotFoundError:
                if not plan.tolerate_not_found(monotonic()):
                    raise
            else:
                action = plan.on_status(job.status)
                if action is not StatusAction.POLL:
                    return job  # or raise UnexpectedStatusError for RAISE
            delay = plan.next_delay(monotonic())
            if delay is None:
                raise WaitTimeoutError(..., job=job)
            sleep(delay)
    """

    deadline: Deadline
    backoff: Backoff = attrs.field(factory=Backoff)
    unknown: UnknownStatusPolicy = UnknownStatusPolicy.WAIT
    created_at: float | None = None
    not_found_grace: float = DEFAULT_NOT_FOUND_GRACE
    rng: RandomLike | None = None
    attempt: int = 0
    previous_delay: float | None = None
    warned: set[str] = attrs.field(factory=set)
    #: When the current run of failed polls began (None: the last poll answered).
    outage_since: float | None = None

    @classmethod
    def start(
        cls,
        *,
        now: float,
        timeout: float | None,
        backoff: Backoff | None = None,
        unknown: UnknownStatusPolicy | str = UnknownStatusPolicy.WAIT,
        created_at: float | None = None,
        not_found_grace: float = DEFAULT_NOT_FOUND_GRACE,
        rng: RandomLike | None = None,
    ) -> WaitPlan:
        """Return a plan for a wait starting at `now` and giving up `timeout` seconds later."""
        try:
            policy = UnknownStatusPolicy(unknown)
        except ValueError:
            choices = ", ".join(repr(p.value) for p in UnknownStatusPolicy)
            raise InputError(
                f"unknown_status must be one of {choices}, got {unknown!r}", field="unknown_status"
            ) from None
        return cls(
            deadline=Deadline.after(timeout, now=now),
            backoff=backoff or Backoff(),
            unknown=policy,
            created_at=created_at,
            not_found_grace=not_found_grace,
            rng=rng,
        )

    def on_status(self, status: str) -> StatusAction:
        """Return what to do with a job in `status`; warns once per unknown status."""
        action = classify_status(status, self.unknown)
        known = status in TERMINAL_STATUSES or status in ACTIVE_STATUSES
        if not known and status not in self.warned:
            self.warned.add(status)
            logger.warning("batch job has unknown status %r; policy %r", status, self.unknown.value)
        return action

    def tolerate_not_found(self, now: float) -> bool:
        """Return True if a 404 at `now` is still within the grace period after creation."""
        return tolerate_not_found(created_at=self.created_at, now=now, grace=self.not_found_grace)

    def on_answer(self, now: float) -> None:
        """Note that a poll was answered, ending an outage if one was going on."""
        if self.outage_since is not None:
            logger.warning("polling works again after %.0fs of errors", now - self.outage_since)
            self.outage_since = None

    def after_transient(self, error: BaseException, now: float) -> float | None:
        """The pause before polling again after a transient `error` (see is_transient), or
        None once the deadline has passed. The first error of an outage logs a warning.

        A Retry-After the server asked for is honoured, within the deadline.
        """
        if self.outage_since is None:
            self.outage_since = now
            left = self.deadline.remaining(now)
            until = "for as long as it lasts" if left is None else f"for up to {left:.0f}s more"
            logger.warning("polling the job failed (%s); waiting %s", error, until)
        delay = self.next_delay(now)
        if delay is None:
            return None
        asked = getattr(error, "retry_after", None)
        if isinstance(asked, int | float) and asked > delay:
            delay = self.deadline.clamp(float(asked), now)
        return delay

    def pause(self, now: float, failed: BaseException | None = None) -> float | None:
        """The pause before the next poll, after an answer or after the transient error
        `failed`; None once the deadline has passed."""
        return self.next_delay(now) if failed is None else self.after_transient(failed, now)

    def next_delay(self, now: float) -> float | None:
        """Return how long to sleep before the next poll, or None if the deadline has passed.

        The last sleep is shortened to end at the deadline, so the job is checked one
        final time then rather than abandoned up to a whole delay early.
        """
        if self.deadline.expired(now):
            return None
        delay = self.backoff.delay(self.attempt, previous=self.previous_delay, rng=self.rng)
        self.attempt += 1
        self.previous_delay = delay
        return self.deadline.clamp(delay, now)
