"""Truer to Mistral's newest document, and tolerant where a newer server differs: starting
pages, signed URL lifetimes, deletions of unfinished jobs either way, statuses, endpoints
and purposes this version does not know. Each story runs on the sync and async clients."""

import asyncio
import json
import logging
from typing import Any

import pytest

from mistral_batch import (
    AsyncMistral,
    ConflictError,
    InputError,
    Mistral,
    MistralBatchError,
    UnprocessableEntityError,
    _status,
)
from mistral_batch.emulator import Emulator
from mistral_batch_emulator.pytest_plugin import EmulatorFactory

from .conftest import FAST_RETRY

MODEL = "mistral-small-latest"


def jsonl(n: int, prefix: str = "r") -> bytes:
    lines = (
        {"custom_id": f"{prefix}{i}", "body": {"messages": [{"role": "user", "content": str(i)}]}}
        for i in range(n)
    )
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


@pytest.fixture
def fresh(mistral_emulator_factory: EmulatorFactory) -> Emulator:
    """An emulator of this test's own, so that listings hold only what the test made."""
    return mistral_emulator_factory(queue_delay=60)


def sync_client(emu: Emulator, key: str | None = None) -> Mistral:
    return Mistral(api_key=key or emu.api_key, server_url=emu.url, retry=FAST_RETRY)


def async_client(emu: Emulator, key: str | None = None) -> AsyncMistral:
    return AsyncMistral(api_key=key or emu.api_key, server_url=emu.url, retry=FAST_RETRY)


# Starting pages


def test_listings_start_at_a_given_page_and_walk_on(fresh: Emulator) -> None:
    with sync_client(fresh) as client:
        names = [client.files.upload(jsonl(1), file_name=f"f{i}.jsonl").id for i in range(5)]
        file = client.files.upload(jsonl(1)).id
        jobs = [client.batch.jobs.create(input_files=[file], model=MODEL).id for _ in range(5)]

        every_file = [f.id for f in client.files.list(page_size=2)]
        assert sorted(every_file) == sorted([*names, file])
        assert [f.id for f in client.files.list(page_size=2, page=1)] == every_file[2:]
        every_job = [j.id for j in client.batch.jobs.list(page_size=2)]
        assert sorted(every_job) == sorted(jobs)
        assert [j.id for j in client.batch.jobs.list(page_size=2, page=2)] == every_job[4:]
        assert [p.page for p in client.batch.jobs.list(page_size=2, page=1).pages()] == [1, 2]
        with pytest.raises(InputError, match="page must be >= 0"):
            client.files.list(page=-1)

    async def scenario() -> None:
        async with async_client(fresh) as client:
            files = [f.id async for f in client.files.list(page_size=2, page=1)]
            assert files == every_file[2:]
            listed = [j.id async for j in client.batch.jobs.list(page_size=2, page=2)]
            assert listed == every_job[4:]
            with pytest.raises(InputError, match="page must be >= 0"):
                client.batch.jobs.list(page=-1)

    asyncio.run(scenario())


# Signed URL lifetimes


def test_a_signed_url_lives_1_to_168_hours(emu: Emulator, client: Mistral) -> None:
    file_id = client.files.upload(jsonl(1)).id
    before = emu.stats.requests.get("get_signed_url", 0)
    for hours in (0, 169, -1):
        with pytest.raises(InputError, match="between 1 and 168 hours"):
            client.files.get_signed_url(file_id, expiry=hours)
    assert emu.stats.requests.get("get_signed_url", 0) == before
    assert client.files.download_signed_url(client.files.get_signed_url(file_id, 168)).read()

    async def scenario() -> None:
        async with async_client(emu) as aclient:
            with pytest.raises(InputError, match="between 1 and 168 hours"):
                await aclient.files.get_signed_url(file_id, expiry=169)
            signed = await aclient.files.get_signed_url(file_id, expiry=1)
            assert await (await aclient.files.download_signed_url(signed)).read()

    asyncio.run(scenario())


# Deleting an unfinished job: refused (409) or done, the client takes either


@pytest.mark.parametrize("refused", [True, False], ids=["refused", "deleted"])
def test_deleting_an_unfinished_job_either_way(refused: bool) -> None:
    with Emulator(queue_delay=60, refuse_unfinished_delete=refused) as emu:
        with sync_client(emu) as client:
            file_id = client.files.upload(jsonl(2)).id
            job = client.batch.jobs.create(input_files=[file_id], model=MODEL)
            if refused:
                with pytest.raises(ConflictError):
                    client.batch.jobs.delete(job)
            else:
                assert client.batch.jobs.delete(job).deleted
                assert [j.id for j in client.batch.jobs.list()] == []

        async def scenario() -> None:
            async with async_client(emu) as aclient:
                ajob = await aclient.batch.jobs.create(input_files=[file_id], model=MODEL)
                if refused:
                    with pytest.raises(ConflictError):
                        await aclient.batch.jobs.delete(ajob)
                else:
                    assert (await aclient.batch.jobs.delete(ajob.id)).deleted

        asyncio.run(scenario())


