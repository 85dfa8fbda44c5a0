from enum import StrEnum


class ApiEndpoint(StrEnum):
    VALUE_0 = "/v1/chat/completions"
    VALUE_1 = "/v1/embeddings"
    VALUE_2 = "/v1/fim/completions"
    VALUE_3 = "/v1/moderations"
    VALUE_4 = "/v1/chat/moderations"
    VALUE_5 = "/v1/ocr"
    VALUE_6 = "/v1/classifications"
    VALUE_7 = "/v1/chat/classifications"
    VALUE_8 = "/v1/conversations"
    VALUE_9 = "/v1/audio/transcriptions"

    def __str__(self) -> str:
        return str(self.value)
