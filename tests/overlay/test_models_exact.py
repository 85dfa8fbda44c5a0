"""The public models to the letter: every field read from the generated model, the checks
on each field with their exact messages, and the derived properties."""

from __future__ import annotations

from typing import Any

import pytest

from mistral_batch import BatchJob, FileObject
from mistral_batch.models import Deleted, FieldTypeError, RequestCounts, SignedURL
from mistral_batch_api import models as gen

FILE_FIELDS: dict[str, Any] = {
    "id": "file-1",
    "filename": "a.jsonl",
    "bytes": 4,
    "created_at": 1,
    "purpose": "batch",
    "sample_type": "batch_request",
    "source": "upload",
}

JOB_FIELDS: dict[str, Any] = {
    "id": "job-1",
    "status": "RUNNING",
    "endpoint": "/v1/chat/completions",
    "input_files": ["file-1"],
    "created_at": 100,
    "total_requests": 10,
    "completed_requests": 7,
    "succeeded_requests": 5,
    "failed_requests": 2,
}

#: A job answer naming every field the contract gives, each with a value of its own.
FULL_JOB: dict[str, Any] = {
    "id": "job-full",
    "object": "batch.job",
    "input_files": ["file-a", "file-b"],
    "endpoint": "/v1/embeddings",
    "errors": [{"message": "bad line", "count": 2}],
    "status": "SUCCESS",
    "created_at": 1000,
    "total_requests": 9,
    "completed_requests": 8,
    "succeeded_requests": 6,
    "failed_requests": 2,
    "metadata": {"team": "nlp"},
    "model": "mistral-embed",
    "agent_id": "ag-7",
    "output_file": "file-out",
    "error_file": "file-err",
    "outputs": [{"custom_id": "c1", "response": {"status_code": 200}}],
    "started_at": 1001,
    "completed_at": 1002,
    "region": "eu",
}

FULL_FILE: dict[str, Any] = {
    "id": "file-full",
    "object": "file",
    "bytes": 123,
    "created_at": 50,
    "filename": "in.jsonl",
    "purpose": "batch",
    "sample_type": "batch_request",
    "source": "upload",
    "num_lines": 7,
    "mimetype": "application/jsonl",
    "signature": "sig-1",
    "expires_at": 60,
    "visibility": "user",
    "deleted": False,
    "shard": 3,
}


def test_a_job_keeps_every_field_of_the_answer() -> None:
    job = BatchJob.from_generated(gen.BatchJob.from_dict(FULL_JOB))
    assert job == BatchJob(
        id="job-full",
        status="SUCCESS",
        endpoint="/v1/embeddings",
        input_files=["file-a", "file-b"],
        created_at=1000,
        total_requests=9,
        completed_requests=8,
        succeeded_requests=6,
        failed_requests=2,
        errors=[{"message": "bad line", "count": 2}],
        model="mistral-embed",
        agent_id="ag-7",
        metadata={"team": "nlp"},
        output_file="file-out",
        error_file="file-err",
        outputs=[{"custom_id": "c1", "response": {"status_code": 200}}],
        started_at=1001,
        completed_at=1002,
        object="batch.job",
        extra={"region": "eu"},
    )
    # Enum values come out as plain strings, which print as themselves.
    assert type(job.status) is str and type(job.endpoint) is str
    assert repr(job) == (
        "BatchJob(id='job-full', status='SUCCESS', endpoint='/v1/embeddings', "
        "input_files=['file-a', 'file-b'], created_at=1000, total_requests=9, "
        "completed_requests=8, succeeded_requests=6, failed_requests=2, "
        "errors=[{'message': 'bad line', 'count': 2}], model='mistral-embed', "
        "agent_id='ag-7', metadata={'team': 'nlp'}, output_file='file-out', "
        "error_file='file-err', outputs=[{'custom_id': 'c1', 'response': "
        "{'status_code': 200}}], started_at=1001, completed_at=1002, object='batch.job')"
    )


