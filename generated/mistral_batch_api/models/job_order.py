from enum import StrEnum


class JobOrder(StrEnum):
    NEWEST_FIRST = "-created"
    OLDEST_FIRST = "created"

    def __str__(self) -> str:
        return str(self.value)
