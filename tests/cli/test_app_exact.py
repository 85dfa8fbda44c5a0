"""The command's App and the demo's requests, to the character: the error a plain-http
server gives, global options given after the command, the emulator's note, and the
shape of the demo's random requests."""

from __future__ import annotations

import random
import re

import pytest

from mistral_batch.cli._app import App
from mistral_batch.cli._demo import demo_requests, random_text

KEY = "app-test-key-0123456789"


def test_a_plain_http_server_names_the_commands_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = App(server_url="http://example.com", api_key=KEY)
    with pytest.raises(Exception) as caught:
        app.client()
    assert app.fail(caught.value) == 1
    assert capsys.readouterr().err == (
        "error: refusing to send the API key over http:// to example.com; use https,"
        " or pass --allow-insecure-http if this network is trusted\n"
    )


def test_no_progress_after_the_command_turns_the_bars_off() -> None:
    app = App()
    app.out.progress = True  # as on a terminal
    app.override("no_progress", True)
    assert app.out.progress is False


def test_a_false_no_progress_leaves_the_bars_as_they_were() -> None:
    app = App()
    app.out.progress = True
    app.override("no_progress", False)
    assert app.out.progress is True


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("max_retries", 0),
        ("server_url", "https://example.com"),
        ("use_emulator", True),
        ("allow_insecure_http", True),
    ],
)
def test_a_client_option_after_the_command_is_taken(name: str, value: object) -> None:
    app = App()
    app.override(name, value)
    assert getattr(app, name) == value


def test_an_unknown_option_name_is_a_programming_error() -> None:
    with pytest.raises(AssertionError, match="not a global option: colour"):
        App().override("colour", True)


def test_the_emulator_is_announced_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    app = App(no_progress=True)
    try:
        emulator = app.start_emulator()
        assert app.start_emulator() is emulator  # once
        first = f"Using a local emulator at {emulator.url}: no key, no network.\n"
        assert capsys.readouterr().err == first
    finally:
        app.close()


def test_the_emulators_note_may_say_why_first(capsys: pytest.CaptureFixture[str]) -> None:
    app = App(no_progress=True)
    try:
        emulator = app.start_emulator(why="No MISTRAL_API_KEY. ")
        assert capsys.readouterr().err == (
            f"No MISTRAL_API_KEY. Using a local emulator at {emulator.url}: no key, no network.\n"
        )
    finally:
        app.close()


def test_a_random_text_is_single_letters_between_spaces() -> None:
    assert random_text(random.Random(1), 3, 6) == "o u b"
    rng = random.Random(0)
    texts = [random_text(rng, 2, 5) for _ in range(200)]
    assert all(re.fullmatch(r"[a-z]( [a-z])*", text) for text in texts)
    assert {len(text.split()) for text in texts} == {2, 3, 4}  # low to high, high excluded


def test_the_demos_requests_keep_their_shape() -> None:
    requests = demo_requests(4, 1, random.Random(7))
    assert [r["custom_id"] for r in requests] == ["0", "1", "2", "3"]
    for request in requests[:3]:
        body = request["body"]
        assert isinstance(body, dict)
        assert list(body) == ["max_tokens", "messages"]
        [message] = body["messages"]
        assert list(message) == ["role", "content"] and message["role"] == "user"
        assert 100 <= len(message["content"].split()) < 5000
    invalid = requests[3]["body"]
    assert isinstance(invalid, dict)
    assert list(invalid) == ["max_tokens"]  # the invalid one: no messages


def test_the_demos_requests_for_a_seed() -> None:
    assert demo_requests(3, 3, random.Random(42)) == [
        {"custom_id": "0", "body": {"max_tokens": 664}},
        {"custom_id": "1", "body": {"max_tokens": 124}},
        {"custom_id": "2", "body": {"max_tokens": 35}},
    ]


def test_the_demos_max_tokens_run_from_10_to_1000() -> None:
    drawn = [r["body"] for r in demo_requests(20000, 20000, random.Random(0))]
    tokens = [body["max_tokens"] for body in drawn if isinstance(body, dict)]
    assert len(tokens) == 20000
    assert (min(tokens), max(tokens)) == (10, 1000)
