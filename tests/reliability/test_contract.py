"""The contract, from both sides: the emulator answers every operation as openapi.yaml says
(schemathesis's property-based cases, counted, zero failures), and every request the
client sends fits openapi.yaml."""

from __future__ import annotations

import datetime
import email.parser
import email.policy
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from reliability_helpers import MODEL, QUICK_POLL, chat, fast_client, jsonl
from schemathesis import Case
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from mistral_batch import Mistral
from mistral_batch.emulator import Emulator

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"
OPERATIONS = (
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
)


@cache
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text())


# --- The emulator answers as the contract says ---------------------------------------------

SCHEMATHESIS_KEY = "schemathesis-key"
SCHEMA = schemathesis.openapi.from_path(SPEC_PATH)


@pytest.fixture(scope="module")
def live() -> Iterator[Emulator]:
    """The emulator schemathesis talks to, shared by every case."""
    with Emulator(api_keys=[SCHEMATHESIS_KEY]) as emulator:
        yield emulator


def test_schemathesis_tries_every_operation() -> None:
    operations = {op.ok().definition.raw.get("operationId") for op in SCHEMA.get_all_operations()}
    assert operations == set(OPERATIONS)


@SCHEMA.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_emulator_keeps_the_contract(case: Case, live: Emulator, recorder: Any) -> None:
    excluded = []
    operation_id = case.operation.definition.raw.get("operationId")
    if operation_id in ("list_files", "list_batch_jobs"):
        # Every query value is a string on the wire: the "invalid" values schemathesis
        # makes for string filters (an integer, a null metadata value) arrive as valid
        # strings and are rightly accepted.
        excluded.append(negative_data_rejection)
    if operation_id == "create_batch_job":
        # openapi.yaml does not encode a rule the API enforces with a 422: exactly one of
        # input_files and requests. Schema-valid bodies that break it are rightly
        # refused, so this one check does not apply here.
        excluded.append(positive_data_acceptance)
    recorder.tried_one("Contract cases run by schemathesis (zero failures)", str(operation_id))
    case.call_and_validate(
        base_url=live.url,
        headers={"Authorization": f"Bearer {SCHEMATHESIS_KEY}"},
        excluded_checks=excluded,
    )


# --- The client asks as the contract says --------------------------------------------------


_URN = "urn:mistral-batch:openapi"


@cache
def registry() -> Registry:
    return Registry().with_resource(_URN, Resource.from_contents(spec(), DRAFT202012))


def absolute(schema_: Any) -> Any:
    """`schema_` with its "#/..." references pointed at openapi.yaml in the registry."""
    if isinstance(schema_, dict):
        return {
            k: _URN + v if k == "$ref" and v.startswith("#/") else absolute(v)
            for k, v in schema_.items()
        }
    if isinstance(schema_, list):
        return [absolute(item) for item in schema_]
    return schema_


def validate(instance: Any, schema_: dict[str, Any], where: str) -> None:
    validator = jsonschema.Draft202012Validator(
        absolute(schema_), registry=registry(), format_checker=jsonschema.FormatChecker()
    )
    errors = list(validator.iter_errors(instance))
    assert not errors, f"{where}: {errors[0].message} in {instance!r}"


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """The schema or parameter a "$ref" points at (followed until there is none)."""
    while "$ref" in node:
        target: Any = spec()
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def find(method: str, path: str) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    for template, item in spec()["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "(?P<p>[^/]+)", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in item:
            listed = item.get("parameters", []) + item[method.lower()].get("parameters", [])
            params = [resolve(p) for p in listed]
            return template, item[method.lower()], params
    raise AssertionError(f"{method} {path} is no operation of openapi.yaml")


def typed(value: str, schema_: dict[str, Any]) -> Any:
    """A query or form value as the JSON type its schema asks for."""
    kind = schema_.get("type")
    if kind == "integer":
        assert re.fullmatch(r"-?\d+", value), f"{value!r} is not an integer"
        return int(value)
    if kind == "boolean":
        assert value in ("true", "false"), f"{value!r} is not a boolean as the API reads it"
        return value == "true"
    if schema_.get("format") == "date-time":
        try:
            datetime.datetime.fromisoformat(value)
        except ValueError:
            raise AssertionError(f"{value!r} is not a date-time") from None
    return value


def check_request(request: httpx.Request) -> str:
    """Fail unless `request` is one that openapi.yaml describes; return its operationId."""
    template, op, params = find(request.method, request.url.path)
    names = template.strip("/").split("/")
    values = request.url.path.strip("/").split("/")
    for name, value in zip(names, values, strict=True):
        if name.startswith("{"):
            param = next(p for p in params if p["name"] == name[1:-1])
            validate(value, param["schema"], "path")
    query = list(request.url.params.multi_items())
    free_form = None
    declared = {}
    for param in params:
        if param["in"] != "query":
            continue
        schema_ = resolve(param["schema"])
        if schema_.get("type") == "object":
            free_form = param
        else:
            declared[param["name"]] = (param, schema_)
    loose: dict[str, str] = {}
    for name, value in query:
        if name not in declared:
            assert free_form is not None, f"{op['operationId']}: unknown query parameter {name}"
            loose[name] = value
            continue
        param, schema_ = declared[name]
        if schema_.get("type") == "array":
            validate([value], param["schema"], "query")
        else:
            assert sum(1 for n, _ in query if n == name) == 1, f"{name} sent twice"
            validate(typed(value, schema_), param["schema"], "query")
    if loose and free_form is not None:
        validate(loose, free_form["schema"], "query")
    check_body(request, op)
    return str(op["operationId"])


def check_body(request: httpx.Request, op: dict[str, Any]) -> None:
    declared = op.get("requestBody", {}).get("content", {})
    body = request.read()
    if not declared:
        assert not body, f"{op['operationId']} takes no body"
        return
    media = request.headers.get("content-type", "").split(";")[0].strip()
    assert media in declared, f"{op['operationId']}: {media} is not a declared content type"
    schema_ = declared[media]["schema"]
    if media == "application/json":
        validate(httpx.Response(200, content=body).json(), schema_, "body")
        return
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode() + body
    )
    fields = resolve(schema_)["properties"]
    form: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        assert name in fields, f"upload_file: unknown form field {name}"
        if fields[name].get("format") == "binary":
            assert part.get_filename(), "the file part carries its file name"
            form[name] = "<bytes>"
        else:
            form[name] = typed(part.get_content().strip(), resolve(fields[name]))
    validate(form, schema_, "body")


