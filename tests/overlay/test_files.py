"""Files through the client against the emulator: upload any source, list, fetch, delete."""

import hashlib
import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mistral_batch import File, InputError, Mistral, MistralBatchError, NotFoundError
from mistral_batch.emulator import Emulator

LINES = b'{"custom_id": "0", "body": {"messages": [{"role": "user", "content": "hi"}]}}\n'


def test_upload_from_a_path(client: Mistral, tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    path.write_bytes(LINES * 3)
    uploaded = client.files.upload(path, purpose="batch")
    assert uploaded.filename == "requests.jsonl"
    assert uploaded.bytes == len(LINES) * 3
    assert uploaded.num_lines == 3
    assert uploaded.purpose == "batch"
    assert uploaded.sample_type == "batch_request"


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: LINES, id="bytes"),
        pytest.param(lambda: io.BytesIO(LINES), id="binary-file"),
        pytest.param(lambda: File(file_name="in.jsonl", content=LINES), id="File"),
        pytest.param(lambda: {"file_name": "in.jsonl", "content": io.BytesIO(LINES)}, id="dict"),
    ],
)
def test_upload_from_every_kind_of_source(client: Mistral, make: object) -> None:
    uploaded = client.files.upload(make(), purpose="batch")  # type: ignore[operator]
    assert client.files.download(uploaded.id).read() == LINES


def test_upload_reports_progress(client: Mistral) -> None:
    seen: list[tuple[int, int | None]] = []
    client.files.upload(LINES * 1000, progress=lambda sent, total: seen.append((sent, total)))
    assert seen[-1] == (len(LINES) * 1000, len(LINES) * 1000)


def test_upload_bad_sources_send_nothing(client: Mistral, emu: Emulator, tmp_path: Path) -> None:
    before = emu.stats.requests.get("upload_file", 0)
    with pytest.raises(InputError, match="no such file"):
        client.files.upload(tmp_path / "missing.jsonl")
    with pytest.raises(InputError, match="directory"):
        client.files.upload(tmp_path)
    with pytest.raises(InputError, match="cannot upload"):
        client.files.upload(12345)
    with pytest.raises(InputError, match="purpose"):
        client.files.upload(LINES, purpose="Holiday Photos!")
    with pytest.raises(InputError, match="bytes or a binary file"):
        client.files.upload({"file_name": "a.jsonl", "content": "text, not bytes"})
    assert emu.stats.requests.get("upload_file", 0) == before


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=st.binary(max_size=4096))
def test_upload_then_download_gives_back_any_bytes(client: Mistral, content: bytes) -> None:
    # Includes bytes that look like multipart boundaries and CRLFs.
    uploaded = client.files.upload(b"--+++\r\n" + content, purpose="batch", file_name="x.bin")
    assert client.files.download(uploaded.id).read() == b"--+++\r\n" + content


def test_big_upload_and_write_to(client: Mistral, tmp_path: Path) -> None:
    blob = os.urandom(3 * 1024 * 1024 + 17)
    src = tmp_path / "blob.bin"
    src.write_bytes(blob)
    uploaded = client.files.upload(src, purpose="batch")
    target = tmp_path / "out" / "copy.bin"
    with client.files.download(uploaded.id) as download:
        assert download.content_length == len(blob)
        written = download.write_to(target)
    assert written == len(blob)
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(blob).digest()
    assert [p.name for p in target.parent.iterdir()] == ["copy.bin"]


def test_stream_and_iter_bytes(client: Mistral) -> None:
    uploaded = client.files.upload(LINES * 10)
    download = client.files.download(file_id=uploaded.id)
    assert b"".join(chunk for chunk in download.stream) == LINES * 10


def test_retrieve_and_delete(client: Mistral) -> None:
    uploaded = client.files.upload(LINES, purpose="batch")
    retrieved = client.files.retrieve(uploaded.id)
    assert retrieved.id == uploaded.id and retrieved.deleted is False
    deleted = client.files.delete(uploaded.id)
    assert deleted.deleted is True and deleted.id == uploaded.id
    with pytest.raises(NotFoundError):
        client.files.retrieve(uploaded.id)


def test_list_walks_every_page(emu: Emulator) -> None:
    with Mistral(api_key="key-b", server_url=emu.url) as other:
        ids = {other.files.upload(LINES, file_name=f"f{i}.jsonl").id for i in range(23)}
        listed = [f.id for f in other.files.list(page_size=5, search="f")]
        assert len(listed) == len(set(listed)) == 23
        assert set(listed) == ids
        pages = list(other.files.list(page_size=10, search="f").pages())
        assert [len(p.items) for p in pages] == [10, 10, 3]
        for file_id in ids:
            other.files.delete(file_id)


def test_list_filters(client: Mistral) -> None:
    uploaded = client.files.upload(LINES, file_name="only-this-name.jsonl")
    found = list(client.files.list(search="only-this-name", source=["upload"], purpose="batch"))
    assert [f.id for f in found] == [uploaded.id]
    assert list(client.files.list(search="only-this-name", source=["mistral"])) == []


def test_signed_url_downloads_without_the_key(client: Mistral) -> None:
    uploaded = client.files.upload(LINES * 2)
    signed = client.files.get_signed_url(uploaded.id, expiry=1)
    assert "url=" not in repr(signed)
    assert client.files.download_signed_url(signed).read() == LINES * 2


def test_another_key_cannot_see_the_file(client: Mistral, emu: Emulator) -> None:
    uploaded = client.files.upload(LINES)
    with Mistral(api_key="key-b", server_url=emu.url) as other, pytest.raises(NotFoundError):
        other.files.retrieve(uploaded.id)


def test_ids_that_would_change_the_path_are_refused_locally(client: Mistral) -> None:
    for bad in ["", "../x", "a/b"]:
        with pytest.raises(InputError):
            client.files.retrieve(bad)


def test_a_download_reads_once(client: Mistral, tmp_path: Path) -> None:
    download = client.files.download(client.files.upload(LINES).id)
    assert download.read() == LINES
    with pytest.raises(MistralBatchError, match="read once"):
        download.write_to(tmp_path / "again.jsonl")
    assert list(tmp_path.iterdir()) == []


def test_listings_have_the_official_sdks_data_and_total(emu: Emulator) -> None:
    with Mistral(api_key="key-b", server_url=emu.url) as other:
        ids = [other.files.upload(LINES, file_name=f"dt{i}.jsonl").id for i in range(3)]
        listing = other.files.list(search="dt", page_size=2)
        assert sorted(f.id for f in listing.data) == sorted(ids)
        assert listing.total == 3
        for file_id in ids:
            other.files.delete(file_id)
