"""The decisions of a create that must not make two jobs, without a server."""

import pytest

from mistral_batch import APIConnectionError, APITimeoutError, RetryPolicy, ServerError
from mistral_batch._create import CREATE_TOKEN_KEY, CreatePlan

POLICY = RetryPolicy(max_attempts=3, initial_delay=0.0, max_delay=0.0)


def server_error(status: int) -> ServerError:
    return ServerError("down", status_code=status)


def test_without_a_token_the_error_is_raised_at_once() -> None:
    plan = CreatePlan(token=None, policy=POLICY)
    with pytest.raises(ServerError):
        plan.after_failure(server_error(500))


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_looks_once_then_resends_within_the_attempts(status: int) -> None:
    plan = CreatePlan(token="t", policy=POLICY)
    first = plan.after_failure(server_error(status))
    assert first.lookups == (0.0,) and first.resend_after == 0.0
    second = plan.after_failure(server_error(status))
    assert second.resend_after == 0.0
    last = plan.after_failure(server_error(status))
    assert last.lookups == (0.0,) and last.resend_after is None


def test_a_lost_connection_after_sending_resends_after_a_lookup() -> None:
    step = CreatePlan(token="t", policy=POLICY).after_failure(APIConnectionError("reset"))
    assert step.lookups == (0.0,) and step.resend_after is not None


@pytest.mark.parametrize(
    "error", [APITimeoutError("read timed out"), server_error(504)], ids=["timeout", "504"]
)
def test_a_create_that_may_still_run_is_looked_for_and_never_resent(
    error: APIConnectionError | ServerError,
) -> None:
    step = CreatePlan(token="tok", policy=POLICY).after_failure(error)
    assert len(step.lookups) > 1 and step.resend_after is None
    assert f"{CREATE_TOKEN_KEY}=tok" in "".join(error.__notes__)


def test_a_timeout_before_sending_is_not_ambiguous() -> None:
    error = APITimeoutError("connect timed out")
    error.request_sent = False
    step = CreatePlan(token="t", policy=POLICY).after_failure(error)
    assert step.resend_after is not None
