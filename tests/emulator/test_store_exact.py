"""The emulator's store and shared state, used directly: deletes, finishes and key lookups."""

from __future__ import annotations

import time

import pytest
from emulator_helpers import WORKSPACE, job_record

from mistral_batch_emulator import Emulator
from mistral_batch_emulator._records import FileRecord, JobRecord, Progress, new_id
from mistral_batch_emulator._settings import Settings
from mistral_batch_emulator._signing import Signer
from mistral_batch_emulator._state import EmulatorState, workspace_of
from mistral_batch_emulator._store import Store
from mistral_batch_emulator._worker import Worker


def a_file(expires_at: float | None) -> FileRecord:
    return FileRecord(
        id=new_id(),
        workspace=WORKSPACE,
        filename="input.jsonl",
        purpose="batch",
        sample_type="batch_request",
        source="upload",
        num_lines=1,
        mimetype="application/jsonl",
        signature=None,
        bytes=2,
        created_at=time.time(),
        expires_at=expires_at,
    )


def a_job(status: str = "SUCCESS", *, inline: bool = True) -> JobRecord:
    return job_record(status=status, inline=inline, created_at=time.time())


def test_a_live_file_with_an_expiry_can_be_deleted(store: Store) -> None:
    now = time.time()
    record = a_file(expires_at=now + 3600)
    store.insert_file(record)
    store.blob_path(record.id).write_bytes(b"{}")
    assert store.delete_file(WORKSPACE, record.id, now) is True
    assert store.get_file(WORKSPACE, record.id, now) is None
    assert not store.blob_path(record.id).exists()


def test_an_expired_file_cannot_be_deleted(store: Store) -> None:
    now = time.time()
    record = a_file(expires_at=now - 1)
    store.insert_file(record)
    assert store.delete_file(WORKSPACE, record.id, now) is False


def test_deleting_an_unknown_job_says_missing(store: Store) -> None:
    assert store.delete_job(WORKSPACE, new_id()) == "missing"


def test_an_inline_job_whose_requests_are_gone_is_still_deleted(store: Store) -> None:
    job = a_job()
    store.insert_job(job)
    assert not store.requests_path(job.id).exists()
    assert store.delete_job(WORKSPACE, job.id) == "deleted"
    assert store.get_job(WORKSPACE, job.id) is None


def test_an_inline_job_takes_its_requests_with_it(store: Store) -> None:
    job = a_job()
    store.insert_job(job)
    store.requests_path(job.id).write_bytes(b"{}\n")
    assert store.delete_job(WORKSPACE, job.id) == "deleted"
    assert not store.requests_path(job.id).exists()


def test_finishing_a_job_deleted_meanwhile_says_deleted(store: Store) -> None:
    job = a_job("RUNNING")
    store.insert_job(job)
    assert store.delete_job(WORKSPACE, job.id, unfinished_too=True) == "deleted"
    assert store.finish_job(job, "SUCCESS", time.time(), Progress(), []) == "DELETED"


def test_finishing_a_finished_job_keeps_its_status(store: Store) -> None:
    job = a_job("FAILED")
    store.insert_job(job)
    assert store.finish_job(job, "SUCCESS", time.time(), Progress(), []) == "FAILED"


@pytest.fixture
def state(store: Store) -> EmulatorState:
    settings = Settings()
    return EmulatorState(
        store=store,
        settings=settings,
        worker=Worker(store, settings),
        signer=Signer(b"secret"),
        api_keys=["key-1", "key-2"],
    )


@pytest.mark.parametrize(
    "authorization", [None, "", "Basic key-1", "Token", "Bearer", "Bearer ", "Bearer   "]
)
def test_a_request_without_a_bearer_key_has_no_user(
    state: EmulatorState, authorization: str | None
) -> None:
    assert state.user(authorization) is None
    assert state.workspace(authorization) is None


@pytest.mark.parametrize("key", ["key-1", "key-2"])
def test_each_bearer_key_is_its_own_user(state: EmulatorState, key: str) -> None:
    assert state.user(f"Bearer {key}") == workspace_of(key)
    assert state.user(f"bearer  {key} ") == workspace_of(key)


@pytest.mark.parametrize("keys", [[""], ["key-1", " "], ["\t"]])
def test_an_emulator_refuses_an_empty_key(keys: list[str]) -> None:
    # A blank key would let in a request that sends none.
    with pytest.raises(ValueError, match=r"^api_keys must not hold an empty key$"):
        Emulator(api_keys=keys)
