"""A pytest plugin for scripts/mutate: a test's calls made in its subprocesses count.

At the end of each test it hands mutmut the names that the test's Python subprocesses
recorded (see sitecustomize.py beside it), before mutmut files the test's calls.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Add the calls written by the test's subprocesses to the ones mutmut saw."""
    folder = os.environ.get("MUTATE_TRACE_DIR")
    if not folder or os.environ.get("MUTANT_UNDER_TEST") != "stats":
        return
    from mutmut.state import state

    for found in Path(folder).glob("*.calls"):
        state()._stats.update(filter(None, found.read_text(encoding="utf-8").splitlines()))
        found.unlink()
