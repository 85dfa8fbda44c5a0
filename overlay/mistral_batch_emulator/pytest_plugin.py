"""Pytest fixtures that run the local emulator of Mistral's Files and Batch API.

Registered as the ``mistral_batch_emulator`` plugin, so installing mistral-batch with
the ``emulator`` extra makes two fixtures available to every test suite:

- ``mistral_emulator``: a fresh emulator for one test (its own data and key);
- ``mistral_emulator_session``: one emulator shared by the whole session.

Each yields a running :class:`mistral_batch_emulator.Emulator`; use ``.url`` as the
client's server URL and ``.api_key`` as its key. Starlette and uvicorn are imported only
when a fixture is used, so the plugin costs nothing to suites that do not use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from mistral_batch_emulator import Emulator


def _running_emulator() -> Iterator[Emulator]:
    from mistral_batch_emulator import Emulator

    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def mistral_emulator() -> Iterator[Emulator]:
    """A running emulator for one test, stopped and wiped afterwards."""
    yield from _running_emulator()


@pytest.fixture(scope="session")
def mistral_emulator_session() -> Iterator[Emulator]:
    """A running emulator shared by the whole test session."""
    yield from _running_emulator()
