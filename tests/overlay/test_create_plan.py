"""The decisions of a create that must not make two jobs, without a server."""

import pytest

from mistral_batch import APIConnectionError, APITimeoutError, RetryPolicy, ServerError
from mistral_batch._create import CREATE_TOKEN_KEY, CreatePlan, asked_wait, lookup_waits

GRACE = 2.0
POLICY = RetryPolicy(max_attempts=3, initial_delay=0.0, max_delay=0.0, listing_lag=GRACE)


def server_error(status: int) -> ServerError:
    return ServerError("down", status_code=status)


def test_without_a_token_the_error_is_raised_at_once() -> None:
    plan = CreatePlan(token=None, policy=POLICY)
    with pytest.raises(ServerError):
        plan.after_failure(server_error(500))


@pytest.mark.parametrize("grace", [0.0, 0.1, 1.0, 10.0, 60.0])
def test_lookups_start_at_once_and_span_the_grace_period(grace: float) -> None:
    waits = lookup_waits(grace)
    assert waits[0] == 0.0
    assert sum(waits) == pytest.approx(grace)
    assert all(w > 0 for w in waits[1:])
    assert len(waits) <= 12, "doubling pauses keep the lookups few"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_looks_over_the_grace_period_then_resends(status: int) -> None:
    plan = CreatePlan(token="t", policy=POLICY)
    first = plan.after_failure(server_error(status))
    assert first.lookups == lookup_waits(GRACE) and first.resend_after == 0.0
    second = plan.after_failure(server_error(status))
    assert second.lookups == lookup_waits(GRACE) and second.resend_after == 0.0
    last = plan.after_failure(server_error(status))
    assert sum(last.lookups) == pytest.approx(GRACE) and last.resend_after is None


@pytest.mark.parametrize(
    ("headers", "asked"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"Retry-After": "2.5"}, 2.5),
        ({"retry-after": "Thu, 01 Jan 1970 00:00:30 GMT"}, 20.0),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_the_wait_an_error_answer_asks(headers: dict[str, str], asked: float | None) -> None:
    error = ServerError("busy", status_code=503, headers=headers)
    assert asked_wait(error, now=10.0) == asked
    assert asked_wait(APIConnectionError("reset"), now=10.0) is None


@pytest.mark.parametrize(
    ("retry_after", "resend_after"),
    [("7", 7.0), ("60", 60.0), ("61", None), ("soon", 0.0), (None, 0.0)],
)
def test_a_server_error_resends_after_the_wait_its_retry_after_asks(
    retry_after: str | None, resend_after: float | None
) -> None:
    # As every other call does: exactly the wait asked, up to max_retry_after (60 s),
    # past which the error is raised; unreadable or absent, the policy's own delay.
    headers = {} if retry_after is None else {"retry-after": retry_after}
    error = ServerError("busy", status_code=503, headers=headers)
    step = CreatePlan(token="t", policy=POLICY).after_failure(error)
    assert step.resend_after == resend_after


@pytest.mark.parametrize(
    "error",
    [APIConnectionError("reset"), APIConnectionError("malformed response body")],
    ids=["reset", "malformed"],
)
def test_a_lost_answer_after_sending_is_looked_for_over_the_grace_period(
    error: APIConnectionError,
) -> None:
    step = CreatePlan(token="t", policy=POLICY).after_failure(error)
    assert sum(step.lookups) == pytest.approx(GRACE) and len(step.lookups) > 1
    assert step.resend_after is not None


@pytest.mark.parametrize(
    "error", [APITimeoutError("read timed out"), server_error(504)], ids=["timeout", "504"]
)
def test_a_create_that_may_still_run_is_looked_for_and_never_resent(
    error: APIConnectionError | ServerError,
) -> None:
    step = CreatePlan(token="tok", policy=POLICY).after_failure(error)
    assert step.lookups == lookup_waits(GRACE) and step.resend_after is None
    assert f"{CREATE_TOKEN_KEY}=tok" in "".join(error.__notes__)


def test_a_timeout_before_sending_is_not_ambiguous() -> None:
    error = APITimeoutError("connect timed out")
    error.request_sent = False
    step = CreatePlan(token="t", policy=POLICY).after_failure(error)
    assert step.resend_after is not None
    assert step.lookups == (), "a request that never left made no job to look for"
