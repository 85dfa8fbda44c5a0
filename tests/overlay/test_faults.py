"""Retries, typed errors and downloads under faults injected by the emulator."""

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mistral_batch import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    Mistral,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    RetryPolicy,
    ServerError,
    UnprocessableEntityError,
)
from mistral_batch.emulator import Emulator

from .conftest import FAST_RETRY

MODEL = "mistral-small-latest"
LINE = b'{"custom_id": "0", "body": {"messages": [{"role": "user", "content": "x"}]}}\n'


def served(emu: Emulator, operation: str) -> int:
    return emu.stats.requests.get(operation, 0)


@pytest.fixture
def job_id(client: Mistral) -> str:
    return client.batch.jobs.create(
        requests=[{"custom_id": "0", "body": {"messages": []}}], model=MODEL
    ).id


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_a_safe_call_is_retried_until_it_succeeds(
    client: Mistral, emu: Emulator, job_id: str, status: int
) -> None:
    emu.inject("get_batch_job", status=status, count=2)
    before = served(emu, "get_batch_job")
    assert client.batch.jobs.get(job_id).id == job_id
    assert served(emu, "get_batch_job") - before == 3


@pytest.mark.parametrize("as_date", [False, True], ids=["seconds", "http-date"])
def test_429_waits_for_retry_after(
    client: Mistral, emu: Emulator, job_id: str, as_date: bool
) -> None:
    emu.inject("get_batch_job", status=429, retry_after=1, retry_after_date=as_date, count=1)
    slept: list[float] = []
    transport = client.batch.jobs._t  # the sleep is the only thing replaced
    transport.sleep = slept.append
    assert client.batch.jobs.get(job_id).id == job_id
    assert len(slept) == 1 and 0.0 <= slept[0] <= 2.0


def test_retries_stop_after_the_configured_attempts(
    client: Mistral, emu: Emulator, job_id: str
) -> None:
    emu.inject("get_batch_job", status=503, count=None)
    before = served(emu, "get_batch_job")
    with pytest.raises(ServerError) as caught:
        client.batch.jobs.get(job_id)
    assert caught.value.status_code == 503
    assert served(emu, "get_batch_job") - before == FAST_RETRY.max_attempts


@pytest.mark.parametrize(
    "effect",
    [{"reset": True}, {"truncate": True}, {"html": True, "status": 502}],
    ids=["reset", "truncated-json", "html-502"],
)
def test_broken_answers_are_retried(
    client: Mistral, emu: Emulator, job_id: str, effect: dict[str, object]
) -> None:
    emu.inject("get_batch_job", count=2, **effect)
    assert client.batch.jobs.get(job_id).id == job_id


def test_an_html_page_gives_a_readable_error(client: Mistral, emu: Emulator, job_id: str) -> None:
    emu.inject("get_batch_job", html=True, status=502, count=None)
    with pytest.raises(ServerError) as caught:
        client.batch.jobs.get(job_id)
    assert "<" not in caught.value.message
    assert caught.value.status_code == 502


def test_a_slow_answer_times_out(emu: Emulator, job_id: str) -> None:
    emu.inject("get_batch_job", delay=1.0, count=None)
    retry = RetryPolicy(max_attempts=2, initial_delay=0, max_delay=0)
    client = Mistral(api_key=emu.api_key, server_url=emu.url, timeout=0.2, retry=retry)
    with client, pytest.raises(APITimeoutError):
        client.batch.jobs.get(job_id)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, BadRequestError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (413, RequestTooLargeError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, ServerError),
        (418, APIError),
    ],
)
def test_every_error_family(
    client: Mistral, emu: Emulator, job_id: str, status: int, kind: type[APIError]
) -> None:
    emu.inject("get_batch_job", status=status, count=None)
    with pytest.raises(kind) as caught:
        client.batch.jobs.get(job_id)
    assert caught.value.status_code == status
    assert emu.api_key not in str(caught.value)


def test_a_wrong_key_is_an_authentication_error(emu: Emulator) -> None:
    client = Mistral(api_key="not-a-key", server_url=emu.url)
    with client, pytest.raises(AuthenticationError) as caught:
        client.files.retrieve("anything")
    assert "not-a-key" not in str(caught.value) + caught.value.body


def test_a_closed_port_is_a_connection_error() -> None:
    retry = RetryPolicy(max_attempts=2, initial_delay=0, max_delay=0)
    client = Mistral(api_key="k", server_url="http://127.0.0.1:9", retry=retry)
    with client, pytest.raises(APIConnectionError) as caught:
        client.files.retrieve("f")
    assert caught.value.request_sent is False


def count_jobs(client: Mistral, token_marker: str) -> int:
    return len(list(client.batch.jobs.list(metadata={"case": token_marker})))


