from enum import StrEnum


class FilePurpose(StrEnum):
    AUDIO = "audio"
    BATCH = "batch"
    FINE_TUNE = "fine-tune"
    OCR = "ocr"

    def __str__(self) -> str:
        return str(self.value)
