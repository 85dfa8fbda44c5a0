"""Properties over many examples: pagination over real sockets, each item listed once.

The round trips of JSONL decoding and of upload then download are proved where their
code is tested, in tests/overlay/test_jsonl.py and tests/overlay/test_files.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reliability_helpers import MODEL, QUICK_POLL, chat, examples, fast_client

from mistral_batch import Mistral
from mistral_batch.emulator import Emulator

MAX_FILES = 30
MAX_JOBS = 12


class Workspaces:
    """Workspace n holds exactly n files (or n jobs), made the first time it is asked for."""

    def __init__(self, emu: Emulator, prefix: str, fill: Callable[[Mistral, int], None]) -> None:
        self.emu = emu
        self.prefix = prefix
        self.fill = fill
        self.ready: set[int] = set()

    def client(self, n: int) -> Mistral:
        client = fast_client(self.emu, key=f"{self.prefix}-{n}")
        if n not in self.ready:
            self.fill(client, n)
            self.ready.add(n)
        return client


def upload_files(client: Mistral, n: int) -> None:
    for i in range(n):
        client.files.upload(b"x\n", file_name=f"f{i}.txt")


def run_jobs(client: Mistral, n: int) -> None:
    for i in range(n):
        job = client.batch.jobs.create(requests=[chat(str(i))], model=MODEL)
        client.batch.jobs.wait(job, timeout=20, backoff=QUICK_POLL)


@pytest.fixture(scope="module")
def paged(recorder: Any) -> Iterator[tuple[Workspaces, Workspaces]]:
    keys = [f"files-{n}" for n in range(MAX_FILES + 1)]
    keys += [f"jobs-{n}" for n in range(MAX_JOBS + 1)]
    with Emulator(api_keys=keys) as emu:
        yield Workspaces(emu, "files", upload_files), Workspaces(emu, "jobs", run_jobs)
        recorder.add_faults(emu.stats.faults)


@examples(60)
@given(total=st.integers(0, MAX_FILES), page_size=st.integers(1, MAX_FILES + 2))
def test_listing_files_yields_each_once(
    paged: tuple[Workspaces, Workspaces], recorder: Any, total: int, page_size: int
) -> None:
    recorder.tried_one("Property examples", "files listed page by page, each once")
    with paged[0].client(total) as client:
        listed = [f.id for f in client.files.list(page_size=page_size)]
        pages = [len(p.items) for p in client.files.list(page_size=page_size).pages()]
    assert len(listed) == len(set(listed)) == total
    full, rest = divmod(total, page_size)
    assert pages[:full] == [page_size] * full
    assert sum(pages) == total and all(size <= page_size for size in pages)
    assert rest == 0 or pages[full] == rest


@examples(25)
@given(total=st.integers(0, MAX_JOBS), page_size=st.integers(1, MAX_JOBS + 2))
def test_listing_jobs_yields_each_once(
    paged: tuple[Workspaces, Workspaces], recorder: Any, total: int, page_size: int
) -> None:
    recorder.tried_one("Property examples", "jobs listed page by page, each once")
    with paged[1].client(total) as client:
        listed = [j.id for j in client.batch.jobs.list(page_size=page_size)]
    assert len(listed) == len(set(listed)) == total
