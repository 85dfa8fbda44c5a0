"""The files resource: upload, list, retrieve, delete, download and signed URLs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from . import _generated as gen
from ._deadline import scope
from ._download import AsyncDownload, Download
from ._http import AsyncTransport, Operation, SyncTransport
from ._input import MAX_INPUT_BYTES
from ._local_files import Progress
from ._pagination import AsyncPaginator, Page, SyncPaginator
from ._parse import file_deleted as _deleted
from ._parse import file_object as _file
from ._parse import file_page as _page
from ._parse import signed_url as _signed
from ._upload import Multipart, UploadSource, upload_source
from ._validation import (
    validate_id,
    validate_page_size,
    validate_purpose,
    validate_signed_url,
    validate_signed_url_expiry,
)
from .errors import InputError
from .models import Deleted, FileObject, SignedURL

# Retried like a safe call: a retry after a lost answer can leave a second copy of the
# file, which costs nothing, where giving up would lose the user's whole run.
UPLOAD = Operation("upload_file", bounded_attempt=False)
LIST = Operation("list_files")
RETRIEVE = Operation("retrieve_file")
DELETE = Operation("delete_file")
DOWNLOAD = Operation("download_file")
SIGNED_URL = Operation("get_signed_url")
SIGNED_DOWNLOAD = Operation("download_signed_url", secret_url=True)


def _upload_parts(
    source: UploadSource, purpose: str | None, visibility: str | None, expiry: int | None
) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
    """The generated module's request, and its form fields other than the file."""
    if source.size is not None and source.size > MAX_INPUT_BYTES:
        raise InputError(
            f"{source.name} is {source.size} bytes; the limit is {MAX_INPUT_BYTES} (512 MB)",
            field="file",
        )
    if purpose is not None:
        validate_purpose(purpose)
    if visibility is not None and visibility not in gen.visibilities():
        raise InputError(f"visibility must be workspace or user, got {visibility!r}")
    if expiry is not None and (
        not isinstance(expiry, int) or isinstance(expiry, bool) or expiry < 1
    ):
        raise InputError(f"expiry must be a positive number of hours, got {expiry!r}")
    return gen.upload_file(
        file_name=source.name, purpose=purpose, visibility=visibility, expiry=expiry
    )


def _list_kwargs(
    page: int,
    page_size: int,
    *,
    include_total: bool,
    sample_type: Sequence[str] | None,
    source: Sequence[str] | None,
    search: str | None,
    purpose: str | None,
    mimetypes: Sequence[str] | None,
) -> dict[str, Any]:
    return gen.list_files(
        page=page,
        page_size=page_size,
        include_total=include_total,
        sample_type=sample_type,
        source=source,
        search=search,
        purpose=purpose,
        mimetypes=mimetypes,
    )


# identity: a compressed body would make byte counts and Range offsets meaningless.
ACCEPT_BYTES = {
    "Accept": "application/octet-stream, application/json",
    "Accept-Encoding": "identity",
}


def _download_kwargs(file_id: str, extra: dict[str, str]) -> dict[str, Any]:
    """The generated download request, resuming from a Range when one is asked."""
    return {**gen.download_file(file_id), "headers": dict(extra)}


def _file_id(value: str) -> str:
    return validate_id(value, "file_id")


