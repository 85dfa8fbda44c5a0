"""Fault injection: every kind, through the Python API and the admin API, and the counters."""

from __future__ import annotations

import email.utils
import zlib
from collections.abc import Callable

import httpx
import orjson
import pytest
from emulator_helpers import api_client, chat_line, create_job, jsonl, upload, wait_until

from mistral_batch.emulator import Emulator, Fault


def test_status_faults_answer_then_stop(emulator: Emulator, client: httpx.Client) -> None:
    job = create_job(client, requests=[chat_line(0)])
    emulator.inject("get_batch_job", status=503, count=2)
    answers = [client.get(f"/v1/batch/jobs/{job['id']}") for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].json()["object"] == "error" and answers[0].json()["message"]
    stats = emulator.stats
    assert stats.faults["status"] == 2
    assert stats.requests["get_batch_job"] == 3
    assert stats.requests["create_batch_job"] == 1
    assert emulator.active_faults() == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_carry_mistral_bodies(
    emulator: Emulator, client: httpx.Client, status: int
) -> None:
    emulator.inject("list_files", status=status)
    response = client.get("/v1/files")
    assert response.status_code == status
    assert set(response.json()) >= {"object", "message", "type", "code"}


def test_rate_limits_with_retry_after(emulator: Emulator, client: httpx.Client) -> None:
    emulator.inject("list_files", status=429, retry_after=2)
    emulator.inject("list_files", status=429, retry_after=30, retry_after_date=True)
    emulator.inject("list_files", status=429)
    seconds, dated, bare = (client.get("/v1/files") for _ in range(3))
    assert seconds.status_code == dated.status_code == bare.status_code == 429
    assert seconds.headers["retry-after"] == "2"
    when = email.utils.parsedate_to_datetime(dated.headers["retry-after"])
    assert when.tzinfo is not None
    assert "retry-after" not in bare.headers
    assert client.get("/v1/files").status_code == 200


def test_a_status_fault_does_no_work(emulator: Emulator, client: httpx.Client) -> None:
    emulator.inject("create_batch_job", status=500)
    assert client.post("/v1/batch/jobs", json={"endpoint": "x"}).status_code == 500
    emulator.inject("upload_file", status=503)
    assert client.post("/v1/files", files={"file": ("a.txt", b"a")}).status_code == 503
    assert client.get("/v1/batch/jobs").json()["total"] == 0
    assert client.get("/v1/files").json()["total"] == 0


def test_slow_answers(emulator: Emulator, client: httpx.Client) -> None:
    emulator.inject("list_files", delay=0.2)
    response = client.get("/v1/files")
    assert response.status_code == 200 and response.json()["total"] == 0
    assert emulator.stats.faults == {"delay": 1}


