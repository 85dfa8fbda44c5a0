import logging
import random

import pytest

from mistral_batch._backoff import Backoff, Jitter, backoff_delay
from mistral_batch._polling import (
    Deadline,
    StatusAction,
    UnknownStatusPolicy,
    WaitPlan,
    classify_status,
    is_transient,
    timeout_message,
    tolerate_not_found,
)
from mistral_batch._status import ACTIVE_STATUSES, TERMINAL_STATUSES
from mistral_batch.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InputError,
    NotFoundError,
    RateLimitError,
    ServerError,
)


class Top:
    """A random source that always picks the upper bound."""

    def uniform(self, a: float, b: float) -> float:
        return b


class Bottom:
    def uniform(self, a: float, b: float) -> float:
        return a


def test_statuses() -> None:
    terminal, active = TERMINAL_STATUSES, ACTIVE_STATUSES
    assert terminal == {"SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED"}
    assert active == {"QUEUED", "RUNNING", "CANCELLATION_REQUESTED"}


@pytest.mark.parametrize(
    ("status", "policy", "action"),
    [
        ("SUCCESS", UnknownStatusPolicy.RAISE, StatusAction.RETURN),
        ("CANCELLATION_REQUESTED", UnknownStatusPolicy.RETURN, StatusAction.POLL),
        ("PAUSED", UnknownStatusPolicy.WAIT, StatusAction.POLL),
        ("PAUSED", UnknownStatusPolicy.RETURN, StatusAction.RETURN),
        ("PAUSED", UnknownStatusPolicy.RAISE, StatusAction.RAISE),
    ],
)
def test_classify_status(status: str, policy: UnknownStatusPolicy, action: StatusAction) -> None:
    assert classify_status(status, policy) is action


def test_exponential_without_jitter_is_capped() -> None:
    backoff = Backoff(initial=1.0, factor=1.5, max_delay=30.0, jitter=Jitter.NONE)
    delays = [backoff.delay(n) for n in range(12)]
    assert delays[:4] == [1.0, 1.5, 2.25, 3.375]
    assert delays[-1] == 30.0
    assert backoff.delay(10_000) == 30.0  # no overflow on very long waits


def test_full_jitter_stays_between_zero_and_the_exponential() -> None:
    assert backoff_delay(3, initial=1, factor=2, max_delay=30, rng=Top()) == 8.0
    assert backoff_delay(3, initial=1, factor=2, max_delay=30, rng=Bottom()) == 0.0
    rng = random.Random(7)
    for attempt in range(40):
        assert 0.0 <= backoff_delay(attempt, initial=1, factor=1.5, max_delay=30, rng=rng) <= 30


def test_decorrelated_jitter_grows_from_the_previous_delay() -> None:
    backoff = Backoff(jitter=Jitter.DECORRELATED)
    assert backoff.delay(0, rng=Top()) == 3.0  # initial x 2 x 1.5
    assert backoff.delay(1, previous=4.0, rng=Top()) == 12.0
    assert backoff.delay(5, previous=25.0, rng=Top()) == 30.0
    assert backoff.delay(5, previous=25.0, rng=Bottom()) == 1.0


def test_backoff_settings_are_validated() -> None:
    with pytest.raises(ValueError):
        Backoff(factor=0.5)
    with pytest.raises(ValueError):
        backoff_delay(-1, initial=1, factor=2, max_delay=3)


def test_deadline() -> None:
    deadline = Deadline.after(10, now=100.0)
    assert deadline.remaining(104.0) == 6.0
    assert not deadline.expired(109.9)
    assert deadline.expired(110.0)
    assert deadline.clamp(8.0, 105.0) == 5.0
    assert deadline.remaining(200.0) == 0.0
    forever = Deadline.after(None, now=0.0)
    assert forever.remaining(1e9) is None and not forever.expired(1e9)
    assert forever.clamp(8.0, 1e9) == 8.0
    with pytest.raises(InputError, match="timeout"):
        Deadline.after(-1, now=0.0)


def test_not_found_grace() -> None:
    assert tolerate_not_found(created_at=100.0, now=105.0, grace=10.0)
    assert not tolerate_not_found(created_at=100.0, now=110.0, grace=10.0)
    assert not tolerate_not_found(created_at=None, now=100.0)


def test_wait_plan_sleeps_until_the_deadline_then_gives_up() -> None:
    plan = WaitPlan.start(
        now=0.0, timeout=5.0, backoff=Backoff(initial=2, factor=2, jitter=Jitter.NONE)
    )
    now, sleeps = 0.0, []
    while (delay := plan.next_delay(now)) is not None:
        sleeps.append(delay)
        now += delay
    assert sleeps == [2.0, 3.0]  # the second sleep shortened to end at the deadline
    assert now == 5.0


