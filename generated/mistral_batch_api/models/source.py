from enum import StrEnum


class Source(StrEnum):
    MISTRAL = "mistral"
    REPOSITORY = "repository"
    UPLOAD = "upload"

    def __str__(self) -> str:
        return str(self.value)
