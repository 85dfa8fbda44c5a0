"""The store's job listing, used directly: its order when none is asked for."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mistral_batch_emulator._records import JobRecord, new_id
from mistral_batch_emulator._store import Store

WORKSPACE = "workspace-1"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path)
    yield opened
    opened.close()


def a_job(created_at: float) -> JobRecord:
    return JobRecord(
        id=new_id(),
        workspace=WORKSPACE,
        input_files=[],
        inline=True,
        endpoint="/v1/chat/completions",
        model="mistral-small-latest",
        agent_id=None,
        metadata=None,
        timeout_hours=24,
        status="SUCCESS",
        created_at=created_at,
        output_file_id=new_id(),
        error_file_id=new_id(),
    )


def test_jobs_are_listed_newest_first_unless_asked_otherwise(store: Store) -> None:
    """Without an order, the newest job comes first; oldest first only when asked."""
    older, newer = a_job(1_700_000_000.0), a_job(1_700_000_001.0)
    store.insert_job(older)
    store.insert_job(newer)
    assert [job.id for job in store.list_jobs(WORKSPACE)] == [newer.id, older.id]
    oldest_first = store.list_jobs(WORKSPACE, newest_first=False)
    assert [job.id for job in oldest_first] == [older.id, newer.id]
