"""The end-to-end case and the emulator's own figures (cases 6 and 7)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from benchmarks._work import (
    ENDPOINT,
    MODEL,
    Params,
    Work,
    forget_upload,
    left_nothing,
    ours,
    raw,
    sdk,
    unlink,
)

# 6. End to end


def _question(i: int) -> str:
    return f"Question {i}: what is the best French cheese to serve with a glass of wine?"


def e2e_ours(p: Params) -> Work:
    client = ours(p)

    def run() -> float:
        requests = (
            {
                "custom_id": str(i),
                "body": {"max_tokens": 64, "messages": [{"role": "user", "content": _question(i)}]},
            }
            for i in range(p["n"])
        )
        ok = 0
        with (
            client.batch.run(requests, model=MODEL, endpoint=ENDPOINT) as batch,
            batch.results() as results,
        ):
            for result in results:
                ok += result.ok
        left_nothing(batch)
        if ok != p["n"]:
            raise RuntimeError(f"{ok} of {p['n']} results are ok")
        return ok

    return Work(run, client=client)


def e2e_sdk(p: Params) -> Work:
    import io

    from mistralai import File

    client = sdk(p)
    target = Path(p["out"])

    def run() -> float:
        # The guide's end-to-end example: build in memory, poll every second, write the
        # output file (in binary), then read it back line by line.
        buffer = io.BytesIO()
        for i in range(p["n"]):
            request = {
                "custom_id": str(i),
                "body": {"max_tokens": 64, "messages": [{"role": "user", "content": _question(i)}]},
            }
            buffer.write(json.dumps(request).encode("utf-8"))
            buffer.write(b"\n")
        input_file = client.files.upload(
            file=File(file_name="file.jsonl", content=buffer.getvalue()), purpose="batch"
        )
        job = client.batch.jobs.create(input_files=[input_file.id], model=MODEL, endpoint=ENDPOINT)
        while job.status in ["QUEUED", "RUNNING"]:
            job = client.batch.jobs.get(job_id=job.id)
            time.sleep(p["poll_seconds"])  # the guide's 1 s; shorter in --quick
        output_file = client.files.download(file_id=job.output_file)
        with open(target, "wb") as f:
            for chunk in output_file.stream:
                f.write(chunk)
        output_file.close()  # the guide leaves it open, which holds its connection
        ok = 0
        with open(target, "rb") as f:
            for line in f:
                ok += json.loads(line)["response"]["status_code"] == 200
        if ok != p["n"]:
            raise RuntimeError(f"{ok} of {p['n']} results are ok")
        return ok

    return Work(run, unlink(target), client=client)


# 7. The emulator itself


def emulator_jobs(p: Params) -> Work:
    """Batch requests the emulator's worker processes per second, from create to done."""
    client = raw(p)
    with open(p["path"], "rb") as f:
        response = client.post(
            "/v1/files",
            data={"purpose": "batch"},
            files={"file": ("requests.jsonl", f, "application/jsonl")},
        )
    response.raise_for_status()
    file_id = response.json()["id"]

    def run() -> float:
        job = client.post(
            "/v1/batch/jobs", json={"input_files": [file_id], "model": MODEL, "endpoint": ENDPOINT}
        ).json()
        while job["status"] in ("QUEUED", "RUNNING"):
            time.sleep(0.005)
            job = client.get(f"/v1/batch/jobs/{job['id']}").json()
        if job["status"] != "SUCCESS" or job["succeeded_requests"] != p["n"]:
            raise RuntimeError(f"job ended {job['status']}: {job}")
        return float(job["succeeded_requests"])

    return Work(run, forget_upload(p, [file_id]), client=client)


def emulator_download(p: Params) -> Work:
    """The emulator's download speed, the bytes read and dropped."""
    client = raw(p)

    def run() -> float:
        size = 0
        with client.stream("GET", f"/v1/files/{p['file_id']}/content") as response:
            response.raise_for_status()
            for chunk in response.iter_raw():
                size += len(chunk)
        return size

    return Work(run, client=client)
