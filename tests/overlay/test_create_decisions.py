"""The decisions of a create that must not make two jobs, exactly, without a server: the
lookups' pauses, which failures may still make a job, the note a caller gets, and the body
that is sent."""

from __future__ import annotations

import pytest

from mistral_batch._create import (
    CREATE_TOKEN_KEY,
    FIRST_LOOKUP_PAUSE,
    CreateArgs,
    CreatePlan,
    lookup_waits,
    may_still_be_running,
)
from mistral_batch._retry import RetryPolicy
from mistral_batch.errors import (
    APIConnectionError,
    APITimeoutError,
    InputError,
    ServerError,
    UnsafeResponseError,
)

ONCE_NOW = RetryPolicy(max_attempts=3, initial_delay=0.0, max_delay=0.0, listing_lag=1.0)


def test_lookups_start_at_once_then_double_within_the_grace() -> None:
    assert FIRST_LOOKUP_PAUSE == 0.25
    assert lookup_waits(0.0) == (0.0,)
    assert lookup_waits(1.0) == (0.0, 0.25, 0.5, 0.25)
    assert lookup_waits(0.75) == (0.0, 0.25, 0.5)
    assert sum(lookup_waits(10.0)) == 10.0


def test_only_a_read_timeout_or_a_504_may_still_make_its_job() -> None:
    read = APITimeoutError("read")
    assert may_still_be_running(read)
    connect = APITimeoutError("connect")
    connect.request_sent = False
    assert not may_still_be_running(connect)
    assert may_still_be_running(ServerError("gateway", status_code=504))
    assert not may_still_be_running(ServerError("bad gateway", status_code=502))
    assert not may_still_be_running(APIConnectionError("reset"))


def test_a_failure_that_may_still_make_its_job_is_looked_for_never_resent() -> None:
    plan = CreatePlan(token="t0k", policy=ONCE_NOW)
    error = APITimeoutError("read")
    step = plan.after_failure(error)
    assert (step.token, step.lookups, step.resend_after) == ("t0k", (0.0, 0.25, 0.5, 0.25), None)
    assert error.__notes__ == [
        f"the job may still be created: look for metadata {CREATE_TOKEN_KEY}=t0k"
    ]


def test_other_failures_are_looked_for_then_resent_within_the_attempts() -> None:
    plan = CreatePlan(token="t0k", policy=ONCE_NOW)
    first = plan.after_failure(ServerError("down", status_code=503))
    assert (first.lookups, first.resend_after, plan.attempt) == ((0.0, 0.25, 0.5, 0.25), 0.0, 1)
    unsent = APIConnectionError("refused")
    unsent.request_sent = False
    second = plan.after_failure(unsent)  # never left: nothing to look for
    assert (second.lookups, second.resend_after, plan.attempt) == ((), 0.0, 2)
    last = plan.after_failure(ServerError("down", status_code=503))
    assert (last.resend_after, plan.attempt) == (None, 3)


def test_without_a_token_or_after_a_refused_redirect_the_error_is_raised() -> None:
    with pytest.raises(ServerError):
        CreatePlan(token=None, policy=ONCE_NOW).after_failure(ServerError("x", status_code=503))
    refused = UnsafeResponseError("redirect")
    with pytest.raises(UnsafeResponseError):
        CreatePlan(token="t", policy=ONCE_NOW).after_failure(refused)


def _build(**overrides: object) -> CreateArgs:
    args: dict[str, object] = {
        "input_files": ["f1"],
        "requests": None,
        "endpoint": "/v1/chat/completions",
        "model": None,
        "agent_id": None,
        "metadata": None,
        "timeout_hours": None,
        "completion_window": None,
        "dedupe": False,
    }
    args.update(overrides)
    return CreateArgs.build(**args)  # type: ignore[arg-type]


def test_the_body_holds_what_was_given_and_nothing_else() -> None:
    plain = _build()
    assert plain == CreateArgs(
        body={"endpoint": "/v1/chat/completions", "input_files": ["f1"]}, token=None
    )
    full = _build(
        input_files=None,
        requests=[{"custom_id": "a", "body": {}}],
        model="m",
        agent_id="ag",
        metadata={"k": "v"},
        timeout_hours=5,
    )
    assert full.body == {
        "endpoint": "/v1/chat/completions",
        "requests": [{"custom_id": "a", "body": {}}],
        "model": "m",
        "agent_id": "ag",
        "metadata": {"k": "v"},
        "timeout_hours": 5,
    }


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("model", " ", "model must be a non-empty string, got ' '"),
        ("agent_id", "", "agent_id must be a non-empty string, got ''"),
        ("metadata", ["k"], "metadata must be a mapping, got array"),
        ("timeout_hours", 0, "timeout_hours"),
    ],
)
def test_each_argument_is_checked_before_anything_is_built(
    field: str, value: object, says: str
) -> None:
    with pytest.raises(InputError, match=says) as raised:
        _build(**{field: value})
    assert raised.value.field == field


def test_the_completion_window_gives_the_timeout_unless_one_is_given() -> None:
    assert _build(completion_window="2d").body["timeout_hours"] == 48
    assert _build(completion_window="2d", timeout_hours=3).body["timeout_hours"] == 3


def test_a_deduplicated_create_carries_its_token_in_the_metadata() -> None:
    made = _build(dedupe=True, metadata={"k": "v"})
    assert made.token is not None and len(made.token) == 32
    assert made.body["metadata"] == {"k": "v", CREATE_TOKEN_KEY: made.token}
    given = _build(dedupe=True, metadata={CREATE_TOKEN_KEY: "mine"})
    assert given.token == "mine" and given.body["metadata"] == {CREATE_TOKEN_KEY: "mine"}
    assert _build(dedupe=True).token != _build(dedupe=True).token