# Statuses, endpoints and purposes newer than this client


def test_a_finished_job_with_an_unknown_status_gives_its_results(
    emu: Emulator,
    client: Mistral,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An unknown status is warned about once per process: start as a process that has not.
    monkeypatch.setattr(_status, "_WARNED", set())
    file_id = client.files.upload(jsonl(3, "u")).id
    job = client.batch.jobs.wait(client.batch.jobs.create(input_files=[file_id], model=MODEL))
    emu.inject("get_batch_job", unknown_enums=True, count=2)
    renamed = client.batch.jobs.get(job.id)
    assert renamed.status == "VALIDATING" and renamed.output_file == job.output_file
    with (
        caplog.at_level(logging.WARNING, logger="mistral_batch"),
        client.batch.jobs.results(renamed) as results,
    ):
        assert sorted(r.custom_id for r in results) == ["u0", "u1", "u2"]
    assert "'VALIDATING'" in caplog.text
    assert list(client.batch.jobs.errors(renamed)) == []

    async def scenario() -> None:
        async with async_client(emu) as aclient:
            seen = await aclient.batch.jobs.get(job.id)
            assert seen.status == "VALIDATING"
            results = await aclient.batch.jobs.results(seen)
            assert sorted([r.custom_id async for r in results]) == ["u0", "u1", "u2"]

    asyncio.run(scenario())


def test_an_active_job_with_an_unknown_status_has_no_results_yet(
    emu: Emulator, client: Mistral
) -> None:
    emu.set_requests_per_second(1)
    try:
        file_id = client.files.upload(jsonl(30)).id
        job = client.batch.jobs.create(input_files=[file_id], model=MODEL)
        emu.inject("get_batch_job", unknown_enums=True, count=1)
        with pytest.raises(MistralBatchError, match="VALIDATING and names no result file yet"):
            client.batch.jobs.results(job.id)
        client.batch.jobs.cancel(job)
    finally:
        emu.set_requests_per_second(None)


@pytest.mark.parametrize(
    ("endpoint", "sent"),
    [("/v1/chat/summaries", True), ("/v2/agents/completions", True), ("chat", False)],
)
def test_an_endpoint_we_do_not_know_is_sent_if_well_formed(
    emu: Emulator, client: Mistral, caplog: pytest.LogCaptureFixture, endpoint: str, sent: bool
) -> None:
    file_id = client.files.upload(jsonl(1)).id
    before = emu.stats.requests.get("create_batch_job", 0)
    if sent:
        # The emulator knows only today's endpoints, so the server refuses it: the point
        # is that the client let it through, with a warning.
        with (
            caplog.at_level(logging.WARNING, logger="mistral_batch"),
            pytest.raises(UnprocessableEntityError, match="endpoint"),
        ):
            client.batch.jobs.create(input_files=[file_id], model=MODEL, endpoint=endpoint)
        assert f"endpoint {endpoint!r} is not one this version knows" in caplog.text
    else:
        with pytest.raises(InputError, match="endpoint must be one of"):
            client.batch.jobs.create(input_files=[file_id], model=MODEL, endpoint=endpoint)
    assert emu.stats.requests.get("create_batch_job", 0) == before + int(sent)

    async def scenario() -> None:
        async with async_client(emu) as aclient:
            if sent:
                with pytest.raises(UnprocessableEntityError):
                    await aclient.batch.jobs.create(
                        input_files=[file_id], model=MODEL, endpoint=endpoint
                    )
            else:
                with pytest.raises(InputError):
                    await aclient.batch.jobs.create(
                        input_files=[file_id], model=MODEL, endpoint=endpoint
                    )

    asyncio.run(scenario())
    assert emu.stats.requests.get("create_batch_job", 0) == before + 2 * int(sent)


@pytest.mark.parametrize(("purpose", "sent"), [("audio-v2", True), ("Holiday Photos!", False)])
def test_a_purpose_we_do_not_know_is_sent_if_well_formed(
    emu: Emulator, client: Mistral, purpose: str, sent: bool
) -> None:
    before = emu.stats.requests.get("upload_file", 0)

    def check(outcome: Any) -> None:
        if sent:
            assert isinstance(outcome, UnprocessableEntityError)
            assert "purpose" in str(outcome)
        else:
            assert isinstance(outcome, InputError)

    try:
        client.files.upload(jsonl(1), purpose=purpose)
    except (InputError, UnprocessableEntityError) as caught:
        check(caught)
    else:
        pytest.fail("the upload was accepted")

    async def scenario() -> None:
        async with async_client(emu) as aclient:
            try:
                await aclient.files.upload(jsonl(1), purpose=purpose)
            except (InputError, UnprocessableEntityError) as caught:
                check(caught)
            else:
                pytest.fail("the upload was accepted")

    asyncio.run(scenario())
    assert emu.stats.requests.get("upload_file", 0) == before + 2 * int(sent)
