"""Fixtures of the command-line tests: an emulator over real sockets, and the command.

The command runs in a subprocess (``python -m mistral_batch.cli``), as a user would run
it, with MISTRAL_API_KEY and MISTRAL_SERVER_URL pointing at the test's emulator.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# The suite runs with --import-mode=importlib, which puts no test folder on sys.path;
# the shared helpers beside this file are imported by their plain names.
sys.path.insert(0, str(Path(__file__).parent))

from cli_helpers import API_KEY, CLI, chat_request

from mistral_batch import Mistral
from mistral_batch.emulator import Emulator
from mistral_batch_emulator.pytest_plugin import EmulatorFactory


@pytest.fixture
def emu(mistral_emulator_factory: EmulatorFactory) -> Emulator:
    """The plugin's emulator for one test, with the key the command is given."""
    return mistral_emulator_factory(api_keys=[API_KEY])


@pytest.fixture
def cli(emu: Emulator, tmp_path: Path) -> CLI:
    return CLI(emu, tmp_path)


@pytest.fixture
def client(emu: Emulator) -> Iterator[Mistral]:
    with Mistral(api_key=API_KEY, server_url=emu.url) as c:
        yield c


@pytest.fixture
def write_input(tmp_path: Path) -> Callable[..., Path]:
    """Write a JSONL input: `good` valid requests, then `bad` that the server rejects."""

    def write(name: str = "requests.jsonl", good: int = 5, bad: int = 0) -> Path:
        lines = [chat_request(str(i)) for i in range(good)]
        lines += [{"custom_id": f"bad-{i}", "body": {"max_tokens": 5}} for i in range(bad)]
        path = tmp_path / name
        path.write_text("".join(json.dumps(line) + "\n" for line in lines))
        return path

    return write
