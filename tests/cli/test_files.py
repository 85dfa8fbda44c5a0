"""`mistral-batch files`: each subcommand against the emulator, as tables and as JSON."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import httpx
from cli_helpers import CLI

from mistral_batch import Mistral
from mistral_batch.emulator import Emulator


def test_a_file_goes_up_is_listed_shown_signed_downloaded_and_removed(
    cli: CLI, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    source = write_input(good=3)

    [uploaded] = cli.json("files", "upload", str(source))
    assert uploaded["filename"] == "requests.jsonl"
    assert uploaded["bytes"] == source.stat().st_size
    assert uploaded["purpose"] == "batch"
    file_id = uploaded["id"]

    listed = cli.json("files", "ls")
    assert [f["id"] for f in listed] == [file_id]
    assert cli.json("files", "get", file_id)["num_lines"] == 3

    table = cli("files", "ls")
    assert table.returncode == 0
    assert file_id in table.stdout
    assert "requests.jsonl" in table.stdout
    assert file_id in cli("files", "get", file_id).stdout

    signed = cli.json("files", "url", file_id, "--expiry", "1")
    assert httpx.get(signed["url"]).content == source.read_bytes()
    assert cli("files", "url", file_id).stdout.strip().startswith(cli.emulator.url)

    target = tmp_path / "copy.jsonl"
    got = cli.json("files", "download", file_id, "-o", str(target))
    assert got["bytes"] == source.stat().st_size
    assert target.read_bytes() == source.read_bytes()
    # Without -o, the file keeps its name, in the current folder.
    (tmp_path / "requests.jsonl").unlink()
    assert cli("files", "download", file_id).returncode == 0
    assert (tmp_path / "requests.jsonl").read_bytes() == target.read_bytes()

    assert cli.json("files", "rm", file_id) == [{"id": file_id, "object": "file", "deleted": True}]
    assert cli.json("files", "ls") == []
    gone = cli("files", "get", file_id)
    assert gone.returncode == 1
    assert "404" in gone.stderr


def test_ls_walks_every_page(cli: CLI, client: Mistral) -> None:
    ids = {
        client.files.upload({"file_name": f"f{i}.jsonl", "content": io.BytesIO(b"{}\n")}).id
        for i in range(105)  # more than one page of 100
    }
    listed = cli.json("files", "ls")
    assert {f["id"] for f in listed} == ids
    assert len(listed) == 105
    # --page 1 starts at the second page of 100 and walks on to the end.
    rest = cli.json("files", "ls", "--page", "1")
    assert [f["id"] for f in rest] == [f["id"] for f in listed[100:]]
    assert cli.json("files", "ls", "--page", "2") == []


def test_upload_checks_batch_input_first_and_sends_nothing_if_bad(
    cli: CLI, emu: Emulator, write_input: Callable[..., Path], tmp_path: Path
) -> None:
    good = write_input(good=1)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"custom_id": "x", "body": {}}\n{"custom_id": "x", "body": {}}\n')

    done = cli("files", "upload", str(good), str(bad))
    assert done.returncode == 3
    assert "bad.jsonl line 2: duplicate custom_id" in done.stderr
    assert sum(emu.stats.requests.values()) == 0

    forced = cli.json("files", "upload", "--no-check", str(bad))
    assert forced[0]["filename"] == "bad.jsonl"


def test_ls_filters_by_purpose_and_name(cli: CLI, client: Mistral) -> None:
    client.files.upload({"file_name": "alpha.jsonl", "content": io.BytesIO(b"{}\n")})
    client.files.upload({"file_name": "beta.jsonl", "content": io.BytesIO(b"{}\n")})
    assert [f["filename"] for f in cli.json("files", "ls", "--search", "alpha")] == ["alpha.jsonl"]
    assert cli.json("files", "ls", "--purpose", "ocr") == []
