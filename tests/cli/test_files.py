"""`mistral-batch files`: each subcommand against the emulator, as tables and as JSON."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from cli_helpers import CLI

from mistral_batch import Mistral
from mistral_batch.cli._app import CommandError
from mistral_batch.cli._files import download_target
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


# The emulator cuts names with separators to their last part and drops control
# characters, as many servers do; test_download_target_decides_without_a_server
# refuses those names.
@pytest.mark.parametrize("name", [".bashrc", ".ssh"])
def test_download_refuses_a_name_that_could_pick_a_hidden_file_or_folder(
    cli: CLI, client: Mistral, tmp_path: Path, name: str
) -> None:
    file_id = client.files.upload({"file_name": name, "content": io.BytesIO(b"{}\n")}).id
    before = sorted(tmp_path.iterdir())
    done = cli("files", "download", file_id)
    assert done.returncode == 2
    assert "pass --output to name the target" in done.stderr
    assert sorted(tmp_path.iterdir()) == before
    # Named by the user, the same file downloads.
    assert cli("files", "download", file_id, "--output", "safe.jsonl").returncode == 0
    assert (tmp_path / "safe.jsonl").read_bytes() == b"{}\n"


def test_download_never_replaces_a_file_without_force(
    cli: CLI, client: Mistral, tmp_path: Path
) -> None:
    file_id = client.files.upload({"file_name": "data.jsonl", "content": io.BytesIO(b"new\n")}).id
    mine = tmp_path / "data.jsonl"
    mine.write_text("mine\n")
    for args in ([], ["--output", "data.jsonl"]):
        done = cli("files", "download", file_id, *args)
        assert done.returncode == 2
        assert "data.jsonl exists; pass --force to replace it" in done.stderr
        assert mine.read_text() == "mine\n"
    assert cli("files", "download", file_id, "--force").returncode == 0
    assert mine.read_text() == "new\n"


def test_download_target_decides_without_a_server(tmp_path: Path) -> None:
    assert download_target("results.jsonl", None, force=False) == Path("results.jsonl")
    for name in ("", ".env", "../up", "/etc/passwd", "a/b", "a\\b", "tab\there"):
        with pytest.raises(CommandError, match="pass --output"):
            download_target(name, None, force=False)
    existing = tmp_path / "there"
    existing.write_text("x")
    with pytest.raises(CommandError, match="pass --force"):
        download_target(".anything", existing, force=False)
    assert download_target(".anything", existing, force=True) == existing
    dangling = tmp_path / "link"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(CommandError, match="pass --force"):
        download_target("x", dangling, force=False)
