"""A key typed at a terminal: an empty one is refused, naming where it came from."""

from __future__ import annotations

import getpass
import io

import pytest

from mistral_batch.cli._keys import KeySourceError, read_key_stdin


class TerminalInput(io.StringIO):
    """Standard input that is a terminal."""

    def isatty(self) -> bool:
        return True


def test_an_empty_key_typed_at_a_terminal_is_refused_as_the_key_typed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only spaces typed at the prompt: "the key typed holds no API key"."""
    prompts: list[str] = []

    def typed(prompt: str = "") -> str:
        prompts.append(prompt)
        return "   "

    monkeypatch.setattr(getpass, "getpass", typed)
    with pytest.raises(KeySourceError) as refused:
        read_key_stdin(TerminalInput())
    assert str(refused.value) == "the key typed holds no API key"
    assert prompts == ["API key: "]