def test_a_job_answer_without_the_optional_fields_leaves_them_none() -> None:
    answer = {**JOB_FIELDS, "errors": []}
    job = BatchJob.from_generated(gen.BatchJob.from_dict(answer))
    assert job == BatchJob(**JOB_FIELDS)
    assert (job.model, job.agent_id, job.metadata, job.outputs) == (None, None, None, None)
    assert (job.output_file, job.error_file, job.started_at, job.completed_at) == (
        None,
        None,
        None,
        None,
    )
    assert job.object == "batch"
    assert job.errors == [] and job.extra == {}


def test_a_job_answer_with_nulls_leaves_them_none() -> None:
    nulls = dict.fromkeys(("metadata", "model", "agent_id", "outputs", "output_file"), None)
    job = BatchJob.from_generated(gen.BatchJob.from_dict({**JOB_FIELDS, "errors": [], **nulls}))
    assert job == BatchJob(**JOB_FIELDS)


def test_a_job_s_derived_properties() -> None:
    job = BatchJob(**JOB_FIELDS, output_file="out-1", error_file="err-1")
    assert job.request_counts == RequestCounts(total=10, completed=7, succeeded=5, failed=2)
    assert (job.output_file_id, job.error_file_id) == ("out-1", "err-1")
    assert job.done is False
    for status in ("SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED"):
        assert BatchJob(**{**JOB_FIELDS, "status": status}).done is True
    for status in ("QUEUED", "RUNNING", "CANCELLATION_REQUESTED", "VALIDATING"):
        assert BatchJob(**{**JOB_FIELDS, "status": status}).done is False


def test_a_file_keeps_every_field_of_the_answer() -> None:
    found = FileObject.from_generated(gen.FileObject.from_dict(FULL_FILE))
    assert found == FileObject(
        id="file-full",
        filename="in.jsonl",
        bytes=123,
        created_at=50,
        purpose="batch",
        sample_type="batch_request",
        source="upload",
        num_lines=7,
        mimetype="application/jsonl",
        signature="sig-1",
        expires_at=60,
        visibility="user",
        deleted=False,
        object="file",
        extra={"shard": 3},
    )
    for value in (found.purpose, found.sample_type, found.source, found.visibility):
        assert type(value) is str
    # The unknown field is kept, but not printed.
    assert repr(found) == (
        "FileObject(id='file-full', filename='in.jsonl', bytes=123, created_at=50, "
        "purpose='batch', sample_type='batch_request', source='upload', num_lines=7, "
        "mimetype='application/jsonl', signature='sig-1', expires_at=60, "
        "visibility='user', deleted=False, object='file')"
    )


def test_a_file_answer_keeps_values_this_version_does_not_know() -> None:
    answer = {**FULL_FILE, "purpose": "audio-v2", "visibility": "team-only"}
    found = FileObject.from_generated(gen.FileObject.from_dict(answer))
    assert (found.purpose, found.visibility) == ("audio-v2", "team-only")


def test_a_file_answer_without_the_optional_fields_leaves_them_none() -> None:
    found = FileObject.from_generated(gen.FileObject.from_dict({**FILE_FIELDS, "object": "file"}))
    assert found == FileObject(**FILE_FIELDS)
    assert (found.num_lines, found.mimetype, found.signature) == (None, None, None)
    assert (found.expires_at, found.visibility, found.deleted) == (None, None, None)
    assert found.extra == {} and found.object == "file"
    nulls = dict.fromkeys(("num_lines", "visibility", "bytes"), None)
    bare = FileObject.from_generated(gen.FileObject.from_dict({**FULL_FILE, **nulls}))
    assert (bare.num_lines, bare.visibility, bare.bytes) == (None, None, None)


def test_a_job_deletion_needs_only_the_id() -> None:
    bare = Deleted.from_job_deletion(gen.BatchJobDeleted.from_dict({"id": "job-1"}))
    assert bare == Deleted(id="job-1", deleted=True, object="batch")
    full = {"id": "job-2", "deleted": False, "object": "batch.deleted"}
    assert Deleted.from_job_deletion(gen.BatchJobDeleted.from_dict(full)) == Deleted(
        id="job-2", deleted=False, object="batch.deleted"
    )


