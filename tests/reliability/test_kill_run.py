"""A run killed at any instant picks up where it was: `client.batch.run` with a state file,
in a child process that sends itself SIGKILL at a chosen step (kill_run.py), then run
again to the end, against an emulator over real sockets.

After each story, the emulator's own record is the judge. Every job it holds is one the
ledger records (no job created twice), every part was uploaded once (a kill between an
upload's answer and its record included: the file is found again); each request succeeded at
most once on each model, in the jobs' result files (none paid twice), and was sent again
only after a transient failure. The same call, made once more in the test's process, sends
nothing and gives each request of each model exactly once, in its results or its errors.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from reliability_helpers import FAST_RETRY, KEY_A, served

import mistral_batch
import mistral_batch_api
from mistral_batch import Backoff, BatchJob, BatchResult, Mistral
from mistral_batch._ledger import Ledger
from mistral_batch.emulator import Emulator

HERE = Path(__file__).resolve().parent
CHILD = HERE / "kill_run.py"

SMALL, LARGE = "mistral-small-latest", "mistral-large-latest"
ONE, TWO = (SMALL,), (SMALL, LARGE)
COUNT = 24
IDS = [f"r{i}" for i in range(COUNT)]
QUICK = Backoff(initial=0.02, factor=1.5, max_delay=0.2)


def chat(custom_id: str) -> dict[str, Any]:
    return {"custom_id": custom_id, "body": {"messages": [{"role": "user", "content": "q"}]}}


LINES = [json.dumps(chat(custom_id)).encode() + b"\n" for custom_id in IDS]
#: Parts of 8 requests: three in round 0.
PART = 8
PART_BYTES = PART * max(map(len, LINES))


@attrs.frozen
class Story:
    """The run's options, and the kills: (step, n) for each run but the last, which goes
    to the end; each run dies at the nth call of its step (see kill_run.py)."""

    kills: tuple[tuple[str, int], ...]
    models: tuple[str, ...] = ONE
    fail_rate: float = 0.0
    retry_failed: int = 2
    #: Parts go one after another when the pending limit is a part's size.
    one_at_a_time: bool = False

    def options(self) -> dict[str, Any]:
        limit = {"max_pending": PART} if self.one_at_a_time else {"max_file_bytes": PART_BYTES}
        return {"models": list(self.models), "retry_failed": self.retry_failed, **limit}


def story(*kills: tuple[str, int], **options: Any) -> Any:
    name = "+".join(f"{step}{n}" for step, n in kills)
    shape = [
        "two-models" if options.get("models") == TWO else "",
        "failures" if options.get("fail_rate") else "",
        "one-at-a-time" if options.get("one_at_a_time") else "",
    ]
    return pytest.param(Story(kills, **options), id="-".join([name, *filter(None, shape)]))


FAILING = {"fail_rate": 0.3}

STORIES = [
    # One model, three parts at once.
    story(("plan", 1)),
    story(("upload", 1)),
    story(("upload-partial", 2)),
    story(("upload", 3)),
    story(("uploaded", 2)),
    story(("begin-job", 1)),
    story(("create", 1)),
    story(("create", 3)),
    story(("get", 2)),
    story(("download-partial", 2)),
    story(("download", 1)),
    story(("collect", 1)),
    story(("collect", 3)),
    # Between parts: each part's job is created once the one before has ended.
    story(("collect", 1), one_at_a_time=True),
    story(("create", 2), one_at_a_time=True),
    story(("upload", 2), one_at_a_time=True),
    # Between rounds: the transient failures are sent again.
    story(("plan-retry", 1), **FAILING),
    story(("plan-retry", 2), **FAILING),
    story(("upload", 4), **FAILING),
    story(("create", 4), **FAILING),
    story(("collect", 4), **FAILING),
    # Two models: one upload per part serves both.
    story(("upload", 2), models=TWO),
    story(("upload-partial", 1), models=TWO),
    story(("create", 2), models=TWO),
    story(("get", 4), models=TWO),
    story(("download-partial", 3), models=TWO),
    story(("collect", 4), models=TWO),
    story(("collect", 1), models=TWO, one_at_a_time=True),
    story(("create", 3), models=TWO, one_at_a_time=True),
    story(("plan-retry", 1), models=TWO, **FAILING),
    story(("download", 5), models=TWO, **FAILING),
    story(("collect", 7), models=TWO, **FAILING),
    # Killed again and again, at each kind of step, before it is let finish.
    story(
        ("plan", 1),
        ("upload", 1),
        ("create", 1),
        ("collect", 1),
        ("upload-partial", 1),
        ("get", 2),
        ("download", 1),
        ("plan-retry", 1),
        one_at_a_time=True,
        **FAILING,
    ),
    story(
        ("upload", 1),
        ("create", 2),
        ("get", 3),
        ("download-partial", 2),
        ("collect", 1),
        ("plan-retry", 1),
        ("create", 1),
        ("collect", 2),
        models=TWO,
        **FAILING,
    ),
]


@pytest.fixture
def emu(tmp_path: Path, recorder: Any) -> Iterator[Emulator]:
    """An emulator of the test's own: its jobs and counters are this story's alone."""
    with Emulator(api_keys=[KEY_A], data_dir=tmp_path / "emulator") as emulator:
        yield emulator
        recorder.add_faults(emulator.stats.faults)


def child_env() -> dict[str, str]:
    """The test's environment, the child importing the very packages the test imported."""
    env = dict(os.environ)
    roots = [str(Path(p.__file__ or "").parent.parent) for p in (mistral_batch, mistral_batch_api)]
    env["PYTHONPATH"] = os.pathsep.join([*roots, *filter(None, [env.get("PYTHONPATH")])])
    return env


