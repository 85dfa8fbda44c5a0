"""Runs of any size (case 9): `batch.run` over requests made on the fly, on one model or
three, against the emulator with its limits lowered so that a run spans many files and
jobs. The run checks that each request is answered once per model, holding one bit per
request, not its custom_id.

The emulator's limits are lowered through its admin API for the measured run and put
back afterwards, with every file and job the run made deleted from it: the emulator is
shared with the other cases, and a run of ten million requests leaves gigabytes there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from benchmarks._work import ENDPOINT, MODEL, Params, Work, left_nothing, ours, raw

#: The three models of the variants on several models.
MODELS = ("mistral-small-latest", "mistral-medium-latest", "mistral-large-latest")


def requests(n: int) -> Iterator[dict[str, Any]]:
    """`n` chat requests, made one at a time: custom_ids "0" to str(n - 1)."""
    for i in range(n):
        question = f"Question {i}: what is the best French cheese to serve with a glass of wine?"
        yield {
            "custom_id": str(i),
            "body": {"max_tokens": 64, "messages": [{"role": "user", "content": question}]},
        }


def each_once(answers: Any, n: int) -> tuple[int, int]:
    """Read a model's answers (its results, then its errors) and check that custom_ids
    "0" to str(n - 1) are each there once, in a bitmap of n bits; (results, errors)."""
    seen = bytearray((n + 7) // 8)
    counts = []
    for results in answers:
        count = 0
        with results:
            for result in results:
                i = int(result.custom_id)
                if not 0 <= i < n:
                    raise RuntimeError(f"custom_id {result.custom_id!r} was never sent")
                byte, bit = i >> 3, 1 << (i & 7)
                if seen[byte] & bit:
                    raise RuntimeError(f"custom_id {result.custom_id!r} is answered twice")
                seen[byte] |= bit
                count += 1
        counts.append(count)
    ok, failed = counts
    if ok + failed != n:
        raise RuntimeError(f"{ok + failed:,} of {n:,} requests are answered")
    return ok, failed


def _limits(admin: Any, values: dict[str, int]) -> dict[str, Any]:
    """Change the emulator's settings; the values they had."""
    before = admin.get("/_emulator/settings")
    before.raise_for_status()
    admin.patch("/_emulator/settings", json=values).raise_for_status()
    return {key: before.json()[key] for key in values}


def _forget(admin: Any, jobs: list[Any]) -> None:
    """Delete the jobs and every file they read or wrote."""
    for job in jobs:
        admin.delete(f"/v1/batch/jobs/{job.id}")
        for file_id in (*job.input_files, job.output_file, job.error_file):
            if file_id is not None:
                admin.delete(f"/v1/files/{file_id}")


def _scale(p: Params, models: tuple[str, ...]) -> Work:
    from mistral_batch import Backoff

    client = ours(p)
    admin = raw(p)
    n = int(p["n"])
    before = _limits(
        admin, {"max_pending_requests": p["pending"], "max_upload_bytes": p["part_bytes"]}
    )
    poll = Backoff(initial=p["poll_seconds"], factor=1.5, max_delay=60 * p["poll_seconds"])
    jobs: list[Any] = []
    extra: dict[str, Any] = {"errors": 0}
    on: dict[str, Any] = {"model": models[0]} if len(models) == 1 else {"models": list(models)}

    def run() -> float:
        with client.batch.run(
            requests(n),
            **on,
            endpoint=ENDPOINT,
            max_file_bytes=p["part_bytes"],
            max_pending=p["pending"],
            poll=poll,
        ) as batch:
            jobs.extend(batch.jobs)
            for model in models:
                _, failed = each_once((batch.results(model), batch.errors(model)), n)
                extra["errors"] += failed
        left_nothing(batch)
        extra["jobs"] = len(jobs)
        return float(n * len(models))

    def cleanup() -> None:
        try:
            _forget(admin, jobs)
        finally:
            try:
                admin.patch("/_emulator/settings", json=before).raise_for_status()
            finally:
                admin.close()

    return Work(run, cleanup, client=client, extra=extra)


def scale_one(p: Params) -> Work:
    return _scale(p, (MODEL,))


def scale_three(p: Params) -> Work:
    return _scale(p, MODELS)
