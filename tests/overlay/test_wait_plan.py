"""The wait schedule, exactly, on a clock of plain numbers: what each status means under
each policy, the deadline to the second, the grace after a create, which errors a wait
rides out, and every line it logs."""

from __future__ import annotations

import logging
import math

import pytest

from mistral_batch._backoff import Backoff, Jitter
from mistral_batch._polling import (
    DEFAULT_NOT_FOUND_GRACE,
    Deadline,
    StatusAction,
    UnknownStatusPolicy,
    WaitPlan,
    classify_status,
    is_transient,
    timeout_message,
    tolerate_not_found,
)
from mistral_batch.errors import (
    APIConnectionError,
    APIError,
    InputError,
    NotFoundError,
    RateLimitError,
    ServerError,
)

STEADY = Backoff(initial=2.0, factor=2.0, max_delay=100.0, jitter=Jitter.NONE)
R, P, X = StatusAction.RETURN, StatusAction.POLL, StatusAction.RAISE


@pytest.mark.parametrize(
    ("status", "wait", "ret", "raise_"),
    [("SUCCESS", R, R, R), ("CANCELLED", R, R, R), ("RUNNING", P, P, P), ("NEW", P, R, X)],
)
def test_each_status_under_each_policy(
    status: str, wait: StatusAction, ret: StatusAction, raise_: StatusAction
) -> None:
    policies = (UnknownStatusPolicy.WAIT, UnknownStatusPolicy.RETURN, UnknownStatusPolicy.RAISE)
    assert [classify_status(status, p) for p in policies] == [wait, ret, raise_]
    assert classify_status(status) == wait


def test_a_deadline_to_the_second() -> None:
    assert Deadline.after(None, now=5.0) == Deadline(None)
    assert Deadline.after(math.inf, now=5.0) == Deadline(None)
    deadline = Deadline.after(10.0, now=5.0)
    assert deadline == Deadline(15.0)
    assert deadline.remaining(12.0) == 3.0 and deadline.remaining(20.0) == 0.0
    assert not deadline.expired(14.999) and deadline.expired(15.0)
    assert deadline.clamp(7.0, 12.0) == 3.0 and deadline.clamp(1.0, 12.0) == 1.0
    assert Deadline(None).remaining(1.0) is None and not Deadline(None).expired(1e12)
    assert Deadline(None).clamp(7.0, 12.0) == 7.0
    assert Deadline.after(0.0, now=5.0).expired(5.0)


@pytest.mark.parametrize("bad", [-1.0, math.nan])
def test_a_negative_or_nan_timeout_is_refused(bad: float) -> None:
    with pytest.raises(InputError) as caught:
        Deadline.after(bad, now=0.0)
    assert (str(caught.value), caught.value.field) == (
        f"timeout must be >= 0 or None, got {bad}",
        "timeout",
    )


def test_a_404_is_tolerated_only_within_the_grace_after_a_create() -> None:
    assert DEFAULT_NOT_FOUND_GRACE == 10.0
    assert tolerate_not_found(created_at=100.0, now=100.0)
    assert tolerate_not_found(created_at=100.0, now=109.9)
    assert not tolerate_not_found(created_at=100.0, now=110.0)
    assert not tolerate_not_found(created_at=100.0, now=99.0)
    assert not tolerate_not_found(created_at=None, now=100.0)
    assert tolerate_not_found(created_at=100.0, now=102.0, grace=3.0)
    plan = WaitPlan.start(now=0.0, timeout=None, created_at=100.0, not_found_grace=3.0)
    assert plan.tolerate_not_found(102.0) and not plan.tolerate_not_found(103.0)


def test_the_errors_a_wait_rides_out() -> None:
    assert is_transient(APIConnectionError("reset"))
    assert is_transient(RateLimitError("slow down", status_code=429))
    assert is_transient(ServerError("down", status_code=503))
    assert is_transient(APIError("timeout", status_code=408))
    assert not is_transient(APIError("conflict", status_code=409))
    assert not is_transient(NotFoundError("gone", status_code=404))
    assert not is_transient(ValueError("bug"))


def test_what_a_wait_that_timed_out_says() -> None:
    assert timeout_message("j", "RUNNING", 30, None) == "job j still RUNNING after 30s"
    assert timeout_message("j", None, 5.0, None) == "job j still unseen after 5.0s"
    down = ServerError("down", status_code=503)
    assert timeout_message("j", "QUEUED", 5, down) == (
        f"job j still QUEUED after 5s; the last poll failed: {down}"
    )


def test_the_policy_is_taken_by_name_and_a_bad_one_refused() -> None:
    assert WaitPlan.start(now=0, timeout=1, unknown="return").unknown is UnknownStatusPolicy.RETURN
    with pytest.raises(InputError) as caught:
        WaitPlan.start(now=0, timeout=1, unknown="ignore")
    assert (str(caught.value), caught.value.field) == (
        "unknown_status must be one of 'wait', 'return', 'raise', got 'ignore'",
        "unknown_status",
    )
    plan = WaitPlan.start(now=0.0, timeout=None)
    assert plan.backoff == Backoff() and plan.created_at is None
    assert plan.not_found_grace == DEFAULT_NOT_FOUND_GRACE


