"""The routes' answers to bad input exactly: the admin API, files and batch job listings."""

from __future__ import annotations

from typing import Any

import httpx
from emulator_helpers import chat_line, create_job, upload

from mistral_batch.emulator import Emulator


def _detail(loc: list[str | int], msg: str, type_: str) -> dict[str, Any]:
    return {"detail": [{"loc": loc, "msg": msg, "type": type_}]}


# The admin API


def test_a_bad_fault_rule_is_placed_by_its_index(client: httpx.Client) -> None:
    refused = client.post("/_emulator/faults", json=[{"delay": 0.1}, {"status": 200}])
    assert refused.status_code == 422
    assert refused.json() == _detail(
        ["body", 1], "status must be an HTTP error status (400-599)", "value_error"
    )


def test_settings_that_are_not_an_object_are_refused_exactly(client: httpx.Client) -> None:
    refused = client.patch("/_emulator/settings", json=[1])
    assert refused.status_code == 422
    assert refused.json() == _detail(["body"], "Settings are an object", "dict_type")


def test_each_bad_setting_is_refused_with_its_reason(client: httpx.Client) -> None:
    refused = client.patch(
        "/_emulator/settings", json={"nope": 1, "queue_delay": "x", "fail_rate": 2}
    )
    assert refused.status_code == 422
    assert refused.json() == {
        "detail": [
            {"loc": ["body", "nope"], "msg": "Unknown setting", "type": "extra_forbidden"},
            {
                "loc": ["body", "queue_delay"],
                "msg": "Wrong type for this setting",
                "type": "type_error",
            },
            {
                "loc": ["body", "fail_rate"],
                "msg": "Input should be from 0 to 1",
                "type": "value_error",
            },
        ]
    }


# Files


def test_an_unknown_purpose_is_refused_naming_the_known_ones(client: httpx.Client) -> None:
    refused = client.post(
        "/v1/files", files={"file": ("a.jsonl", b"{}\n")}, data={"purpose": "bogus"}
    )
    assert refused.status_code == 422
    assert refused.json() == _detail(
        ["body", "purpose"], "Input should be one of fine-tune, batch, ocr, audio", "enum"
    )


def test_files_may_be_listed_one_to_a_page(client: httpx.Client) -> None:
    first = upload(client, b"a", "a.txt")
    second = upload(client, b"b", "b.txt")
    pages = [client.get("/v1/files", params={"page_size": 1, "page": n}) for n in (0, 1)]
    assert [page.status_code for page in pages] == [200, 200]
    listed = [item["id"] for page in pages for item in page.json()["data"]]
    assert sorted(listed) == sorted([first["id"], second["id"]])
    refused = client.get("/v1/files", params={"page_size": 0})
    assert refused.status_code == 422


def test_a_signed_url_with_a_bad_signature_is_refused_exactly(emulator: Emulator) -> None:
    answer = httpx.get(f"{emulator.url}/signed/not-a-token")
    assert answer.status_code == 403
    assert answer.json()["message"] == "Signature not valid for this URL"


# Batch job listings


def test_a_created_after_that_is_not_a_date_is_refused_exactly(client: httpx.Client) -> None:
    refused = client.get("/v1/batch/jobs", params={"created_after": "last tuesday"})
    assert refused.status_code == 422
    assert refused.json() == _detail(
        ["query", "created_after"], "Input should be a valid datetime", "datetime_parsing"
    )


def test_jobs_are_filtered_by_metadata_given_as_json(client: httpx.Client) -> None:
    wanted = create_job(client, requests=[chat_line(0)], metadata={"case": "json", "n": "1"})
    create_job(client, requests=[chat_line(1)], metadata={"case": "other"})
    answer = client.get("/v1/batch/jobs", params={"metadata": '{"case": "json", "n": 1}'})
    assert answer.status_code == 200
    assert [job["id"] for job in answer.json()["data"]] == [wanted["id"]]
