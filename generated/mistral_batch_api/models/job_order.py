from enum import StrEnum


class JobOrder(StrEnum):
    CREATED = "created"
    VALUE_1 = "-created"

    def __str__(self) -> str:
        return str(self.value)
