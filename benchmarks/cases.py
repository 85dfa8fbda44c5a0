"""What each benchmark run does, in the child process that measures it.

Every variant is a ``prepare`` function: it imports what it needs, builds its client and
anything else the measured work needs, and returns that work as a ``Work``. The child
takes the memory baseline and starts the clock only after ``prepare`` returns, so
imports and setup count in neither. Imports are local to each variant so that a run of
one client never loads the others.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from benchmarks._work import (
    DECODE_CHUNK,
    Params,
    Work,
    forget_upload,
    ours,
    raw,
    sdk,
    unlink,
)
from benchmarks.cases_fanout import fanout_httpx, fanout_httpx_semaphore, fanout_ours
from benchmarks.cases_scale import scale_one, scale_three
from benchmarks.cases_tables import tables_jsonl, tables_parquet
from benchmarks.cases_whole import e2e_ours, e2e_sdk, emulator_download, emulator_jobs

# 1. Download a file to disk


def download_ours(p: Params) -> Work:
    client = ours(p)
    target = Path(p["out"])

    def run() -> float:
        return float(client.files.download(p["file_id"]).write_to(target))

    return Work(run, unlink(target), client=client)


def download_httpx(p: Params) -> Work:
    client = raw(p)
    target = Path(p["out"])

    def run() -> float:
        size = 0
        with (
            client.stream("GET", f"/v1/files/{p['file_id']}/content") as response,
            open(target, "wb") as out,
        ):
            response.raise_for_status()
            for chunk in response.iter_raw():
                out.write(chunk)
                size += len(chunk)
        return size

    return Work(run, unlink(target), client=client)


def download_sdk(p: Params) -> Work:
    client = sdk(p)
    target = Path(p["out"])

    def run() -> float:
        # The guide's end-to-end example, in binary: it writes chunk.decode() in text mode.
        output_file = client.files.download(file_id=p["file_id"])
        size = 0
        with open(target, "wb") as f:
            for chunk in output_file.stream:
                f.write(chunk)
                size += len(chunk)
        output_file.close()  # the guide leaves it open, which holds its connection
        return size

    return Work(run, unlink(target), client=client)


# 2. Upload a JSONL file


def upload_ours(p: Params) -> Work:
    client = ours(p)
    ids: list[str] = []

    def run() -> float:
        uploaded = client.files.upload(p["path"], purpose="batch")
        ids.append(uploaded.id)
        return float(uploaded.bytes)

    return Work(run, forget_upload(p, ids), client=client)


def upload_httpx(p: Params) -> Work:
    client = raw(p)
    ids: list[str] = []
    name = Path(p["path"]).name

    def run() -> float:
        with open(p["path"], "rb") as f:
            response = client.post(
                "/v1/files",
                data={"purpose": "batch"},
                files={"file": (name, f, "application/jsonl")},
            )
        response.raise_for_status()
        body = response.json()
        ids.append(body["id"])
        return float(body["bytes"])

    return Work(run, forget_upload(p, ids), client=client)


def upload_sdk(p: Params) -> Work:
    client = sdk(p)
    ids: list[str] = []
    name = Path(p["path"]).name

    def run() -> float:
        # As the guide writes it: a dict with the file name and the open file.
        with open(p["path"], "rb") as content:
            uploaded = client.files.upload(
                file={"file_name": name, "content": content}, purpose="batch"
            )
        ids.append(uploaded.id)
        return float(uploaded.size_bytes)

    return Work(run, forget_upload(p, ids), client=client)


# 3. Decode a result file


def _chunks(path: str) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while chunk := f.read(DECODE_CHUNK):
            yield chunk


def decode_ours(p: Params) -> Work:
    from mistral_batch.results import iter_results

    def run() -> float:
        lines = 0
        for result in iter_results(_chunks(p["path"])):
            lines += result.status_code is not None
        return lines

    return Work(run)


def decode_ours_values(p: Params) -> Work:
    from mistral_batch._jsonl import iter_jsonl

    def run() -> float:
        lines = 0
        for _ in iter_jsonl(_chunks(p["path"])):
            lines += 1
        return lines

    return Work(run)


def decode_json(p: Params) -> Work:
    def run() -> float:
        lines = 0
        with open(p["path"], "rb") as f:
            for line in f:
                json.loads(line)
                lines += 1
        return lines

    return Work(run)


# 4. Many small calls on one client


def calls_ours(p: Params) -> Work:
    client = ours(p)
    get = client.batch.jobs.get
    job_id = p["job_id"]
    for _ in range(p["warmup"]):
        get(job_id)

    def run() -> float:
        for _ in range(p["n"]):
            get(job_id)
        return float(p["n"])

    return Work(run, client=client)


def calls_httpx(p: Params) -> Work:
    client = raw(p)
    url = f"/v1/batch/jobs/{p['job_id']}"

    def call() -> Any:
        response = client.get(url)
        response.raise_for_status()
        return response.json()

    for _ in range(p["warmup"]):
        call()

    def run() -> float:
        for _ in range(p["n"]):
            call()
        return float(p["n"])

    return Work(run, client=client)


def calls_sdk(p: Params) -> Work:
    client = sdk(p)
    job_id = p["job_id"]
    for _ in range(p["warmup"]):
        client.batch.jobs.get(job_id=job_id)

    def run() -> float:
        for _ in range(p["n"]):
            client.batch.jobs.get(job_id=job_id)
        return float(p["n"])

    return Work(run, client=client)


def emulator_http(p: Params) -> Work:
    """HTTP requests per second on one connection (GET a job)."""
    return calls_httpx(p)


VARIANTS: dict[str, Callable[[Params], Work]] = {
    "download.ours": download_ours,
    "download.httpx": download_httpx,
    "download.sdk": download_sdk,
    "upload.ours": upload_ours,
    "upload.httpx": upload_httpx,
    "upload.sdk": upload_sdk,
    "decode.ours": decode_ours,
    "decode.ours_values": decode_ours_values,
    "decode.json": decode_json,
    "calls.ours": calls_ours,
    "calls.httpx": calls_httpx,
    "calls.sdk": calls_sdk,
    "e2e.ours": e2e_ours,
    "e2e.sdk": e2e_sdk,
    "emulator.jobs": emulator_jobs,
    "emulator.download": emulator_download,
    "emulator.http": emulator_http,
    "fanout.ours": fanout_ours,
    "fanout.httpx": fanout_httpx,
    "fanout.httpx_semaphore": fanout_httpx_semaphore,
    "scale.one": scale_one,
    "scale.one_small": scale_one,
    "scale.three": scale_three,
    "scale.three_small": scale_three,
    "tables.parquet": tables_parquet,
    "tables.jsonl": tables_jsonl,
}