def run_child(settings: dict[str, Any], cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(CHILD), json.dumps(settings)]
    return subprocess.run(
        command, cwd=cwd, env=child_env(), capture_output=True, text=True, timeout=60
    )


def answers_in_jobs(client: Mistral) -> tuple[list[BatchJob], dict[str, list[BatchResult]]]:
    """Every job of the workspace, and each one's answers (results and errors)."""
    jobs = list(client.batch.jobs.list())
    answers: dict[str, list[BatchResult]] = {}
    for job in jobs:
        with client.batch.jobs.results(job) as ok, client.batch.jobs.errors(job) as failed:
            answers[job.id] = [*ok, *failed]
    return jobs, answers


def planned_jobs(ledger: Ledger, models: tuple[str, ...]) -> list[tuple[int, str]]:
    """(part, model) of every job the run is to have: each model's on round 0's parts, and
    on its own parts of the later rounds."""
    wanted = []
    for model in models:
        for round_ in range(ledger.last_round(model) + 1):
            wanted += [(p.index, model) for p in ledger.parts(round_, model)]
    return wanted


@pytest.mark.parametrize("told", STORIES)
def test_a_killed_run_started_again_ends_with_each_request_answered_once(
    emu: Emulator, tmp_path: Path, told: Story, recorder: Any
) -> None:
    with emu.settings.lock:
        emu.settings.fail_rate = told.fail_rate
    source = tmp_path / "input.jsonl"
    source.write_bytes(b"".join(LINES))
    state = tmp_path / "run.state"
    settings = {
        "api_key": emu.api_key,
        "server_url": emu.url,
        "input": str(source),
        "state": str(state),
        **told.options(),
    }

    for step, n in told.kills:
        killed = run_child({**settings, "kill": [step, n]}, tmp_path)
        assert killed.returncode == -signal.SIGKILL, (
            f"not killed after {step} {n}: {killed.returncode}\n{killed.stderr}"
        )
        recorder.tried_one("Runs killed (SIGKILL) and started again", step)
    finished = run_child(settings, tmp_path)
    assert finished.returncode == 0, finished.stderr

    uploads, creates = served(emu, "upload_file"), served(emu, "create_batch_job")
    with Mistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as client:
        # The same call, once the run is over, reads its answers and sends nothing.
        with client.batch.run(source, state=state, poll=QUICK, **told.options()) as run:
            assert served(emu, "upload_file") == uploads
            assert served(emu, "create_batch_job") == creates
            ledger = run.record.ledger
            wanted = planned_jobs(ledger, told.models)
            parts = sorted({part for part, _ in wanted})
            entries = ledger.jobs()
            final = {
                model: [r.custom_id for r in (*run.results(model), *run.errors(model))]
                for model in told.models
            }
            succeeded = {model: {r.custom_id for r in run.results(model)} for model in told.models}
            sent = {
                model: COUNT
                + sum(ledger.retried(model, r) or 0 for r in range(ledger.last_round(model)))
                for model in told.models
            }
            files = {part: ledger.file_of(part) for part in parts}
        jobs, answers = answers_in_jobs(client)
        results = {j.output_file for j in jobs} | {j.error_file for j in jobs}
        inputs = [f.id for f in client.files.list() if f.id not in results]

    # No job created twice: the server's jobs are the ledger's, one per part and model.
    assert creates == len(jobs) == len(entries)
    assert {job.id for job in jobs} == {entry.job_id for entry in entries}
    assert sorted((e.part, e.model) for e in entries) == sorted(wanted)
    by_id = {job.id: job for job in jobs}
    for entry in entries:
        job = by_id[entry.job_id or ""]
        assert job.model == entry.model and job.input_files == [files[entry.part]]
        assert job.status == "SUCCESS"

    # No part uploaded twice, not even after a kill between the upload's answer and its
    # record: the file is then found on the server. An upload cut short made no file.
    assert None not in files.values()
    assert sorted(inputs) == sorted(filter(None, files.values()))
    partial = sum(step == "upload-partial" for step, _ in told.kills)
    assert len(parts) <= uploads <= len(parts) + partial

    # No request paid twice: each succeeded once at most, and went again only after a
    # transient failure; each model's jobs held the requests sent, no more.
    order = {entry.job_id: i for i, entry in enumerate(entries)}
    history: dict[tuple[str, str | None], list[BatchResult]] = defaultdict(list)
    for job in sorted(jobs, key=lambda j: order[j.id]):
        for answer in answers[job.id]:
            history[(job.model or "", answer.custom_id)].append(answer)
    for (model, custom_id), seen in history.items():
        assert sum(a.ok for a in seen) <= 1, f"{custom_id} paid twice on {model}"
        assert all(a.transient for a in seen[:-1]), f"{custom_id} sent again on {model}"
    for model in told.models:
        mine = [job for job in jobs if job.model == model]
        assert sum(job.total_requests for job in mine) == sent[model]
        assert sum(len(answers[job.id]) for job in mine) == sent[model]
        paid = {cid for (m, cid), seen in history.items() if m == model and seen[-1].ok}
        # Each request once in the final answers: its one success, or its last error.
        assert Counter(final[model]) == Counter(IDS), f"on {model}"
        assert succeeded[model] == paid
    recorder.loss(
        "custom_ids through runs killed and started again",
        COUNT * len(told.models),
        sum(len(Counter(IDS) - Counter(final[m])) for m in told.models),
    )
