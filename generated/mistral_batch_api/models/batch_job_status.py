from enum import StrEnum


class BatchJobStatus(StrEnum):
    CANCELLATION_REQUESTED = "CANCELLATION_REQUESTED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    TIMEOUT_EXCEEDED = "TIMEOUT_EXCEEDED"

    def __str__(self) -> str:
        return str(self.value)
