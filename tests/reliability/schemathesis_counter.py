"""A pytest plugin for a child run of tests/emulator's schemathesis test: it counts the
cases sent per operation and writes them, as JSON, to $RELIABILITY_CASE_COUNTS."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis

COUNTS: Counter[str] = Counter()


def pytest_configure(config: pytest.Config) -> None:
    """Count every case schemathesis sends and checks."""
    original = schemathesis.Case.call_and_validate

    def counting(self: schemathesis.Case, *args: Any, **kwargs: Any) -> Any:
        COUNTS[str(self.operation.definition.raw.get("operationId"))] += 1
        return original(self, *args, **kwargs)

    schemathesis.Case.call_and_validate = counting  # type: ignore[method-assign]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Hand the counts to the parent run."""
    Path(os.environ["RELIABILITY_CASE_COUNTS"]).write_text(json.dumps(COUNTS))
