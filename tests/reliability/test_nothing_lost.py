"""Nothing lost: every custom_id of the input comes back exactly once, in the results or
in the errors, through a whole run under faults, in the library and in the command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from reliability_helpers import MODEL, chat, failing, jsonl, served

from mistral_batch import BatchResult, Mistral
from mistral_batch.emulator import Emulator

COUNT = 60
#: Every seventh request is one the model refuses: it must come back in the errors.
REQUESTS = [failing(f"req-{i}") if i % 7 == 3 else chat(f"req-{i}", f"q{i}") for i in range(COUNT)]
EXPECTED = Counter(r["custom_id"] for r in REQUESTS)


def account(recorder: Any, found: Counter[str], how: str) -> None:
    """Each custom_id once: none missing, none twice, none unknown."""
    missing = EXPECTED - found
    extra = found - EXPECTED
    recorder.loss(f"custom_ids through {how}", sum(EXPECTED.values()), sum(missing.values()))
    assert not missing, f"lost: {sorted(missing)[:5]}"
    assert not extra, f"twice or unknown: {sorted(extra)[:5]}"


def ids(results: list[BatchResult]) -> Counter[str]:
    return Counter(r.custom_id or "<none>" for r in results)


@pytest.fixture
def input_file(tmp_path: Path) -> Path:
    path = tmp_path / "requests.jsonl"
    path.write_bytes(jsonl(REQUESTS))
    return path


def inject_the_usual_trouble(emu: Emulator) -> None:
    """A flaky network and an overloaded gateway at every step of a run."""
    emu.inject("upload_file", status=503)
    emu.inject("upload_file", reset=True)
    emu.inject("create_batch_job", status=502)
    emu.inject("create_batch_job", truncate=True)
    emu.inject("get_batch_job", status=429, retry_after=1)
    emu.inject("get_batch_job", html=True, status=502)
    emu.inject("get_batch_job", reset=True)
    emu.inject("download_file", status=500)
    emu.inject("download_file", reset=True)


def test_run_in_the_library_loses_nothing_under_faults(
    emu: Emulator, client: Mistral, input_file: Path, recorder: Any
) -> None:
    inject_the_usual_trouble(emu)
    jobs_before = served(emu, "create_batch_job")

    run = client.batch.run(input_file, model=MODEL, metadata={"case": "nothing-lost"})

    assert run.job.status == "SUCCESS"
    assert (run.job.succeeded_requests, run.job.failed_requests) == (51, 9)
    results, errors = list(run.results()), list(run.errors())
    assert all(r.ok for r in results) and not any(e.ok for e in errors)
    account(recorder, ids(results) + ids(errors), "run() in the library")
    assert emu.active_faults() == [], "every fault was met"
    assert served(emu, "create_batch_job") - jobs_before == 2  # the 502, then the job
    assert len(list(client.batch.jobs.list(metadata={"case": "nothing-lost"}))) == 1


def test_results_read_through_a_cut_connection_are_all_there(
    emu: Emulator, client: Mistral, input_file: Path, recorder: Any
) -> None:
    run = client.batch.run(input_file, model=MODEL)
    emu.inject("download_file", drop_after=2000)
    found = ids(list(run.results()) + list(run.errors()))
    account(recorder, found, "results() over a cut connection")


# --- The command ---------------------------------------------------------------------------


def cli_or_skip() -> None:
    try:
        from mistral_batch.cli import main  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"the mistral-batch command cannot be imported yet: {exc}")


def mistral_batch(emu: Emulator, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the mistral-batch command against `emu`, its key given in the environment."""
    env = {**os.environ, "MISTRAL_API_KEY": emu.api_key, "MISTRAL_SERVER_URL": emu.url}
    command = [sys.executable, "-m", "mistral_batch.cli", "--no-progress", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def read_ids(path: Path) -> Counter[str]:
    if not path.exists():
        return Counter()
    return Counter(json.loads(line)["custom_id"] for line in path.read_text().splitlines())


def test_the_command_loses_nothing_under_faults(
    emu: Emulator, input_file: Path, tmp_path: Path, recorder: Any
) -> None:
    cli_or_skip()
    emu.inject("upload_file", status=503)
    emu.inject("create_batch_job", reset=True)
    emu.inject("get_batch_job", status=502)
    emu.inject("download_file", drop_after=1500)  # the output file, cut and resumed

    done = mistral_batch(
        emu, "run", str(input_file), "--model", MODEL, "-o", "out.jsonl", cwd=tmp_path
    )

    assert done.returncode == 0, done.stderr
    assert emu.active_faults() == [], "every fault was met"
    found = read_ids(tmp_path / "out.jsonl") + read_ids(tmp_path / "requests.errors.jsonl")
    account(recorder, found, "`mistral-batch run`")
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".") or ".part" in p.name]
    assert leftovers == [], "no partial or temporary file is left"
