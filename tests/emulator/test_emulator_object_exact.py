"""The Emulator object, exactly: prepared faults, its default fault target, its signing
secret on disk and its silent access log."""

from __future__ import annotations

import io
import sys
import threading
from pathlib import Path

import httpx
import pytest
from emulator_helpers import api_client, upload

from mistral_batch.emulator import Emulator, Fault
from mistral_batch_emulator._signing import Signer


def test_a_prepared_fault_is_activated_and_handed_back(emulator: Emulator) -> None:
    """add_fault returns the very rule it activated, and the next request meets it."""
    fault = Fault(operation="list_files", status=503)
    assert emulator.add_fault(fault) is fault
    assert [rule["operation"] for rule in emulator.active_faults()] == ["list_files"]
    with api_client(emulator) as client:
        assert client.get("/v1/files").status_code == 503
        assert client.get("/v1/files").status_code == 200


def test_an_injected_fault_names_no_operation_and_breaks_any(emulator: Emulator) -> None:
    """inject without an operation makes a rule for "*": the next request, whatever it is."""
    emulator.inject(status=503)
    [rule] = emulator.active_faults()
    assert (rule["operation"], rule["remaining"]) == ("*", 1)
    with api_client(emulator) as client:
        assert client.get("/v1/batch/jobs").status_code == 503
        assert client.get("/v1/batch/jobs").status_code == 200


def test_download_urls_are_signed_with_the_secret_in_signing_key(tmp_path: Path) -> None:
    """A secret kept in data_dir/signing.key is the one the signed URLs are made with."""
    secret = bytes(range(32))
    (tmp_path / "signing.key").write_bytes(secret)
    with Emulator(data_dir=tmp_path) as emu, api_client(emu) as client:
        stored = upload(client, b"hello\n", "hello.txt")
        url = client.get(f"/v1/files/{stored['id']}/url").json()["url"]
        assert httpx.get(url).content == b"hello\n"
    token = url.rpartition("/signed/")[2]
    verified = Signer(secret).verify(token)
    assert verified is not None and verified[0] == stored["id"]
    assert (tmp_path / "signing.key").read_bytes() == secret


def test_requests_are_not_logged_even_at_info_level(monkeypatch: pytest.MonkeyPatch) -> None:
    """At log level "info", answering a request writes no access line to stdout."""
    stdout = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stdout)
    with Emulator(log_level="info") as emu, api_client(emu) as client:
        assert client.get("/v1/files").status_code == 200
    assert stdout.getvalue() == ""


def test_a_data_dir_that_is_a_file_fails_the_start_with_its_own_error(tmp_path: Path) -> None:
    """The error that stopped the start is the one raised, with nothing left running."""
    taken = tmp_path / "taken"
    taken.write_bytes(b"")
    emu = Emulator(data_dir=taken)
    with pytest.raises(FileExistsError):
        emu.start()
    assert "emulator-http" not in [thread.name for thread in threading.enumerate()]


def test_the_server_runs_in_a_thread_named_for_it() -> None:
    """While it serves, the emulator's HTTP thread is named emulator-http; it ends on stop."""
    with Emulator():
        [thread] = [t for t in threading.enumerate() if t.name == "emulator-http"]
        assert thread.daemon is True
    assert not thread.is_alive()
