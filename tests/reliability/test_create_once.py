"""One create, one job at most: creating a batch job under every fault.

A create is not safe to repeat blindly. The client marks it with a metadata token and,
when an attempt fails, looks for a job with that token before sending again; after a
read timeout or a 504 (the job may still be made) it never sends again. Each story
counts the creates the server received and the jobs that exist afterwards.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import attrs
import pytest
from reliability_helpers import (
    FAST_RETRY,
    FAULTS,
    MODEL,
    SLOW,
    SLOW_RETRY,
    TIMEOUT,
    SleepLog,
    chat,
    fast_client,
    served,
)

from mistral_batch import (
    CREATE_TOKEN_KEY,
    APIConnectionError,
    APITimeoutError,
    AsyncMistral,
    Mistral,
    MistralBatchError,
    RateLimitError,
    ServerError,
)
from mistral_batch._create import lookup_waits
from mistral_batch.emulator import Emulator

#: Faults the server answers without doing the work, so that a resend is safe.
NOTHING_DONE = {
    "500",
    "502",
    "503",
    "503-retry-after-seconds",
    "connection-reset",
    "html-error-page",
}
RATE_LIMITED = {"429-retry-after-seconds", "429-retry-after-http-date"}


def jobs_marked(client: Mistral, marker: str) -> list[str]:
    return [j.id for j in client.batch.jobs.list(metadata={"case": marker})]


def create(client: Mistral, marker: str) -> Any:
    return client.batch.jobs.create(requests=[chat("only")], model=MODEL, metadata={"case": marker})


def user_for(fault: str, emu: Emulator, sleeps: SleepLog, default: Mistral) -> Mistral:
    if fault == "slower-than-timeout":
        return fast_client(emu, sleeps=sleeps, retry=SLOW_RETRY, timeout=TIMEOUT)
    return default


def settle(emu: Emulator, client: Mistral, marker: str, fault: str) -> list[str]:
    """The jobs that carry `marker` once every request in flight has been handled."""
    emu.clear_faults()
    if fault == "slower-than-timeout":
        # The slow request is still in the server for SLOW seconds: count after it ends.
        # (The emulator's delay comes before the work, and a request whose client has
        # gone is dropped, so it makes no job; a server that works first and answers
        # late is the `late` story below. Either way: one job at most.)
        time.sleep(SLOW + 0.1)
    return jobs_marked(client, marker)


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_create_that_meets_one_fault(
    emu: Emulator, client: Mistral, sleeps: SleepLog, recorder: Any, fault: str
) -> None:
    user = user_for(fault, emu, sleeps, client)
    marker = uuid.uuid4().hex
    emu.inject("create_batch_job", count=1, **FAULTS[fault])
    before = served(emu, "create_batch_job")

    if fault == "504":
        # A gateway timeout may hide a job being made: the create is not sent again.
        with pytest.raises(ServerError) as caught:
            create(user, marker)
        assert CREATE_TOKEN_KEY in "".join(caught.value.__notes__)
        assert served(emu, "create_batch_job") - before == 1
    elif fault == "slower-than-timeout":
        with pytest.raises(APITimeoutError) as caught:
            create(user, marker)
        assert CREATE_TOKEN_KEY in "".join(caught.value.__notes__)
        assert served(emu, "create_batch_job") - before == 1
    else:
        job = create(user, marker)
        assert job.metadata is not None and job.metadata["case"] == marker
        sends = 1 if fault == "truncated-json" else 2
        assert served(emu, "create_batch_job") - before == sends

    made = settle(emu, client, marker, fault)
    recorder.loss("creates checked for a second job", 1, max(0, len(made) - 1))
    assert len(made) <= 1
    # This 504 and this slow answer came before the server did anything: no job.
    assert len(made) == (0 if fault in ("504", "slower-than-timeout") else 1)


def expected_error(fault: str) -> type[MistralBatchError]:
    if fault in RATE_LIMITED:
        return RateLimitError
    if fault == "slower-than-timeout":
        return APITimeoutError
    if fault == "connection-reset":
        return APIConnectionError
    return ServerError


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_create_that_meets_a_lasting_fault(
    emu: Emulator, client: Mistral, sleeps: SleepLog, recorder: Any, fault: str
) -> None:
    user = user_for(fault, emu, sleeps, client)
    attempts = user._config.retry.max_attempts
    marker = uuid.uuid4().hex
    emu.inject("create_batch_job", count=None, **FAULTS[fault])
    before = served(emu, "create_batch_job")
    lookups = served(emu, "list_batch_jobs")

    if fault == "truncated-json":
        # The job was made and only its answer was lost: the lookup finds it.
        assert create(user, marker).metadata == {"case": marker, **_token_of(client, marker)}
    else:
        with pytest.raises(expected_error(fault)):
            create(user, marker)
    sent = served(emu, "create_batch_job") - before

    if fault in NOTHING_DONE or fault in RATE_LIMITED:
        assert sent == attempts
    else:  # 504, slower than the timeout, truncated: maybe acted on, never resent
        assert sent == 1
    if fault in NOTHING_DONE:
        # Before each resend the client looked for the job, and did not find it.
        assert served(emu, "list_batch_jobs") - lookups >= attempts

    made = settle(emu, client, marker, fault)
    recorder.loss("creates checked for a second job", 1, max(0, len(made) - 1))
    assert len(made) == (1 if fault == "truncated-json" else 0)


def _token_of(client: Mistral, marker: str) -> dict[str, str]:
    (job,) = client.batch.jobs.list(metadata={"case": marker})
    assert job.metadata is not None
    return {CREATE_TOKEN_KEY: job.metadata[CREATE_TOKEN_KEY]}


def test_a_create_answered_after_the_client_gave_up(
    emu: Emulator, sleeps: SleepLog, recorder: Any
) -> None:
    # The server makes the job, then answers after the read timeout: the client must
    # find that job by its token, neither sending again nor reporting a failure.
    user = fast_client(emu, sleeps=sleeps, retry=SLOW_RETRY, timeout=TIMEOUT)
    marker = uuid.uuid4().hex
    emu.inject("create_batch_job", count=None, late=SLOW)
    before = served(emu, "create_batch_job")

    job = create(user, marker)

    assert job.metadata is not None and job.metadata["case"] == marker
    assert served(emu, "create_batch_job") - before == 1
    emu.clear_faults()
    time.sleep(SLOW + 0.1)  # let the late answer go out before counting
    made = jobs_marked(user, marker)
    recorder.loss("creates checked for a second job", 1, max(0, len(made) - 1))
    assert made == [job.id]


# --- A listing that lags behind creates ---------------------------------------------------

#: The emulator's listing shows a job this long after it was made; the client looks for
#: a job whose answer was lost over LOOKUP_GRACE seconds, slept for real.
LISTING_LAG, LOOKUP_GRACE = 0.3, 1.0
LAGGING_RETRY = attrs.evolve(FAST_RETRY, listing_lag=LOOKUP_GRACE)

#: Answers lost after the work was done, and one lost before it.
LOST_ANSWERS: dict[str, dict[str, Any]] = {
    "malformed-body": {"truncate": True},
    "reset-after-the-work": {"drop_after": 0},
    "500-before-the-work": {"status": 500},
}


def _create_async(emu: Emulator, marker: str) -> Any:
    async def main() -> Any:
        async with AsyncMistral(
            api_key=emu.api_key, server_url=emu.url, retry=LAGGING_RETRY
        ) as client:
            return await client.batch.jobs.create(
                requests=[chat("only")], model=MODEL, metadata={"case": marker}
            )

    return asyncio.run(main())


@pytest.mark.parametrize("side", ["sync", "async"])
@pytest.mark.parametrize("fault", list(LOST_ANSWERS))
def test_a_lost_create_answer_behind_a_lagging_listing(
    emu: Emulator, recorder: Any, fault: str, side: str
) -> None:
    # The job list shows a new job only after a while: a lookup made at once misses
    # the job whose answer was lost, and a resend then would make a second one.
    marker = uuid.uuid4().hex
    emu.inject("list_batch_jobs", lag=LISTING_LAG, count=None)
    emu.inject("create_batch_job", **LOST_ANSWERS[fault])
    before = served(emu, "create_batch_job")
    lookups = served(emu, "list_batch_jobs")

    if side == "sync":
        with Mistral(api_key=emu.api_key, server_url=emu.url, retry=LAGGING_RETRY) as user:
            job = create(user, marker)
    else:
        job = _create_async(emu, marker)

    assert job.metadata is not None and job.metadata["case"] == marker
    sends = 2 if fault == "500-before-the-work" else 1
    assert served(emu, "create_batch_job") - before == sends
    if fault == "500-before-the-work":
        # The whole grace period was searched before the create went again.
        assert served(emu, "list_batch_jobs") - lookups == len(lookup_waits(LOOKUP_GRACE))
    emu.clear_faults()
    with Mistral(api_key=emu.api_key, server_url=emu.url) as checker:
        made = jobs_marked(checker, marker)
    recorder.loss("creates checked for a second job", 1, max(0, len(made) - 1))
    assert made == [job.id]
