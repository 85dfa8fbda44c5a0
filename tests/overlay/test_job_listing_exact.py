"""The job listing on both clients, each filter reaching the server: a workspace of two
keys (two users) and three jobs of its own, so that every listing is known exactly."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Iterator
from typing import Any

import pytest

from mistral_batch import AsyncMistral, Backoff, BatchJob, Mistral
from mistral_batch.emulator import Emulator

FAST = Backoff(initial=0.01, factor=1.0, max_delay=0.01)
SIDES = pytest.mark.parametrize("side", ["sync", "async"])


def chat(i: int) -> dict[str, Any]:
    return {"custom_id": f"r{i}", "body": {"messages": [{"role": "user", "content": f"q{i}"}]}}


@pytest.fixture(scope="module")
def team() -> Iterator[Emulator]:
    """An emulator whose two keys are two users of one workspace."""
    with Emulator(api_keys=["key-a", "key-b"], workspaces={"key-a": "t", "key-b": "t"}) as emu:
        yield emu


@pytest.fixture(scope="module")
def jobs(team: Emulator) -> list[BatchJob]:
    """Three finished jobs, oldest first: two by key-a, one (by an agent) by key-b."""
    made: list[BatchJob] = []
    with Mistral(api_key="key-a", server_url=team.url) as a:
        made.append(a.batch.jobs.create(requests=[chat(0)], model="mistral-small-latest"))
        made.append(
            a.batch.jobs.create(
                requests=[chat(1)], model="mistral-large-latest", metadata={"n": "2"}
            )
        )
    with Mistral(api_key="key-b", server_url=team.url) as b:
        made.append(b.batch.jobs.create(requests=[chat(2)], agent_id="ag-1"))
        return [b.batch.jobs.wait(job, timeout=30, backoff=FAST) for job in made]


def listed(side: str, team: Emulator, **filters: Any) -> list[str]:
    """The ids key-a lists with these filters, in the order they come."""
    if side == "sync":
        with Mistral(api_key="key-a", server_url=team.url) as client:
            return [job.id for job in client.batch.jobs.list(**filters)]

    async def scenario() -> list[str]:
        async with AsyncMistral(api_key="key-a", server_url=team.url) as client:
            return [job.id async for job in client.batch.jobs.list(**filters)]

    return asyncio.run(scenario())


@SIDES
def test_the_listing_and_its_order(side: str, team: Emulator, jobs: list[BatchJob]) -> None:
    first, second, third = (job.id for job in jobs)
    assert listed(side, team) == [third, second, first]
    assert listed(side, team, order_by="-created") == [third, second, first]
    assert listed(side, team, order_by="created") == [first, second, third]


@SIDES
def test_by_default_every_user_s_jobs_are_listed(
    side: str, team: Emulator, jobs: list[BatchJob]
) -> None:
    first, second, third = (job.id for job in jobs)
    assert listed(side, team, created_by_me=False) == [third, second, first]
    assert listed(side, team, created_by_me=True) == [second, first]


@SIDES
def test_each_filter_reaches_the_server(side: str, team: Emulator, jobs: list[BatchJob]) -> None:
    first, second, third = (job.id for job in jobs)
    assert listed(side, team, status="SUCCESS") == [third, second, first]
    assert listed(side, team, status=["SUCCESS", "RUNNING"]) == [third, second, first]
    assert listed(side, team, status="RUNNING") == []
    assert listed(side, team, model="mistral-large-latest") == [second]
    assert listed(side, team, agent_id="ag-1") == [third]
    assert listed(side, team, metadata={"n": "2"}) == [second]
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    assert listed(side, team, created_after=later) == []
    earlier = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    assert listed(side, team, created_after=earlier) == [third, second, first]


@SIDES
def test_pages_start_where_asked(side: str, team: Emulator, jobs: list[BatchJob]) -> None:
    first, second, third = (job.id for job in jobs)
    assert listed(side, team, page_size=1) == [third, second, first]
    assert listed(side, team, page_size=1, page=1) == [second, first]
    assert listed(side, team, page_size=2, page=1) == [first]
