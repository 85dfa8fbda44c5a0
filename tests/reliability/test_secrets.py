"""Secrets and isolation: the key stays out of everything the client and the command write;
one key never reaches another's files or jobs; names and ids cannot leave the data dir;
the upload limit holds while the body is still coming.

(The key in reprs, library logs and errors, off plain http, redirects to other origins
and signed URLs: tests/overlay/test_security.py. Here: every operation, the command and
its state file.)
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from reliability_helpers import KEY_A, KEY_B, MODEL, QUICK_POLL, chat, fast_client, jsonl

from mistral_batch import (
    APIError,
    InsecureTransportError,
    Mistral,
    MistralBatchError,
    NotFoundError,
    RetryPolicy,
)
from mistral_batch.emulator import Emulator

SECRET = "sk-reliability-secret-never-printed-0042"


def leaks(text: str) -> int:
    """How many times the secret shows in `text`, whole or as its longer half."""
    return text.count(SECRET) + text.count(SECRET[len(SECRET) // 2 :])


# --- The library, every operation ----------------------------------------------------------


def test_no_operation_puts_the_key_in_logs_reprs_or_errors(
    make_emulator: Callable[..., Emulator],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    recorder: Any,
) -> None:
    emu = make_emulator(api_keys=[SECRET])
    seen: list[str] = []
    retry = RetryPolicy(max_attempts=2, initial_delay=0, max_delay=0)
    with caplog.at_level(logging.DEBUG), Mistral(SECRET, emu.url, retry=retry) as client:
        seen.append(repr(client))
        uploaded = client.files.upload(jsonl([chat("a"), chat("b")]), file_name="in.jsonl")
        seen += [repr(uploaded), repr(client.files.retrieve(uploaded.id))]
        seen += [repr(f) for f in client.files.list()]
        with client.files.download(uploaded.id) as download:
            seen.append(repr(download))
            download.write_to(tmp_path / "copy.jsonl")
        seen.append(repr(client.files.get_signed_url(uploaded.id)))
        job = client.batch.jobs.create(input_files=[uploaded.id], model=MODEL)
        seen += [repr(j) for j in client.batch.jobs.list()]
        seen.append(repr(client.batch.jobs.cancel(job.id)))
        done = client.batch.jobs.wait(job, timeout=20, backoff=QUICK_POLL)
        seen += [repr(r) for r in client.batch.jobs.results(done)]
        seen.append(repr(client.batch.jobs.delete(job.id)))
        seen.append(repr(client.files.delete(uploaded.id)))
        run = client.batch.run([chat("c")], model=MODEL)
        seen.append(repr(run))
        # And the errors, of every family the faults produce.
        for effect in ({"status": 500}, {"status": 429}, {"html": True}, {"reset": True}):
            emu.inject("retrieve_file", count=None, **effect)
            with pytest.raises(MistralBatchError) as caught:
                client.files.retrieve(uploaded.id)
            emu.clear_faults()
            error = caught.value
            seen += [str(error), repr(error), *getattr(error, "__notes__", [])]
            if isinstance(error, APIError):
                seen += [error.body, repr(error.headers)]
        with pytest.raises(NotFoundError) as missing:
            client.files.retrieve("no-such-file")
        seen += [str(missing.value), missing.value.body]
    logged = [record.getMessage() for record in caplog.records]
    assert logged, "DEBUG logging was on"
    found = sum(leaks(text) for text in seen + logged)
    # How many lines the log holds follows the clock (each poll of wait() logs): the
    # report counts the places that logged, which do not.
    kinds = {(record.pathname, record.lineno) for record in caplog.records}
    recorder.loss("texts checked for the API key (library)", len(seen) + len(kinds), found)
    assert found == 0


# --- The command ---------------------------------------------------------------------------


def cli_or_skip() -> None:
    try:
        from mistral_batch.cli import main  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"the mistral-batch command cannot be imported yet: {exc}")


def command(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = [sys.executable, "-m", "mistral_batch.cli", "--no-progress", *args]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MISTRAL_")}
    return subprocess.run(
        full, cwd=cwd, env={**environ, **env}, capture_output=True, text=True, timeout=120
    )


def test_the_command_never_prints_or_stores_the_key(
    make_emulator: Callable[..., Emulator], tmp_path: Path, recorder: Any
) -> None:
    cli_or_skip()
    emu = make_emulator(api_keys=[SECRET])
    (tmp_path / "in.jsonl").write_bytes(jsonl([chat("a"), chat("b")]))
    env = {"MISTRAL_API_KEY": SECRET, "MISTRAL_SERVER_URL": emu.url}
    emu.inject("get_batch_job", status=503)  # a retry, logged at -vv
    texts: list[str] = []

    done = command("-vv", "run", "in.jsonl", "--model", MODEL, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    texts += [done.stdout, done.stderr]
    again = command("-vv", "run", "in.jsonl", "--model", MODEL, "--json", cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    texts += [again.stdout, again.stderr]

    # A key given on the command line, refused by the server, and echoed nowhere.
    wrong = command("-vv", "--api-key", SECRET + "-wrong", "files", "ls", cwd=tmp_path, env=env)
    assert wrong.returncode != 0 and "401" in wrong.stderr, wrong.stderr
    texts += [wrong.stdout, wrong.stderr]
    # Over plain http to a host that is not loopback, the key is not sent at all.
    insecure = {**env, "MISTRAL_SERVER_URL": "http://api.example.test"}
    plain = command("-vv", "files", "ls", cwd=tmp_path, env=insecure)
    assert plain.returncode != 0 and "http" in plain.stderr
    texts += [plain.stdout, plain.stderr]

    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "in.jsonl"]
    assert any(p.name.endswith(".state") for p in written), "the run kept a state file"
    texts += [p.read_text(errors="replace") for p in written]
    found = sum(leaks(text) for text in texts)
    recorder.loss("texts checked for the API key (command and state file)", len(texts), found)
    assert found == 0


def test_plain_http_to_another_host_is_refused_before_sending() -> None:
    with pytest.raises(InsecureTransportError) as caught:
        Mistral(api_key=SECRET, server_url="http://10.1.2.3:8000")
    assert leaks(str(caught.value)) == 0


# --- Workspaces ----------------------------------------------------------------------------


@pytest.fixture
def two_workspaces(emu: Emulator) -> Iterator[tuple[Mistral, Mistral, dict[str, str]]]:
    with fast_client(emu, key=KEY_A) as a, fast_client(emu, key=KEY_B) as b:
        file_id = a.files.upload(jsonl([chat("a")]), file_name="a-only.jsonl").id
        running = a.batch.jobs.create(input_files=[file_id], model=MODEL)
        finished = a.batch.jobs.create(requests=[chat("x")], model=MODEL)
        a.batch.jobs.wait(finished, timeout=20, backoff=QUICK_POLL)
        yield a, b, {"file": file_id, "job": running.id, "finished": finished.id}


def holdings(client: Mistral) -> tuple[list[Any], list[Any]]:
    files = sorted((f.id, f.bytes) for f in client.files.list())
    jobs = sorted(
        (j.id, j.input_files[0] if j.input_files else None) for j in client.batch.jobs.list()
    )
    return files, jobs


TRESPASS: dict[str, Callable[[Mistral, dict[str, str]], Any]] = {
    "retrieve_file": lambda b, ids: b.files.retrieve(ids["file"]),
    "delete_file": lambda b, ids: b.files.delete(ids["file"]),
    "download_file": lambda b, ids: b.files.download(ids["file"]).read(),
    "get_signed_url": lambda b, ids: b.files.get_signed_url(ids["file"]),
    "create_batch_job": lambda b, ids: b.batch.jobs.create(input_files=[ids["file"]], model=MODEL),
    "get_batch_job": lambda b, ids: b.batch.jobs.get(ids["job"]),
    "cancel_batch_job": lambda b, ids: b.batch.jobs.cancel(ids["job"]),
    "delete_batch_job": lambda b, ids: b.batch.jobs.delete(ids["finished"]),
}


@pytest.mark.parametrize("operation", list(TRESPASS))
def test_one_key_never_reaches_anothers_files_or_jobs(
    two_workspaces: tuple[Mistral, Mistral, dict[str, str]], recorder: Any, operation: str
) -> None:
    a, b, ids = two_workspaces
    before = holdings(a)
    recorder.tried_one("Isolation: another workspace's ids tried", operation)
    with pytest.raises(NotFoundError):
        TRESPASS[operation](b, ids)
    assert holdings(a) == before


def test_listings_and_uploads_stay_in_their_workspace(
    two_workspaces: tuple[Mistral, Mistral, dict[str, str]], recorder: Any
) -> None:
    a, b, ids = two_workspaces
    recorder.tried_one("Isolation: another workspace's ids tried", "list_files")
    recorder.tried_one("Isolation: another workspace's ids tried", "list_batch_jobs")
    recorder.tried_one("Isolation: another workspace's ids tried", "upload_file")
    theirs = b.files.upload(b"b's own\n", file_name="b-only.jsonl").id
    a_files, a_jobs = holdings(a)
    b_files, b_jobs = holdings(b)
    assert ids["file"] in {f for f, _ in a_files} and theirs not in {f for f, _ in a_files}
    assert ids["file"] not in {f for f, _ in b_files}
    assert ids["job"] in {j for j, _ in a_jobs}
    assert not {j for j, _ in a_jobs} & {j for j, _ in b_jobs}
    assert list(b.batch.jobs.list(metadata={"case": "anything"})) == []


# --- The data dir --------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../../escape.txt",
    "/etc/passwd",
    "..\\..\\windows.txt",
    "a/../../../b.txt",
    "....//....//c.txt",
    ".",
    "..",
    "signing.key",
    "%2e%2e%2fd.txt",
    "e\r\nContent-Type: text/html.txt",
]
HOSTILE_IDS = [
    "..%2F..%2Fsigning.key",
    "%2e%2e",
    "..%5C..%5Cx",
    "%2F",
    "....%2F%2F",
    "%00",
    "files.db",
    "x" * 4096,
]


def tree(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


def test_names_and_ids_cannot_leave_the_data_dir(
    make_emulator: Callable[..., Emulator], tmp_path: Path, recorder: Any
) -> None:
    data = tmp_path / "deep" / "data"
    emu = make_emulator(data_dir=data)
    outside_before = tree(tmp_path) - tree(data)
    key = {"Authorization": f"Bearer {emu.api_key}"}
    with httpx.Client(base_url=emu.url, headers=key, timeout=10) as raw:
        for name in HOSTILE_NAMES:
            recorder.tried_one("Data dir: hostile names and ids tried", "file name")
            stored = raw.post("/v1/files", files={"file": (name, b"content\n")})
            assert stored.status_code == 200, stored.text
            shown = stored.json()["filename"]
            assert "/" not in shown and "\\" not in shown and shown not in (".", "..")
            assert raw.get(f"/v1/files/{stored.json()['id']}/content").content == b"content\n"
        for bad_id in HOSTILE_IDS:
            recorder.tried_one("Data dir: hostile names and ids tried", "id")
            for method, path in (
                ("GET", f"/v1/files/{bad_id}"),
                ("GET", f"/v1/files/{bad_id}/content"),
                ("DELETE", f"/v1/files/{bad_id}"),
                ("GET", f"/v1/batch/jobs/{bad_id}"),
                ("POST", f"/v1/batch/jobs/{bad_id}/cancel"),
            ):
                answer = raw.request(method, path)
                assert answer.status_code in (404, 405, 422), (path[:80], answer.status_code)
        signing = raw.get("/v1/files/..%2F..%2Fsigning.key/content")
        assert b"signing" not in signing.content and signing.status_code == 404
    assert tree(tmp_path) - tree(data) == outside_before, "nothing was written outside"
    assert all(data.resolve() in p.resolve().parents for p in tree(data))


# --- The upload limit ----------------------------------------------------------------------


LIMIT = 64 * 1024
CHUNK, CHUNKS = b"a" * 65536, 1024  # 64 MB offered, a thousand times the limit


class Oversized:
    """A streamed multipart upload far over the limit that counts the chunks it gave."""

    def __init__(self) -> None:
        self.produced = 0

    def __iter__(self) -> Iterator[bytes]:
        yield (
            b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="big.bin"'
            b"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        for _ in range(CHUNKS):
            self.produced += 1
            yield CHUNK
        yield b"\r\n--b0undary--\r\n"

    def send(self, emu: Emulator) -> httpx.Response:
        headers = {
            "Authorization": f"Bearer {emu.api_key}",
            "Content-Type": "multipart/form-data; boundary=b0undary",
        }
        with httpx.Client(timeout=30) as raw:
            # A generator: sent chunked, with no Content-Length to refuse it by.
            return raw.post(f"{emu.url}/v1/files", content=iter(self), headers=headers)


def test_a_streamed_upload_over_the_limit_is_refused_and_leaves_nothing(
    make_emulator: Callable[..., Emulator], recorder: Any
) -> None:
    emu = make_emulator(max_upload_bytes=LIMIT)
    recorder.tried_one("Upload limit", "streamed upload far over the limit")
    answer = Oversized().send(emu)
    assert answer.status_code == 413, answer.text
    assert str(LIMIT) in answer.json()["message"]
    with fast_client(emu) as client:
        assert list(client.files.list()) == []
    assert emu.data_dir is not None and list((emu.data_dir / "tmp").iterdir()) == []


def test_the_upload_limit_stops_the_sender_early(
    make_emulator: Callable[..., Emulator], recorder: Any
) -> None:
    emu = make_emulator(max_upload_bytes=LIMIT)
    recorder.tried_one("Upload limit", "streamed upload stopped early")
    upload = Oversized()
    assert upload.send(emu).status_code == 413
    assert upload.produced < CHUNKS // 10, f"{upload.produced} of {CHUNKS} chunks were sent"