class Files:
    """Files in the workspace: `client.files`."""

    def __init__(self, transport: SyncTransport) -> None:
        self._t = transport

    def upload(
        self,
        file: Any,
        purpose: str | None = "batch",
        *,
        file_name: str | None = None,
        visibility: str | None = None,
        expiry: int | None = None,
        progress: Progress | None = None,
    ) -> FileObject:
        """Upload a path, bytes, binary file object, File or {"file_name", "content"} dict.

        The content streams from its source; memory stays flat whatever the size. A
        failed upload is retried only when its source can be read again.
        """
        source = upload_source(file, file_name)
        kwargs, fields = _upload_parts(source, purpose, visibility, expiry)

        def factory() -> httpx.Request:
            body = Multipart(fields=fields, source=source, progress=progress)
            return self._t.build(
                self._t.client, {**kwargs, "content": iter(body)}, headers=body.headers()
            )

        return self._t.call(UPLOAD, factory, _file, replayable=source.replayable)

    def list(
        self,
        *,
        page_size: int = 100,
        page: int = 0,
        include_total: bool = True,
        sample_type: Sequence[str] | None = None,
        source: Sequence[str] | None = None,
        search: str | None = None,
        purpose: str | None = None,
        mimetypes: Sequence[str] | None = None,
    ) -> SyncPaginator[FileObject]:
        """Every matching file from page `page` (0, the first) on, fetched as you iterate.

        ``.pages()`` gives the pages as the server sent them.
        """
        size = validate_page_size(page_size)

        def fetch(page: int, page_size: int) -> Page[FileObject]:
            kwargs = _list_kwargs(
                page,
                page_size,
                include_total=include_total,
                sample_type=sample_type,
                source=source,
                search=search,
                purpose=purpose,
                mimetypes=mimetypes,
            )
            return self._t.call(LIST, lambda: self._t.build(self._t.client, kwargs), _page(page))

        return SyncPaginator(fetch, page_size=size, first_page=page)

    def retrieve(self, file_id: str) -> FileObject:
        """The file's description."""
        kwargs = gen.retrieve_file(_file_id(file_id))
        return self._t.call(RETRIEVE, lambda: self._t.build(self._t.client, kwargs), _file)

    def delete(self, file_id: str) -> Deleted:
        """Delete the file."""
        checked = _file_id(file_id)
        kwargs = gen.delete_file(checked)
        return self._t.call(
            DELETE,
            lambda: self._t.build(self._t.client, kwargs),
            _deleted,
            gone=lambda: Deleted(id=checked, deleted=True, object="file"),
        )

    def download(self, file_id: str) -> Download:
        """The file's content as a stream: iterate, read(), or write_to(path).

        Checked against the file's size from its metadata where it gives one: a body
        cut short is resumed, or raises IncompleteDownloadError.
        """
        checked = _file_id(file_id)
        at = self._t.operation_deadline()
        with scope(at):
            size = self.retrieve(checked).bytes

        def send(extra: dict[str, str]) -> httpx.Response:
            kwargs = _download_kwargs(checked, extra)
            with scope(at):
                return self._t.stream(
                    DOWNLOAD, lambda: self._t.build(self._t.client, kwargs, headers=ACCEPT_BYTES)
                )

        download = Download(send({}), send, self._t.config.retry.max_attempts, deadline=at)
        return download.expect(size)

    def get_signed_url(self, file_id: str, expiry: int = 24) -> SignedURL:
        """A URL that downloads the file without the key for `expiry` hours."""
        checked = validate_signed_url_expiry(expiry)
        kwargs = gen.get_signed_url(_file_id(file_id), expiry=checked)
        return self._t.call(SIGNED_URL, lambda: self._t.build(self._t.client, kwargs), _signed)

    def download_signed_url(self, url: str | SignedURL) -> Download:
        """Download from a signed URL; the API key is not sent with it."""
        target = validate_signed_url(url.url if isinstance(url, SignedURL) else url)
        kwargs = {"method": "get", "url": target}
        at = self._t.operation_deadline()

        def send(extra: dict[str, str]) -> httpx.Response:
            with scope(at):
                return self._t.stream(
                    SIGNED_DOWNLOAD,
                    lambda: self._t.build(
                        self._t.client,
                        kwargs,
                        authenticated=False,
                        headers={**ACCEPT_BYTES, **extra},
                    ),
                )

        return Download(send({}), send, self._t.config.retry.max_attempts, deadline=at)


