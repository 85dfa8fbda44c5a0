"""The requests that each generated operation builds, as they would go on the wire."""

import datetime
import io
import json
from typing import Any
from urllib.parse import parse_qsl

import httpx

from mistral_batch_api.api.batch import (
    cancel_batch_job,
    create_batch_job,
    delete_batch_job,
    get_batch_job,
    list_batch_jobs,
)
from mistral_batch_api.api.files import (
    delete_file,
    download_file,
    get_signed_url,
    list_files,
    retrieve_file,
    upload_file,
)
from mistral_batch_api.models import (
    ApiEndpoint,
    BatchJobCreate,
    BatchJobStatus,
    FilePurpose,
    FileUpload,
    FileVisibility,
    JobOrder,
    MetadataFilter,
    SampleType,
    Source,
)
from mistral_batch_api.types import File

BASE = "https://api.example.test"


def build(kwargs: dict[str, Any]) -> httpx.Request:
    with httpx.Client(base_url=BASE) as client:
        return client.build_request(**kwargs)


def query(request: httpx.Request) -> list[tuple[str, str]]:
    return parse_qsl(request.url.query.decode(), keep_blank_values=True)


def test_upload_file_is_multipart_with_every_field() -> None:
    body = FileUpload(
        file=File(payload=io.BytesIO(b'{"custom_id": "0"}\n'), file_name="in.jsonl"),
        purpose=FilePurpose.BATCH,
        visibility=FileVisibility.USER,
        expiry=48,
    )
    kwargs = upload_file._get_kwargs(body=body)
    assert (kwargs["method"], kwargs["url"]) == ("post", "/v1/files")
    parts = {name: value for name, value in kwargs["files"]}
    assert parts["file"][0] == "in.jsonl"
    assert parts["purpose"][1] == b"batch"
    assert parts["visibility"][1] == b"user"
    assert parts["expiry"][1] == b"48"


def test_list_files_sends_arrays_as_repeated_parameters() -> None:
    request = build(
        list_files._get_kwargs(
            page=2,
            page_size=10,
            include_total=False,
            sample_type=[SampleType.BATCH_RESULT, "new_kind"],
            source=[Source.MISTRAL, Source.UPLOAD],
            search="results",
            purpose=FilePurpose.BATCH,
            mimetypes=["application/jsonl"],
        )
    )
    assert request.method == "GET"
    assert request.url.path == "/v1/files"
    assert sorted(query(request)) == sorted(
        [
            ("page", "2"),
            ("page_size", "10"),
            ("include_total", "false"),
            ("sample_type", "batch_result"),
            ("sample_type", "new_kind"),
            ("source", "mistral"),
            ("source", "upload"),
            ("search", "results"),
            ("purpose", "batch"),
            ("mimetypes", "application/jsonl"),
        ]
    )


def test_file_operations_put_the_id_in_the_path() -> None:
    assert build(retrieve_file._get_kwargs("f-1")).url.path == "/v1/files/f-1"
    deleted = build(delete_file._get_kwargs("f-1"))
    assert (deleted.method, deleted.url.path) == ("DELETE", "/v1/files/f-1")
    assert build(download_file._get_kwargs("f-1")).url.path == "/v1/files/f-1/content"
    signed = build(get_signed_url._get_kwargs("f-1", expiry=2))
    assert signed.url.path == "/v1/files/f-1/url"
    assert query(signed) == [("expiry", "2")]


def test_create_batch_job_sends_the_json_body() -> None:
    body = BatchJobCreate.from_dict(
        {
            "input_files": ["f-1"],
            "endpoint": "/v1/chat/completions",
            "model": "mistral-small-latest",
            "metadata": {"job_type": "testing"},
            "timeout_hours": 48,
        }
    )
    assert body.endpoint is ApiEndpoint.CHAT_COMPLETIONS
    request = build(create_batch_job._get_kwargs(body=body))
    assert (request.method, request.url.path) == ("POST", "/v1/batch/jobs")
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "input_files": ["f-1"],
        "endpoint": "/v1/chat/completions",
        "model": "mistral-small-latest",
        "metadata": {"job_type": "testing"},
        "timeout_hours": 48,
    }


def test_create_batch_job_with_inline_requests() -> None:
    body = BatchJobCreate.from_dict(
        {
            "requests": [{"custom_id": "a", "body": {"messages": []}}],
            "endpoint": "/v1/embeddings",
            "agent_id": "ag-1",
        }
    )
    sent = json.loads(build(create_batch_job._get_kwargs(body=body)).content)
    assert sent["requests"] == [{"custom_id": "a", "body": {"messages": []}}]
    assert sent["agent_id"] == "ag-1"


def test_list_batch_jobs_sends_metadata_form_exploded_and_statuses_repeated() -> None:
    request = build(
        list_batch_jobs._get_kwargs(
            page=1,
            page_size=5,
            model="m",
            agent_id="ag",
            metadata=MetadataFilter.from_dict({"job_type": "testing", "team": "a b"}),
            created_after=datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
            created_by_me=True,
            status=[BatchJobStatus.RUNNING, "VALIDATING"],
            order_by=JobOrder.OLDEST_FIRST,
        )
    )
    pairs = query(request)
    assert ("job_type", "testing") in pairs
    assert ("team", "a b") in pairs
    assert not any(name == "metadata" for name, _ in pairs)
    assert [v for k, v in pairs if k == "status"] == ["RUNNING", "VALIDATING"]
    assert ("created_after", "2026-01-02T03:04:05+00:00") in pairs
    assert ("created_by_me", "true") in pairs
    assert ("order_by", "created") in pairs
    assert ("model", "m") in pairs and ("agent_id", "ag") in pairs


def test_job_operations_put_the_id_in_the_path() -> None:
    got = build(get_batch_job._get_kwargs("j-1", inline=True))
    assert (got.method, got.url.path, query(got)) == (
        "GET",
        "/v1/batch/jobs/j-1",
        [("inline", "true")],
    )
    cancel = build(cancel_batch_job._get_kwargs("j-1"))
    assert (cancel.method, cancel.url.path) == ("POST", "/v1/batch/jobs/j-1/cancel")
    delete = build(delete_batch_job._get_kwargs("j-1"))
    assert (delete.method, delete.url.path) == ("DELETE", "/v1/batch/jobs/j-1")
