"""Bad input never gets a 500 nor harms the server: a 4xx that says what was wrong."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from emulator_helpers import chat_line, create_job, jsonl, upload, wait_for_job

from mistral_batch.emulator import Emulator

JOB = {"endpoint": "/v1/chat/completions", "model": "m", "requests": [chat_line(0)]}


@pytest.fixture
def seeded(client: httpx.Client) -> dict[str, str]:
    """A file and a job that must survive every bad request."""
    stored = upload(client, jsonl([chat_line(0)]))
    job = create_job(client, input_files=[stored["id"]])
    wait_for_job(client, job["id"])
    return {"file": stored["id"], "job": job["id"]}


def _assert_intact(client: httpx.Client, seeded: dict[str, str]) -> None:
    assert client.get(f"/v1/files/{seeded['file']}").status_code == 200
    assert client.get(f"/v1/batch/jobs/{seeded['job']}").status_code == 200
    assert client.get("/v1/files").json()["total"] >= 1


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"{not json", "application/json", 422),
        (b"", "application/json", 422),
        (b"null", "application/json", 422),
        (b'"text"', "application/json", 422),
        (b"\xff\xfe\x00garbage", "application/json", 422),
        (b"endpoint=/v1/chat/completions", "application/x-www-form-urlencoded", 422),
        (b"hello", "text/plain", 422),
        (b'{"endpoint": "/v1/chat/completions", "model": "m", "requests": [1]}', "", 422),
    ],
)
def test_garbage_job_bodies(
    client: httpx.Client, seeded: dict[str, str], content: bytes, content_type: str, status: int
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/v1/batch/jobs", content=content, headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["detail"][0]["msg"]
    assert client.get("/v1/batch/jobs").json()["total"] == 1
    _assert_intact(client, seeded)


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b'{"file": "x"}', "application/json", 400),
        (b"--abc\r\n", "multipart/form-data", 400),
        (
            b'--abc\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nxx',
            "multipart/form-data; boundary=abc",
            400,
        ),
        (b"garbage without any boundary", "multipart/form-data; boundary=abc", 400),
        (
            b'--abc\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--abc--\r\n',
            "multipart/form-data; boundary=abc",
            422,
        ),
        (b"--abc--\r\n", "multipart/form-data; boundary=abc", 422),
        (b"", "multipart/form-data; boundary=abc", 400),
        (
            b"--abc\r\nNo-Colon-Header\r\n\r\nx\r\n--abc--\r\n",
            "multipart/form-data; boundary=abc",
            400,
        ),
    ],
)
def test_malformed_uploads(
    client: httpx.Client, seeded: dict[str, str], content: bytes, content_type: str, status: int
) -> None:
    before = client.get("/v1/files").json()["total"]
    response = client.post("/v1/files", content=content, headers={"Content-Type": content_type})
    assert response.status_code == status, response.text
    assert client.get("/v1/files").json()["total"] == before
    _assert_intact(client, seeded)


def test_a_second_file_part_is_ignored(client: httpx.Client) -> None:
    body = (
        b'--abc\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n'
        b'x\r\n--abc\r\nContent-Disposition: form-data; name="file"; filename="b"\r\n\r\n'
        b"y\r\n--abc--\r\n"
    )
    headers = {"Content-Type": "multipart/form-data; boundary=abc"}
    stored = client.post("/v1/files", content=body, headers=headers).json()
    assert (stored["filename"], stored["bytes"]) == ("a", 1)
    assert client.get(f"/v1/files/{stored['id']}/content").content == b"x"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"purpose": "everything"}, "purpose"),
        ({"visibility": "public"}, "visibility"),
        ({"expiry": "soon"}, "expiry"),
        ({"expiry": "0"}, "expiry"),
        ({"purpose": "x" * 70_000}, "purpose"),
    ],
)
def test_invalid_upload_fields(
    client: httpx.Client, seeded: dict[str, str], fields: dict[str, str], field: str
) -> None:
    before = client.get("/v1/files").json()["total"]
    response = client.post("/v1/files", files={"file": ("a.jsonl", b"{}\n")}, data=fields)
    assert response.status_code == 422
    assert ["body", field] in [detail["loc"] for detail in response.json()["detail"]]
    assert client.get("/v1/files").json()["total"] == before
    _assert_intact(client, seeded)


@pytest.mark.parametrize(
    "name",
    ["../../../etc/passwd", "..\\..\\windows\\system.ini", "/abs/path.jsonl", "..", "a\x00b\r\nc"],
)
def test_file_names_never_become_paths(emulator: Emulator, client: httpx.Client, name: str) -> None:
    stored = upload(client, b"data\n", name)
    assert "/" not in stored["filename"] and "\\" not in stored["filename"]
    assert stored["filename"] not in ("", ".", "..")
    assert not any(ord(c) < 32 for c in stored["filename"])
    response = client.get(f"/v1/files/{stored['id']}/content")
    assert response.content == b"data\n"
    assert "\r" not in response.headers["content-disposition"]
    data_dir = emulator.data_dir
    assert data_dir is not None
    blobs = {path.name for path in Path(data_dir, "blobs").iterdir()}
    assert blobs == {stored["id"]}


@pytest.mark.parametrize(
    "raw_id",
    [
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e",
        "..",
        "not-a-uuid",
        "3fa85f64-5717-4562-b3fc-2c963f66afa6.requests.jsonl",
        "3FA85F64-5717-4562-B3FC-2C963F66AFA6",
        "%00",
        "x" * 5000,
        "'; DROP TABLE files; --",
    ],
)
def test_junk_ids_are_404(client: httpx.Client, seeded: dict[str, str], raw_id: str) -> None:
    for method, template in (
        ("GET", "/v1/files/{}"),
        ("DELETE", "/v1/files/{}"),
        ("GET", "/v1/files/{}/content"),
        ("GET", "/v1/files/{}/url"),
        ("GET", "/v1/batch/jobs/{}"),
        ("DELETE", "/v1/batch/jobs/{}"),
        ("POST", "/v1/batch/jobs/{}/cancel"),
    ):
        url = httpx.URL(client.base_url.join(template.format("X")).raw_path.decode())
        raw = str(url).replace("X", raw_id)
        response = client.request(method, raw)
        assert response.status_code in (404, 405), (method, raw, response.status_code)
        assert response.json()["object"] == "error"
    _assert_intact(client, seeded)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/files", {"page": "abc"}),
        ("/v1/files", {"page": "-1"}),
        ("/v1/files", {"page_size": "0"}),
        ("/v1/files", {"page_size": "1e3"}),
        ("/v1/files", {"include_total": "maybe"}),
        ("/v1/batch/jobs", {"page": "x"}),
        ("/v1/batch/jobs", {"order_by": "name"}),
        ("/v1/batch/jobs", {"created_after": "yesterday"}),
        ("/v1/batch/jobs", {"created_by_me": "perhaps"}),
        ("/v1/batch/jobs", {"metadata": "[1]"}),
    ],
)
def test_invalid_query_parameters(
    client: httpx.Client, seeded: dict[str, str], path: str, params: dict[str, str]
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][0] == "query"
    _assert_intact(client, seeded)


def test_invalid_parameters_of_one_object(client: httpx.Client, seeded: dict[str, str]) -> None:
    job = client.get(f"/v1/batch/jobs/{seeded['job']}", params={"inline": "sometimes"})
    assert job.status_code == 422
    url = client.get(f"/v1/files/{seeded['file']}/url", params={"expiry": "0"})
    assert url.status_code == 422
    url = client.get(f"/v1/files/{seeded['file']}/url", params={"expiry": "many"})
    assert url.status_code == 422
    _assert_intact(client, seeded)


def test_unknown_paths_and_methods(client: httpx.Client, seeded: dict[str, str]) -> None:
    assert client.get("/v2/files").status_code == 404
    assert client.get("/").status_code == 404
    assert client.put("/v1/files").status_code == 405
    assert client.patch(f"/v1/batch/jobs/{seeded['job']}").status_code == 405
    assert client.get("/signed/").status_code == 404
    assert client.get("/signed/not.a-token").status_code == 403
    _assert_intact(client, seeded)


def _raw(emulator: Emulator, request: bytes) -> bytes:
    with socket.create_connection((emulator.host, emulator.port), timeout=5) as sock:
        chunks = []
        try:
            sock.sendall(request)
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass  # the server may close while a huge request is still being sent
        return b"".join(chunks)


def test_broken_http_does_not_hurt_the_server(
    emulator: Emulator, client: httpx.Client, seeded: dict[str, str]
) -> None:
    key = emulator.api_key.encode()
    huge_header = b"X-Big: " + b"a" * 200_000 + b"\r\n"
    answers = [
        _raw(emulator, b"GET /v1/files HTTP/1.1\r\n" + huge_header + b"\r\n"),
        _raw(emulator, b"GARBAGE\r\n\r\n"),
        _raw(emulator, b"GET /v1/files HTTP/1.0\r\nAuthorization: Bearer " + key + b"\r\n\r\n"),
        _raw(
            emulator,
            b"POST /v1/batch/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
            b"Connection: close\r\nAuthorization: Bearer " + key + b"\r\n\r\n{",
        ),
    ]
    for answer in answers[:2]:
        assert answer == b"" or answer.startswith(b"HTTP/1.1 4"), answer[:80]
    assert answers[2].startswith(b"HTTP/1.1 200")
    assert not answers[3].startswith(b"HTTP/1.1 5")
    _assert_intact(client, seeded)
    assert client.post("/v1/batch/jobs", json=JOB).status_code == 200


def test_unicode_and_odd_values_in_queries(client: httpx.Client, seeded: dict[str, str]) -> None:
    for params in (
        {"search": "\u00e9\u4e2d\U0001f600"},
        {"search": "%", "purpose": "_"},
        {"sample_type": "\x7f"},
        {"status": "NOT_A_STATUS"},
        {"\u00e9t\u00e9": "\u00e9"},
    ):
        path = "/v1/batch/jobs" if "status" in params or "\u00e9t\u00e9" in params else "/v1/files"
        response = client.get(path, params=params)
        assert response.status_code == 200, (params, response.text)
        assert response.json()["data"] == []
    _assert_intact(client, seeded)
