"""The store's job listing, used directly: its order when none is asked for."""

from __future__ import annotations

from emulator_helpers import WORKSPACE, job_record

from mistral_batch_emulator._records import JobRecord
from mistral_batch_emulator._store import Store


def a_job(created_at: float) -> JobRecord:
    return job_record(status="SUCCESS", created_at=created_at)


def test_jobs_are_listed_newest_first_unless_asked_otherwise(store: Store) -> None:
    """Without an order, the newest job comes first; oldest first only when asked."""
    older, newer = a_job(1_700_000_000.0), a_job(1_700_000_001.0)
    store.insert_job(older)
    store.insert_job(newer)
    assert [job.id for job in store.list_jobs(WORKSPACE)] == [newer.id, older.id]
    oldest_first = store.list_jobs(WORKSPACE, newest_first=False)
    assert [job.id for job in oldest_first] == [older.id, newer.id]
