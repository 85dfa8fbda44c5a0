"""The generated models parse what the server really sends, unknown values included."""

from typing import Any

from mistral_batch_api.models import (
    ApiError,
    BatchJob,
    BatchJobList,
    BatchJobStatus,
    FileList,
    FileObject,
    FilePurpose,
    SampleType,
    ValidationErrorList,
)


def file_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "e85980c9-409e-4a46-9304-36588f6292b0",
        "object": "file",
        "bytes": 1234,
        "created_at": 1759500189,
        "filename": "input.jsonl",
        "purpose": "batch",
        "sample_type": "batch_request",
        "source": "upload",
        "num_lines": 2,
        "mimetype": "application/jsonl",
        "signature": None,
    }
    body.update(overrides)
    return body


def job_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "b-1",
        "object": "batch",
        "input_files": ["f-1"],
        "metadata": {"job_type": "testing"},
        "endpoint": "/v1/chat/completions",
        "model": "mistral-small-latest",
        "agent_id": None,
        "output_file": None,
        "error_file": None,
        "errors": [],
        "status": "QUEUED",
        "created_at": 1,
        "total_requests": 10,
        "completed_requests": 0,
        "succeeded_requests": 0,
        "failed_requests": 0,
        "started_at": None,
        "completed_at": None,
    }
    body.update(overrides)
    return body


def test_bytes_null_parses() -> None:
    parsed = FileObject.from_dict(file_body(bytes=None))
    assert parsed.bytes_ is None
    assert parsed.purpose is FilePurpose.BATCH
    assert parsed.sample_type is SampleType.BATCH_REQUEST


def test_unknown_purpose_and_sample_type_are_kept_as_strings() -> None:
    parsed = FileObject.from_dict(file_body(purpose="audio-v2", sample_type="video"))
    assert parsed.purpose == "audio-v2" and not isinstance(parsed.purpose, FilePurpose)
    assert parsed.sample_type == "video"
    assert parsed.to_dict()["purpose"] == "audio-v2"


def test_placeholder_ids_parse() -> None:
    listing = FileList.from_dict(
        {"data": [file_body(id="<your_file_id>")], "object": "list", "total": 1}
    )
    assert listing.data[0].id == "<your_file_id>"


def test_extra_fields_are_kept() -> None:
    parsed = FileObject.from_dict(file_body(region="eu", checksum={"sha256": "ab"}))
    assert parsed.additional_properties == {"region": "eu", "checksum": {"sha256": "ab"}}
    job = BatchJob.from_dict(job_body(priority="low"))
    assert job["priority"] == "low"


def test_known_and_unknown_job_status() -> None:
    assert BatchJob.from_dict(job_body(status="RUNNING")).status is BatchJobStatus.RUNNING
    unknown = BatchJob.from_dict(job_body(status="VALIDATING"))
    assert unknown.status == "VALIDATING"
    assert unknown.to_dict()["status"] == "VALIDATING"


def test_unknown_endpoint_is_kept() -> None:
    assert BatchJob.from_dict(job_body(endpoint="/v1/agents/completions")).endpoint == (
        "/v1/agents/completions"
    )


def test_job_list_and_errors() -> None:
    listing = BatchJobList.from_dict(
        {
            "data": [job_body(errors=[{"message": "body is not an object", "count": 3}])],
            "object": "list",
            "total": 1,
        }
    )
    assert listing.total == 1
    assert listing.data[0].errors[0].count == 3


def test_error_bodies() -> None:
    error = ApiError.from_dict(
        {
            "object": "error",
            "message": "No file",
            "type": "not_found",
            "param": None,
            "code": "1404",
        }
    )
    assert (error.message, error.type_, error.code) == ("No file", "not_found", "1404")
    detail = ValidationErrorList.from_dict(
        {
            "detail": [
                {"loc": ["body", "timeout_hours"], "msg": "too big", "type": "less_than_equal"}
            ]
        }
    )
    assert detail.detail[0].loc == ["body", "timeout_hours"]
