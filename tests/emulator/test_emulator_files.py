"""The Files API of the emulator, over a real socket."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from emulator_helpers import api_client, chat_line, jsonl, upload, wait_until

from mistral_batch.emulator import Emulator


def test_upload_describes_a_batch_file(client: httpx.Client) -> None:
    content = jsonl(chat_line(i) for i in range(3))
    stored = upload(client, content, "requests.jsonl")
    assert stored["object"] == "file"
    assert stored["bytes"] == len(content)
    assert stored["filename"] == "requests.jsonl"
    assert stored["purpose"] == "batch"
    assert stored["sample_type"] == "batch_request"
    assert stored["source"] == "upload"
    assert stored["num_lines"] == 3
    assert stored["mimetype"] == "application/jsonl"
    assert stored["visibility"] == "workspace"
    assert stored["expires_at"] is None
    assert isinstance(stored["signature"], str) and stored["signature"]
    assert abs(stored["created_at"] - time.time()) < 60


def test_upload_defaults_and_sample_types(client: httpx.Client) -> None:
    chat = jsonl({"messages": [{"role": "user", "content": "hi"}]} for _ in range(2))
    assert upload(client, chat, "train.jsonl", purpose=None)["purpose"] == "fine-tune"
    assert upload(client, chat, "train.jsonl", purpose=None)["sample_type"] == "instruct"
    text = upload(client, b"plain text\nmore text\n", "notes.txt", purpose="ocr")
    assert text["sample_type"] == "pretrain"
    assert text["mimetype"] == "text/plain"
    assert text["num_lines"] == 2
    broken = jsonl([chat_line(0)]) + b"not json\n"
    assert upload(client, broken, "mixed.jsonl")["sample_type"] != "batch_request"
    same = upload(client, chat, "a.jsonl")["signature"]
    assert upload(client, chat, "b.jsonl")["signature"] == same


def test_upload_visibility_and_expiry(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(hour_seconds=0.5)
    with api_client(emu) as client:
        stored = upload(client, b"x\n", "short.txt", visibility="user", expiry="1")
        assert stored["visibility"] == "user"
        assert stored["expires_at"] is not None and stored["expires_at"] >= stored["created_at"]
        assert client.get(f"/v1/files/{stored['id']}").status_code == 200

        def gone() -> bool:
            return client.get(f"/v1/files/{stored['id']}").status_code == 404

        wait_until(gone, timeout=5)
        assert client.get("/v1/files").json()["total"] == 0


def test_retrieve_and_delete(client: httpx.Client) -> None:
    stored = upload(client, b"hello\n", "hello.txt")
    got = client.get(f"/v1/files/{stored['id']}").json()
    assert got == {**stored, "deleted": False}
    deleted = client.delete(f"/v1/files/{stored['id']}")
    assert deleted.json() == {"id": stored["id"], "object": "file", "deleted": True}
    for method in ("GET", "DELETE"):
        missing = client.request(method, f"/v1/files/{stored['id']}")
        assert missing.status_code == 404
        assert missing.json()["object"] == "error"
    assert client.get(f"/v1/files/{stored['id']}/content").status_code == 404


def test_list_filters_pagination_and_total(client: httpx.Client) -> None:
    names = [f"file-{i}.jsonl" for i in range(5)]
    ids = [upload(client, jsonl([chat_line(i)]), name)["id"] for i, name in enumerate(names)]
    upload(client, b"text\n", "notes.txt", purpose="ocr")
    listed = client.get("/v1/files").json()
    assert listed["object"] == "list"
    assert listed["total"] == 6
    assert [f["id"] for f in listed["data"]][1:] == ids[::-1], "newest first"

    first = client.get("/v1/files", params={"page_size": 2}).json()
    second = client.get("/v1/files", params={"page_size": 2, "page": 1}).json()
    assert len(first["data"]) == len(second["data"]) == 2
    assert first["total"] == second["total"] == 6
    assert not {f["id"] for f in first["data"]} & {f["id"] for f in second["data"]}
    past_end = client.get("/v1/files", params={"page": 9}).json()
    assert past_end["data"] == [] and past_end["total"] == 6

    no_total = client.get("/v1/files", params={"include_total": "false"}).json()
    assert no_total["total"] is None and len(no_total["data"]) == 6

    def count(**params: object) -> int:
        total = client.get("/v1/files", params=params).json()["total"]
        assert isinstance(total, int)
        return total

    assert count(search="file-3") == 1
    assert count(search="file-") == 5
    assert count(purpose="ocr") == 1
    assert count(purpose="batch") == 5
    assert count(sample_type="batch_request") == 5
    assert count(sample_type=["batch_request", "pretrain"]) == 6
    assert count(source="upload") == 6
    assert count(source=["mistral"]) == 0
    assert count(mimetypes="text/plain") == 1
    assert count(mimetypes=["text/plain", "application/jsonl"]) == 6


def test_download_whole_and_ranges(client: httpx.Client) -> None:
    content = bytes(range(256)) * 40
    stored = upload(client, content, "blob.bin", purpose="ocr")
    url = f"/v1/files/{stored['id']}/content"
    whole = client.get(url)
    assert whole.status_code == 200
    assert whole.content == content
    assert whole.headers["content-length"] == str(len(content))
    assert whole.headers["content-type"] == "application/octet-stream"
    assert 'filename="blob.bin"' in whole.headers["content-disposition"]

    tail = client.get(url, headers={"Range": "bytes=1000-"})
    assert tail.status_code == 206
    assert tail.content == content[1000:]
    assert tail.headers["content-range"] == f"bytes 1000-{len(content) - 1}/{len(content)}"
    assert tail.headers["content-length"] == str(len(content) - 1000)

    middle = client.get(url, headers={"Range": "bytes=10-19"})
    assert middle.status_code == 206 and middle.content == content[10:20]
    last = client.get(url, headers={"Range": "bytes=-5"})
    assert last.content == content[-5:]
    beyond = client.get(url, headers={"Range": f"bytes={len(content)}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(content)}"
    garbage = client.get(url, headers={"Range": "pages=1-2"})
    assert garbage.status_code == 200 and garbage.content == content


def test_range_can_be_ignored(emulator: Emulator, client: httpx.Client) -> None:
    content = b"0123456789" * 100
    stored = upload(client, content, "digits.txt")
    url = f"/v1/files/{stored['id']}/content"
    emulator.set_range_support(False)
    ignored = client.get(url, headers={"Range": "bytes=500-"})
    assert ignored.status_code == 200 and ignored.content == content
    assert "accept-ranges" not in ignored.headers
    emulator.set_range_support(True)
    assert client.get(url, headers={"Range": "bytes=500-"}).content == content[500:]


def test_download_with_a_unicode_filename(client: httpx.Client) -> None:
    stored = upload(client, b"x\n", 'r\u00e9sum\u00e9 "final".txt')
    response = client.get(f"/v1/files/{stored['id']}/content")
    assert response.status_code == 200
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9" in response.headers["content-disposition"]


def test_signed_url_works_without_key_then_expires(
    make_emulator: Callable[..., Emulator],
) -> None:
    emu = make_emulator(hour_seconds=0.4)
    with api_client(emu) as client:
        content = b"secret content\n" * 100
        stored = upload(client, content, "secret.txt")
        signed = client.get(f"/v1/files/{stored['id']}/url", params={"expiry": 1}).json()
        url = signed["url"]
        assert url.startswith(emu.url + "/signed/")
        fetched = httpx.get(url)
        assert fetched.status_code == 200 and fetched.content == content
        assert httpx.get(url, headers={"Range": "bytes=7-"}).content == content[7:]
        token = url.rsplit("/", 1)[1]
        forged = httpx.get(f"{emu.url}/signed/{token[:-2]}xx")
        assert forged.status_code == 403 and forged.json()["object"] == "error"
        other = client.get(f"/v1/files/{stored['id']}/url").json()["url"]
        assert other != url

        def expired() -> bool:
            return httpx.get(url).status_code == 403

        wait_until(expired, timeout=5)
        assert "expired" in httpx.get(url).json()["message"]
        assert httpx.get(other).status_code == 200, "the default expiry is 24 hours"


def test_signed_url_of_a_deleted_file(client: httpx.Client) -> None:
    stored = upload(client, b"bye\n", "bye.txt")
    url = client.get(f"/v1/files/{stored['id']}/url").json()["url"]
    client.delete(f"/v1/files/{stored['id']}")
    assert httpx.get(url).status_code == 404


def test_upload_limit_is_enforced(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(max_upload_bytes=1000)
    with api_client(emu) as client:
        assert upload(client, b"a" * 1000, "fits.txt")["bytes"] == 1000
        refused = client.post("/v1/files", files={"file": ("big.txt", b"a" * 1001)})
        assert refused.status_code == 413
        assert refused.json()["object"] == "error"
        assert client.get("/v1/files").json()["total"] == 1
        assert emu.data_dir is not None
        assert list((emu.data_dir / "tmp").iterdir()) == [], "no partial upload is left"


@pytest.mark.parametrize("declared", [True, False])
def test_oversized_upload_is_refused_before_the_end(
    make_emulator: Callable[..., Emulator], declared: bool
) -> None:
    """The 413 arrives while the client is still holding most of the body back."""
    import socket

    emu = make_emulator(max_upload_bytes=10_000)
    boundary = "xyzzy"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    framing = f"POST /v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {emu.api_key}\r\n"
    framing += f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
    if declared:
        framing += "Content-Length: 100000000\r\n\r\n"
    else:
        framing += "Transfer-Encoding: chunked\r\n\r\n"
    body = head + b"a" * 20_000
    with socket.create_connection((emu.host, emu.port), timeout=5) as sock:
        sock.sendall(framing.encode())
        if declared:
            sock.sendall(body)
        else:
            sock.sendall(f"{len(body):x}\r\n".encode() + body + b"\r\n")
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]


@pytest.mark.parametrize(("hours", "status"), [(1, 200), (168, 200), (0, 422), (169, 422)])
def test_a_signed_url_lives_1_to_168_hours(client: httpx.Client, hours: int, status: int) -> None:
    stored = upload(client, b'{"custom_id": "0", "body": {}}\n')
    answer = client.get(f"/v1/files/{stored['id']}/url", params={"expiry": hours})
    assert answer.status_code == status
    if status == 422:
        assert answer.json()["detail"][0]["loc"] == ["query", "expiry"]
