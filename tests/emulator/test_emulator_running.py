"""Starting and stopping: restarts on the same data, the module entry point, the fixtures."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from emulator_helpers import api_client, chat_line, download_lines, jsonl, upload, wait_for_job

from mistral_batch.emulator import Emulator
from mistral_batch_emulator.pytest_plugin import EmulatorFactory


def test_restart_keeps_files_and_finishes_a_running_job(tmp_path: Path) -> None:
    content = jsonl(chat_line(i) for i in range(300)) + b"not json\n"
    with (
        Emulator(data_dir=tmp_path, api_keys=["key"], requests_per_second=300) as first,
        api_client(first) as client,
    ):
        stored = upload(client, content)
        job = client.post(
            "/v1/batch/jobs",
            json={
                "input_files": [stored["id"]],
                "model": "m",
                "endpoint": "/v1/chat/completions",
            },
        ).json()
        running = wait_for_job(client, job["id"], statuses={"RUNNING"})
        assert running["status"] == "RUNNING"
        token = client.get(f"/v1/files/{stored['id']}/url").json()["url"].rsplit("/", 1)[1]
    assert tmp_path.is_dir(), "a given data_dir is kept"

    with Emulator(data_dir=tmp_path, api_keys=["key"]) as second, api_client(second) as client:
        assert client.get(f"/v1/files/{stored['id']}").json()["bytes"] == len(content)
        assert client.get(f"/v1/files/{stored['id']}/content").content == content
        assert httpx.get(f"{second.url}/signed/{token}").content == content
        done = wait_for_job(client, job["id"])
        assert done["status"] == "SUCCESS"
        assert (done["succeeded_requests"], done["failed_requests"]) == (300, 1)
        assert done["total_requests"] == 301
        lines = download_lines(client, done["output_file"])
        assert [line["custom_id"] for line in lines] == [str(i) for i in range(300)]
        assert [line["id"] for line in lines] == [f"batch-{job['id']}-{i}" for i in range(300)]
        errors = download_lines(client, done["error_file"])
        assert [e["id"] for e in errors] == [f"batch-{job['id']}-300"]
        assert done["errors"] == [{"message": "Input line is not valid JSON", "count": 1}]


def test_restart_keeps_finished_jobs_and_their_results(tmp_path: Path) -> None:
    with Emulator(data_dir=tmp_path, api_keys=["key"]) as first, api_client(first) as client:
        job = client.post(
            "/v1/batch/jobs",
            json={"requests": [chat_line(0)], "model": "m", "endpoint": "/v1/chat/completions"},
        ).json()
        done = wait_for_job(client, job["id"])
    with Emulator(data_dir=tmp_path, api_keys=["key"]) as second, api_client(second) as client:
        again = client.get(f"/v1/batch/jobs/{job['id']}").json()
        assert again == done
        assert len(download_lines(client, done["output_file"])) == 1


def test_a_temporary_data_dir_is_removed() -> None:
    emulator = Emulator().start()
    data_dir = emulator.data_dir
    assert data_dir is not None and data_dir.is_dir()
    emulator.stop()
    assert not data_dir.exists()
    emulator.stop()  # stopping twice is harmless


def test_start_and_options_errors() -> None:
    with pytest.raises(ValueError):
        Emulator(api_keys=[])
    with pytest.raises(ValueError):
        Emulator(requests_per_second=0)
    with Emulator() as running, pytest.raises(RuntimeError):
        running.start()
    with pytest.raises(RuntimeError):
        _ = Emulator().url


@pytest.fixture
def private_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder that tempfile uses for the emulator's temporary data_dir."""
    folder = tmp_path / "tmpdir"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_a_busy_port_is_named_and_leaves_no_temporary_folder(private_tmpdir: Path) -> None:
    with Emulator() as running:
        busy = Emulator(port=running.port)
        with pytest.raises(OSError, match=f"port {running.port} is in use") as caught:
            busy.start()
        assert caught.value.errno == errno.EADDRINUSE
        assert busy.data_dir is None
        assert running.data_dir is not None
        assert list(private_tmpdir.iterdir()) == [running.data_dir]
    assert list(private_tmpdir.iterdir()) == []


