"""Checks that an emulator's JSON answers match the project's openapi.yaml."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"
_URN = "urn:mistral-batch:openapi"
# Answers the contract does not list but HTTP requires: partial content and bad ranges.
_EXTRA_STATUSES = {"download_file": {206, 416}}


@cache
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text())


@cache
def _registry() -> Registry:
    return Registry().with_resource(_URN, Resource.from_contents(spec(), DRAFT202012))


@cache
def _templates() -> list[tuple[re.Pattern[str], str, str]]:
    found = []
    for path in spec()["paths"]:
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path))
        found.append((re.compile(f"^{pattern}$"), path, path.replace("/", "~1")))
    return found


@cache
def _validator(location: str) -> jsonschema.Draft202012Validator:
    schema = {"$ref": f"{_URN}#/{location}/content/application~1json/schema"}
    return jsonschema.Draft202012Validator(schema, registry=_registry())


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def operation_for(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    for pattern, template, _ in _templates():
        if pattern.match(path):
            operation = spec()["paths"][template].get(method.lower())
            if operation is not None:
                return template, operation
    return None


def check_response(response: httpx.Response) -> None:
    """Fail when a JSON answer to a contract operation does not match the contract."""
    request = response.request
    found = operation_for(request.method, request.url.path)
    if found is None:
        return
    template, operation = found
    status = str(response.status_code)
    if response.status_code in _EXTRA_STATUSES.get(operation["operationId"], set()):
        return
    responses = operation["responses"]
    if status not in responses and status.startswith("5") and "500" in responses:
        # The contract's ServerError says gateways answer 502-504 too, in whatever shape.
        if not response.headers.get("content-type", "").startswith("application/json"):
            return
        status = "500"
    assert status in responses, (
        f"{operation['operationId']} answered {status}, not in the contract: {response.text[:300]}"
    )
    declared = responses[status]
    location = _pointer("paths", template, request.method.lower(), "responses", status)
    if "application/json" not in declared.get("content", {}) and "$ref" not in declared:
        return
    if "$ref" in declared:
        name = declared["$ref"].rsplit("/", 1)[-1]
        declared = spec()["components"]["responses"][name]
        location = _pointer("components", "responses", name)
    content = declared.get("content", {})
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if "application/json" not in content or (media != "application/json" and media in content):
        return
    assert response.headers.get("content-type", "").startswith("application/json"), (
        f"{operation['operationId']} {status} is not JSON: {response.headers}"
    )
    validator = _validator(location)
    errors = sorted(validator.iter_errors(response.json()), key=lambda e: list(e.path))
    assert not errors, f"{operation['operationId']} {status}: {errors[0].message}"
