"""A run killed at any instant picks up where it was: `client.batch.run` with a state file,
in a child process that sends itself SIGKILL at a chosen step (kill_run.py), then run
again to the end, against an emulator over real sockets.

After each story, the emulator's own record is the judge. Every job it holds is one the
ledger records (no job created twice), every part was uploaded once (a kill between an
upload's answer and its record included: the file is found again); each request succeeded at
most once on each model, in the jobs' result files (none paid twice), and was sent again
only after a transient failure. The same call, made once more in the test's process, sends
nothing and gives each request of each model exactly once, in its results or its errors.

With a shared cache, the same holds, and more. A run may warm the cache first: part of the
same requests run to the end on the same emulator (its jobs carry the metadata WARMING);
no request it answered is sent again by the killed run, whose results hold its answers,
counted by `cached(model)`. The cache holds each success of every job, under its
request's key, and notes every job as kept. Two runs sharing a cache, each with its own
state, one killed while the other goes on, answer each of their requests once, and leave
a cache that answers the union of their requests whole.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
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
from mistral_batch._cache import AnswerCache, body_digest, request_key
from mistral_batch._ledger import Ledger
from mistral_batch.emulator import Emulator

HERE = Path(__file__).resolve().parent
CHILD = HERE / "kill_run.py"

SMALL, LARGE = "mistral-small-latest", "mistral-large-latest"
ONE, TWO = (SMALL,), (SMALL, LARGE)
COUNT = 24
IDS = [f"r{i}" for i in range(COUNT)]
QUICK = Backoff(initial=0.02, factor=1.5, max_delay=0.2)


#: The requests a warming run answers first: the first 10 of the 24.
WARM = 10
#: The metadata of a warming run's jobs, which tells them from the ledger's.
WARMING = {"warm": "1"}
ENDPOINT = "/v1/chat/completions"


def chat(custom_id: str) -> dict[str, Any]:
    """A request of its own: each body differs, so that a cache tells them apart."""
    body = {"messages": [{"role": "user", "content": f"q {custom_id}"}]}
    return {"custom_id": custom_id, "body": body}


LINES = {custom_id: json.dumps(chat(custom_id)).encode() + b"\n" for custom_id in IDS}
#: Parts of 8 requests: three in round 0.
PART = 8
PART_BYTES = PART * max(map(len, LINES.values()))
#: The key of each request's answer in a cache, on each model.
KEYS = {
    (model, custom_id): request_key(ENDPOINT, model, body_digest(chat(custom_id)["body"]))
    for model in TWO
    for custom_id in IDS
}


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
    #: Answers kept in a cache (a folder) that every run of the story shares.
    cache: bool = False
    #: The models on which a run of the first WARM requests, with the same cache, goes to
    #: the end before the first kill (a cache implied).
    warm: tuple[str, ...] = ()

    def options(self) -> dict[str, Any]:
        limit = {"max_pending": PART} if self.one_at_a_time else {"max_file_bytes": PART_BYTES}
        return {"models": list(self.models), "retry_failed": self.retry_failed, **limit}


def story(*kills: tuple[str, int], **options: Any) -> Any:
    if options.get("warm"):
        options["cache"] = True
    name = "+".join(f"{step}{n}" for step, n in kills)
    warm = options.get("warm", ())
    shape = [
        "two-models" if options.get("models") == TWO else "",
        "failures" if options.get("fail_rate") else "",
        "one-at-a-time" if options.get("one_at_a_time") else "",
        "cache" if options.get("cache") else "",
        f"warmed-on-{len(warm)}" if warm else "",
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
    # With a shared cache: each model's round 0 is cut from what the cache left.
    story(("plan", 1), cache=True),
    story(("upload", 1), cache=True),
    story(("create", 2), cache=True),
    story(("download-partial", 2), cache=True),
    story(("collect", 1), cache=True),
    story(("collect", 3), models=TWO, cache=True),
    story(("plan-retry", 1), cache=True, **FAILING),
    story(("create", 4), models=TWO, cache=True, **FAILING),
    # The cache warmed first: only the requests it does not answer are sent.
    story(("plan", 1), warm=ONE),
    story(("upload-partial", 1), warm=ONE),
    story(("create", 1), warm=ONE),
    story(("get", 2), models=TWO, warm=ONE),
    story(("cached", 1), models=TWO, warm=TWO),
    story(("download", 2), models=TWO, warm=TWO),
    story(("collect", 2), models=TWO, warm=TWO),
    story(("collect", 1), warm=ONE, one_at_a_time=True),
    story(("plan-retry", 1), warm=ONE, **FAILING),
    story(("plan-retry", 2), models=TWO, warm=TWO, **FAILING),
    story(
        ("plan", 1),
        ("cached", 1),
        ("upload", 1),
        ("create", 2),
        ("get", 1),
        ("download-partial", 1),
        ("collect", 1),
        ("plan-retry", 1),
        ("collect", 1),
        models=TWO,
        warm=ONE,
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


def start_child(settings: dict[str, Any], cwd: Path) -> subprocess.Popen[str]:
    command = [sys.executable, str(CHILD), json.dumps(settings)]
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_child(settings: dict[str, Any], cwd: Path) -> subprocess.CompletedProcess[str]:
    return finish(start_child(settings, cwd))


def finish(child: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    """The child's end: its exit code and what it wrote."""
    try:
        out, err = child.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def write_input(path: Path, custom_ids: list[str]) -> Path:
    path.write_bytes(b"".join(LINES[custom_id] for custom_id in custom_ids))
    return path


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


