# Generated from overlay/mistral_batch/_async/_files.py by scripts/unasync.py; do not edit.
"""The files resource: upload, list, retrieve, delete, download and signed URLs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import _generated as gen
from .._deadline import scope
from .._local_files import Progress
from .._operations import (
    DELETE_FILE,
    DOWNLOAD_FILE,
    DOWNLOAD_SIGNED_URL,
    GET_SIGNED_URL,
    LIST_FILES,
    RETRIEVE_FILE,
    UPLOAD_FILE,
    file_gone,
    upload_args,
)
from .._operations import file_id as checked_file_id
from .._pagination import Page
from .._parse import file_deleted, file_object, file_page, signed_url
from .._upload import Multipart, upload_source
from .._validation import validate_page_size, validate_signed_url, validate_signed_url_expiry
from ..models import Deleted, FileObject, SignedURL
from ._download import Download
from ._paginator import SyncPaginator
from ._transport import SyncTransport

__all__ = ["Files"]


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
        args, fields = upload_args(source, purpose, visibility, expiry)
        return self._t.call(
            UPLOAD_FILE,
            args,
            file_object,
            body=lambda: Multipart(fields=fields, source=source, progress=progress),
            replayable=source.replayable,
        )

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
        filters: dict[str, Any] = {
            "include_total": include_total,
            "sample_type": sample_type,
            "source": source,
            "search": search,
            "purpose": purpose,
            "mimetypes": mimetypes,
        }

        def fetch(page: int, page_size: int) -> Page[FileObject]:
            args = gen.list_files(page=page, page_size=page_size, **filters)
            return self._t.call(LIST_FILES, args, file_page(page))

        return SyncPaginator(fetch, page_size=size, first_page=page)

    def retrieve(self, file_id: str) -> FileObject:
        """The file's description."""
        args = gen.retrieve_file(checked_file_id(file_id))
        return self._t.call(RETRIEVE_FILE, args, file_object)

    def delete(self, file_id: str) -> Deleted:
        """Delete the file."""
        checked = checked_file_id(file_id)
        args = gen.delete_file(checked)
        return self._t.call(DELETE_FILE, args, file_deleted, gone=file_gone(checked))

    def download(self, file_id: str) -> Download:
        """The file's content as a stream: iterate it, read() it, or write_to(path).

        Checked against the file's size from its metadata where it gives one: a body
        cut short is resumed, or raises IncompleteDownloadError.
        """
        checked = checked_file_id(file_id)
        at = self._t.operation_deadline()
        with scope(at):
            size = (self.retrieve(checked)).bytes
        download = Download(self._t, DOWNLOAD_FILE, gen.download_file(checked), deadline=at)
        return (download.open()).expect(size)

    def get_signed_url(self, file_id: str, expiry: int = 24) -> SignedURL:
        """A URL that downloads the file without the key for `expiry` hours."""
        hours = validate_signed_url_expiry(expiry)
        args = gen.get_signed_url(checked_file_id(file_id), hours)
        return self._t.call(GET_SIGNED_URL, args, signed_url)

    def download_signed_url(self, url: str | SignedURL) -> Download:
        """Download from a signed URL; the API key is not sent with it."""
        target = validate_signed_url(url.url if isinstance(url, SignedURL) else url)
        download = Download(
            self._t,
            DOWNLOAD_SIGNED_URL,
            {"method": "get", "url": target},
            authenticated=False,
            deadline=self._t.operation_deadline(),
        )
        return download.open()