def test_a_slow_answer_can_time_out_a_client(emulator: Emulator) -> None:
    emulator.inject("list_files", delay=2)
    with (
        api_client(emulator) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.get("/v1/files", timeout=0.2)


def test_a_late_answer_comes_after_the_work(emulator: Emulator, client: httpx.Client) -> None:
    emulator.inject("create_batch_job", late=1.0)
    body = {"endpoint": "/v1/chat/completions", "model": "m", "requests": [chat_line(0)]}
    with pytest.raises(httpx.ReadTimeout):
        client.post("/v1/batch/jobs", json=body, timeout=0.2)
    # The client gave up, but the job was made before the answer was held back.
    assert client.get("/v1/batch/jobs").json()["total"] == 1
    assert emulator.stats.faults == {"late": 1}


def test_connection_reset_before_any_answer(emulator: Emulator, client: httpx.Client) -> None:
    emulator.inject("create_batch_job", reset=True)
    with pytest.raises(httpx.TransportError):
        client.post(
            "/v1/batch/jobs",
            json={"endpoint": "/v1/chat/completions", "model": "m", "requests": [chat_line(0)]},
        )
    assert client.get("/v1/batch/jobs").json()["total"] == 0, "the request was not handled"
    assert emulator.stats.faults == {"reset": 1}
    create_job(client, requests=[chat_line(0)])


def test_truncated_json_after_doing_the_work(emulator: Emulator) -> None:
    emulator.inject("create_batch_job", truncate=True)
    with api_client(emulator, contract=False) as client:
        response = client.post(
            "/v1/batch/jobs",
            json={"endpoint": "/v1/chat/completions", "model": "m", "requests": [chat_line(0)]},
        )
        assert response.status_code == 200
        assert int(response.headers["content-length"]) == len(response.content)
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(response.content)
        assert client.get("/v1/batch/jobs").json()["total"] == 1
    assert emulator.stats.faults == {"truncate": 1}


def test_html_pages_from_a_proxy(emulator: Emulator, client: httpx.Client) -> None:
    emulator.inject("*", html=True)
    emulator.inject("get_signed_url", html=True, status=504)
    page = client.get("/v1/batch/jobs")
    assert page.status_code == 502
    assert page.headers["content-type"].startswith("text/html")
    assert b"502 Bad Gateway" in page.content
    gateway = client.get("/v1/files/3fa85f64-5717-4562-b3fc-2c963f66afa6/url")
    assert gateway.status_code == 504 and b"<html>" in gateway.content


def test_download_dropped_after_some_bytes_then_resumed(
    emulator: Emulator, client: httpx.Client
) -> None:
    content = bytes(range(256)) * 4000
    stored = upload(client, content, "data.bin", purpose="ocr")
    url = f"/v1/files/{stored['id']}/content"
    emulator.inject("download_file", drop_after=100_000)
    received = bytearray()
    with pytest.raises(httpx.TransportError), client.stream("GET", url) as response:
        assert response.headers["content-length"] == str(len(content))
        for chunk in response.iter_bytes():
            received += chunk
    assert bytes(received) == content[:100_000]
    rest = client.get(url, headers={"Range": f"bytes={len(received)}-"})
    assert rest.status_code == 206
    assert bytes(received) + rest.content == content
    assert emulator.stats.faults == {"drop": 1}


def test_signed_downloads_can_be_dropped_too(emulator: Emulator, client: httpx.Client) -> None:
    stored = upload(client, b"z" * 5000, "z.txt")
    signed = client.get(f"/v1/files/{stored['id']}/url").json()["url"]
    emulator.inject("signed_download", drop_after=10)
    with pytest.raises(httpx.TransportError):
        httpx.get(signed)
    assert httpx.get(signed).content == b"z" * 5000


def test_unknown_enum_values_and_extra_fields(emulator: Emulator) -> None:
    with api_client(emulator, contract=False) as client:
        stored = upload(client, jsonl([chat_line(0)]))
        job = create_job(client, input_files=[stored["id"]])
        emulator.inject("get_batch_job", unknown_enums=True)
        emulator.inject("list_files", unknown_enums=True, extra_fields=True)
        emulator.inject("retrieve_file", extra_fields=True)
        mutated_job = client.get(f"/v1/batch/jobs/{job['id']}").json()
        assert mutated_job["status"] == "VALIDATING"
        assert mutated_job["id"] == job["id"]
        files = client.get("/v1/files").json()
        assert files["data"][0]["purpose"] == "audio-v2"
        assert files["data"][0]["source"] == "connector"
        assert "unannounced_field" in files["data"][0]
        described = client.get(f"/v1/files/{stored['id']}").json()
        assert described["purpose"] == "batch" and "unannounced_object" in described
        assert client.get(f"/v1/batch/jobs/{job['id']}").json()["status"] != "VALIDATING"
    assert emulator.stats.faults == {"mutate": 3}


def test_faults_until_cleared_and_for_any_operation(
    emulator: Emulator, client: httpx.Client
) -> None:
    emulator.inject("*", status=500, count=None)
    assert all(client.get("/v1/files").status_code == 500 for _ in range(3))
    assert client.get("/v1/batch/jobs").status_code == 500
    emulator.clear_faults()
    assert client.get("/v1/files").status_code == 200


def test_faults_given_to_the_constructor(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(faults=[Fault("list_files", status=429, retry_after=1)])
    with api_client(emu) as client:
        assert client.get("/v1/files").status_code == 429
        assert client.get("/v1/files").status_code == 200


def test_bad_fault_rules_are_refused(emulator: Emulator) -> None:
    for effects in ({}, {"status": 200}, {"status": 500, "reset": True}, {"count": 0}):
        with pytest.raises(ValueError):
            emulator.inject("list_files", **effects)


def test_the_admin_api(emulator: Emulator, client: httpx.Client) -> None:
    added = client.post(
        "/_emulator/faults",
        json=[{"operation": "list_files", "status": 503, "count": 2}, {"delay": 0.01}],
    )
    assert added.status_code == 200
    assert [f["operation"] for f in added.json()["data"]] == ["list_files", "*"]
    active = client.get("/_emulator/faults").json()["data"]
    assert [f["remaining"] for f in active] == [2, 1]
    assert client.get("/v1/files").status_code == 503
    assert client.get("/_emulator/faults").json()["data"][0]["remaining"] == 1
    assert client.delete("/_emulator/faults").status_code == 200
    assert client.get("/_emulator/faults").json()["data"] == []
    assert client.get("/v1/files").status_code == 200

    stats = client.get("/_emulator/stats").json()
    assert stats == {"requests": {"list_files": 2}, "faults": {"status": 1}}
    assert client.delete("/_emulator/stats").json() == {"requests": {}, "faults": {}}

    for bad in ({"status": "x"}, {"bogus": 1}, {}, ["x"], {"operation": 5, "reset": True}):
        refused = client.post("/_emulator/faults", json=bad)
        assert refused.status_code == 422, bad
        assert refused.json()["detail"]

    settings = client.patch("/_emulator/settings", json={"range_support": False})
    assert settings.json()["range_support"] is False
    assert client.get("/_emulator/settings").json()["range_support"] is False
    stored = upload(client, b"0123456789", "d.txt")
    ignored = client.get(f"/v1/files/{stored['id']}/content", headers={"Range": "bytes=5-"})
    assert ignored.status_code == 200 and ignored.content == b"0123456789"
    assert client.patch("/_emulator/settings", json={"nope": 1}).status_code == 422
    assert client.patch("/_emulator/settings", json={"queue_delay": "x"}).status_code == 422
    assert emulator.stats.faults == {}


def test_a_listing_that_lags_behind_creates(emulator: Emulator, client: httpx.Client) -> None:
    emulator.inject("list_batch_jobs", lag=0.5, count=None)

    def listed() -> list[str]:
        answer = client.get("/v1/batch/jobs", params={"case": "lag"}).json()
        assert answer["total"] == len(answer["data"])
        return [job["id"] for job in answer["data"]]

    first = create_job(client, requests=[chat_line(0)], metadata={"case": "lag"})
    # Found by its id at once, but not in the listing yet.
    assert client.get(f"/v1/batch/jobs/{first['id']}").status_code == 200
    assert listed() == []
    wait_until(lambda: listed() == [first["id"]], timeout=10.0)

    second = create_job(client, requests=[chat_line(1)], metadata={"case": "lag"})
    assert listed() == [first["id"]], "only the newest job is held back"
    wait_until(lambda: listed() == [second["id"], first["id"]], timeout=10.0)
    assert emulator.stats.faults["lag"] >= 4
    assert emulator.active_faults()[0]["lag"] == 0.5


def test_a_lag_is_a_fault_of_its_own(client: httpx.Client) -> None:
    with pytest.raises(ValueError, match="lag"):
        Fault(operation="list_batch_jobs", lag=-1.0)
    with pytest.raises(ValueError, match="choose one"):
        Fault(operation="list_batch_jobs", lag=1.0, status=500)
    answer = client.post("/_emulator/faults", json={"operation": "list_batch_jobs", "lag": 0.5})
    assert answer.status_code == 200 and answer.json()["data"][0]["lag"] == 0.5
    refused = client.post("/_emulator/faults", json={"lag": "soon"})
    assert refused.status_code == 422 and "lag" in refused.text


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "gzip, gzip"])
def test_an_answer_compressed_whatever_was_asked(
    emulator: Emulator, client: httpx.Client, encoding: str
) -> None:
    job = create_job(client, requests=[chat_line(0)])
    emulator.inject("get_batch_job", encoding=encoding)
    before = emulator.stats.faults.get("compress", 0)
    raw_client = api_client(emulator, contract=False)  # the contract check reads the body
    with (
        raw_client,
        raw_client.stream(
            "GET", f"/v1/batch/jobs/{job['id']}", headers={"Accept-Encoding": "identity"}
        ) as response,
    ):
        raw = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == encoding
    assert int(response.headers["content-length"]) == len(raw)
    for coding in reversed([c.strip() for c in encoding.split(",")]):
        raw = zlib.decompress(raw, 16 + zlib.MAX_WBITS if coding == "gzip" else zlib.MAX_WBITS)
    assert orjson.loads(raw)["id"] == job["id"]
    assert emulator.stats.faults["compress"] == before + 1


def test_a_drip_fed_answer_comes_a_byte_at_a_time(emulator: Emulator, client: httpx.Client) -> None:
    job = create_job(client, requests=[chat_line(0)])
    emulator.inject("get_batch_job", drip=0.001)
    raw_client = api_client(emulator, contract=False)
    with raw_client, raw_client.stream("GET", f"/v1/batch/jobs/{job['id']}") as response:
        chunks = list(response.iter_raw())
    assert len(chunks) > 10 and max(len(c) for c in chunks) < 10
    assert orjson.loads(b"".join(chunks))["id"] == job["id"]
    assert emulator.stats.faults["drip"] >= 1


@pytest.mark.parametrize("rule", [{"encoding": "br"}, {"encoding": ""}, {"drip": -1}])
def test_bad_encoding_or_drip_rules_are_refused(rule: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Fault(operation="get_batch_job", **rule)  # type: ignore[arg-type]