@pytest.mark.parametrize("level", ["trace", "loudest", "WARNING"])
def test_a_log_level_past_debug_or_unknown_is_refused(level: str) -> None:
    # Under "trace", uvicorn would hide the connection that the faults reset and drop.
    expected = f"log_level must be one of critical, error, warning, info, debug: '{level}'"
    with pytest.raises(ValueError) as caught:
        Emulator(log_level=level)
    assert str(caught.value) == expected


def test_a_start_that_fails_later_removes_its_temporary_folder(
    private_tmpdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server's settings are refused after the data folder and its database exist.
    import uvicorn

    def refused(*args: object, **kwargs: object) -> None:
        raise KeyError("refused")

    emulator = Emulator()
    monkeypatch.setattr(uvicorn, "Config", refused)
    with pytest.raises(KeyError, match="refused"):
        emulator.start()
    monkeypatch.undo()
    assert not emulator.running
    assert list(private_tmpdir.iterdir()) == []
    # The port it held is free again: an emulator starts on it.
    with Emulator(port=emulator.port) as again:
        assert again.port == emulator.port


#: The emulator's own package, and the client's re-export of it.
MODULES = ["mistral_batch_emulator", "mistral_batch.emulator"]


@pytest.mark.parametrize("module", MODULES)
def test_python_dash_m_names_a_busy_port_in_one_line(module: str) -> None:
    with Emulator() as running:
        done = subprocess.run(
            [sys.executable, "-m", module, "--port", str(running.port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert done.returncode == 1
    assert done.stderr == f"error: port {running.port} is in use on 127.0.0.1: pick another\n"


def test_each_emulator_has_its_own_random_key() -> None:
    with Emulator() as one, Emulator() as two:
        assert one.api_key != two.api_key
        assert one.url != two.url
        assert (
            httpx.get(
                f"{one.url}/v1/files", headers={"Authorization": f"Bearer {two.api_key}"}
            ).status_code
            == 401
        )


@contextlib.contextmanager
def python_dash_m(module: str, *args: str) -> Iterator[list[str]]:
    """`python -m MODULE --port 0 ARGS` serving: the two lines it prints first (its URL,
    its keys). Ctrl-C on leaving, which it must end with exit code 0."""
    command = [sys.executable, "-m", module, "--port", "0", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield [process.stdout.readline().strip() for _ in range(2)]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_python_dash_m_starts_and_answers(tmp_path: Path) -> None:
    keys = ["--api-key", "first-key", "--api-key", "second-key"]
    with python_dash_m("mistral_batch.emulator", *keys, "--data-dir", str(tmp_path)) as lines:
        assert lines[0].startswith("url: http://127.0.0.1:")
        # Keys the caller chose are not echoed back.
        assert lines[1] == "api_keys: the 2 given with --api-key"
        url = lines[0].removeprefix("url: ")
        answer = httpx.get(f"{url}/v1/files", headers={"Authorization": "Bearer second-key"})
        assert answer.status_code == 200 and answer.json()["data"] == []
    assert (tmp_path / "emulator.sqlite3").is_file()


def test_python_dash_m_hands_every_setting_to_the_emulator() -> None:
    settings = ["--queue-delay", "0.5", "--requests-per-second", "7", "--hour-seconds", "60"]
    settings += ["--max-pending-requests", "9", "--max-upload-bytes", "1234"]
    settings += ["--fail-rate", "0.25"]
    with python_dash_m("mistral_batch_emulator", "--api-key", "key", *settings) as lines:
        url = lines[0].removeprefix("url: ")
        answer = httpx.get(f"{url}/_emulator/settings", headers={"Authorization": "Bearer key"})
        assert answer.json() == {
            "hour_seconds": 60.0,
            "queue_delay": 0.5,
            "requests_per_second": 7.0,
            "max_upload_bytes": 1234,
            "max_pending_requests": 9,
            "fail_rate": 0.25,
            "range_support": True,
            "refuse_unfinished_delete": True,
        }


def test_python_dash_m_hands_the_limits_and_the_fail_rate_to_serve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mistral_batch_emulator import __main__ as entry

    seen: dict[str, object] = {}
    monkeypatch.setattr(entry, "serve", lambda *args, **options: seen.update(options))
    names = ("max_pending_requests", "max_upload_bytes", "fail_rate")
    entry.main([])
    assert [seen[name] for name in names] == [1_000_000, 512 * 1024 * 1024, 0]
    entry.main(["--max-pending-requests", "5", "--max-upload-bytes", "1000", "--fail-rate", "1"])
    assert [seen[name] for name in names] == [5, 1000, 1]
    with pytest.raises(SystemExit) as exited:
        entry.main(["--fail-rate", "2"])
    assert exited.value.code == 2


def test_python_dash_m_refuses_an_empty_key_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from mistral_batch_emulator import __main__ as entry

    with pytest.raises(SystemExit) as exited:
        entry.main(["--api-key", "key-1", "--api-key", " ", "--port", "0"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.endswith("error: api_keys must not hold an empty key\n")
    assert "Traceback" not in err


def test_python_dash_m_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mistral_batch.emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().removeprefix("url: ")
        key = process.stdout.readline().strip().removeprefix("api_key: ")
        assert key.startswith("emu-")
        assert (
            httpx.get(
                f"{url}/v1/batch/jobs", headers={"Authorization": f"Bearer {key}"}
            ).status_code
            == 200
        )
        os.kill(process.pid, signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_function_fixture(mistral_emulator: Emulator) -> None:
    with api_client(mistral_emulator) as client:
        assert upload(client, b"x\n", "x.txt")["bytes"] == 2
        assert client.get("/v1/files").json()["total"] == 1


def test_the_function_fixture_is_fresh_each_time(mistral_emulator: Emulator) -> None:
    with api_client(mistral_emulator) as client:
        assert client.get("/v1/files").json()["total"] == 0


def test_the_session_fixture(mistral_emulator_session: Emulator) -> None:
    assert mistral_emulator_session.running
    with api_client(mistral_emulator_session) as client:
        assert client.get("/v1/batch/jobs").status_code == 200


@pytest.mark.parametrize("module", MODULES)
def test_python_dash_m_help_names_the_module_it_was_run_as(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: python -m {module} ")


def test_the_client_name_is_the_same_emulator() -> None:
    import mistral_batch.emulator
    import mistral_batch_emulator

    assert mistral_batch.emulator.__all__ == mistral_batch_emulator.__all__
    for name in mistral_batch_emulator.__all__:
        assert getattr(mistral_batch.emulator, name) is getattr(mistral_batch_emulator, name)


def test_a_running_emulator_loads_nothing_of_the_client() -> None:
    # import-linter checks the import statements; this checks what a real run loads.
    code = (
        "import sys, httpx\n"
        "from mistral_batch_emulator import Emulator\n"
        "with Emulator() as emu:\n"
        "    auth = {'Authorization': f'Bearer {emu.api_key}'}\n"
        "    files = {'file': ('a.jsonl', b'{}\\n')}\n"
        "    assert httpx.post(f'{emu.url}/v1/files', headers=auth, files=files).is_success\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith('mistral')}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "['mistral_batch_emulator']"


def test_the_factory_fixture_starts_emulators_with_the_options_given(
    mistral_emulator_factory: EmulatorFactory,
) -> None:
    one = mistral_emulator_factory(api_keys=["one-key"])
    two = mistral_emulator_factory(api_keys=["two-key"], queue_delay=60)
    assert one.running and two.running and one.url != two.url
    with api_client(two, "two-key") as client:
        upload(client, jsonl([chat_line(0)]))
        assert client.get("/v1/files").json()["total"] == 1
    with api_client(one, "two-key", contract=False) as stranger:
        assert stranger.get("/v1/files").status_code == 401
    assert two.settings.queue_delay == 60
    assert mistral_emulator_factory.started == [one, two]


def test_the_factory_stops_and_wipes_each_emulator_it_started() -> None:
    factory = EmulatorFactory()
    first, second = factory(), factory()
    data_dirs = [first.data_dir, second.data_dir]
    assert all(d is not None and d.is_dir() for d in data_dirs)
    factory.stop_all()
    assert not first.running and not second.running
    assert factory.started == []
    assert not any(d is not None and d.exists() for d in data_dirs)


def test_the_plugin_module_imports_no_server_stack() -> None:
    code = (
        "import sys, mistral_batch_emulator.pytest_plugin;"
        "print(any(m.split('.')[0] in ('uvicorn', 'starlette') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
