"""Answers built from Mistral's published schema with only the required fields, or with
every optional field null, parse into the client's objects."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from mistral_batch import _parse

REFERENCE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "reference"
    / "mistral-openapi-public-doc-files-batch.yaml"
)

Parse = Callable[[httpx.Response], Any]

#: Each answer the client parses, by the name of its schema in Mistral's document.
PARSERS: dict[str, Parse] = {
    "BatchJob": _parse.batch_job,
    "ListBatchJobsResponse": _parse.job_page(0),
    "DeleteBatchJobResponse": _parse.job_deleted,
    "CreateFileResponse": _parse.file_object,
    "GetFileResponse": _parse.file_object,
    "FileSchema": _parse.file_object,
    "ListFilesResponse": _parse.file_page(0),
    "DeleteFileResponse": _parse.file_deleted,
    "GetSignedUrlResponse": _parse.signed_url,
}


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    if not REFERENCE.is_file():
        pytest.skip("Mistral's reference spec is not beside the checkout (../shared/reference)")
    spec = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
    found: dict[str, Any] = spec["components"]["schemas"]
    return found


def _resolve(schemas: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schemas[node["$ref"].rsplit("/", 1)[-1]]
    for key in ("allOf", "anyOf", "oneOf"):
        real = [alt for alt in node.get(key, []) if _resolve(schemas, alt).get("type") != "null"]
        if real:
            return _resolve(schemas, real[0])
    return node


def example(schemas: dict[str, Any], node: dict[str, Any], *, nulls: bool) -> Any:
    """A value of the schema: required fields only, or with every optional one null."""
    node = _resolve(schemas, node)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type", "object")
    kind = next((k for k in kind if k != "null"), "string") if isinstance(kind, list) else kind
    if kind == "object":
        required = node.get("required", [])
        props = node.get("properties", {})
        value = {name: example(schemas, props[name], nulls=nulls) for name in required}
        if nulls:
            value.update({name: None for name in props if name not in required})
        return value
    if kind == "array":
        return []
    return {"string": "x-1", "integer": 1, "number": 1.0, "boolean": True}[kind]


def test_the_reference_names_every_answer_parsed(schemas: dict[str, Any]) -> None:
    assert set(PARSERS) <= set(schemas)


@pytest.mark.parametrize("nulls", [False, True], ids=["required-only", "optional-null"])
@pytest.mark.parametrize("name", sorted(PARSERS))
def test_a_sparse_answer_parses(schemas: dict[str, Any], name: str, nulls: bool) -> None:
    body = example(schemas, schemas[name], nulls=nulls)
    if "url" in body:
        body["url"] = "https://storage.example/signed/x-1"
    if name.startswith("List") and nulls:
        # A page of one item, itself sparse, so that the items are parsed too.
        item = schemas[name]["properties"]["data"]["items"]
        body["data"] = [example(schemas, item, nulls=True)]
    parsed = PARSERS[name](httpx.Response(200, json=body))
    assert parsed is not None


def test_a_job_deletion_answered_with_only_its_id_means_deleted() -> None:
    deleted = _parse.job_deleted(httpx.Response(200, json={"id": "job-1"}))
    assert (deleted.id, deleted.deleted, deleted.object) == ("job-1", True, "batch")


def test_a_job_with_only_required_fields_has_none_for_the_rest(schemas: dict[str, Any]) -> None:
    job = _parse.batch_job(
        httpx.Response(200, json=example(schemas, schemas["BatchJob"], nulls=False))
    )
    assert job.id == "x-1"
    assert (job.model, job.output_file, job.error_file, job.metadata, job.outputs) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert job.object == "batch"
