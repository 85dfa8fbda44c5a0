"""Bad input, a catalogue: each kind gets a typed error that names the problem (and the
line, where there is one), and nothing is sent when the problem can be seen locally.

The client's side goes through the public API (`client.batch.run(path)`, `files.upload`,
`batch.jobs.create`, `.list(page_size=0)`, `.get("../x")`...) and counts, with the
emulator's request counters, that not one request of any operation went out. The
emulator's side sends the same mistakes raw and checks for a 4xx that says what was
wrong, never a 500, with the server's state as it was.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from reliability_helpers import KEY_A, KEY_B, MODEL, QUICK_POLL, chat, fast_client, jsonl
from reliability_helpers import total_served as sent_so_far

from mistral_batch import InputError, Mistral, MistralBatchError
from mistral_batch.emulator import Emulator

GOOD = jsonl([chat("a"), chat("b")])
LIMIT = 512 * 1024 * 1024


@pytest.fixture
def write(tmp_path: Path) -> Callable[[bytes], Path]:
    def make(content: bytes) -> Path:
        path = tmp_path / "requests.jsonl"
        path.write_bytes(content)
        return path

    return make


def run_file(content: bytes) -> Callable[[Mistral, Path], Any]:
    """Run a batch over an input file holding `content`."""

    def act(client: Mistral, tmp_path: Path) -> Any:
        path = tmp_path / "requests.jsonl"
        path.write_bytes(content)
        return client.batch.run(path, model=MODEL)

    return act


def sparse(tmp_path: Path) -> Path:
    """A file one byte over the 512 MB limit that takes no room on disk."""
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as stream:
        stream.truncate(LIMIT + 1)
    return path


def unreadable(tmp_path: Path) -> Path:
    path = tmp_path / "secret.jsonl"
    path.write_bytes(GOOD)
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip("running as root: a chmod 000 file is still readable, nothing to refuse")
    return path


def create(**kwargs: Any) -> Callable[[Mistral, Path], Any]:
    """Create a job over a (well-formed) file id with these arguments changed."""
    arguments: dict[str, Any] = {"input_files": ["file-1"], "model": MODEL, **kwargs}
    arguments = {k: v for k, v in arguments.items() if v is not ...}
    return lambda client, _: client.batch.jobs.create(**arguments)


#: id: (what the user does, what the message must say, the line it must name)
CLIENT_CASES: dict[str, tuple[Callable[[Mistral, Path], Any], str, int | None]] = {
    # The input file, line by line
    "jsonl-not-json": (run_file(GOOD + b"{not json\n"), "not valid JSON", 3),
    "jsonl-array-line": (run_file(b'[{"custom_id": "a"}]\n'), "JSON object, got array", 1),
    "jsonl-string-line": (run_file(GOOD + b'"just a string"\n'), "got string", 3),
    "jsonl-no-body": (run_file(b'{"custom_id": "a"}\n'), "body is missing", 1),
    "jsonl-body-not-object": (
        run_file(GOOD + b'{"custom_id": "c", "body": "hi"}\n'),
        "body must be a JSON object, got string",
        3,
    ),
    "jsonl-no-custom-id": (run_file(b'{"body": {}}\n'), "custom_id is missing", 1),
    "jsonl-custom-id-not-string": (
        run_file(b'{"custom_id": 7, "body": {}}\n'),
        "custom_id must be a string",
        1,
    ),
    "jsonl-duplicate-custom-id": (
        run_file(GOOD + jsonl([chat("a")])),
        r"duplicate custom_id 'a' \(first on line 1\)",
        3,
    ),
    "jsonl-blank-line": (run_file(jsonl([chat("a")]) + b"\n" + jsonl([chat("b")])), "blank", 2),
    "jsonl-bom": (run_file(b"\xef\xbb\xbf" + GOOD), "byte order mark", 1),
    "jsonl-crlf": (run_file(GOOD.replace(b"\n", b"\r\n")), "CRLF", 1),
    "jsonl-not-utf8": (run_file(GOOD + b'{"custom_id": "\xff", "body": {}}\n'), "UTF-8", 3),
    "jsonl-empty-file": (run_file(b""), "empty", None),
    # An input past one file's limit is cut into parts; but a file of something else is
    # refused at its first line, read no further than its start.
    "jsonl-over-512-mb-of-zeros": (
        lambda c, t: c.batch.run(sparse(t), model=MODEL),
        "not valid JSON",
        1,
    ),
    "request-over-one-file": (
        lambda c, t: c.batch.run(
            [chat("a"), ("b", {"messages": [{"role": "user", "content": "x" * 200}]})],
            model=MODEL,
            max_file_bytes=150,
        ),
        "over the 150 that one file may hold",
        2,
    ),
    "upload-over-512-mb": (lambda c, t: c.files.upload(sparse(t)), "limit", None),
    # The job's options
    "metadata-empty-key": (create(metadata={"": "x"}), "metadata key '' must be 1 to 32", None),
    "metadata-key-over-32": (create(metadata={"k" * 33: "x"}), "1 to 32 characters, got 33", None),
    "metadata-value-over-512": (create(metadata={"k": "v" * 513}), "1 to 512", None),
    "metadata-value-not-string": (create(metadata={"k": 3}), "must be a string, got number", None),
    "timeout-hours-0": (create(timeout_hours=0), "between 1 and 168 hours, got 0", None),
    "timeout-hours-169": (create(timeout_hours=169), "between 1 and 168 hours, got 169", None),
    "timeout-hours-negative": (create(timeout_hours=-3), "got -3", None),
    "timeout-hours-not-integer": (create(timeout_hours=2.5), "must be an int", None),
    "timeout-hours-a-string": (create(timeout_hours="24"), "must be an int, got string", None),
    "completion-window-unreadable": (
        lambda c, _: c.batch.create(input_files=["f"], model=MODEL, completion_window="3w"),
        "completion_window",
        None,
    ),
    # A well-formed endpoint or purpose newer than this client is sent with a warning;
    # a malformed one is refused.
    "malformed-endpoint": (create(endpoint="chat/completions"), "endpoint must be one of", None),
    "files-and-requests": (create(requests=[chat("a")]), "exactly one of", None),
    "inline-duplicate-custom-id": (
        create(input_files=..., requests=[chat("a"), chat("a")]),
        "repeats requests",
        None,
    ),
    "input-file-id-escapes": (create(input_files=["../x"]), "contains '/'", None),
    # Ids and pages
    "file-id-empty": (lambda c, _: c.files.retrieve(""), "file_id is empty", None),
    "file-id-with-slash": (lambda c, _: c.files.delete("a/b"), "contains '/'", None),
    "file-id-dot-dot-slash": (lambda c, _: c.files.download("../x"), "contains '/'", None),
    "file-id-dot-dot": (lambda c, _: c.files.get_signed_url(".."), "path segment", None),
    "job-id-empty": (lambda c, _: c.batch.jobs.get(""), "job_id is empty", None),
    "job-id-dot-dot-slash": (lambda c, _: c.batch.jobs.get("../x"), "contains '/'", None),
    "job-id-with-slash": (lambda c, _: c.batch.jobs.cancel("jobs/1"), "contains '/'", None),
    "job-id-with-space": (lambda c, _: c.batch.jobs.delete("a b"), "whitespace", None),
    "page-size-0-files": (lambda c, _: c.files.list(page_size=0), "page_size must be >= 1", None),
    "page-size-negative-jobs": (
        lambda c, _: c.batch.jobs.list(page_size=-5),
        "page_size must be >= 1, got -5",
        None,
    ),
    "metadata-filter-not-string": (
        lambda c, _: c.batch.jobs.list(metadata={"k": 1}),
        "must be a string",
        None,
    ),
    # Paths
    "path-does-not-exist": (
        lambda c, t: c.batch.run(t / "missing.jsonl", model=MODEL),
        "no such file",
        None,
    ),
    "path-is-a-folder": (lambda c, t: c.batch.run(t, model=MODEL), "directory", None),
    "upload-path-is-a-folder": (lambda c, t: c.files.upload(t), "directory", None),
    "path-cannot-be-read": (
        lambda c, t: c.batch.run(unreadable(t), model=MODEL),
        "cannot read|permission",
        None,
    ),
    "upload-path-cannot-be-read": (
        lambda c, t: c.files.upload(unreadable(t)),
        "permission denied",
        None,
    ),
    "malformed-purpose": (lambda c, _: c.files.upload(GOOD, purpose="Photos!"), "purpose", None),
}


@pytest.mark.parametrize("case", list(CLIENT_CASES))
def test_bad_input_is_refused_locally(
    emu: Emulator, client: Mistral, tmp_path: Path, recorder: Any, case: str
) -> None:
    act, says, line = CLIENT_CASES[case]
    before = sent_so_far(emu)
    recorder.tried_one("Bad input refused by the client (nothing sent)", case)

    with pytest.raises(InputError) as caught:
        act(client, tmp_path)

    error = caught.value
    assert isinstance(error, MistralBatchError) and isinstance(error, ValueError)
    assert re.search(says, str(error)), str(error)
    assert error.line == line
    if line is not None:
        assert f"line {line}" in str(error)
    assert sent_so_far(emu) == before, "nothing may be sent for a mistake seen locally"


# --- The emulator's side -------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(emulator: Emulator) -> dict[str, str]:
    """A file and a finished job in workspace A, and a file in workspace B."""
    with fast_client(emulator, key=KEY_A) as a, fast_client(emulator, key=KEY_B) as b:
        file_id = a.files.upload(GOOD, file_name="kept.jsonl").id
        job = a.batch.jobs.create(input_files=[file_id], model=MODEL)
        a.batch.jobs.wait(job, timeout=20, backoff=QUICK_POLL)
        other = b.files.upload(GOOD, file_name="theirs.jsonl").id
    return {"file": file_id, "job": job.id, "other": other}


@pytest.fixture
def raw(emu: Emulator) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {KEY_A}"}
    with httpx.Client(base_url=emu.url, headers=headers, timeout=10) as client:
        yield client


def state(emu: Emulator) -> dict[str, Any]:
    """Everything both workspaces hold, content included."""
    seen: dict[str, Any] = {}
    for key in (KEY_A, KEY_B):
        with fast_client(emu, key=key) as c:
            files = sorted((f.id, f.bytes, f.filename) for f in c.files.list())
            jobs = sorted((j.id, j.status, j.output_file) for j in c.batch.jobs.list())
            digests = [hashlib.sha256(c.files.download(f[0]).read()).hexdigest() for f in files]
            seen[key] = (files, jobs, digests)
    return seen


JOB = {"endpoint": "/v1/chat/completions", "model": MODEL, "input_files": ["{file}"]}
MULTIPART = "multipart/form-data; boundary=b0undary"


def job_with(**changes: Any) -> dict[str, Any]:
    body = {**JOB, **changes}
    return {"json": {k: v for k, v in body.items() if v is not ...}}


#: id: (method, path, httpx arguments, the word the answer must hold)
EMULATOR_CASES: dict[str, tuple[str, str, dict[str, Any], str]] = {
    "create-body-not-json": (
        "POST",
        "/v1/batch/jobs",
        {"content": b"{nope", "headers": {"Content-Type": "application/json"}},
        "JSON",
    ),
    "create-body-an-array": ("POST", "/v1/batch/jobs", {"json": [JOB]}, "body"),
    "create-metadata-empty-key": (
        "POST",
        "/v1/batch/jobs",
        job_with(metadata={"": "x"}),
        "metadata",
    ),
    "create-metadata-key-over-32": (
        "POST",
        "/v1/batch/jobs",
        job_with(metadata={"k" * 33: "x"}),
        "metadata",
    ),
    "create-metadata-value-over-512": (
        "POST",
        "/v1/batch/jobs",
        job_with(metadata={"k": "v" * 513}),
        "metadata",
    ),
    "create-metadata-value-not-string": (
        "POST",
        "/v1/batch/jobs",
        job_with(metadata={"k": 3}),
        "metadata",
    ),
    "create-timeout-hours-0": (
        "POST",
        "/v1/batch/jobs",
        job_with(timeout_hours=0),
        "timeout_hours",
    ),
    "create-timeout-hours-169": (
        "POST",
        "/v1/batch/jobs",
        job_with(timeout_hours=169),
        "timeout_hours",
    ),
    "create-timeout-hours-negative": (
        "POST",
        "/v1/batch/jobs",
        job_with(timeout_hours=-1),
        "timeout_hours",
    ),
    "create-timeout-hours-not-integer": (
        "POST",
        "/v1/batch/jobs",
        job_with(timeout_hours=2.5),
        "timeout_hours",
    ),
    "create-unknown-endpoint": (
        "POST",
        "/v1/batch/jobs",
        job_with(endpoint="/v1/images"),
        "endpoint",
    ),
    "create-no-input": ("POST", "/v1/batch/jobs", job_with(input_files=...), "input_files"),
    "create-another-workspace-file": (
        "POST",
        "/v1/batch/jobs",
        job_with(input_files=["{other}"]),
        "not found",
    ),
    "create-requests-not-a-list": (
        "POST",
        "/v1/batch/jobs",
        job_with(input_files=..., requests={"custom_id": "a"}),
        "requests",
    ),
    "list-files-page-size-0": ("GET", "/v1/files?page_size=0", {}, "page_size"),
    "list-jobs-page-size-negative": ("GET", "/v1/batch/jobs?page_size=-1", {}, "page_size"),
    "list-jobs-page-size-not-a-number": ("GET", "/v1/batch/jobs?page_size=ten", {}, "page_size"),
    "list-files-page-negative": ("GET", "/v1/files?page=-1", {}, "page"),
    "list-jobs-bad-order": ("GET", "/v1/batch/jobs?order_by=sideways", {}, "order_by"),
    "list-jobs-bad-date": ("GET", "/v1/batch/jobs?created_after=yesterday", {}, "created_after"),
    "get-job-bad-inline": ("GET", "/v1/batch/jobs/{job}?inline=maybe", {}, "inline"),
    "signed-url-expiry-0": ("GET", "/v1/files/{file}/url?expiry=0", {}, "expiry"),
    "file-id-dot-dot": ("GET", "/v1/files/%2e%2e", {}, "not found"),
    "file-id-encoded-traversal": (
        "GET",
        "/v1/files/..%2F..%2Fsigning.key/content",
        {},
        "not found",
    ),
    "job-id-encoded-slash": ("DELETE", "/v1/batch/jobs/a%2Fb", {}, "not found"),
    "another-workspace-file": ("GET", "/v1/files/{other}/content", {}, "not found"),
    "upload-not-multipart": ("POST", "/v1/files", {"json": {"file": "x"}}, "multipart"),
    "upload-no-file-part": (
        "POST",
        "/v1/files",
        {"data": {"purpose": "batch"}, "files": {"other": ("x", b"x")}},
        "file",
    ),
    "upload-bad-purpose": (
        "POST",
        "/v1/files",
        {"data": {"purpose": "photos"}, "files": {"file": ("x.jsonl", GOOD)}},
        "purpose",
    ),
    "upload-expiry-0": (
        "POST",
        "/v1/files",
        {"data": {"expiry": "0"}, "files": {"file": ("x.jsonl", GOOD)}},
        "expiry",
    ),
    "upload-cut-multipart": (
        "POST",
        "/v1/files",
        {
            "content": b'--b0undary\r\nContent-Disposition: form-data; name="file"; '
            b'filename="x"\r\n\r\nabc',
            "headers": {"Content-Type": MULTIPART},
        },
        "multipart",
    ),
    "delete-an-unknown-file": ("DELETE", "/v1/files/no-such-file", {}, "not found"),
}


@pytest.mark.parametrize("case", list(EMULATOR_CASES))
def test_a_bad_request_gets_a_4xx_that_says_why_and_changes_nothing(
    emu: Emulator,
    raw: httpx.Client,
    seeded: dict[str, str],
    recorder: Any,
    case: str,
) -> None:
    method, path, arguments, says = EMULATOR_CASES[case]
    if "json" in arguments:
        arguments = {**arguments, "json": fill(arguments["json"], seeded)}
    before = state(emu)
    recorder.tried_one("Bad requests refused by the emulator (4xx, state intact)", case)

    answer = raw.request(method, path.format(**seeded), **arguments)

    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    assert says.lower() in answer.text.lower(), answer.text[:300]
    assert state(emu) == before


def fill(value: Any, seeded: dict[str, str]) -> Any:
    """`value` with "{file}", "{job}" and "{other}" replaced by the seeded ids."""
    if isinstance(value, str):
        return value.format(**seeded) if value.startswith("{") else value
    if isinstance(value, list):
        return [fill(item, seeded) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, seeded) for key, item in value.items()}
    return value