def test_an_unknown_status_is_warned_about_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="mistral_batch")
    plan = WaitPlan.start(now=0.0, timeout=None, unknown="wait")
    assert [plan.on_status(s) for s in ("NEW", "NEW", "RUNNING", "OTHER")] == [P, P, P, P]
    assert caplog.messages == [
        "batch job has unknown status 'NEW'; policy 'wait'",
        "batch job has unknown status 'OTHER'; policy 'wait'",
    ]


def test_the_delays_follow_the_backoff_and_end_at_the_deadline() -> None:
    plan = WaitPlan.start(now=0.0, timeout=20.0, backoff=STEADY)
    assert [plan.next_delay(0.0) for _ in range(3)] == [2.0, 4.0, 8.0]
    assert (plan.attempt, plan.previous_delay) == (3, 8.0)
    assert plan.next_delay(15.0) == 5.0  # 16 s asked, 5 s left
    assert plan.next_delay(20.0) is None
    assert plan.attempt == 4


def test_an_outage_is_reported_when_it_starts_and_when_it_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="mistral_batch")
    plan = WaitPlan.start(now=0.0, timeout=60.0, backoff=STEADY)
    plan.on_answer(1.0)  # no outage yet: nothing to say
    down = ServerError("down", status_code=503)
    assert plan.pause(10.0, down) == 2.0
    assert plan.pause(12.0, down) == 4.0  # the same outage: said once
    plan.on_answer(15.0)
    plan.on_answer(16.0)
    assert plan.pause(17.0) == 8.0
    endless = WaitPlan.start(now=0.0, timeout=None, backoff=STEADY)
    endless.after_transient(down, 0.0)
    assert caplog.messages == [
        f"polling the job failed ({down}); waiting for up to 50s more",
        "polling works again after 5s of errors",
        f"polling the job failed ({down}); waiting for as long as it lasts",
    ]
    assert plan.outage_since is None and endless.outage_since == 0.0


def test_a_retry_after_longer_than_the_backoff_is_waited_within_the_deadline() -> None:
    plan = WaitPlan.start(now=0.0, timeout=30.0, backoff=STEADY)
    assert plan.after_transient(RateLimitError("slow", status_code=429, retry_after=9), 0.0) == 9.0
    assert plan.after_transient(RateLimitError("slow", status_code=429, retry_after=1), 0.0) == 4.0
    assert (
        plan.after_transient(RateLimitError("slow", status_code=429, retry_after=60), 20.0) == 10.0
    )
    assert plan.after_transient(ServerError("down", status_code=503), 30.0) is None


def test_the_plan_applies_its_policy_and_draws_from_its_own_random_source() -> None:
    assert WaitPlan.start(now=0.0, timeout=None, unknown="raise").on_status("NEW") is X
    assert WaitPlan.start(now=0.0, timeout=None, unknown="return").on_status("NEW") is R

    asked: list[tuple[float, float]] = []

    class Source:
        def uniform(self, a: float, b: float) -> float:
            asked.append((a, b))
            return b

    loose = Backoff(initial=1.0, factor=2.0, max_delay=50.0, jitter=Jitter.DECORRELATED)
    plan = WaitPlan.start(now=0.0, timeout=None, backoff=loose, rng=Source())
    assert [plan.next_delay(0.0) for _ in range(3)] == [4.0, 16.0, 50.0]
    assert asked == [(1.0, 4.0), (1.0, 16.0), (1.0, 50.0)]


class Scripted:
    """A random source that gives back, in turn, the fractions it was handed."""

    def __init__(self, *fractions: float) -> None:
        self.fractions = list(fractions)

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.fractions.pop(0)

    def random(self) -> float:
        return self.fractions.pop(0)


def test_the_plan_draws_its_delays_from_its_own_random_source() -> None:
    backoff = Backoff(initial=1.0, factor=2.0, max_delay=100.0, jitter=Jitter.FULL)
    plan = WaitPlan.start(now=0.0, timeout=None, backoff=backoff, rng=Scripted(0.5, 0.25, 1.0))
    # Full jitter: a fraction of 1, 2, 4 seconds, the fractions being the plan's own.
    assert [plan.next_delay(0.0) for _ in range(3)] == [0.5, 0.5, 4.0]


def test_decorrelated_delays_grow_from_the_previous_one() -> None:
    backoff = Backoff(initial=1.0, factor=1.5, max_delay=100.0, jitter=Jitter.DECORRELATED)
    plan = WaitPlan.start(now=0.0, timeout=None, backoff=backoff, rng=Scripted(1.0, 1.0, 0.0))
    # Each draw spans from the initial delay to the previous one times 2 x 1.5.
    assert [plan.next_delay(0.0) for _ in range(3)] == [3.0, 9.0, 1.0]


@pytest.mark.parametrize(
    ("policy", "action"),
    [("wait", StatusAction.POLL), ("return", StatusAction.RETURN), ("raise", StatusAction.RAISE)],
)
def test_the_plan_follows_its_policy_for_an_unknown_status(
    policy: str, action: StatusAction
) -> None:
    plan = WaitPlan.start(now=0.0, timeout=None, unknown=policy)
    assert plan.on_status("REBOOTING") is action
    assert plan.on_status("RUNNING") is StatusAction.POLL