def test_a_signed_url_does_not_print_its_secret() -> None:
    assert repr(SignedURL(url="https://s.example/x?sig=SECRET")) == "SignedURL()"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": None}, "field 'id' is None, not a string"),
        ({"filename": b"a"}, "field 'filename' is b'a', not a string"),
        ({"bytes": "4"}, "field 'bytes' is '4', not an integer or null"),
        ({"bytes": True}, "field 'bytes' is True, not an integer or null"),
        ({"created_at": None}, "field 'created_at' is None, not an integer"),
        ({"created_at": 1.5}, "field 'created_at' is 1.5, not an integer"),
        ({"purpose": None}, "field 'purpose' is None, not a string"),
        ({"sample_type": 1}, "field 'sample_type' is 1, not a string"),
        ({"source": None}, "field 'source' is None, not a string"),
        ({"num_lines": "3"}, "field 'num_lines' is '3', not an integer or null"),
        ({"mimetype": 1}, "field 'mimetype' is 1, not a string or null"),
        ({"expires_at": False}, "field 'expires_at' is False, not an integer or null"),
        ({"deleted": 1}, "field 'deleted' is 1, not a boolean or null"),
        ({"object": None}, "field 'object' is None, not a string"),
    ],
)
def test_a_file_field_of_the_wrong_type_is_named(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(FieldTypeError) as caught:
        FileObject(**{**FILE_FIELDS, **changes})
    assert str(caught.value) == message
    assert caught.value.field == next(iter(changes))
    assert isinstance(caught.value, TypeError)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": None}, "field 'id' is None, not a string"),
        ({"status": None}, "field 'status' is None, not a string"),
        ({"input_files": ("f",)}, "field 'input_files' is ('f',), not a list"),
        ({"input_files": None}, "field 'input_files' is None, not a list"),
        ({"total_requests": None}, "field 'total_requests' is None, not an integer"),
        ({"failed_requests": True}, "field 'failed_requests' is True, not an integer"),
        ({"errors": None}, "field 'errors' is None, not a list"),
        ({"metadata": []}, "field 'metadata' is [], not an object or null"),
        ({"model": 5}, "field 'model' is 5, not a string or null"),
        ({"agent_id": 5}, "field 'agent_id' is 5, not a string or null"),
        ({"outputs": {}}, "field 'outputs' is {}, not a list or null"),
        ({"started_at": "now"}, "field 'started_at' is 'now', not an integer or null"),
    ],
)
def test_a_job_field_of_the_wrong_type_is_named(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(FieldTypeError) as caught:
        BatchJob(**{**JOB_FIELDS, **changes})
    assert str(caught.value) == message
    assert caught.value.field == next(iter(changes))


def test_the_optional_fields_take_null_and_the_others_do_not() -> None:
    optional = {"bytes", "num_lines", "mimetype", "signature", "expires_at", "visibility"}
    for name in optional | {"deleted"}:
        assert getattr(FileObject(**{**FILE_FIELDS, name: None}), name) is None
    for name in set(FILE_FIELDS) - optional:
        with pytest.raises(FieldTypeError):
            FileObject(**{**FILE_FIELDS, name: None})


def test_a_long_value_is_cut_in_the_message() -> None:
    # A repr of 60 characters is shown whole; from 61 on, its first 57 and "...".
    fits = "x" * 58
    with pytest.raises(FieldTypeError) as caught:
        FileObject(**{**FILE_FIELDS, "bytes": fits})
    assert str(caught.value) == f"field 'bytes' is '{fits}', not an integer or null"
    with pytest.raises(FieldTypeError) as caught:
        FileObject(**{**FILE_FIELDS, "bytes": fits + "y"})
    shown = "'" + "x" * 56 + "..."
    assert str(caught.value) == f"field 'bytes' is {shown}, not an integer or null"
    assert len(shown) == 60