class Recording(httpx.HTTPTransport):
    """Sends requests as usual, keeping a copy of each, its streamed body included."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # An upload's body is a generator, read once: keep the bytes, send those.
        body = b"".join(request.stream)  # type: ignore[union-attr]
        request.stream = httpx.ByteStream(body)
        copy = httpx.Request(request.method, request.url, headers=request.headers, content=body)
        self.requests.append(copy)
        return super().handle_request(request)


@pytest.fixture
def sent(emu: Emulator) -> Iterator[tuple[Mistral, list[httpx.Request]]]:
    recording = Recording()
    with (
        httpx.Client(transport=recording, timeout=30) as http,
        fast_client(emu, http_client=http) as client,
    ):
        yield client, recording.requests


def test_every_request_the_client_sends_fits_the_contract(
    emu: Emulator, sent: tuple[Mistral, list[httpx.Request]], recorder: Any
) -> None:
    client, requests = sent
    # Every operation, with every option the client offers.
    uploaded = client.files.upload(jsonl([chat("a"), chat("b")]), file_name="in.jsonl")
    client.files.upload(b"plain", purpose="batch", visibility="user", expiry=2)
    list(client.files.list(page_size=1, search="in", purpose="batch", source=["upload"]))
    list(client.files.list(sample_type=["batch_request"], mimetypes=["application/jsonl"]))
    client.files.retrieve(uploaded.id)
    client.files.download(uploaded.id).read()
    client.files.get_signed_url(uploaded.id, expiry=3)
    job = client.batch.jobs.create(
        input_files=[uploaded.id], model=MODEL, metadata={"case": "contract"}, timeout_hours=3
    )
    emu.inject("create_batch_job", status=503)  # so that the create's lookup is sent too
    inline = client.batch.jobs.create(requests=[chat("x")], model=MODEL)
    since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    list(
        client.batch.jobs.list(
            status=["SUCCESS", "RUNNING"],
            metadata={"case": "contract"},
            model=MODEL,
            created_after=since,
            created_by_me=True,
            order_by="created",
            page_size=1,
        )
    )
    client.batch.jobs.get(inline.id, inline=True)
    client.batch.jobs.cancel(job.id)
    client.batch.jobs.wait(job, timeout=20, backoff=QUICK_POLL)
    client.batch.jobs.delete(job.id)
    client.files.delete(uploaded.id)

    checked = [check_request(request) for request in requests]
    for operation_id in checked:
        recorder.tried_one("Client requests validated against openapi.yaml", operation_id)
    assert set(checked) == set(OPERATIONS)


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "/v1/files?page_size=0", None),
        ("GET", "/v1/files?include_total=True", None),
        ("GET", "/v1/files/abc?verbose=1", None),
        ("GET", "/v1/batch/jobs?created_after=yesterday", None),
        ("POST", "/v1/batch/jobs", {"endpoint": "/v1/chat/completions", "timeout_hours": 0}),
        ("POST", "/v1/batch/jobs", {"endpoint": 42}),
        ("DELETE", "/v1/batch/jobs", None),
    ],
)
def test_the_request_checker_refuses_what_the_contract_does_not_allow(
    method: str, url: str, body: Any
) -> None:
    request = httpx.Request(method, "http://127.0.0.1" + url, json=body)
    with pytest.raises(AssertionError):
        check_request(request)
