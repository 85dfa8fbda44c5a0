"""Answers as the API sends them, for the tests that serve their own."""

from __future__ import annotations

from typing import Any

#: A file object with the fields the API always sends.
FILE_ANSWER: dict[str, Any] = {
    "id": "file-1",
    "object": "file",
    "bytes": 4,
    "created_at": 1,
    "filename": "a.jsonl",
    "purpose": "batch",
    "sample_type": "batch_request",
    "source": "upload",
}
