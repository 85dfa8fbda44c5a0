from enum import StrEnum


class SampleType(StrEnum):
    BATCH_ERROR = "batch_error"
    BATCH_REQUEST = "batch_request"
    BATCH_RESULT = "batch_result"
    INSTRUCT = "instruct"
    PRETRAIN = "pretrain"

    def __str__(self) -> str:
        return str(self.value)