@pytest.mark.parametrize(
    "effect",
    [
        {"status": 500},
        {"status": 502},
        {"status": 503},
        {"reset": True},
        {"truncate": True},
        {"html": True, "status": 502},
    ],
    ids=["500", "502", "503", "reset", "truncated", "html-502"],
)
def test_create_under_faults_makes_exactly_one_job(
    client: Mistral, emu: Emulator, effect: dict[str, object]
) -> None:
    marker = "create-" + "-".join(f"{k}{v}" for k, v in effect.items())
    emu.inject("create_batch_job", count=1, **effect)
    job = client.batch.jobs.create(
        requests=[{"custom_id": "0", "body": {"messages": []}}],
        model=MODEL,
        metadata={"case": marker},
    )
    assert job.metadata is not None and job.metadata["case"] == marker
    assert count_jobs(client, marker) == 1


def test_create_that_times_out_is_not_sent_twice(emu: Emulator) -> None:
    marker = "create-timeout"
    emu.inject("create_batch_job", delay=0.6, count=None)
    retry = RetryPolicy(max_attempts=3, initial_delay=0, max_delay=0, listing_lag=0.5)
    client = Mistral(api_key=emu.api_key, server_url=emu.url, timeout=0.2, retry=retry)
    with client:
        before = served(emu, "create_batch_job")
        with pytest.raises(APITimeoutError) as caught:
            client.batch.jobs.create(
                requests=[{"custom_id": "0", "body": {}}], model=MODEL, metadata={"case": marker}
            )
        assert "mistral_batch_token=" in "".join(caught.value.__notes__)
        emu.clear_faults()
        assert served(emu, "create_batch_job") - before == 1


def test_create_behind_a_gateway_timeout_is_not_sent_twice(client: Mistral, emu: Emulator) -> None:
    emu.inject("create_batch_job", html=True, status=504, count=1)
    before = served(emu, "create_batch_job")
    with pytest.raises(ServerError):
        client.batch.jobs.create(requests=[{"custom_id": "0", "body": {}}], model=MODEL)
    assert served(emu, "create_batch_job") - before == 1


@pytest.fixture
def blob(client: Mistral) -> Iterator[tuple[str, bytes]]:
    data = os.urandom(2 * 1024 * 1024 + 3)
    yield client.files.upload(data, file_name="blob.bin").id, data


@pytest.mark.parametrize("range_support", [True, False], ids=["range-honoured", "range-ignored"])
def test_a_cut_download_resumes_and_ends_byte_identical(
    client: Mistral, emu: Emulator, blob: tuple[str, bytes], tmp_path: Path, range_support: bool
) -> None:
    file_id, data = blob
    emu.set_range_support(range_support)
    emu.inject("download_file", drop_after=700_001, count=2)
    target = tmp_path / "copy.bin"
    assert client.files.download(file_id).write_to(target) == len(data)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
    assert [p.name for p in tmp_path.iterdir()] == ["copy.bin"]


def test_a_download_that_keeps_failing_leaves_no_file(
    client: Mistral, emu: Emulator, blob: tuple[str, bytes], tmp_path: Path
) -> None:
    file_id, _ = blob
    emu.set_range_support(False)
    emu.inject("download_file", drop_after=1000, count=None)
    target = tmp_path / "copy.bin"
    with pytest.raises(APIConnectionError):
        client.files.download(file_id).write_to(target)
    assert list(tmp_path.iterdir()) == []


def test_unknown_values_and_extra_fields_are_kept(
    client: Mistral, emu: Emulator, job_id: str
) -> None:
    emu.inject("get_batch_job", unknown_enums=True, count=1)
    job = client.batch.jobs.get(job_id)
    assert job.status not in {"QUEUED", "RUNNING", "SUCCESS", "FAILED", "CANCELLED"}
    emu.inject("get_batch_job", extra_fields=True, count=1)
    assert client.batch.jobs.get(job_id).extra


def test_a_create_answered_too_late_finds_its_job(emu: Emulator) -> None:
    # The server makes the job, then answers after the client has given up waiting:
    # the client finds the job by its token instead of raising or sending again.
    emu.inject("create_batch_job", late=0.6, count=1)
    retry = RetryPolicy(max_attempts=3, initial_delay=0, max_delay=0)
    client = Mistral(api_key=emu.api_key, server_url=emu.url, timeout=0.2, retry=retry)
    with client:
        before = served(emu, "create_batch_job")
        job = client.batch.jobs.create(
            requests=[{"custom_id": "0", "body": {}}], model=MODEL, metadata={"case": "late"}
        )
        assert served(emu, "create_batch_job") - before == 1
        assert count_jobs(client, "late") == 1
        assert job.metadata is not None and job.metadata["case"] == "late"
