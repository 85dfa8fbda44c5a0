"""Run-time settings of an emulator, shared by the HTTP handlers and the job worker."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024


@dataclass
class Settings:
    """What an emulator does that a test may want to change.

    ``hour_seconds`` is how many real seconds one API hour lasts: it scales
    ``timeout_hours``, file ``expiry`` and signed URL ``expiry``, so that a test can watch
    a job time out or a URL expire without waiting hours.
    """

    hour_seconds: float = 3600.0
    queue_delay: float = 0.0
    requests_per_second: float | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    #: Mistral's limit: the unanswered requests of a workspace's QUEUED and RUNNING jobs.
    max_pending_requests: int = 1_000_000
    #: The share of requests the fake model answers with a transient 503 instead (see
    #: ``_transient``): the same requests on the same attempt fail every time.
    fail_rate: float = 0.0
    range_support: bool = True
    #: Whether deleting a queued or running job is refused with a 409. Mistral's document
    #: does not say; with False such a job is deleted at once.
    refuse_unfinished_delete: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def snapshot(self) -> dict[str, object]:
        """The settings as JSON-ready values."""
        with self.lock:
            return {
                "hour_seconds": self.hour_seconds,
                "queue_delay": self.queue_delay,
                "requests_per_second": self.requests_per_second,
                "max_upload_bytes": self.max_upload_bytes,
                "max_pending_requests": self.max_pending_requests,
                "fail_rate": self.fail_rate,
                "range_support": self.range_support,
                "refuse_unfinished_delete": self.refuse_unfinished_delete,
            }
