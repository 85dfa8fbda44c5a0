"""Object storage: where a run reads its input or writes its answers, and where a file is
downloaded to, a URL (``s3://...``, ``gs://...``, ``az://...``) works as a local path does,
with fsspec and the URL's backend installed (``pip install "mistral-batch[storage]"``
and, for S3, s3fs)."""

from ._storage import atomic_output, is_url, open_input, url_size

__all__ = ["atomic_output", "is_url", "open_input", "url_size"]
