"""What the overlay relies on in generated/: pinned here, so that a regeneration that
breaks the adapter (mistral_batch._generated) fails in this file first."""

import datetime
import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import yaml

from mistral_batch import _generated as gen

BASE = "https://api.example.test"

#: Each generated operation the adapter calls, and the parameters it passes by name.
OPERATIONS = {
    "files.upload_file": {"body"},
    "files.list_files": {
        "page",
        "page_size",
        "include_total",
        "sample_type",
        "source",
        "search",
        "purpose",
        "mimetypes",
    },
    "files.retrieve_file": {"file_id"},
    "files.delete_file": {"file_id"},
    "files.download_file": {"file_id"},
    "files.get_signed_url": {"file_id", "expiry"},
    "batch.create_batch_job": {"body"},
    "batch.list_batch_jobs": {
        "page",
        "page_size",
        "model",
        "agent_id",
        "metadata",
        "created_after",
        "created_by_me",
        "status",
        "order_by",
    },
    "batch.get_batch_job": {"job_id", "inline"},
    "batch.cancel_batch_job": {"job_id"},
    "batch.delete_batch_job": {"job_id"},
}


def build(kwargs: dict[str, Any]) -> httpx.Request:
    with httpx.Client(base_url=BASE) as client:
        return client.build_request(**kwargs)


def query(request: httpx.Request) -> list[tuple[str, str]]:
    return parse_qsl(request.url.query.decode(), keep_blank_values=True)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_each_operation_has_get_kwargs_taking_what_the_adapter_passes(operation: str) -> None:
    tag, name = operation.split(".")
    module = importlib.import_module(f"mistral_batch_api.api.{tag}.{name}")
    parameters = inspect.signature(module._get_kwargs).parameters
    assert OPERATIONS[operation] <= set(parameters)
    # Every other parameter has a default: the adapter need not know it.
    others = set(parameters) - OPERATIONS[operation]
    assert all(parameters[p].default is not inspect.Parameter.empty for p in others)


def test_the_adapter_covers_every_operation_of_the_generated_package() -> None:
    generated = {
        f"{tag}.{path.stem}"
        for tag in ("files", "batch")
        for path in Path(importlib.import_module(f"mistral_batch_api.api.{tag}").__path__[0]).glob(
            "*.py"
        )
        if path.stem != "__init__"
    }
    assert generated == set(OPERATIONS)
    assert all(callable(getattr(gen, op.split(".")[1])) for op in OPERATIONS)


def test_file_requests_put_the_id_in_the_path() -> None:
    retrieve = build(gen.retrieve_file("f-1"))
    assert (retrieve.method, retrieve.url.path) == ("GET", "/v1/files/f-1")
    deleted = build(gen.delete_file("f/1"))
    assert (deleted.method, deleted.url.raw_path) == ("DELETE", b"/v1/files/f%2F1")
    download = gen.download_file("f-1")
    assert "range" not in {k.lower() for k in download.get("headers", {})}
    assert build(download).url.path == "/v1/files/f-1/content"
    signed = build(gen.get_signed_url("f-1", 2))
    assert (signed.url.path, query(signed)) == ("/v1/files/f-1/url", [("expiry", "2")])


def test_list_files_sends_plain_strings_and_leaves_out_what_is_none() -> None:
    request = build(
        gen.list_files(
            page=2,
            page_size=10,
            include_total=False,
            sample_type=["batch_result", "new_kind"],
            source=None,
            search=None,
            purpose="audio-v2",
            mimetypes=("application/jsonl",),
        )
    )
    assert (request.method, request.url.path) == ("GET", "/v1/files")
    assert sorted(query(request)) == sorted(
        [
            ("page", "2"),
            ("page_size", "10"),
            ("include_total", "false"),
            ("sample_type", "batch_result"),
            ("sample_type", "new_kind"),
            ("purpose", "audio-v2"),
            ("mimetypes", "application/jsonl"),
        ]
    )


def test_upload_gives_the_form_fields_without_the_file_or_the_fixed_boundary() -> None:
    kwargs, fields = gen.upload_file(
        file_name="in.jsonl", purpose="batch", visibility="user", expiry=48
    )
    assert (kwargs["method"], kwargs["url"]) == ("post", "/v1/files")
    assert "headers" not in kwargs and "files" not in kwargs
    assert sorted(fields) == [("expiry", b"48"), ("purpose", b"batch"), ("visibility", b"user")]


