"""Fixtures of the emulator tests: running emulators and contract-checked clients."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

# The suite runs with --import-mode=importlib, which puts no test folder on sys.path;
# the shared helpers beside this file are imported by their plain names.
sys.path.insert(0, str(Path(__file__).parent))

from emulator_helpers import api_client

from mistral_batch.emulator import Emulator


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., Emulator]]:
    """Start emulators with given options; all are stopped after the test."""
    started: list[Emulator] = []

    def make(**options: Any) -> Emulator:
        emulator = Emulator(**options).start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        emulator.stop()


@pytest.fixture
def emulator(make_emulator: Callable[..., Emulator]) -> Emulator:
    return make_emulator()


@pytest.fixture
def client(emulator: Emulator) -> Iterator[httpx.Client]:
    with api_client(emulator) as client:
        yield client