class AsyncFiles:
    """Files in the workspace: `client.files` of AsyncMistral."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._t = transport

    async def upload(
        self,
        file: Any,
        purpose: str | None = "batch",
        *,
        file_name: str | None = None,
        visibility: str | None = None,
        expiry: int | None = None,
        progress: Progress | None = None,
    ) -> FileObject:
        """Upload a file (see Files.upload)."""
        source = upload_source(file, file_name)
        kwargs, fields = _upload_parts(source, purpose, visibility, expiry)

        def factory() -> httpx.Request:
            body = Multipart(fields=fields, source=source, progress=progress)
            return self._t.build(
                self._t.client, {**kwargs, "content": body.__aiter__()}, headers=body.headers()
            )

        return await self._t.call(UPLOAD, factory, _file, replayable=source.replayable)

    def list(
        self,
        *,
        page_size: int = 100,
        page: int = 0,
        include_total: bool = True,
        sample_type: Sequence[str] | None = None,
        source: Sequence[str] | None = None,
        search: str | None = None,
        purpose: str | None = None,
        mimetypes: Sequence[str] | None = None,
    ) -> AsyncPaginator[FileObject]:
        """Every matching file, fetched a page at a time (``async for``; ``.pages()`` too)."""
        size = validate_page_size(page_size)

        async def fetch(page: int, page_size: int) -> Page[FileObject]:
            kwargs = _list_kwargs(
                page,
                page_size,
                include_total=include_total,
                sample_type=sample_type,
                source=source,
                search=search,
                purpose=purpose,
                mimetypes=mimetypes,
            )
            return await self._t.call(
                LIST, lambda: self._t.build(self._t.client, kwargs), _page(page)
            )

        return AsyncPaginator(fetch, page_size=size, first_page=page)

    async def retrieve(self, file_id: str) -> FileObject:
        """The file's description."""
        kwargs = gen.retrieve_file(_file_id(file_id))
        return await self._t.call(RETRIEVE, lambda: self._t.build(self._t.client, kwargs), _file)

    async def delete(self, file_id: str) -> Deleted:
        """Delete the file."""
        checked = _file_id(file_id)
        kwargs = gen.delete_file(checked)
        return await self._t.call(
            DELETE,
            lambda: self._t.build(self._t.client, kwargs),
            _deleted,
            gone=lambda: Deleted(id=checked, deleted=True, object="file"),
        )

    async def download(self, file_id: str) -> AsyncDownload:
        """The file's content as a stream: ``async for``, read(), or write_to(path).

        Checked against the file's size from its metadata (see Files.download).
        """
        checked = _file_id(file_id)
        at = self._t.operation_deadline()
        with scope(at):
            size = (await self.retrieve(checked)).bytes

        async def send(extra: dict[str, str]) -> httpx.Response:
            kwargs = _download_kwargs(checked, extra)
            with scope(at):
                return await self._t.stream(
                    DOWNLOAD, lambda: self._t.build(self._t.client, kwargs, headers=ACCEPT_BYTES)
                )

        download = AsyncDownload(
            await send({}), send, self._t.config.retry.max_attempts, deadline=at
        )
        return download.expect(size)

    async def get_signed_url(self, file_id: str, expiry: int = 24) -> SignedURL:
        """A URL that downloads the file without the key for `expiry` hours."""
        checked = validate_signed_url_expiry(expiry)
        kwargs = gen.get_signed_url(_file_id(file_id), expiry=checked)
        return await self._t.call(
            SIGNED_URL, lambda: self._t.build(self._t.client, kwargs), _signed
        )

    async def download_signed_url(self, url: str | SignedURL) -> AsyncDownload:
        """Download from a signed URL; the API key is not sent with it."""
        target = validate_signed_url(url.url if isinstance(url, SignedURL) else url)
        kwargs = {"method": "get", "url": target}
        at = self._t.operation_deadline()

        async def send(extra: dict[str, str]) -> httpx.Response:
            with scope(at):
                return await self._t.stream(
                    SIGNED_DOWNLOAD,
                    lambda: self._t.build(
                        self._t.client,
                        kwargs,
                        authenticated=False,
                        headers={**ACCEPT_BYTES, **extra},
                    ),
                )

        return AsyncDownload(await send({}), send, self._t.config.retry.max_attempts, deadline=at)