def test_wait_plan_warns_once_per_unknown_status(caplog: pytest.LogCaptureFixture) -> None:
    plan = WaitPlan.start(now=0.0, timeout=None, unknown="wait")
    with caplog.at_level(logging.WARNING, logger="mistral_batch"):
        actions = [plan.on_status(s) for s in ("RUNNING", "PAUSED", "PAUSED", "SUCCESS")]
    assert actions == [StatusAction.POLL, StatusAction.POLL, StatusAction.POLL, StatusAction.RETURN]
    assert [r.getMessage().count("PAUSED") for r in caplog.records] == [1]


def test_wait_plan_not_found_grace_from_creation() -> None:
    plan = WaitPlan.start(now=50.0, timeout=60.0, created_at=50.0, not_found_grace=5.0)
    assert plan.tolerate_not_found(54.0)
    assert not plan.tolerate_not_found(56.0)
    assert not WaitPlan.start(now=0.0, timeout=1.0).tolerate_not_found(0.0)


def test_wait_plan_rejects_an_unknown_policy() -> None:
    with pytest.raises(InputError, match="unknown_status must be one of 'wait', 'return', 'raise'"):
        WaitPlan.start(now=0.0, timeout=1.0, unknown="ignore")


# --- Outages during a wait ------------------------------------------------------------------


def _errors() -> dict[str, BaseException]:
    return {
        "reset": APIConnectionError("reset"),
        "timeout": APITimeoutError("read timed out"),
        "408": APIError("slow", status_code=408),
        "429": RateLimitError("slow down", status_code=429, retry_after=40.0),
        "503": ServerError("down", status_code=503),
        "504": ServerError("gateway", status_code=504),
        "401": AuthenticationError("no", status_code=401),
        "404": NotFoundError("gone", status_code=404),
        "400": BadRequestError("bad", status_code=400),
    }


@pytest.mark.parametrize("name", list(_errors()))
def test_which_errors_a_wait_rides_out(name: str) -> None:
    assert is_transient(_errors()[name]) is (name not in {"401", "404", "400"})


def test_an_outage_is_waited_out_until_the_deadline(caplog: pytest.LogCaptureFixture) -> None:
    plan = WaitPlan.start(now=0.0, timeout=100.0, backoff=Backoff(initial=1.0, max_delay=5.0))
    down = _errors()["503"]
    with caplog.at_level(logging.WARNING, logger="mistral_batch"):
        pauses = [plan.pause(t, down) for t in (0.0, 10.0, 20.0)]
        assert all(p is not None and 0.0 <= p <= 5.0 for p in pauses)
        assert plan.pause(100.0, down) is None, "the deadline ends the wait"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, "one warning per outage, not one per failed poll"
    assert "down" in warnings[0], "the warning says what failed"
    assert "100s" in warnings[0]


def test_an_answer_ends_the_outage(caplog: pytest.LogCaptureFixture) -> None:
    plan = WaitPlan.start(now=0.0, timeout=None)
    with caplog.at_level(logging.WARNING, logger="mistral_batch"):
        plan.pause(0.0, _errors()["reset"])
        plan.on_answer(30.0)
        plan.pause(40.0, _errors()["reset"])
    messages = [r.getMessage() for r in caplog.records]
    assert "as long as it lasts" in messages[0]
    assert "works again after 30s" in messages[1]
    assert len(messages) == 3, "a second outage warns again"
    assert plan.outage_since == 40.0


def test_a_retry_after_is_honoured_within_the_deadline() -> None:
    quick = Backoff(initial=0.1, max_delay=0.1)
    limited = _errors()["429"]  # asks for 40 s
    assert WaitPlan.start(now=0.0, timeout=None, backoff=quick).pause(0.0, limited) == 40.0
    near = WaitPlan.start(now=0.0, timeout=25.0, backoff=quick)
    assert near.pause(10.0, limited) == 15.0, "no sleep past the deadline"
    assert near.pause(25.0, limited) is None


def test_the_timeout_message_names_the_outage() -> None:
    assert timeout_message("j", "RUNNING", 5.0, None) == "job j still RUNNING after 5.0s"
    text = timeout_message("j", None, 5.0, _errors()["503"])
    assert text.startswith("job j still unseen after 5.0s; the last poll failed: ")
    assert "down" in text
