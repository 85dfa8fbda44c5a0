"""What each benchmark run does, in the child process that measures it.

Every variant is a ``prepare`` function: it imports what it needs, builds its client and
anything else the measured work needs, and returns that work as a ``Work``. The child
takes the memory baseline and starts the clock only after ``prepare`` returns, so
imports and setup count in neither. Imports are local to each variant so that a run of
one client never loads the others.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Params = dict[str, Any]

#: The size of the chunks a result file is decoded from: what the network hands over.
DECODE_CHUNK = 64 * 1024
MODEL = "mistral-small-latest"
ENDPOINT = "/v1/chat/completions"


@dataclass
class Work:
    """The measured work (returns how many units it did) and what to undo afterwards."""

    run: Callable[[], float]
    cleanup: Callable[[], None] = lambda: None
    client: Any = None  # closed after the cleanup
    extra: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        """Undo what the work left behind, and close its client."""
        try:
            self.cleanup()
        finally:
            if hasattr(self.client, "close"):
                self.client.close()
            elif hasattr(self.client, "__exit__"):
                self.client.__exit__(None, None, None)


def _auth(p: Params) -> dict[str, str]:
    return {"Authorization": f"Bearer {p['api_key']}"}


def _ours(p: Params) -> Any:
    from mistral_batch import Mistral

    return Mistral(api_key=p["api_key"], server_url=p["url"])


def _sdk(p: Params) -> Any:
    from mistralai import Mistral

    return Mistral(api_key=p["api_key"], server_url=p["url"])


def _raw(p: Params) -> Any:
    import httpx

    return httpx.Client(base_url=p["url"], headers=_auth(p), timeout=600)


def _unlink(path: Path) -> Callable[[], None]:
    def cleanup() -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    return cleanup


# 1. Download a file to disk


def download_ours(p: Params) -> Work:
    client = _ours(p)
    target = Path(p["out"])

    def run() -> float:
        return float(client.files.download(p["file_id"]).write_to(target))

    return Work(run, _unlink(target), client=client)


def download_httpx(p: Params) -> Work:
    client = _raw(p)
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

    return Work(run, _unlink(target), client=client)


def download_sdk(p: Params) -> Work:
    client = _sdk(p)
    target = Path(p["out"])

    def run() -> float:
        # The guide's end-to-end example, in binary: it writes chunk.decode() in text mode.
        output_file = client.files.download(file_id=p["file_id"])
        size = 0
        with open(target, "wb") as f:
            for chunk in output_file.stream:
                f.write(chunk)
                size += len(chunk)
        return size

    return Work(run, _unlink(target), client=client)


# 2. Upload a JSONL file


def _forget_upload(p: Params, ids: list[str]) -> Callable[[], None]:
    def cleanup() -> None:
        import httpx

        for file_id in ids:
            httpx.delete(f"{p['url']}/v1/files/{file_id}", headers=_auth(p))

    return cleanup


def upload_ours(p: Params) -> Work:
    client = _ours(p)
    ids: list[str] = []

    def run() -> float:
        uploaded = client.files.upload(p["path"], purpose="batch")
        ids.append(uploaded.id)
        return float(uploaded.bytes)

    return Work(run, _forget_upload(p, ids), client=client)


def upload_httpx(p: Params) -> Work:
    client = _raw(p)
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

    return Work(run, _forget_upload(p, ids), client=client)


def upload_sdk(p: Params) -> Work:
    client = _sdk(p)
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

    return Work(run, _forget_upload(p, ids), client=client)


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
    client = _ours(p)
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
    client = _raw(p)
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
    client = _sdk(p)
    job_id = p["job_id"]
    for _ in range(p["warmup"]):
        client.batch.jobs.get(job_id=job_id)

    def run() -> float:
        for _ in range(p["n"]):
            client.batch.jobs.get(job_id=job_id)
        return float(p["n"])

    return Work(run, client=client)


# 6. End to end


def _question(i: int) -> str:
    return f"Question {i}: what is the best French cheese to serve with a glass of wine?"


def e2e_ours(p: Params) -> Work:
    client = _ours(p)

    def run() -> float:
        requests = (
            {
                "custom_id": str(i),
                "body": {"max_tokens": 64, "messages": [{"role": "user", "content": _question(i)}]},
            }
            for i in range(p["n"])
        )
        batch = client.batch.run(requests, model=MODEL, endpoint=ENDPOINT)
        ok = 0
        with batch.results() as results:
            for result in results:
                ok += result.ok
        if ok != p["n"]:
            raise RuntimeError(f"{ok} of {p['n']} results are ok")
        return ok

    return Work(run, client=client)


def e2e_sdk(p: Params) -> Work:
    import io

    from mistralai import File

    client = _sdk(p)
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
        ok = 0
        with open(target, "rb") as f:
            for line in f:
                ok += json.loads(line)["response"]["status_code"] == 200
        if ok != p["n"]:
            raise RuntimeError(f"{ok} of {p['n']} results are ok")
        return ok

    return Work(run, _unlink(target), client=client)


# 7. The emulator itself


def emulator_jobs(p: Params) -> Work:
    """Batch requests the emulator's worker processes per second, from create to done."""
    client = _raw(p)
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

    return Work(run, _forget_upload(p, [file_id]), client=client)


def emulator_download(p: Params) -> Work:
    """The emulator's download speed, the bytes read and dropped."""
    client = _raw(p)

    def run() -> float:
        size = 0
        with client.stream("GET", f"/v1/files/{p['file_id']}/content") as response:
            response.raise_for_status()
            for chunk in response.iter_raw():
                size += len(chunk)
        return size

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
}