@attrs.frozen
class Warmed:
    """What a warming run left: the custom_ids each model succeeded on, its jobs in the
    order it made them, and the files and jobs it asked the emulator for."""

    succeeded: dict[str, set[str]]
    jobs: list[str]
    uploads: int
    creates: int


def warm_cache(emu: Emulator, tmp_path: Path, told: Story, cache: Path) -> Warmed:
    """Run the first WARM requests to the end on the story's warm models, with its cache
    and no state, as another run before it would have."""
    if not told.warm:
        return Warmed({}, [], 0, 0)
    source = write_input(tmp_path / "warm.jsonl", IDS[:WARM])
    options = {**told.options(), "models": list(told.warm)}
    with (
        Mistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as client,
        client.batch.run(source, poll=QUICK, cache=cache, metadata=WARMING, **options) as run,
    ):
        assert all(run.cached(model) == 0 for model in told.warm)
        succeeded = {model: {r.custom_id for r in run.results(model)} for model in told.warm}
        jobs = [job.id for job in run.jobs]
    return Warmed(succeeded, jobs, served(emu, "upload_file"), served(emu, "create_batch_job"))


def judge_cache(cache: Path, jobs: list[BatchJob], answers: dict[str, list[BatchResult]]) -> None:
    """The cache is whole: it holds each success of every job under its request's key
    and nothing else, and notes every job as kept."""
    ok = {(job.model or "", a.custom_id or "") for job in jobs for a in answers[job.id] if a.ok}
    kept = AnswerCache(cache)
    try:
        assert kept.unkept(job.id for job in jobs) == [], "jobs whose answers were not kept"
        assert len(kept.find(KEYS[key] for key in ok)) == len(ok), "answers not kept"
    finally:
        kept.close()
    with sqlite3.connect(str(cache / "answers.sqlite")) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM answers").fetchone() == (len(ok),)


