"""Pytest fixtures that run the local emulator of Mistral's Files and Batch API.

Registered as the ``mistral_batch_emulator`` plugin, so installing mistral-batch with
the ``emulator`` extra makes three fixtures available to every test suite:

- ``mistral_emulator``: a fresh emulator for one test (its own data and key);
- ``mistral_emulator_session``: one emulator shared by the whole session;
- ``mistral_emulator_factory``: starts emulators with any options of
  :class:`~mistral_batch_emulator.Emulator` (keys, queue delay, speed, faults...), each
  stopped after the test.

Each emulator is a running :class:`mistral_batch_emulator.Emulator`; use ``.url`` as the
client's server URL and ``.api_key`` as its key. Starlette and uvicorn are imported only
when a fixture is used, so the plugin costs nothing to suites that do not use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mistral_batch_emulator import Emulator


class EmulatorFactory:
    """Starts emulators with given options, and stops every one of them at the end."""

    def __init__(self) -> None:
        self.started: list[Emulator] = []

    def __call__(self, **options: Any) -> Emulator:
        """A running emulator built with ``options``, the keywords of ``Emulator``."""
        from mistral_batch_emulator import Emulator

        emulator = Emulator(**options).start()
        self.started.append(emulator)
        return emulator

    def stop_all(self) -> None:
        """Stop each emulator started here and wipe its temporary data, newest first."""
        while self.started:
            self.started.pop().stop()


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


@pytest.fixture
def mistral_emulator_factory() -> Iterator[EmulatorFactory]:
    """Call it with the options of ``Emulator`` for a running one; all stop after the test."""
    factory = EmulatorFactory()
    yield factory
    factory.stop_all()
