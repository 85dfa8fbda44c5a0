"""Handlers of the Files API: upload, list, retrieve, delete, download, signed URLs."""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ._download import file_response
from ._errors import ApiError, ValidationFailed, issue, json_response, not_found
from ._http import caller, query_bool, query_int, query_list, state_of
from ._records import FileQuery, FileRecord, new_id
from ._store import remove_quietly
from ._upload import guess_mimetype, receive_upload

PURPOSES = ("fine-tune", "batch", "ocr", "audio")
VISIBILITIES = ("workspace", "user")
# Expiries further away than this (year 2255) are kept as this.
_LATEST = 9_000_000_000.0


def file_json(record: FileRecord, *, with_deleted: bool = False) -> dict[str, Any]:
    """A file as the API shows it."""
    body: dict[str, Any] = {
        "id": record.id,
        "object": "file",
        "bytes": record.bytes,
        "created_at": int(record.created_at),
        "filename": record.filename,
        "purpose": record.purpose,
        "sample_type": record.sample_type,
        "source": record.source,
        "num_lines": record.num_lines,
        "mimetype": record.mimetype,
        "signature": record.signature,
        "expires_at": None if record.expires_at is None else int(record.expires_at),
        "visibility": record.visibility,
    }
    if with_deleted:
        body["deleted"] = False
    return body


def _form_fields(fields: dict[str, str]) -> tuple[str, str, int | None]:
    problems = []
    purpose = fields.get("purpose", "fine-tune").strip()
    if purpose not in PURPOSES:
        problems.append(
            issue(["body", "purpose"], f"Input should be one of {', '.join(PURPOSES)}", "enum")
        )
    visibility = fields.get("visibility", "workspace").strip()
    if visibility not in VISIBILITIES:
        problems.append(
            issue(["body", "visibility"], "Input should be 'workspace' or 'user'", "enum")
        )
    expiry: int | None = None
    raw_expiry = fields.get("expiry")
    if raw_expiry is not None:
        try:
            expiry = int(raw_expiry.strip())
        except ValueError:
            problems.append(
                issue(["body", "expiry"], "Input should be a valid integer", "int_parsing")
            )
        else:
            if expiry < 1:
                problems.append(
                    issue(
                        ["body", "expiry"],
                        "Input should be greater than or equal to 1",
                        "greater_than_equal",
                    )
                )
    if problems:
        raise ValidationFailed(problems)
    return purpose, visibility, expiry


async def upload_file(request: Request) -> Response:
    """POST /v1/files."""
    state = state_of(request)
    path = state.store.temp_path()
    try:
        upload = await receive_upload(request, path, state.settings.max_upload_bytes)
        purpose, visibility, expiry = _form_fields(upload.fields)
    except BaseException:
        remove_quietly(path)
        raise
    now = time.time()
    scanner = upload.scanner
    if purpose == "batch" and scanner.lines and scanner.all_batch_requests:
        sample_type = "batch_request"
    elif scanner.lines and scanner.all_chat_samples:
        sample_type = "instruct"
    else:
        sample_type = "pretrain"
    filename = upload.filename or "upload"
    hours = state.settings.hour_seconds
    record = FileRecord(
        id=new_id(),
        workspace=caller(request),
        filename=filename,
        purpose=purpose,
        sample_type=sample_type,
        source="upload",
        num_lines=scanner.lines,
        mimetype=guess_mimetype(filename),
        signature=upload.signature,
        bytes=upload.size,
        created_at=now,
        expires_at=None if expiry is None else min(now + expiry * hours, _LATEST),
        visibility=visibility,
    )
    path.rename(state.store.blob_path(record.id))
    state.store.insert_file(record)
    return json_response(file_json(record))


async def list_files(request: Request) -> Response:
    """GET /v1/files."""
    state = state_of(request)
    page = query_int(request, "page", 0, minimum=0)
    page_size = query_int(request, "page_size", 100, minimum=1)
    include_total = query_bool(request, "include_total", True)
    query = FileQuery(
        sample_types=query_list(request, "sample_type"),
        sources=query_list(request, "source"),
        mimetypes=query_list(request, "mimetypes"),
        search=request.query_params.get("search"),
        purpose=request.query_params.get("purpose"),
    )
    records, total = state.store.list_files(caller(request), query, page, page_size, time.time())
    return json_response(
        {
            "data": [file_json(record) for record in records],
            "object": "list",
            "total": total if include_total else None,
        }
    )


def _own_file(request: Request) -> FileRecord:
    file_id = request.path_params["file_id"]
    record = state_of(request).store.get_file(caller(request), file_id, time.time())
    if record is None:
        raise not_found("File", file_id)
    return record


async def retrieve_file(request: Request) -> Response:
    """GET /v1/files/{file_id}."""
    return json_response(file_json(_own_file(request), with_deleted=True))


async def delete_file(request: Request) -> Response:
    """DELETE /v1/files/{file_id}."""
    file_id = request.path_params["file_id"]
    if not state_of(request).store.delete_file(caller(request), file_id, time.time()):
        raise not_found("File", file_id)
    return json_response({"id": file_id, "object": "file", "deleted": True})


async def download_file(request: Request) -> Response:
    """GET /v1/files/{file_id}/content."""
    record = _own_file(request)
    return file_response(request, record, state_of(request).store.blob_path(record.id))


async def get_signed_url(request: Request) -> Response:
    """GET /v1/files/{file_id}/url."""
    record = _own_file(request)
    state = state_of(request)
    # Mistral's document: a signed URL lives between 1 hour and a week.
    hours = query_int(request, "expiry", 24, minimum=1, maximum=168)
    expires_at = min(time.time() + hours * state.settings.hour_seconds, _LATEST)
    token = state.signer.sign(record.id, expires_at)
    base = str(request.base_url).rstrip("/")
    return json_response({"url": f"{base}/signed/{token}"})


async def signed_download(request: Request) -> Response:
    """GET /signed/{token}: the content, for whoever holds a valid signed token."""
    state = state_of(request)
    verified = state.signer.verify(request.path_params["token"])
    if verified is None:
        raise ApiError(403, "Signature not valid for this URL")
    file_id, expires_at = verified
    if time.time() >= expires_at:
        raise ApiError(403, "This signed URL has expired")
    record = state.store.get_file(None, file_id, time.time())
    if record is None:
        raise not_found("File", file_id)
    return file_response(request, record, state.store.blob_path(record.id))
