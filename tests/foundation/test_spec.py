"""openapi.yaml is a valid OpenAPI 3.1 document that says what the wire does."""

from pathlib import Path
from typing import Any

import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

OPERATIONS = {
    "upload_file",
    "list_files",
    "retrieve_file",
    "delete_file",
    "download_file",
    "get_signed_url",
    "create_batch_job",
    "list_batch_jobs",
    "get_batch_job",
    "cancel_batch_job",
    "delete_batch_job",
}


def load(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((root / "openapi.yaml").read_text())
    return data


def operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for item in spec["paths"].values():
        for method in ("get", "post", "delete"):
            if method in item:
                found[item[method]["operationId"]] = item[method]
    return found


def test_the_document_validates(root: Path) -> None:
    spec_dict, base_uri = read_from_filename(str(root / "openapi.yaml"))
    validate(spec_dict, base_uri=base_uri)
    assert spec_dict["openapi"].startswith("3.1")


def test_it_covers_every_files_and_batch_operation(root: Path) -> None:
    assert set(operations(load(root))) == OPERATIONS


def test_every_operation_describes_its_errors(root: Path) -> None:
    for name, op in operations(load(root)).items():
        codes = set(op["responses"])
        assert {"401", "422", "429", "500"} <= codes, name


def test_growing_enums_are_open_in_responses(root: Path) -> None:
    schemas = load(root)["components"]["schemas"]
    for schema, field in [
        ("BatchJob", "status"),
        ("BatchJob", "endpoint"),
        ("FileObject", "purpose"),
        ("FileObject", "sample_type"),
        ("FileObject", "source"),
    ]:
        alternatives = schemas[schema]["properties"][field]["anyOf"]
        assert {"type": "string"} in alternatives, (schema, field)


def test_ids_in_responses_are_opaque_strings(root: Path) -> None:
    schemas = load(root)["components"]["schemas"]
    for schema in ("FileObject", "BatchJob", "FileDeleted", "BatchJobDeleted"):
        assert schemas[schema]["properties"]["id"]["type"] == "string"
        assert "format" not in schemas[schema]["properties"]["id"]


def test_bytes_is_nullable_but_required(root: Path) -> None:
    schema = load(root)["components"]["schemas"]["FileObject"]
    assert "bytes" in schema["required"]
    assert schema["properties"]["bytes"]["type"] == ["integer", "null"]


def test_metadata_filter_travels_form_exploded(root: Path) -> None:
    params = operations(load(root))["list_batch_jobs"]["parameters"]
    metadata = next(p for p in params if p.get("name") == "metadata")
    assert (metadata["style"], metadata["explode"]) == ("form", True)