@pytest.mark.parametrize("told", STORIES)
def test_a_killed_run_started_again_ends_with_each_request_answered_once(
    emu: Emulator, tmp_path: Path, told: Story, recorder: Any
) -> None:
    with emu.settings.lock:
        emu.settings.fail_rate = told.fail_rate
    source = write_input(tmp_path / "input.jsonl", IDS)
    state, cache = tmp_path / "run.state", tmp_path / "cache"
    options = {**told.options(), **({"cache": str(cache)} if told.cache else {})}
    settings = {
        "api_key": emu.api_key,
        "server_url": emu.url,
        "input": str(source),
        "state": str(state),
        **options,
    }
    warmed = warm_cache(emu, tmp_path, told, cache)

    for step, n in told.kills:
        killed = run_child({**settings, "kill": [step, n]}, tmp_path)
        assert killed.returncode == -signal.SIGKILL, (
            f"not killed after {step} {n}: {killed.returncode}\n{killed.stderr}"
        )
        recorder.tried_one("Runs killed (SIGKILL) and started again", step)
    finished = run_child(settings, tmp_path)
    assert finished.returncode == 0, finished.stderr

    uploads = served(emu, "upload_file") - warmed.uploads
    creates = served(emu, "create_batch_job") - warmed.creates
    with Mistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as client:
        every, answers = answers_in_jobs(client)
        if told.cache:
            # Judged as the killed runs and the last one left it, before any other call.
            judge_cache(cache, every, answers)
        # The same call, once the run is over, reads its answers and sends nothing.
        with client.batch.run(source, state=state, poll=QUICK, **options) as run:
            assert served(emu, "upload_file") == uploads + warmed.uploads
            assert served(emu, "create_batch_job") == creates + warmed.creates
            ledger = run.record.ledger
            wanted = planned_jobs(ledger, told.models)
            parts = sorted({part for part, _ in wanted})
            entries = ledger.jobs()
            final = {
                model: [r.custom_id for r in (*run.results(model), *run.errors(model))]
                for model in told.models
            }
            succeeded = {model: {r.custom_id for r in run.results(model)} for model in told.models}
            cached = {model: run.cached(model) for model in told.models}
            sent = {
                model: COUNT
                - len(warmed.succeeded.get(model, ()))
                + sum(ledger.retried(model, r) or 0 for r in range(ledger.last_round(model)))
                for model in told.models
            }
            files = {part: ledger.file_of(part) for part in parts}
        results = {j.output_file for j in every} | {j.error_file for j in every}
        stored = [f.id for f in client.files.list() if f.id not in results]

    # The warming run's jobs are told apart by their metadata: it made them, no other.
    warm = [job for job in every if (job.metadata or {}).get("warm") == WARMING["warm"]]
    assert sorted(job.id for job in warm) == sorted(warmed.jobs)
    assert len(warm) == warmed.creates
    warm_inputs = {file_id for job in warm for file_id in job.input_files}
    assert len(warm_inputs) == warmed.uploads
    jobs = [job for job in every if job not in warm]
    inputs = [file_id for file_id in stored if file_id not in warm_inputs]

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

    # No request paid twice, the warming run's jobs and the ledger's together: each
    # succeeded once at most, and went again only after a transient failure; each
    # model's jobs held the requests sent, no more.
    order = {job_id: i for i, job_id in enumerate([*warmed.jobs, *(e.job_id for e in entries)])}
    history: dict[tuple[str, str | None], list[BatchResult]] = defaultdict(list)
    for job in sorted(every, key=lambda j: order[j.id]):
        for answer in answers[job.id]:
            history[(job.model or "", answer.custom_id)].append(answer)
    for (model, custom_id), seen in history.items():
        assert sum(a.ok for a in seen) <= 1, f"{custom_id} paid twice on {model}"
        assert all(a.transient for a in seen[:-1]), f"{custom_id} sent again on {model}"
    for model in told.models:
        mine = [job for job in jobs if job.model == model]
        assert sum(job.total_requests for job in mine) == sent[model]
        assert sum(len(answers[job.id]) for job in mine) == sent[model]
        paid = {a.custom_id for job in mine for a in answers[job.id] if a.ok}
        # Each request once in the final answers: its one success (from a job of the
        # run, or kept in the cache by the warming run), or its last error.
        assert Counter(final[model]) == Counter(IDS), f"on {model}"
        from_cache = warmed.succeeded.get(model, set())
        assert succeeded[model] == paid | from_cache
        assert cached[model] == len(from_cache)
    recorder.loss(
        "custom_ids through runs killed and started again",
        COUNT * len(told.models),
        sum(len(Counter(IDS) - Counter(final[m])) for m in told.models),
    )


