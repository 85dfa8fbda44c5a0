"""Creating a job safely: the checked request body, and the decisions that keep one
create from making two jobs. Pure: shared by the sync and async clients."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ._retry import RetryPolicy, parse_retry_after
from ._validation import parse_completion_window, validate_job_create
from .errors import (
    APIError,
    APITimeoutError,
    MistralBatchError,
    ServerError,
    UnsafeResponseError,
)

#: The metadata key that marks a job with the token of the create call that made it,
#: so that a create whose answer was lost can be found instead of sent twice.
CREATE_TOKEN_KEY = "mistral_batch_token"

#: The first pause between two lookups; each next one doubles, within the grace period.
FIRST_LOOKUP_PAUSE = 0.25


def may_still_be_running(exc: MistralBatchError) -> bool:
    """True when a failed create may yet make its job: a read timeout or a gateway's 504."""
    if isinstance(exc, APITimeoutError):
        return exc.request_sent
    return isinstance(exc, ServerError) and exc.status_code == 504


def lookup_waits(grace: float) -> tuple[float, ...]:
    """The pauses before each lookup of a created job: one at once, then doubling pauses
    that add up to `grace` seconds, since a listing can lag behind a create."""
    waits = [0.0]
    spent, pause = 0.0, FIRST_LOOKUP_PAUSE
    while spent < grace:
        wait = min(pause, grace - spent)
        waits.append(wait)
        spent += wait
        pause *= 2
    return tuple(waits)


@attrs.frozen
class CreateStep:
    """What to do after a failed create: look for its job (after each wait), then resend
    after `resend_after` seconds, or raise when that is None."""

    token: str
    lookups: tuple[float, ...]
    resend_after: float | None


@attrs.define
class CreatePlan:
    """The decisions of a create that must not make two jobs; shared by sync and async.

    Any answer lost after the request went out (a 5xx, a reset, a malformed body) may
    hide a job that was made, and a job listing can lag behind a create: the job is
    looked for by its token over the policy's ``listing_lag`` before anything is sent
    again. A create whose request may still be running (read timeout, 504) is never
    sent again: if its job does not show up, the error is raised with a note giving
    the token. Other failures are sent again within the retry policy's attempts.
    """

    token: str | None
    policy: RetryPolicy
    attempt: int = 0

    def after_failure(self, exc: MistralBatchError) -> CreateStep:
        """The next step after `exc` ended an attempt; raises `exc` when there is none."""
        self.attempt += 1
        # A redirect we refused was an answer, and not one that made a job.
        if self.token is None or isinstance(exc, UnsafeResponseError):
            raise exc
        # A request that provably never left (refused, DNS) cannot have made a job.
        sent = getattr(exc, "request_sent", True)
        lookups = lookup_waits(self.policy.listing_lag) if sent else ()
        if may_still_be_running(exc):
            exc.add_note(
                f"the job may still be created: look for metadata {CREATE_TOKEN_KEY}={self.token}"
            )
            return CreateStep(token=self.token, lookups=lookups, resend_after=None)
        more = self.attempt < self.policy.max_attempts
        after = asked_wait(exc)
        delay = self.policy.delay(self.attempt, retry_after=after) if more else None
        return CreateStep(token=self.token, lookups=lookups, resend_after=delay)


def asked_wait(exc: MistralBatchError, now: float | None = None) -> float | None:
    """The seconds an error answer's Retry-After asks to wait before sending again (None:
    it asks nothing). `now` is the Unix time an HTTP date is counted from."""
    if not isinstance(exc, APIError):
        return None
    value = next((v for k, v in exc.headers.items() if k.lower() == "retry-after"), None)
    return parse_retry_after(value, time.time() if now is None else now)


@attrs.frozen
class CreateArgs:
    """The validated body of a create call, and its de-duplication token."""

    body: dict[str, Any]
    token: str | None

    @classmethod
    def build(
        cls,
        *,
        input_files: Sequence[str] | None,
        requests: Sequence[Mapping[str, Any]] | None,
        endpoint: str,
        model: str | None,
        agent_id: str | None,
        metadata: Mapping[str, str] | None,
        timeout_hours: int | None,
        completion_window: str | int | None,
        dedupe: bool,
    ) -> CreateArgs:
        """Check everything locally (raises InputError) and build the request body."""
        if completion_window is not None:
            window = parse_completion_window(completion_window)
            timeout_hours = window if timeout_hours is None else timeout_hours
        files = None if input_files is None else list(input_files)
        reqs = None if requests is None else [dict(r) for r in requests]
        validate_job_create(
            endpoint=endpoint,
            model=model,
            agent_id=agent_id,
            metadata=metadata,
            timeout_hours=timeout_hours,
            input_files=files,
            requests=reqs,
        )
        meta = dict(metadata or {})
        token = None
        if dedupe:
            token = meta.setdefault(CREATE_TOKEN_KEY, secrets.token_hex(16))
        body: dict[str, Any] = {"endpoint": endpoint}
        for name, value in (
            ("input_files", files),
            ("requests", reqs),
            ("model", model),
            ("agent_id", agent_id),
            ("metadata", meta or None),
            ("timeout_hours", timeout_hours),
        ):
            if value is not None:
                body[name] = value
        return cls(body=body, token=token)