def test_upload_carries_a_purpose_newer_than_the_enum_as_a_plain_field() -> None:
    _, fields = gen.upload_file(file_name="a", purpose="audio-v2", visibility=None, expiry=None)
    assert fields == [("purpose", b"audio-v2")]
    _, none = gen.upload_file(file_name="a", purpose=None, visibility=None, expiry=None)
    assert none == []


def test_create_sends_the_body_as_json() -> None:
    body = {"input_files": ["f-1"], "endpoint": "/v1/chat/completions", "timeout_hours": 48}
    request = build(gen.create_batch_job(body))
    assert (request.method, request.url.path) == ("POST", "/v1/batch/jobs")
    assert json.loads(request.content) == body


def test_list_batch_jobs_sends_filters_and_leaves_out_what_is_none() -> None:
    request = build(
        gen.list_batch_jobs(
            page=1,
            page_size=5,
            status=["RUNNING", "NEWER"],
            metadata={"job_type": "testing"},
            model=None,
            agent_id=None,
            created_after=datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC),
            created_by_me=False,
            order_by="-created",
        )
    )
    pairs = query(request)
    assert request.url.path == "/v1/batch/jobs"
    assert [v for k, v in pairs if k == "status"] == ["RUNNING", "NEWER"]
    assert ("job_type", "testing") in pairs
    assert ("order_by", "-created") in pairs
    assert ("created_after", "2026-01-02T00:00:00+00:00") in pairs
    assert not {"model", "agent_id"} & {k for k, _ in pairs}


def test_job_requests_put_the_id_in_the_path() -> None:
    got = build(gen.get_batch_job("j-1", inline=True))
    assert (got.method, got.url.path, query(got)) == (
        "GET",
        "/v1/batch/jobs/j-1",
        [("inline", "true")],
    )
    assert query(build(gen.get_batch_job("j-1"))) == []
    cancel = build(gen.cancel_batch_job("j-1"))
    assert (cancel.method, cancel.url.path) == ("POST", "/v1/batch/jobs/j-1/cancel")
    delete = build(gen.delete_batch_job("j-1"))
    assert (delete.method, delete.url.path) == ("DELETE", "/v1/batch/jobs/j-1")


def test_answers_are_read_by_the_generated_models() -> None:
    from mistral_batch_api import models
    from mistral_batch_api.types import Unset

    assert gen.Unset is Unset
    for name in ("BatchJob", "BatchJobList", "FileList", "FileObject", "FileDeleted"):
        assert getattr(gen, name) is getattr(models, name)
    listing = gen.FileList.from_dict({"data": [], "object": "list"})
    assert listing.data == [] and isinstance(listing.total, gen.Unset)
    deleted = gen.BatchJobDeleted.from_dict({"id": "j-1"})
    assert deleted.id == "j-1" and isinstance(deleted.deleted, gen.Unset)
    assert gen.SignedUrl.from_dict({"url": "https://x.test/f"}).url == "https://x.test/f"
    with pytest.raises(AttributeError):
        _ = gen.NoSuchThing  # type: ignore[attr-defined]


def test_enumerated_values_are_those_of_openapi_yaml(root: Path) -> None:
    schemas = yaml.safe_load((root / "openapi.yaml").read_text())["components"]["schemas"]
    assert sorted(gen.endpoints()) == sorted(schemas["ApiEndpoint"]["enum"])
    assert sorted(gen.purposes()) == sorted(schemas["FilePurpose"]["enum"])
    assert sorted(gen.visibilities()) == sorted(schemas["FileVisibility"]["enum"])


def test_importing_the_package_and_building_clients_loads_no_generated_module() -> None:
    code = (
        "import sys, mistral_batch\n"
        "mistral_batch.Mistral(api_key='k' * 32, server_url='http://127.0.0.1:1').close()\n"
        "mistral_batch.AsyncMistral(api_key='k' * 32, server_url='http://127.0.0.1:1')\n"
        "print(sorted(m for m in sys.modules if m.startswith('mistral_batch_api')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