@pytest.mark.parametrize(
    ("kill", "models"),
    [
        pytest.param(("collect", 1), ONE, id="collect1"),
        pytest.param(("upload", 2), TWO, id="upload2-two-models"),
        pytest.param(("create", 2), TWO, id="create2-two-models"),
    ],
)
def test_two_runs_sharing_a_cache_one_killed_each_answer_their_requests_once(
    emu: Emulator, tmp_path: Path, kill: tuple[str, int], models: tuple[str, ...], recorder: Any
) -> None:
    """Two runs at the same time on overlapping requests, each with its own state and the
    same cache; one is killed and started again. Each answers its requests once, and
    the cache, whole, answers their union without sending anything.

    How much of the overlap the cache answers each run depends on which goes first, so
    the kills are at steps the killed run meets either way: its r0 .. r7 are always
    sent, on each model."""
    cache = tmp_path / "cache"
    mine = {"a": IDS[:16], "b": IDS[8:]}  # they share r8 .. r15
    options = {"models": list(models), "max_file_bytes": PART_BYTES, "cache": str(cache)}
    settings = {
        name: {
            "api_key": emu.api_key,
            "server_url": emu.url,
            "input": str(write_input(tmp_path / f"{name}.jsonl", ids)),
            "state": str(tmp_path / f"{name}.state"),
            **options,
        }
        for name, ids in mine.items()
    }
    killed = start_child({**settings["a"], "kill": list(kill)}, tmp_path)
    other = start_child(settings["b"], tmp_path)
    ended = finish(killed), finish(other)
    assert ended[0].returncode == -signal.SIGKILL, ended[0].stderr
    assert ended[1].returncode == 0, ended[1].stderr
    recorder.tried_one("Runs killed (SIGKILL) and started again", kill[0])
    again = run_child(settings["a"], tmp_path)
    assert again.returncode == 0, again.stderr

    uploads, creates = served(emu, "upload_file"), served(emu, "create_batch_job")
    lost = 0
    with Mistral(api_key=emu.api_key, server_url=emu.url, retry=FAST_RETRY) as client:
        every, answers = answers_in_jobs(client)
        judge_cache(cache, every, answers)
        for name, ids in mine.items():
            told = settings[name]
            with client.batch.run(
                Path(told["input"]), state=told["state"], poll=QUICK, **options
            ) as run:
                own = {entry.job_id for entry in run.record.ledger.jobs()}
                for model in models:
                    final = [r.custom_id for r in (*run.results(model), *run.errors(model))]
                    assert Counter(final) == Counter(ids), f"{name} on {model}"
                    lost += len(Counter(ids) - Counter(final))
                    paid = Counter(
                        a.custom_id
                        for job in every
                        if job.id in own and job.model == model
                        for a in answers[job.id]
                        if a.ok
                    )
                    # Each paid once by the run at most; the others were in the cache.
                    assert max(paid.values(), default=1) == 1, f"{name} paid twice on {model}"
                    assert {r.custom_id for r in run.results(model)} == set(ids)
                    assert len(paid) + run.cached(model) == len(ids)
        assert (served(emu, "upload_file"), served(emu, "create_batch_job")) == (uploads, creates)

        # The cache is whole: a third run, over both runs' requests, sends nothing.
        union = write_input(tmp_path / "union.jsonl", IDS)
        with client.batch.run(union, poll=QUICK, **options) as run:
            assert {model: run.cached(model) for model in models} == dict.fromkeys(models, COUNT)
            assert run.jobs == ()
        assert (served(emu, "upload_file"), served(emu, "create_batch_job")) == (uploads, creates)
    recorder.loss(
        "custom_ids through runs killed and started again", 2 * len(IDS[8:]) * len(models), lost
    )
