"""The files resource and its downloads, exactly, on both clients: the query each call
sends and its defaults, the headers of a download and of each resume, the size it is
checked against, the error it ends with, and its deadline."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mistral_batch import (
    APIConnectionError,
    APITimeoutError,
    AsyncMistral,
    IncompleteDownloadError,
    Mistral,
    MistralBatchError,
    NotFoundError,
    RetryPolicy,
)
from mistral_batch.emulator import Emulator
from mistral_batch.models import Deleted, SignedURL

from .conftest import FAST_RETRY
from .loopback import Answer, Origin, on_both

KEY = "sk-files-exact-0123456789"
ACCEPT = "application/octet-stream, application/json"
CONTENT = b"0123456789"
EMPTY_PAGE = json.dumps({"data": [], "object": "list", "total": 0}).encode()


def metadata(file_id: str, size: int) -> bytes:
    return json.dumps(
        {
            "id": file_id,
            "object": "file",
            "bytes": size,
            "created_at": 1,
            "filename": "a.jsonl",
            "purpose": "batch",
            "sample_type": "batch_result",
            "source": "mistral",
        }
    ).encode()


def maker(url: str, **options: Any) -> Callable[[type], Any]:
    options.setdefault("retry", FAST_RETRY)
    return lambda cls: cls(api_key=KEY, server_url=url, **options)


def on_emulator(emu: Emulator, **options: Any) -> Callable[[type], Any]:
    options.setdefault("retry", FAST_RETRY)
    return lambda cls: cls(api_key=emu.api_key, server_url=emu.url, **options)


def download_and_read(get: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """An act for on_both: open a download with `get(client)`, read it whole."""

    def act(client: Any) -> Any:
        if isinstance(client, AsyncMistral):

            async def both() -> Any:
                download = await get(client)
                return download.content_length, await download.read()

            return both()
        download = get(client)
        return download.content_length, download.read()

    return act


def headers_of(received: tuple[str, str, dict[str, str]]) -> dict[str, str]:
    return {k.lower(): v for k, v in received[2].items()}


# --- The listing's query ----------------------------------------------------------------------


def test_a_listing_asks_for_page_0_of_100_with_the_total_by_default() -> None:
    def act(client: Any) -> Any:
        listing = client.files.list()
        if isinstance(client, AsyncMistral):

            async def first() -> Any:
                return [page async for page in listing.pages()]

            return first()
        return list(listing.pages())

    with Origin(lambda path: (200, {"Content-Type": "application/json"}, EMPTY_PAGE)) as origin:
        pages = on_both(maker(origin.url), act)
    seen = [path for _, path, _ in origin.received]
    assert [[p.items for p in client_pages] for client_pages in pages] == [[[]], [[]]]
    assert seen == ["/v1/files?page=0&page_size=100&include_total=true"] * 2


def test_a_listing_sends_every_filter_and_starts_at_the_page_asked() -> None:
    def act(client: Any) -> Any:
        listing = client.files.list(
            page_size=7,
            page=3,
            include_total=False,
            sample_type=["batch_result", "batch_error"],
            source=["mistral"],
            search="needle",
            purpose="batch",
            mimetypes=["application/jsonl"],
        )
        if isinstance(client, AsyncMistral):

            async def items() -> Any:
                return [item async for item in listing]

            return items()
        return list(listing)

    with Origin(lambda path: (200, {"Content-Type": "application/json"}, EMPTY_PAGE)) as origin:
        assert on_both(maker(origin.url), act) == [[], []]
    expected = (
        "/v1/files?page=3&page_size=7&include_total=false"
        "&sample_type=batch_result&sample_type=batch_error&source=mistral&search=needle"
        "&purpose=batch&mimetypes=application%2Fjsonl"
    )
    assert [path for _, path, _ in origin.received] == [expected] * 2


def test_a_listing_from_the_emulator_has_its_total_by_default(emu: Emulator) -> None:
    def act(client: Any) -> Any:
        name = f"tot-{uuid.uuid4().hex[:8]}"
        if isinstance(client, AsyncMistral):

            async def scenario() -> Any:
                ids = [
                    (await client.files.upload(b"{}\n", file_name=f"{name}-{i}.jsonl")).id
                    for i in range(3)
                ]
                pages = [p async for p in client.files.list(search=name, page_size=2).pages()]
                for file_id in ids:
                    await client.files.delete(file_id)
                return [(len(p.items), p.page, p.total) for p in pages]

            return scenario()
        ids = [client.files.upload(b"{}\n", file_name=f"{name}-{i}.jsonl").id for i in range(3)]
        pages = list(client.files.list(search=name, page_size=2).pages())
        for file_id in ids:
            client.files.delete(file_id)
        return [(len(p.items), p.page, p.total) for p in pages]

    outcomes = on_both(on_emulator(emu), act)
    assert outcomes == [[(2, 0, 3), (1, 1, 3)]] * 2


def test_a_listing_from_a_later_page_on_the_emulator(emu: Emulator) -> None:
    def act(client: Any) -> Any:
        name = f"later-{uuid.uuid4().hex[:8]}"
        if isinstance(client, AsyncMistral):

            async def scenario() -> Any:
                ids = [
                    (await client.files.upload(b"{}\n", file_name=f"{name}-{i}.jsonl")).id
                    for i in range(5)
                ]
                listed = [f.id async for f in client.files.list(search=name, page_size=2, page=1)]
                for file_id in ids:
                    await client.files.delete(file_id)
                return len(listed), set(listed) <= set(ids)

            return scenario()
        ids = [client.files.upload(b"{}\n", file_name=f"{name}-{i}.jsonl").id for i in range(5)]
        listed = [f.id for f in client.files.list(search=name, page_size=2, page=1)]
        for file_id in ids:
            client.files.delete(file_id)
        return len(listed), set(listed) <= set(ids)

    outcomes = on_both(on_emulator(emu), act)
    # Pages 1 and 2 of three: the two files of page 0 are not listed.
    assert outcomes == [(3, True)] * 2


# --- Signed URLs --------------------------------------------------------------------------------


def test_a_signed_url_is_asked_for_24_hours_by_default() -> None:
    answer = json.dumps({"url": "https://storage.example/blob?sig=abc"}).encode()
    with Origin(lambda path: (200, {"Content-Type": "application/json"}, answer)) as origin:
        defaults = on_both(maker(origin.url), lambda c: c.files.get_signed_url("f-1"))
        hours = on_both(maker(origin.url), lambda c: c.files.get_signed_url("f-1", expiry=3))
    assert [s.url for s in defaults + hours] == ["https://storage.example/blob?sig=abc"] * 4
    paths = [path for _, path, _ in origin.received]
    assert paths == ["/v1/files/f-1/url?expiry=24"] * 2 + ["/v1/files/f-1/url?expiry=3"] * 2


@pytest.mark.parametrize("form", ["str", "SignedURL"])
def test_a_signed_download_sends_a_plain_get_without_the_key(form: str) -> None:
    with Origin(
        lambda path: (200, {"Content-Type": "application/octet-stream"}, CONTENT)
    ) as origin:
        url = f"{origin.url}/blob/tok?sig=abc"
        given: Any = url if form == "str" else SignedURL(url=url)
        outcomes = on_both(
            maker(origin.url), download_and_read(lambda c: c.files.download_signed_url(given))
        )
    assert outcomes == [(len(CONTENT), CONTENT)] * 2
    assert len(origin.received) == 2
    for received in origin.received:
        assert received[:2] == ("GET", "/blob/tok?sig=abc")
        headers = headers_of(received)
        assert "authorization" not in headers
        assert "range" not in headers
        assert (headers["accept"], headers["accept-encoding"]) == (ACCEPT, "identity")


def test_a_signed_download_is_checked_against_its_announced_length() -> None:
    with Origin(lambda path: (200, {}, CONTENT)) as origin:

        def act(client: Any) -> Any:
            if isinstance(client, AsyncMistral):

                async def scenario() -> Any:
                    download = await client.files.download_signed_url(f"{origin.url}/b")
                    try:
                        return download.content_length, download.status_code
                    finally:
                        await download.close()

                return scenario()
            with client.files.download_signed_url(f"{origin.url}/b") as download:
                return download.content_length, download.status_code

        assert on_both(maker(origin.url), act) == [(len(CONTENT), 200)] * 2


# --- Downloads: the request, each resume, the error they end with -------------------------------


def short_then_rest(size: int, first: int) -> Answer:
    """The file's metadata says `size`; its first body stops at `first` bytes (whole as
    far as HTTP goes), and a resume gets the rest as a 206."""

    def answer(path: str) -> tuple[int, dict[str, str], bytes]:
        if not path.endswith("/content"):
            return 200, {"Content-Type": "application/json"}, metadata("f-1", size)
        calls.append(path)
        if len(calls) % 2:
            return 200, {"Content-Type": "application/octet-stream"}, CONTENT[:first]
        headers = {"Content-Range": f"bytes {first}-{size - 1}/{size}"}
        return 206, headers, CONTENT[first:size]

    calls: list[str] = []
    return answer


def test_a_download_asks_for_bytes_then_resumes_with_a_range() -> None:
    with Origin(short_then_rest(10, 6)) as origin:
        outcomes = on_both(maker(origin.url), download_and_read(lambda c: c.files.download("f-1")))
    assert outcomes == [(10, CONTENT)] * 2
    requests = [(m, p, headers_of((m, p, h))) for m, p, h in origin.received]
    assert [(m, p) for m, p, _ in requests] == [
        ("GET", "/v1/files/f-1"),
        ("GET", "/v1/files/f-1/content"),
        ("GET", "/v1/files/f-1/content"),
    ] * 2
    for i in (1, 4):
        first, resume = requests[i][2], requests[i + 1][2]
        assert "range" not in first
        assert resume["range"] == "bytes=6-"
        for headers in (first, resume):
            assert headers["authorization"] == f"Bearer {KEY}"
            assert (headers["accept"], headers["accept-encoding"]) == (ACCEPT, "identity")


def always_short(size: int, first: int) -> Answer:
    """Metadata of `size` bytes; a body that stops at `first`, and resumes that bring
    nothing more."""

    def answer(path: str) -> tuple[int, dict[str, str], bytes]:
        if not path.endswith("/content"):
            return 200, {"Content-Type": "application/json"}, metadata("f-1", size)
        calls.append(path)
        if len(calls) % FAST_RETRY.max_attempts == 1:
            return 200, {"Content-Type": "application/octet-stream"}, CONTENT[:first]
        return 206, {"Content-Range": f"bytes {first}-{size - 1}/{size}"}, b""

    calls: list[str] = []
    return answer


def test_a_download_that_stays_short_ends_with_incomplete_download_error() -> None:
    with Origin(always_short(10, 6)) as origin:
        outcomes = on_both(maker(origin.url), download_and_read(lambda c: c.files.download("f-1")))
    for outcome in outcomes:
        assert type(outcome) is IncompleteDownloadError, outcome
        assert str(outcome) == "download ended after 6 of 10 bytes"
        assert (outcome.expected, outcome.received) == (10, 6)
    content = [p for _, p, _ in origin.received if p.endswith("/content")]
    # The first request and three resumes: the budget of four, shared.
    assert len(content) == 2 * FAST_RETRY.max_attempts


def test_a_download_is_checked_against_the_size_in_its_metadata() -> None:
    def answer(path: str) -> tuple[int, dict[str, str], bytes]:
        if not path.endswith("/content"):
            return 200, {}, metadata("f-1", 10)
        return 200, {}, CONTENT

    def act(client: Any) -> Any:
        if isinstance(client, AsyncMistral):

            async def scenario() -> Any:
                download = await client.files.download("f-1")
                try:
                    return (
                        download.content_length,
                        download.status_code,
                        download.headers["content-length"],
                    )
                finally:
                    await download.close()

            return scenario()
        with client.files.download("f-1") as download:
            return download.content_length, download.status_code, download.headers["content-length"]

    with Origin(answer) as origin:
        assert on_both(maker(origin.url), act) == [(10, 200, "10")] * 2


BODY = b"".join(b'{"custom_id": "%d", "x": "%s"}\n' % (i, b"y" * 50) for i in range(40))
BUDGET = RetryPolicy(max_attempts=3, initial_delay=0.0, max_delay=0.0)


@pytest.fixture
def file_id(emu: Emulator) -> str:
    with Mistral(api_key=emu.api_key, server_url=emu.url) as setup:
        return setup.files.upload(BODY, file_name="exact.jsonl").id


def test_a_download_cut_every_time_says_how_far_and_how_often(emu: Emulator, file_id: str) -> None:
    emu.inject("download_file", drop_after=100, count=None)
    outcomes = on_both(
        on_emulator(emu, retry=BUDGET), download_and_read(lambda c: c.files.download(file_id))
    )
    emu.clear_faults()
    for outcome in outcomes:
        assert type(outcome) is APIConnectionError, outcome
        assert str(outcome) == "download interrupted after 300 bytes, 3 times: RemoteProtocolError"


def test_a_download_cut_once_is_read_whole_with_its_size(emu: Emulator, file_id: str) -> None:
    emu.inject("download_file", drop_after=100, count=2)
    outcomes = on_both(on_emulator(emu), download_and_read(lambda c: c.files.download(file_id)))
    assert outcomes == [(len(BODY), BODY), (len(BODY), BODY)]


def test_write_to_reports_progress_and_returns_the_size(
    emu: Emulator, file_id: str, tmp_path: Path
) -> None:
    seen: list[list[tuple[int, int | None]]] = [[], []]
    calls = iter(range(2))

    def act(client: Any) -> Any:
        n = next(calls)
        target = tmp_path / f"copy{n}.jsonl"
        # A cut early in the body: it comes in more than one chunk, resumed.
        emu.inject("download_file", drop_after=1000, count=1)

        def progress(received: int, total: int | None) -> None:
            seen[n].append((received, total))

        if isinstance(client, AsyncMistral):

            async def scenario() -> Any:
                return await (await client.files.download(file_id)).write_to(target, progress)

            return scenario()
        return client.files.download(file_id).write_to(target, progress)

    assert on_both(on_emulator(emu), act) == [len(BODY)] * 2
    for n in range(2):
        assert (tmp_path / f"copy{n}.jsonl").read_bytes() == BODY
        assert len(seen[n]) > 1
        assert seen[n][0][0] <= 1000
        assert seen[n][-1] == (len(BODY), len(BODY))
        assert [total for _, total in seen[n]] == [len(BODY)] * len(seen[n])
        received = [r for r, _ in seen[n]]
        assert received == sorted(received) and len(set(received)) == len(received)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy0.jsonl", "copy1.jsonl"]


def test_a_download_read_twice_is_refused_on_both_clients(emu: Emulator, file_id: str) -> None:
    def act(client: Any) -> Any:
        if isinstance(client, AsyncMistral):

            async def scenario() -> Any:
                download = await client.files.download(file_id)
                first = await download.read()
                try:
                    await download.read()
                except MistralBatchError as exc:
                    return first, str(exc)
                return first, None

            return scenario()
        download = client.files.download(file_id)
        first = download.read()
        try:
            download.read()
        except MistralBatchError as exc:
            return first, str(exc)
        return first, None

    expected = (BODY, "a download can be read once; call files.download again")
    assert on_both(on_emulator(emu), act) == [expected] * 2


# --- Deadlines: a body that drips in stops at the operation's deadline ------------------------

#: A byte every 50 ms: the 200-byte file takes ten seconds whole, each byte well within any
#: read timeout, so that only the client's deadline (two seconds) can cut it.
DRIP = 0.05
DEADLINE = 2.0


@pytest.fixture
def slow_id(emu: Emulator) -> str:
    with Mistral(api_key=emu.api_key, server_url=emu.url) as setup:
        return setup.files.upload(b"s" * 200, file_name="slow.bin").id


def test_a_drip_fed_download_stops_at_the_clients_deadline(emu: Emulator, slow_id: str) -> None:
    emu.inject("download_file", drip=DRIP, count=None)
    outcomes = on_both(
        on_emulator(emu, deadline=DEADLINE), download_and_read(lambda c: c.files.download(slow_id))
    )
    emu.clear_faults()
    for outcome in outcomes:
        assert type(outcome) is APITimeoutError, outcome
        assert re.fullmatch(r"download stopped by its deadline after \d+ bytes", str(outcome))


def test_a_drip_fed_signed_download_stops_at_the_clients_deadline(
    emu: Emulator, slow_id: str
) -> None:
    with Mistral(api_key=emu.api_key, server_url=emu.url) as setup:
        signed = setup.files.get_signed_url(slow_id, expiry=1)
    emu.inject("signed_download", drip=DRIP, count=None)
    outcomes = on_both(
        on_emulator(emu, deadline=DEADLINE),
        download_and_read(lambda c: c.files.download_signed_url(signed)),
    )
    emu.clear_faults()
    for outcome in outcomes:
        assert type(outcome) is APITimeoutError, outcome
        assert re.fullmatch(r"download stopped by its deadline after \d+ bytes", str(outcome))


# --- Delete -------------------------------------------------------------------------------------


def test_delete_answers_what_the_server_says(emu: Emulator) -> None:
    def act(client: Any) -> Any:
        if isinstance(client, AsyncMistral):

            async def scenario() -> Any:
                file_id = (await client.files.upload(b"{}\n", file_name="del.jsonl")).id
                return file_id, await client.files.delete(file_id)

            return scenario()
        file_id = client.files.upload(b"{}\n", file_name="del.jsonl").id
        return file_id, client.files.delete(file_id)

    before = emu.stats.requests.get("delete_file", 0)
    for file_id, deleted in on_both(on_emulator(emu), act):
        assert deleted == Deleted(id=file_id, deleted=True, object="file")
    # One request each: the answer was read, not made up after a second attempt's 404.
    assert emu.stats.requests.get("delete_file", 0) - before == 2


def test_a_404_after_a_lost_delete_answer_means_the_file_is_gone(emu: Emulator) -> None:
    missing = [str(uuid.uuid4()), str(uuid.uuid4())]
    ids = iter(missing)

    def act(client: Any) -> Any:
        emu.inject("delete_file", reset=True)
        return client.files.delete(next(ids))

    outcomes = on_both(on_emulator(emu), act)
    assert outcomes == [Deleted(id=file_id, deleted=True, object="file") for file_id in missing]


def test_a_delete_of_a_file_never_there_is_not_found(emu: Emulator) -> None:
    outcomes = on_both(on_emulator(emu), lambda c: c.files.delete(str(uuid.uuid4())))
    assert [type(o) for o in outcomes] == [NotFoundError, NotFoundError]
