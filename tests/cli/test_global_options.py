"""Global options after the command, the server URL as users type it, one-line errors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from cli_helpers import API_KEY, CLI

from mistral_batch import AsyncMistral, Mistral
from mistral_batch.emulator import Emulator


def test_global_options_are_taken_after_the_command(
    cli: CLI, emu: Emulator, write_input: Callable[..., Path]
) -> None:
    listed = cli(
        "files", "ls", "--json", "--server-url", emu.url, "--api-key", API_KEY,
        MISTRAL_API_KEY=None, MISTRAL_SERVER_URL=None,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == "[]"
    between = cli("files", "--server-url", emu.url, "ls", "--json", MISTRAL_SERVER_URL=None)
    assert between.returncode == 0, between.stderr

    source = write_input(good=2)
    done = cli("run", str(source), "-m", "mistral-small-latest", "--no-progress", "-vv")
    assert done.returncode == 0, done.stderr
    assert "DEBUG httpcore" in done.stderr  # -vv after the command turned the log on
    assert "Total requests: 2" in done.stdout


def test_an_option_after_the_command_wins_over_the_environment(cli: CLI, emu: Emulator) -> None:
    wrong = "wrong-key-abcdefghijklmnop"
    done = cli("jobs", "ls", "--json", "--api-key", API_KEY, MISTRAL_API_KEY=wrong)
    assert done.returncode == 0, done.stderr
    refused = cli("jobs", "ls", "--api-key", wrong)
    assert refused.returncode == 4
    assert wrong not in refused.stderr


def test_a_server_url_ending_in_v1_is_understood(cli: CLI, emu: Emulator) -> None:
    done = cli("files", "ls", "--json", MISTRAL_SERVER_URL=emu.url + "/v1/")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_library_drops_a_trailing_v1_too(emu: Emulator) -> None:
    with Mistral(api_key=API_KEY, server_url=emu.url + "/v1") as client:
        assert client.server_url == emu.url
        assert list(client.files.list()) == []


def test_the_async_client_drops_a_trailing_v1_too(emu: Emulator) -> None:
    async def scenario() -> None:
        async with AsyncMistral(api_key=API_KEY, server_url=emu.url + "/v1") as client:
            assert client.server_url == emu.url
            assert [f async for f in client.files.list()] == []

    asyncio.run(scenario())


def test_a_server_url_without_a_scheme_is_a_usage_error(cli: CLI, emu: Emulator) -> None:
    bare = emu.url.removeprefix("http://")
    done = cli("files", "ls", "--server-url", bare)
    assert done.returncode == 2
    assert f"; did you mean https://{bare}?" in done.stderr
    from_env = cli("jobs", "ls", MISTRAL_SERVER_URL=bare)
    assert from_env.returncode == 2
    assert "MISTRAL_SERVER_URL" in from_env.stderr
    assert sum(emu.stats.requests.values()) == 0


def test_a_wrong_key_says_unauthorized_once(cli: CLI) -> None:
    done = cli("files", "ls", MISTRAL_API_KEY="wrong-key-abcdefghijklmnop")
    assert done.returncode == 4
    assert done.stderr.count("\n") == 1
    assert done.stderr.lower().count("unauthorized") == 1
    assert "check --api-key or MISTRAL_API_KEY" in done.stderr
