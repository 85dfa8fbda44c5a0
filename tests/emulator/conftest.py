"""Fixtures of the emulator tests: running emulators and contract-checked clients."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

# The suite runs with --import-mode=importlib, which puts no test folder on sys.path;
# the shared helpers beside this file are imported by their plain names.
sys.path.insert(0, str(Path(__file__).parent))

from emulator_helpers import api_client

from mistral_batch.emulator import Emulator
from mistral_batch_emulator._store import Store
from mistral_batch_emulator.pytest_plugin import EmulatorFactory


@pytest.fixture
def make_emulator(mistral_emulator_factory: EmulatorFactory) -> EmulatorFactory:
    """The plugin's factory: emulators with given options, all stopped after the test."""
    return mistral_emulator_factory


@pytest.fixture
def emulator(mistral_emulator: Emulator) -> Emulator:
    """The plugin's emulator for one test."""
    return mistral_emulator


@pytest.fixture
def client(emulator: Emulator) -> Iterator[httpx.Client]:
    with api_client(emulator) as client:
        yield client


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A store of its own in the test's folder, closed after the test."""
    opened = Store(tmp_path)
    yield opened
    opened.close()
